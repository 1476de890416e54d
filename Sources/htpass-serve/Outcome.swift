/// The decisions of `/auth`, as the audit log and `/metrics` name them.
enum Outcome: String, CaseIterable, Sendable {
    /// 200: the credential verifies (or is in the success cache).
    case granted
    /// 401: a wrong password, or an entry that no password or the target cannot verify.
    case denied
    /// 401: no such user (a hash was computed all the same).
    case unknownUser = "unknown_user"
    /// 429: the client or the user is blocked; no hash.
    case throttled
    /// 503: the file cannot be read or parsed, or too many hashes wait.
    case unavailable
    /// 401: no `Authorization` header, or not a well-formed Basic one; no hash.
    case badRequest = "bad_request"
}
