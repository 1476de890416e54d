import Glibc
import SystemPackage

/// One line of an htpasswd file during a scan, read the way nginx reads it (see ``LineKind``).
///
/// Its bytes are in the scanner's read buffer, reused for the next line: ``withContent(_:)``,
/// ``withUser(_:)`` and ``withHash(_:)`` lend them for the length of a closure, without a copy; ``entry`` and
/// ``bytes`` are copies that outlive the call.
public struct ScannedLine {
    /// The 1-based line number.
    public let number: Int
    /// The offset of the line's first byte in the file.
    public let offset: Int
    /// What the line is to nginx: an entry, a comment, a blank line, a malformed line.
    public let kind: LineKind
    /// How the line ends.
    public let terminator: LineTerminator
    /// The line without its terminator (in the read buffer: valid during the scan's call only).
    package let content: UnsafeBufferPointer<UInt8>
    /// For an entry: the offset of the first `:` in ``content``.
    let colon: Int

    /// For an entry: the user name (before the first `:`); empty otherwise.
    package var user: UnsafeBufferPointer<UInt8> {
        kind == .entry ? UnsafeBufferPointer(rebasing: content[..<colon]) : UnsafeBufferPointer(start: nil, count: 0)
    }

    /// For an entry: the hash (from the first `:` to the next, or the end); empty otherwise.
    package var hash: UnsafeBufferPointer<UInt8> {
        guard kind == .entry else { return UnsafeBufferPointer(start: nil, count: 0) }
        let end = LineSyntax.firstIndex(of: UInt8(ascii: ":"), in: content, from: colon + 1) ?? content.count
        return UnsafeBufferPointer(rebasing: content[(colon + 1)..<end])
    }

    /// For an entry: everything from a second `:` on (including it); empty otherwise.
    package var extra: UnsafeBufferPointer<UInt8> {
        guard kind == .entry else { return UnsafeBufferPointer(start: nil, count: 0) }
        let end = LineSyntax.firstIndex(of: UInt8(ascii: ":"), in: content, from: colon + 1) ?? content.count
        return UnsafeBufferPointer(rebasing: content[end...])
    }

    /// The line without its terminator, copied.
    public var bytes: [UInt8] { Array(content) }

    /// Calls `body` with the line without its terminator, which is valid only during the call.
    public func withContent<Result, Failure: Error>(
        _ body: (UnsafeBufferPointer<UInt8>) throws(Failure) -> Result
    ) throws(Failure) -> Result {
        try body(content)
    }

    /// Calls `body` with the user name of an entry (before the first `:`; empty for another kind of line),
    /// which is valid only during the call.
    public func withUser<Result, Failure: Error>(
        _ body: (UnsafeBufferPointer<UInt8>) throws(Failure) -> Result
    ) throws(Failure) -> Result {
        try body(user)
    }

    /// Calls `body` with the hash of an entry (from the first `:` to the next, or the end; empty for another
    /// kind of line), which is valid only during the call.
    public func withHash<Result, Failure: Error>(
        _ body: (UnsafeBufferPointer<UInt8>) throws(Failure) -> Result
    ) throws(Failure) -> Result {
        try body(hash)
    }

    /// The entry on this line, copied; nil for a line that is not an entry.
    public var entry: Entry? {
        guard kind == .entry else { return nil }
        let hashEnd = LineSyntax.firstIndex(of: UInt8(ascii: ":"), in: content, from: colon + 1) ?? content.count
        return Entry(
            lineNumber: number, user: content[..<colon], hash: content[(colon + 1)..<hashEnd],
            extra: content[hashEnd...])
    }

    /// The malformed line this is, or nil.
    public var malformed: MalformedLine? {
        if case .malformed(let reason) = kind { return MalformedLine(lineNumber: number, reason: reason) }
        return nil
    }
}

/// A line as ``LineReader/nextLine(keeping:)`` returns it: its number, content and terminator, without
/// nginx's classification, for readers that apply a target's rules (``TargetReading``) themselves.
///
/// Its content points into the reader's buffer: valid only until the next call to the reader.
package struct RawLine {
    /// The 1-based line number.
    package let number: Int
    /// The line without its terminator.
    package let content: UnsafeBufferPointer<UInt8>
    /// How the line ends.
    package let terminator: LineTerminator
}

/// The lines of a file, pulled one by one by ``HtpasswdStore/withLines(_:)``'s body.
package struct LineCursor {
    fileprivate let reader: LineReader
    fileprivate let path: FilePath

    init(reader: LineReader, path: FilePath) {
        self.reader = reader
        self.path = path
    }

    /// The next line that `filter` keeps (the next line, without a filter), or nil at the end of the file.
    ///
    /// - Throws: ``HtpasswdError/system(_:path:errno:)`` if reading fails.
    package func next(keeping filter: TargetLineFilter? = nil) throws(HtpasswdError) -> RawLine? {
        do throws(SystemError) { return try reader.nextLine(keeping: filter) } catch { throw error.at(path) }
    }
}

/// Reads a file line by line through one buffer, which grows only to hold the longest line: memory does
/// not depend on the file's size.
final class LineReader {
    /// The read size, and the initial size of the buffer. 64 KiB rather than more: every page of a fresh
    /// buffer costs a page fault when the first read fills it (a 256 KiB buffer cost `htpass verify` 64 of
    /// its 160 faults), while more read calls cost little (a 10,000-line file takes 7 reads instead of 2).
    static let chunkSize = 1 << 16

    private let fd: CInt
    private var buffer: UnsafeMutableRawBufferPointer
    /// Unread data is `buffer[head..<tail]`.
    private var head = 0
    private var tail = 0
    /// The file offset (relative to `base`) of `buffer[0]`.
    private var bufferOffset = 0
    private var atEnd = false
    private var lineNumber = 0
    /// Bytes read so far.
    private(set) var bytesRead = 0

