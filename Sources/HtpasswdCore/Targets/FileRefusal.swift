/// Why a server refuses a whole file.
public enum FileRefusal: Equatable, Sendable {
    /// A line without `:` (not empty, not a comment): for a server that keeps lines as they are, a line of
    /// spaces is one.
    case lineWithoutColon
    /// A line with a second `:` (`user:hash:extra`).
    case extraField
    /// A line with an empty user name (`:hash`).
    case emptyUser
    /// A line with an empty hash (`user:`).
    case emptyHash
    /// A user listed on two lines.
    case duplicateUser
    /// A line of `length` bytes, where the server refuses lines of `limit` bytes or more.
    case lineTooLong(length: Int, limit: Int)
    /// An entry whose hash (of this format and length in bytes) does not have the one shape the server loads.
    case hashNotAccepted(HashFormat, length: Int, TargetReading.RequiredHash)
}

extension FileRefusal: CustomStringConvertible {
    public var description: String {
        switch self {
        case .lineWithoutColon: "a line without ':'"
        case .extraField: "a line with a second ':' (user:hash:extra)"
        case .emptyUser: "an empty user name"
        case .emptyHash: "an empty hash"
        case .duplicateUser: "a user listed twice"
        case .lineTooLong(let length, let limit): "a line of \(length) bytes (at most \(limit - 1))"
        case .hashNotAccepted(let format, let length, .sha1Base64):
            format == .sha1
                ? "a {SHA} hash of \(length - 5) characters after '{SHA}' (not 28)"
                : "a hash that is not {SHA} (\(format.name))"
        }
    }
}
