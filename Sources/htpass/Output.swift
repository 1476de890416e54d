import Glibc

/// Where the command writes: data as raw bytes on standard output, messages and warnings on standard error.
///
/// Standard output is buffered and written in large blocks, so that listing a million users costs a few
/// system calls rather than a million; call ``flush()`` before exiting (``Htpass/main(_:)`` does).
enum Output {
    nonisolated(unsafe) private static var buffer: [UInt8] = []
    private static let blockSize = 1 << 16

    /// Appends `bytes` to standard output.
    static func write(_ bytes: some Collection<UInt8>) {
        buffer.append(contentsOf: bytes)
        if buffer.count >= blockSize { flush() }
    }

    /// Appends `text` to standard output.
    static func write(_ text: String) {
        write(text.utf8)
    }

    /// Appends `bytes` and a newline to standard output.
    static func line(_ bytes: some Collection<UInt8>) {
        write(bytes)
        write(CollectionOfOne(UInt8(ascii: "\n")))
    }

    /// Appends `text` and a newline to standard output.
    static func line(_ text: String) {
        line(Array(text.utf8))
    }

    /// Writes what is buffered for standard output.
    static func flush() {
        writeAll(STDOUT_FILENO, buffer)
        buffer.removeAll(keepingCapacity: true)
    }

    /// Prints `htpass: MESSAGE` on standard error, on one line.
    static func error(_ message: String) {
        flush()
        writeAll(STDERR_FILENO, Array(("htpass: " + oneLine(message) + "\n").utf8))
    }

    /// Writes `bytes` to standard error as they are, after what is buffered for standard output.
    static func standardError(_ bytes: [UInt8]) {
        flush()
        writeAll(STDERR_FILENO, bytes)
    }

    /// Prints `htpass: warning: MESSAGE` on standard error, on one line.
    static func warning(_ message: String) {
        error("warning: " + message)
    }

    /// `text` with its line breaks turned into `; `, so that every message is one line.
    ///
    /// A plain loop rather than `split` and `joined`: those are generic calls into the standard library
    /// whose metadata costs a scan of every protocol conformance, a noticeable part of a run's start-up.
    static func oneLine(_ text: String) -> String {
        var lines: [String] = []
        var line = ""
        for character in text {
            if character == "\n" || character == "\r\n" {
                if !line.isEmpty { lines.append(line) }
                line = ""
            } else {
                line.append(character)
            }
        }
        if !line.isEmpty { lines.append(line) }
        while let last = lines.last, last.allSatisfy({ $0 == " " }) { lines.removeLast() }
        var result = ""
        for (index, line) in lines.enumerated() { result += (index == 0 ? "" : "; ") + line }
        return result
    }

    private static func writeAll(_ fd: CInt, _ bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { raw in Glibc.write(fd, raw.baseAddress! + offset, raw.count - offset) }
            if n < 0 {
                if errno == EINTR { continue }
                return  // a closed pipe: nothing more can be said
            }
            offset += n
        }
    }
}
