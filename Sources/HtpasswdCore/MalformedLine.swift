import Glibc

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
