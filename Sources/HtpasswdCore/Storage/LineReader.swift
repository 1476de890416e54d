import Glibc
import SystemPackage

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
