import Glibc

/// One `user:hash` record of an htpasswd file, as a consumer reads it.
public struct Entry: Equatable, Sendable {
    /// The 1-based line number.
    public let lineNumber: Int
    /// The user name: everything before the first `:`. Not checked against ``UserName``'s rules, since
    /// files written by other tools may hold any bytes here.
    public let user: ArraySlice<UInt8>
    /// The hash: from the first `:` to the next `:` or the end of the line, as nginx reads it.
    public let hash: ArraySlice<UInt8>
    /// Anything from a second `:` on (including it), such as Apache's `user:hash:comment`; kept on edits.
    public let extra: ArraySlice<UInt8>

    /// An entry of line `lineNumber` with these parts (`extra` empty, or from the second `:` on).
    public init(lineNumber: Int, user: ArraySlice<UInt8>, hash: ArraySlice<UInt8>, extra: ArraySlice<UInt8>) {
        self.lineNumber = lineNumber
        self.user = user
        self.hash = hash
        self.extra = extra
    }
}

/// A line that is neither an entry, a comment nor blank. It is kept as it is and reported.
public struct MalformedLine: Equatable, Sendable {
    /// Why the line is not an entry.
    public enum Reason: Equatable, Sendable {
        /// No `:` on the line.
        case noColon
        /// The line starts with `:`.
        case emptyUser
    }

    /// The 1-based line number.
    public let lineNumber: Int
    /// Why the line is not an entry.
    public let reason: Reason

    /// A malformed line `lineNumber`.
    public init(lineNumber: Int, reason: Reason) {
        self.lineNumber = lineNumber
        self.reason = reason
    }
}

extension MalformedLine.Reason {
    /// What is wrong, in words: `no ':' between user and hash`.
    public var explanation: String {
        switch self {
        case .noColon: "no ':' between user and hash"
        case .emptyUser: "the user name is empty"
        }
    }

    /// A stable identifier for machine-readable output: `no-colon`, `empty-user`.
    public var identifier: String {
        switch self {
        case .noColon: "no-colon"
        case .emptyUser: "empty-user"
        }
    }
}

extension MalformedLine: CustomStringConvertible {
    /// `line 3: no ':' between user and hash`.
    public var description: String { "line \(lineNumber): \(reason.explanation)" }
}

/// How a line ends.
public enum LineTerminator: UInt8, Equatable, Sendable {
    /// The last line of a file without a final newline.
    case none
    /// `\n`.
    case lf
    /// `\r\n`: the `\r` is not part of the line's content (the hash would otherwise end in it).
    case crlf

    /// The bytes of the terminator.
    public var bytes: [UInt8] {
        switch self {
        case .none: []
        case .lf: [0x0A]
        case .crlf: [0x0D, 0x0A]
        }
    }
}

/// What a line is, as nginx reads it.
public enum LineKind: Equatable, Sendable {
    /// `user:hash[:extra]`, with a non-empty user that does not start with `#`.
    case entry
    /// `#` in column 0.
    case comment
    /// Empty, or only spaces, tabs and carriage returns.
    case blank
    /// Anything else: kept as it is, and reported.
    case malformed(MalformedLine.Reason)
}

/// The one definition of how a line of an htpasswd file reads, shared by ``HtpasswdFile`` and the
/// streaming reader so that both always agree.
///
/// It follows nginx: `#` starts a comment only in column 0, the user name ends at the first `:` and is
/// not trimmed, and the hash ends at the next `:`.
enum LineSyntax {
    /// The kind of `line` (without its terminator) and, for an entry, the offset of its first `:`.
    @inline(__always)
    static func classify(_ line: UnsafeBufferPointer<UInt8>) -> (kind: LineKind, colon: Int) {
        guard let first = line.first else { return (.blank, -1) }
        if first == UInt8(ascii: "#") { return (.comment, -1) }
        if first == UInt8(ascii: ":") { return (.malformed(.emptyUser), -1) }
        if let colon = firstIndex(of: UInt8(ascii: ":"), in: line, from: 1) { return (.entry, colon) }
        if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { return (.blank, -1) }
        return (.malformed(.noColon), -1)
    }

    /// The index of the first `byte` in `buffer` at or after `start`, found with `memchr`.
    @inline(__always)
    static func firstIndex(of byte: UInt8, in buffer: UnsafeBufferPointer<UInt8>, from start: Int) -> Int? {
        guard start < buffer.count, let base = buffer.baseAddress else { return nil }
        guard let found = memchr(base + start, CInt(byte), buffer.count - start) else { return nil }
        return UnsafeRawPointer(found) - UnsafeRawPointer(base)
    }
}
