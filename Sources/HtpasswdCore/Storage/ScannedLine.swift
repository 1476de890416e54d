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
