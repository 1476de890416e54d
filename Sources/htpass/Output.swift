import Glibc
import HtpasswdCore
import SystemPackage

/// Where the command writes: data as raw bytes on standard output, messages and warnings on standard error.
///
/// Standard output is buffered and written in large blocks, so that listing a million users costs a few
/// system calls rather than a million; call ``flush()`` before exiting (``Htpass/main(_:)`` does).
///
/// Every write to standard output is checked: the first failure (a full disk, a closed pipe: `EPIPE`, as
/// SIGPIPE is ignored) is kept in ``failure``, later output is dropped, and ``deliver(_:)`` turns it into an
/// error, so that no command exits 0 with its data lost.
enum Output {
    /// The standard output buffer, reached through a pointer: a million small writes pay no exclusivity
    /// check on a static variable.
    struct Buffer {
        var base: UnsafeMutablePointer<UInt8>
        var count: Int
        /// The `errno` of the first failed write to standard output, or 0.
        var failure: CInt = 0
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
                    if buffer.pointee.failure == 0 {
                        buffer.pointee.failure = Output.writeAll(STDOUT_FILENO, UnsafeRawBufferPointer(bytes))
                    }
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
            let count = buffer.pointee.count
            buffer.pointee.count = 0
            guard count > 0, buffer.pointee.failure == 0 else { return }
            buffer.pointee.failure = Output.writeAll(
                STDOUT_FILENO, UnsafeRawBufferPointer(start: buffer.pointee.base, count: count))
        }
    }

    /// Why standard output could not be written (the first failure), or nil while every write succeeded.
    static var failure: Errno? {
        let code = storage.pointee.failure
        return code == 0 ? nil : Errno(rawValue: code)
    }

    /// Flushes standard output and fails if anything written to it so far was lost.
    ///
    /// - Parameter what: What was being written, for the message (`"the generated password"`).
    /// - Parameter consequence: What the failure means for the file, said after the reason.
    /// - Throws: ``CommandError`` with ``ExitStatus/fileProblem``.
    static func deliver(_ what: String = "the output", consequence: String? = nil) throws {
        flush()
        guard let failure else { return }
        let consequence = consequence ?? alreadyDone
        throw CommandError(.fileProblem, failureMessage(what, failure) + (consequence.map { "; " + $0 } ?? ""))
    }

    /// What the command has already done to a file when output that reports it is written (`add --json`
    /// prints after its edit has committed), said if that output is then lost, so that nobody takes the
    /// failure for "nothing changed".
    nonisolated(unsafe) static var alreadyDone: String?

    /// `Cannot write the output to standard output (No space left on device)`, and for a closed pipe what
    /// that means.
    static func failureMessage(_ what: String, _ failure: Errno) -> String {
        failure == .brokenPipe
            ? "Cannot write \(what) to standard output: the program reading it has exited (\(failure))"
            : "Cannot write \(what) to standard output (\(failure))"
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
        _ = Array(("htpass: " + oneLine(message) + "\n").utf8).withUnsafeBytes { writeAll(STDERR_FILENO, $0) }
    }

    /// Writes `bytes` to standard error as they are, after what is buffered for standard output.
    static func standardError(_ bytes: [UInt8]) {
        flush()
        _ = bytes.withUnsafeBytes { writeAll(STDERR_FILENO, $0) }
    }

    /// Prints `htpass: warning: MESSAGE` on standard error, on one line.
    static func warning(_ message: String) {
        error("warning: " + message)
    }

    /// `-q/--quiet`: no notes.
    nonisolated(unsafe) static var quiet = false

    /// Prints `htpass: note: MESSAGE` on standard error, on one line, unless `-q`.
    static func note(_ message: String) {
        guard !quiet else { return }
        error("note: " + message)
    }

    /// Says what an edit did (`Adding user alice`), on standard error when a person reads it (a terminal),
    /// unless `-q`: scripts see the status, and `--json` for the details.
    static func done(_ message: String) {
        guard !quiet, isatty(STDERR_FILENO) == 1 else { return }
        error(message)
    }

    /// Says once, on standard error, that an operation has waited a second for the file's lock, and which
    /// process holds it (``HtpasswdStore/lockWaiting``). Standard output is left alone: this runs while the
    /// library waits.
    static let lockWaiting: @Sendable (FilePath, LockHolder?) -> Void = { path, holder in
        guard !quiet else { return }
        let text = "htpass: note: waiting for the lock on '\(path.display)'" + (holder.map { ", held by \($0)" } ?? "")
        _ = Array((text + "\n").utf8).withUnsafeBytes { writeAll(STDERR_FILENO, $0) }
    }

    /// `text` with its line breaks turned into `; `, so that every message is one line.
    ///
    /// A plain loop rather than `split` and `joined`: those are generic calls into the standard library
    /// whose metadata costs a scan of every protocol conformance, a noticeable part of a run's start-up.
    static func oneLine(_ text: String) -> String {
        // Most messages are one line already: a byte scan says so without walking the characters.
        var text = text
        let multiline = text.withUTF8 { bytes in
            bytes.contains { $0 == UInt8(ascii: "\n") || $0 == UInt8(ascii: "\r") }
        }
        guard multiline else { return text }
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
        // A list ("one of the following:" then "- a", "- b" lines) becomes "one of the following: a, b".
        var result = ""
        var inList = false
        for (index, line) in lines.enumerated() {
            let trimmed = line.drop { $0 == " " }
            if trimmed.hasPrefix("- "), inList || result.hasSuffix(":") {
                result += (inList ? ", " : " ") + trimmed.dropFirst(2)
                inList = true
                continue
            }
            inList = false
            result += (index == 0 ? "" : "; ") + line
        }
        return result
    }

    /// Writes all of `bytes` to `fd`.
    ///
    /// - Returns: 0, or the `errno` of the write that failed (`EPIPE` for a closed pipe, `ENOSPC`...).
    fileprivate static func writeAll(_ fd: CInt, _ bytes: UnsafeRawBufferPointer) -> CInt {
        guard let base = bytes.baseAddress else { return 0 }
        var offset = 0
        while offset < bytes.count {
            let n = Glibc.write(fd, base + offset, bytes.count - offset)
            if n < 0 {
                if errno == EINTR { continue }
                return errno
            }
            if n == 0 { return EIO }
            offset += n
        }
        return 0
    }
}
