import CLinux
import Glibc
import SystemPackage

/// A thin layer over the C library, in swift-system's manner: `EINTR` is retried (except for `close`
/// and `rename`, whose state after `EINTR` is unspecified), and errors carry the call and `errno`.
/// Paths are ``FilePath``s: their bytes go to the kernel as they are, valid UTF-8 or not.
enum Syscall {
    /// Calls `body` until it stops failing with `EINTR`.
    @discardableResult
    static func retrying(_ call: SystemCall, _ body: () -> CInt) throws(SystemError) -> CInt {
        while true {
            let result = body()
            if result != -1 { return result }
            if errno != EINTR { throw SystemError(call, errno: errno) }
        }
    }

    /// `open(2)` with `O_CLOEXEC`: the descriptor, owned.
    static func open(_ path: FilePath, _ flags: CInt, mode: mode_t = 0) throws(SystemError) -> Descriptor {
        Descriptor(
            adopting: try retrying(.open) { path.withPlatformString { Glibc.open($0, flags | O_CLOEXEC, mode) } })
    }

    /// Reads up to `count` bytes into `buffer` at `offset`; 0 at the end of the file.
    static func read(_ fd: CInt, into buffer: UnsafeMutableRawPointer, count: Int) throws(SystemError) -> Int {
        while true {
            let n = Glibc.read(fd, buffer, count)
            if n >= 0 { return n }
            if errno != EINTR { throw SystemError(.read, errno: errno) }
        }
    }

