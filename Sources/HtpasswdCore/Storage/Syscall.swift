import Glibc

/// A failed system call: which one, and `errno`.
struct SystemError: Error, Equatable {
    var operation: String
    var errno: Int32

    init(operation: String, errno: Int32) {
        self.operation = operation
        self.errno = errno
    }

    /// The same failure as an ``HtpasswdError`` that names `path`.
    func at(_ path: String) -> HtpasswdError {
        .io(operation: operation, path: path, errno: errno)
    }
}

/// A thin layer over the C library, in swift-system's manner: `EINTR` is retried (except for `close`
/// and `rename`, whose state after `EINTR` is unspecified), and errors carry the operation and `errno`.
enum Syscall {
    /// Calls `body` until it stops failing with `EINTR`.
    @discardableResult
    static func retrying(_ operation: String, _ body: () -> CInt) throws(SystemError) -> CInt {
        while true {
            let result = body()
            if result != -1 { return result }
            if errno != EINTR { throw SystemError(operation: operation, errno: errno) }
        }
    }

    static func open(_ path: String, _ flags: CInt, mode: mode_t = 0) throws(SystemError) -> CInt {
        try retrying("open") { Glibc.open(path, flags | O_CLOEXEC, mode) }
    }

    /// Runs `body` with `fd`, and closes `fd` on every path. Errors of `close` itself are ignored here:
    /// callers that need durability call `fsync` before.
    @discardableResult
    static func closeAfter<T, E: Error>(_ fd: CInt, _ body: (CInt) throws(E) -> T) throws(E) -> T {
        defer { _ = Glibc.close(fd) }
        return try body(fd)
    }

    /// Reads the whole of `fd` from its current offset.
    static func readAll(_ fd: CInt, sizeHint: Int = 0) throws(SystemError) -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: max(sizeHint + 1, 4096))
        var count = 0
        while true {
            if count == buffer.count {
                buffer.append(contentsOf: repeatElement(0, count: buffer.count))
            }
            let n = buffer.withUnsafeMutableBytes { raw in
                Glibc.read(fd, raw.baseAddress! + count, raw.count - count)
            }
            if n < 0 {
                if errno == EINTR { continue }
                throw SystemError(operation: "read", errno: errno)
            }
            if n == 0 { break }
            count += n
        }
        buffer.removeSubrange(count...)
        return buffer
    }

    /// Writes all of `bytes` to `fd`.
    static func writeAll(_ fd: CInt, _ bytes: [UInt8]) throws(SystemError) {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { raw in Glibc.write(fd, raw.baseAddress! + offset, raw.count - offset) }
            if n < 0 {
                if errno == EINTR { continue }
                throw SystemError(operation: "write", errno: errno)
            }
            offset += n
        }
    }

    static func fstat(_ fd: CInt) throws(SystemError) -> stat {
        var info = stat()
        try retrying("stat") { Glibc.fstat(fd, &info) }
        return info
    }

}

/// Text for an `errno` value, through the reentrant `strerror_r`.
package enum SystemErrorText {
    package static func describe(_ code: Int32) -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        // The XSI strerror_r: fills `buffer`, returns 0.
        guard strerror_r(code, &buffer, buffer.count) == 0 else { return "error \(code)" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
