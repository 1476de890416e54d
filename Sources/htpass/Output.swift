import Glibc
import HtpasswdCore
import SystemPackage

/// Where the command writes: data as raw bytes on standard output, messages and warnings on standard error.
///
/// Standard output is buffered and written in large blocks, so that listing a million users costs a few
/// system calls rather than a million; call ``flush()`` before exiting (``Htpass/main(_:)`` does).
enum Output {
    /// The standard output buffer, reached through a pointer: a million small writes pay no exclusivity
    /// check on a static variable.
    struct Buffer {
        var base: UnsafeMutablePointer<UInt8>
        var count: Int
    }

    static let capacity = 1 << 16
    nonisolated(unsafe) private static let storage: UnsafeMutablePointer<Buffer> = {
        let pointer = UnsafeMutablePointer<Buffer>.allocate(capacity: 1)
        pointer.initialize(to: Buffer(base: .allocate(capacity: capacity), count: 0))
        return pointer
    }()

    /// A handle on the standard output buffer; loops that write a lot take it once.
    static var writer: Writer { Writer(buffer: storage) }

    /// Writes into the standard output buffer.
    struct Writer {
        let buffer: UnsafeMutablePointer<Buffer>

        /// Appends `bytes`.
        func write(_ bytes: UnsafeBufferPointer<UInt8>) {
            guard let source = bytes.baseAddress, !bytes.isEmpty else { return }
            if buffer.pointee.count + bytes.count > Output.capacity {
                flush()
                if bytes.count > Output.capacity {
                    Output.writeAll(STDOUT_FILENO, UnsafeRawBufferPointer(bytes))
                    return
                }
            }
            (buffer.pointee.base + buffer.pointee.count).update(from: source, count: bytes.count)
            buffer.pointee.count += bytes.count
        }

        func write(_ bytes: some Collection<UInt8>) {
            if bytes.withContiguousStorageIfAvailable({ write($0) }) == nil {
                Array(bytes).withUnsafeBufferPointer { write($0) }
            }
        }

        func write(_ text: String) {
            var text = text
            text.withUTF8 { write($0) }
        }

        func write(_ text: StaticString) {
            write(UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
        }

        /// Appends `value` in decimal.
        func writeDecimal(_ value: Int) {
            var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)
            withUnsafeMutableBytes(of: &digits) { raw in
                var magnitude = value.magnitude
                var index = raw.count
                repeat {
                    index -= 1
                    raw[index] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                    magnitude /= 10
                } while magnitude > 0
                if value < 0 {
                    index -= 1
                    raw[index] = UInt8(ascii: "-")
                }
                write(UnsafeBufferPointer(rebasing: raw.bindMemory(to: UInt8.self)[index...]))
            }
        }

        func flush() {
            Output.writeAll(
                STDOUT_FILENO, UnsafeRawBufferPointer(start: buffer.pointee.base, count: buffer.pointee.count))
            buffer.pointee.count = 0
        }
    }

    /// Appends `bytes` to standard output.
    static func write(_ bytes: some Collection<UInt8>) { writer.write(bytes) }

    /// Appends `text` to standard output.
    static func write(_ text: String) { writer.write(text) }

    /// Appends `text` to standard output.
    static func write(_ text: StaticString) { writer.write(text) }

    /// Appends `bytes` and a newline to standard output.
    static func line(_ bytes: some Collection<UInt8>) {
        writer.write(bytes)
        writer.write("\n" as StaticString)
    }

    /// Appends `text` and a newline to standard output.
    static func line(_ text: String) {
        writer.write(text)
        writer.write("\n" as StaticString)
    }

    /// Writes what is buffered for standard output.
    static func flush() { writer.flush() }

    /// Prints `htpass: MESSAGE` on standard error, on one line.
    static func error(_ message: String) {
        flush()
        Array(("htpass: " + oneLine(message) + "\n").utf8).withUnsafeBytes { writeAll(STDERR_FILENO, $0) }
    }

    /// Writes `bytes` to standard error as they are, after what is buffered for standard output.
    static func standardError(_ bytes: [UInt8]) {
        flush()
        bytes.withUnsafeBytes { writeAll(STDERR_FILENO, $0) }
    }

    /// Prints `htpass: warning: MESSAGE` on standard error, on one line.
    static func warning(_ message: String) {
        error("warning: " + message)
    }

    /// Prints `htpass: note: MESSAGE` on standard error, on one line.
    static func note(_ message: String) {
        error("note: " + message)
    }

    /// Says once, on standard error, that an operation has waited a second for the file's lock, and which
    /// process holds it (``HtpasswdStore/lockWaiting``). Standard output is left alone: this runs while the
    /// library waits.
    static let lockWaiting: @Sendable (FilePath, LockHolder?) -> Void = { path, holder in
        let text = "htpass: note: waiting for the lock on '\(path.display)'" + (holder.map { ", held by \($0)" } ?? "")
        Array((text + "\n").utf8).withUnsafeBytes { writeAll(STDERR_FILENO, $0) }
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

    fileprivate static func writeAll(_ fd: CInt, _ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress else { return }
        var offset = 0
        while offset < bytes.count {
            let n = Glibc.write(fd, base + offset, bytes.count - offset)
            if n < 0 {
                if errno == EINTR { continue }
                return  // a closed pipe: nothing more can be said
            }
            offset += n
        }
    }
}
