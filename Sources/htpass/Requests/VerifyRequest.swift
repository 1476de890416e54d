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
        try RawArguments.checkPath(file)
        let user = RawArguments.bytes(of: [file, user])[1]
        let display = displayText(user)
        let contents = try HtpasswdStore(path: file).read()
        let secret = try password.read(for: .verify(display))
        let verifier = Verifier()
        guard let entry = contents.entry(for: user) else {
            if let dummy = verifier.timingDummy(in: contents) { _ = verifier.verify(secret.bytes, against: dummy) }
            throw CommandError(.noSuchUser, "No user '\(display)' in '\(file)'; check the name with 'htpass list'")
        }
        switch verifier.verify(secret.bytes, against: entry.hash) {
        case .match:
            return
        case .mismatch:
            throw CommandOutcome(status: .mismatch, message: "The password for '\(display)' does not match")
        case .unverifiable(let format):
            throw CommandError(
                .unverifiable,
                "The entry of '\(display)' (line \(entry.lineNumber), format \(format.name)) cannot match any password; set one with 'htpass add'"
            )
        }
    }
}
