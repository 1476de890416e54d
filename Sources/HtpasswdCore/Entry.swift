import Glibc

/// One `user:hash` record of an htpasswd file, as a consumer reads it.
///
/// Its fields are owned bytes (``Field``), copied out of the file: an entry does not keep the file's content
/// alive, its fields index from 0, and they compare with a string literal by its UTF-8 bytes:
///
/// ```swift
/// let file = try HtpasswdStore(path: "/etc/nginx/htpasswd").read()
/// for entry in file.entries where entry.user == "alice" {
///     print(entry.lineNumber, entry.hash)      // 3 $2y$10$...
/// }
/// ```
///
/// Owned rather than slices of the file: a slice kept the whole file in memory for as long as one entry
/// lived. The copies (three small arrays an entry) are made only by ``HtpasswdFile/entries`` and
/// ``ScannedLine/entry``; the readers that must be fast (`htpass list` and `verify`, `HtpasswdVerifier`'s
/// authenticators) scan the file without making entries.
public struct Entry: Hashable, Sendable {
    /// The 1-based line number.
    public let lineNumber: Int
    /// The user name: everything before the first `:`. Not checked against ``UserName``'s rules, since
    /// files written by other tools may hold any bytes here.
    public let user: Field
    /// The hash: from the first `:` to the next `:` or the end of the line, as nginx reads it.
    public let hash: Field
    /// Anything from a second `:` on (including it), such as Apache's `user:hash:comment`; kept on edits.
    public let extra: Field

    /// An entry of line `lineNumber` with these parts (`extra` empty, or from the second `:` on).
    public init(
        lineNumber: Int, user: some Collection<UInt8>, hash: some Collection<UInt8>, extra: some Collection<UInt8>
    ) {
        self.lineNumber = lineNumber
        self.user = Field(user)
        self.hash = Field(hash)
        self.extra = Field(extra)
    }

    /// The user name, if it keeps ``UserName``'s rules (a name written by another tool may not): for the
    /// editing API, which takes a ``UserName``.
    public var userName: UserName? { try? UserName(user.bytes) }
}

extension Entry {
    /// The bytes of one field of an entry, as they are in the file, owned.
    ///
    /// A collection of bytes that compares with a string literal by its UTF-8 bytes (`entry.user == "alice"`);
    /// for a `String` known only at run time, `entry.user == Entry.Field(name)`. Its description shows it as
    /// messages do: valid UTF-8 as is, other bytes and control characters as `\xNN`.
    public struct Field: RandomAccessCollection, Hashable, Sendable, ExpressibleByStringLiteral,
        CustomStringConvertible
    {
        /// The bytes.
        public let bytes: [UInt8]

        /// The field made of `bytes`.
        public init(_ bytes: some Sequence<UInt8>) {
            self.bytes = Array(bytes)
        }

        /// The field made of the UTF-8 bytes of `text`.
        public init(_ text: String) {
            bytes = Array(text.utf8)
        }

        /// The field made of the UTF-8 bytes of a literal: `entry.user == "alice"`.
        public init(stringLiteral text: String) {
            self.init(text)
        }

        public var startIndex: Int { 0 }
        public var endIndex: Int { bytes.count }
        public subscript(position: Int) -> UInt8 { bytes[position] }

        public func withContiguousStorageIfAvailable<Result>(
            _ body: (UnsafeBufferPointer<UInt8>) throws -> Result
        ) rethrows -> Result? {
            try bytes.withUnsafeBufferPointer(body)
        }

        public var description: String { String(displaying: bytes) }
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
