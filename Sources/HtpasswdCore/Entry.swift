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
}

/// A line that is neither an entry, a comment nor blank. It is kept as it is and reported.
public struct MalformedLine: Equatable, Sendable {
    public enum Reason: Equatable, Sendable {
        /// No `:` on the line.
        case noColon
        /// The line starts with `:`.
        case emptyUser
    }

    /// The 1-based line number.
    public let lineNumber: Int
    public let reason: Reason
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
    public var description: String { "line \(lineNumber): \(reason.explanation)" }
}