    /// Reads the whole of `fd` from its current offset.
    static func readAll(_ fd: CInt, sizeHint: Int = 0) throws(SystemError) -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: max(sizeHint + 1, 4096))
        var count = 0
        while true {
            if count == buffer.count {
                buffer.append(contentsOf: repeatElement(0, count: buffer.count))
            }
            var failure: SystemError?
            let n = buffer.withUnsafeMutableBytes { raw -> Int in
                do throws(SystemError) {
                    return try read(fd, into: raw.baseAddress! + count, count: raw.count - count)
                } catch {
                    failure = error
                    return 0
                }
            }
            if let failure { throw failure }
            if n == 0 { break }
            count += n
        }
        buffer.removeSubrange(count...)
        return buffer
    }

    /// Writes all of `bytes` to `fd` at its offset.
    static func writeAll(_ fd: CInt, _ bytes: UnsafeRawBufferPointer) throws(SystemError) {
        guard let base = bytes.baseAddress else { return }
        var offset = 0
        while offset < bytes.count {
            let n = Glibc.write(fd, base + offset, bytes.count - offset)
            if n < 0 {
                if errno == EINTR { continue }
                throw SystemError(.write, errno: errno)
            }
            offset += n
        }
    }

    static func writeAll(_ fd: CInt, _ bytes: [UInt8]) throws(SystemError) {
        var failure: SystemError?
        bytes.withUnsafeBytes { raw in
            do throws(SystemError) { try writeAll(fd, raw) } catch { failure = error }
        }
        if let failure { throw failure }
    }

    /// Writes all of `bytes` to `fd` at `offset`, without moving the descriptor's offset.
    static func pwriteAll(_ fd: CInt, _ bytes: UnsafeRawBufferPointer, at offset: Int) throws(SystemError) {
        guard let base = bytes.baseAddress else { return }
        var done = 0
        while done < bytes.count {
            let n = Glibc.pwrite(fd, base + done, bytes.count - done, off_t(offset + done))
            if n < 0 {
                if errno == EINTR { continue }
                throw SystemError(.write, errno: errno)
            }
            done += n
        }
    }

    static func fstat(_ fd: CInt) throws(SystemError) -> Glibc.stat {
        var info = Glibc.stat()
        try retrying(.stat) { Glibc.fstat(fd, &info) }
        return info
    }

    /// `stat` (following symbolic links), or nil if nothing is at `path`.
    static func stat(_ path: FilePath) throws(SystemError) -> Glibc.stat? {
        var info = Glibc.stat()
        let result = path.withPlatformString { fstatat(AT_FDCWD, $0, &info, 0) }
        if result == 0 { return info }
        if errno == ENOENT || errno == ENOTDIR { return nil }
        throw SystemError(.stat, errno: errno)
    }

    /// `lstat`, or nil if nothing is at `path`.
    static func lstat(_ path: FilePath) throws(SystemError) -> Glibc.stat? {
        var info = Glibc.stat()
        let result = path.withPlatformString { Glibc.lstat($0, &info) }
        if result == 0 { return info }
        if errno == ENOENT || errno == ENOTDIR { return nil }
        throw SystemError(.stat, errno: errno)
    }

    static func fsync(_ fd: CInt) throws(SystemError) {
        try retrying(.sync) { Glibc.fsync(fd) }
    }

    /// Syncs a directory so that a rename or unlink in it survives a power cut. Some filesystems cannot
    /// sync a directory (EINVAL, ENOTSUP): the change is then as durable as they allow.
    static func syncDirectory(_ directory: FilePath) throws(HtpasswdError) {
        do throws(SystemError) {
            let fd = try open(directory, O_RDONLY | O_DIRECTORY)
            try fsync(fd.raw)
        } catch {
            if error.errno.rawValue == EINVAL || error.errno.rawValue == ENOTSUP { return }
            throw error.at(directory)
        }
    }

    /// Syncs the open directory `fd`, as ``syncDirectory(_:)`` does.
    static func syncDirectory(fd: CInt) throws(SystemError) {
        do throws(SystemError) { try fsync(fd) } catch {
            if error.errno.rawValue == EINVAL || error.errno.rawValue == ENOTSUP { return }
            throw error
        }
    }

    /// `openat(directory, name)`: `name` is one component, so nothing but the directory's descriptor
    /// decides where it is.
    static func open(in directory: CInt, _ name: FilePath.Component, _ flags: CInt) throws(SystemError) -> Descriptor {
        Descriptor(
            adopting: try retrying(.open) { name.withPlatformString { Glibc.openat(directory, $0, flags | O_CLOEXEC) } }
        )
    }

    /// `fstatat(directory, name)` without following a symbolic link; nil if nothing is there.
    static func lstat(in directory: CInt, _ name: FilePath.Component) throws(SystemError) -> Glibc.stat? {
        var info = Glibc.stat()
        let result = name.withPlatformString { Glibc.fstatat(directory, $0, &info, AT_SYMLINK_NOFOLLOW) }
        if result == 0 { return info }
        if errno == ENOENT { return nil }
        throw SystemError(.stat, errno: errno)
    }

    /// `unlinkat(directory, name)`, with a missing file counting as success.
    static func remove(in directory: CInt, _ name: FilePath.Component) throws(SystemError) {
        let result = name.withPlatformString { Glibc.unlinkat(directory, $0, 0) }
        if result != 0 && errno != ENOENT { throw SystemError(.unlink, errno: errno) }
    }

    static func unlink(_ path: FilePath) -> CInt {
        path.withPlatformString { Glibc.unlink($0) }
    }

    /// `unlink`, with a missing file counting as success.
    static func removeIfPresent(_ path: FilePath) throws(SystemError) {
        if unlink(path) != 0 && errno != ENOENT { throw SystemError(.unlink, errno: errno) }
    }

    static func rename(_ from: FilePath, _ to: FilePath) throws(SystemError) {
        let result = from.withPlatformString { from in to.withPlatformString { to in Glibc.rename(from, to) } }
        if result != 0 { throw SystemError(.rename, errno: errno) }
    }

    static func ftruncate(_ fd: CInt, _ length: Int) throws(SystemError) {
        try retrying(.truncate) { Glibc.ftruncate(fd, off_t(length)) }
    }

    /// The target of the symbolic link at `path`, as bytes.
    static func readLink(_ path: FilePath) throws(SystemError) -> FilePath {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let length = path.withPlatformString { Glibc.readlink($0, &buffer, buffer.count - 1) }
        guard length >= 0 else { throw SystemError(.readLink, errno: errno) }
        buffer[length] = 0
        return FilePath(platformString: Array(buffer[...length]))
    }

    /// Copies `count` bytes of `source` from `offset` to the end of `destination` (at its offset): in the
    /// kernel with `copy_file_range` where the filesystem allows, else through `scratch`.
    static func copy(
        from source: CInt, offset: Int, count: Int, to destination: CInt, scratch: UnsafeMutableRawBufferPointer
    ) throws(SystemError) {
        var position = Int64(offset)
        var remaining = count
        var inKernel = true
        while remaining > 0 {
            if inKernel {
                let n = htpass_copy_file_range(source, &position, destination, remaining)
                if n > 0 {
                    remaining -= n
                    continue
                }
                if n == 0 {
                    // The end of the source, or a file system whose copy_file_range copies nothing (some
                    // special and network file systems): the loop below tells the two apart.
                    inKernel = false
                    continue
                }
                if errno == EINTR { continue }
                if [EXDEV, ENOSYS, EINVAL, EOPNOTSUPP, EPERM].contains(errno) {
                    inKernel = false
                    continue
                }
                // Out of room is a failure to write, whoever copies.
                throw SystemError([ENOSPC, EDQUOT, EFBIG].contains(errno) ? .write : .copy, errno: errno)
            }
            let chunk = min(remaining, scratch.count)
            let n = Glibc.pread(source, scratch.baseAddress!, chunk, off_t(position))
            if n < 0 {
                if errno == EINTR { continue }
                throw SystemError(.read, errno: errno)
            }
            if n == 0 { throw SystemError(.read, errno: EIO) }  // the source is shorter than it was
            try writeAll(destination, UnsafeRawBufferPointer(rebasing: scratch[..<n]))
            position += Int64(n)
            remaining -= n
        }
    }
}
