import HtpasswdCore
import HtpasswdVerifier

/// `htpass verify FILE USER`.
///
/// The user is looked up by its exact bytes, without the rules for writing a name: a user written by
/// another tool (`" bob"`) can be verified, and a name no entry can have (empty, with `:`) is not found.
struct VerifyRequest: Equatable, Sendable {
    var file: String
    var user: String
    var password: PasswordChoice

    func run() throws {
        let path = RawArguments.path(file)
        let user = RawArguments.bytes(of: [file, user])[1]
        let display = displayText(user)
        // The file first: a missing or unreadable file is said before a prompt.
        let candidate = try Authenticator(path: path).candidate(for: user)
        let secret = try password.read(for: .verify(display))
        switch candidate.check(secret.bytes) {
        case .granted:
            return
        case .wrongPassword:
            throw CommandOutcome(status: .mismatch, message: "The password for '\(display)' does not match")
        case .unknownUser:
            throw CommandError(
                .noSuchUser, "No user '\(display)' in '\(path.display)'; check the name with 'htpass list'")
        case .unverifiable(let line, let format):
            throw CommandError(
                .unverifiable,
                "The entry of '\(display)' (line \(line), format \(format.name)) cannot match any password; set one with 'htpass add'"
            )
        }
    }
}
