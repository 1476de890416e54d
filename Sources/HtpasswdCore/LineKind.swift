import Glibc

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
