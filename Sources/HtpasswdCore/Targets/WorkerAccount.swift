/// An account a server's workers run as.
public struct WorkerAccount: Equatable, Sendable {
    /// The account's name where packages create it (`www-data`), or nil for a bare number.
    public let name: String?
    /// The account's user ID.
    public let uid: UInt32
    /// The account's primary group ID.
    public let gid: UInt32
    /// Where this account is used: `Debian package`, `official image`.
    public let context: String
}
