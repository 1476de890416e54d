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