    /// A reader of `fd` from its current offset; offsets in the lines it returns count from there.
    init(fd: CInt) {
        self.fd = fd
        buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: Self.chunkSize, alignment: 16)
    }

    deinit {
        buffer.deallocate()
    }

    /// The next line, or nil at the end of the file.
    func next() throws(SystemError) -> ScannedLine? {
        guard let (start, end, terminator) = try nextSpan() else { return nil }
        let content = UnsafeBufferPointer(start: base + start, count: end - start)
        let (kind, colon) = LineSyntax.classify(content)
        return ScannedLine(
            number: lineNumber, offset: bufferOffset + start, kind: kind, terminator: terminator, content: content,
            colon: colon)
    }

    /// The next line that `filter` keeps (the next line, without a filter), or nil at the end of the file.
    /// The lines skipped are counted, not classified or copied: a lookup of one user in a large file pays a
    /// `memchr` and a comparison of a few bytes for each other line.
    func nextLine(keeping filter: TargetLineFilter?) throws(SystemError) -> RawLine? {
        if let filter { try skipLines(filter) }
        guard let (start, end, terminator) = try nextSpan() else { return nil }
        return RawLine(
            number: lineNumber, content: UnsafeBufferPointer(start: base + start, count: end - start),
            terminator: terminator)
    }

    /// Skips the lines `filter` does not keep, up to the next one it keeps or the end of the file: after it, the
    /// next line is one to return (or the end).
    private func skipLines(_ filter: TargetLineFilter) throws(SystemError) {
        while true {
            let base = base
            var position = head
            while position < tail, let found = memchr(base + position, 0x0A, tail - position) {
                let newline = UnsafeRawPointer(found) - UnsafeRawPointer(base)
                if filter.keeps(base + position, count: newline - position) {
                    head = position
                    return
                }
                lineNumber += 1
                position = newline + 1
            }
            head = position
            // What is left is a line without its newline yet: at the end of the file, `nextSpan` returns it
            // (kept or not: the caller reads it); otherwise read more.
            if atEnd { return }
            try refill()
        }
    }

    /// The buffer's first byte.
    private var base: UnsafeMutablePointer<UInt8> { buffer.baseAddress!.assumingMemoryBound(to: UInt8.self) }

    /// Where the next line is in the buffer (valid until the next call), counted in ``lineNumber``; nil at the
    /// end of the file.
    @inline(__always)
    private func nextSpan() throws(SystemError) -> (start: Int, end: Int, terminator: LineTerminator)? {
        while true {
            let base = base
            if head < tail, let found = memchr(base + head, 0x0A, tail - head) {
                let start = head
                let newline = UnsafeRawPointer(found) - UnsafeRawPointer(base)
                head = newline + 1
                lineNumber += 1
                if newline > start && base[newline - 1] == 0x0D { return (start, newline - 1, .crlf) }
                return (start, newline, .lf)
            }
            if atEnd {
                guard head < tail else { return nil }
                let start = head
                head = tail
                lineNumber += 1
                return (start, tail, .none)
            }
            try refill()
        }
    }

    /// Moves the unread bytes to the front, grows the buffer if a line fills it, and reads more.
    private func refill() throws(SystemError) {
        if head > 0 {
            let unread = tail - head
            if unread > 0 { buffer.baseAddress!.copyMemory(from: buffer.baseAddress! + head, byteCount: unread) }
            bufferOffset += head
            tail = unread
            head = 0
        }
        if tail == buffer.count {
            let larger = UnsafeMutableRawBufferPointer.allocate(byteCount: buffer.count * 2, alignment: 16)
            larger.baseAddress!.copyMemory(from: buffer.baseAddress!, byteCount: tail)
            buffer.deallocate()
            buffer = larger
        }
        let n = try Syscall.read(fd, into: buffer.baseAddress! + tail, count: buffer.count - tail)
        if n == 0 { atEnd = true }
        tail += n
        bytesRead += n
    }
}

/// Collects bytes and writes them to a descriptor in large blocks.
final class BufferedWriter {
    private let fd: CInt
    private var buffer: UnsafeMutableRawBufferPointer
    private var count = 0
    /// Bytes accepted so far, written or buffered.
    private(set) var total = 0

    init(fd: CInt, capacity: Int = 1 << 18) {
        self.fd = fd
        buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: capacity, alignment: 16)
    }

    deinit {
        buffer.deallocate()
    }

    func append(_ bytes: UnsafeBufferPointer<UInt8>) throws(SystemError) {
        guard let source = bytes.baseAddress, !bytes.isEmpty else { return }
        total += bytes.count
        if count + bytes.count > buffer.count {
            try flush()
            if bytes.count > buffer.count {
                try Syscall.writeAll(fd, UnsafeRawBufferPointer(bytes))
                return
            }
        }
        (buffer.baseAddress! + count).copyMemory(from: source, byteCount: bytes.count)
        count += bytes.count
    }

    func append(_ bytes: [UInt8]) throws(SystemError) {
        try bytes.withBuffer { (raw) throws(SystemError) in try append(raw) }
    }

    /// Counts `count` bytes written to the descriptor directly (by a kernel copy), after a ``flush()``.
    func noteWrittenDirectly(_ count: Int) {
        total += count
    }

    func flush() throws(SystemError) {
        guard count > 0 else { return }
        try Syscall.writeAll(fd, UnsafeRawBufferPointer(rebasing: buffer[..<count]))
        count = 0
    }

    /// A scratch area for copies that cannot happen in the kernel.
    var scratch: UnsafeMutableRawBufferPointer { buffer }
}
