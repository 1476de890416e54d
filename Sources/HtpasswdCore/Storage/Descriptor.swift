import Glibc

/// An open file descriptor and the duty to close it: every descriptor the storage code opens is held by one
/// of these from the moment the call returns, and closed exactly once, when the value's life ends — at the
/// end of its scope, when it is replaced (`current = next` in a walk), or by ``close()``.
///
/// It cannot be copied, so a descriptor has one owner at a time and is never closed twice. A noncopyable
/// `let` lives to the end of its scope unless it is consumed, so ``raw`` stays valid for every use written
/// inside that scope. Errors of `close` are ignored: code that needs durability calls `fsync` first.
struct Descriptor: ~Copyable {
    /// The descriptor, for the system calls that take one. Valid while this value lives; never close it.
    let raw: CInt

    /// Takes ownership of `raw`, an open descriptor.
    init(adopting raw: CInt) {
        self.raw = raw
    }

    /// Opens `path` (`open(2)` with `O_CLOEXEC`, retried on `EINTR`); nil when it fails, with `errno` set.
    static func open(_ path: String, _ flags: CInt) -> Descriptor? {
        var fd: CInt
        repeat { fd = Glibc.open(path, flags | O_CLOEXEC) } while fd < 0 && errno == EINTR
        return fd >= 0 ? Descriptor(adopting: fd) : nil
    }

    /// Closes the descriptor now, before the end of the scope.
    consuming func close() {}

    /// Hands the descriptor to something that closes it itself (`fdopendir`, whose `closedir` does).
    consuming func handOver() -> CInt {
        let raw = raw
        discard self
        return raw
    }

    deinit { _ = Glibc.close(raw) }
}
