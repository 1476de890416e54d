import HtpasswdCore
import HtpasswdVerifier

/// `htpass verify FILE USER [--as TARGET]`.
///
/// The user is looked up by its exact bytes, without the rules for writing a name: a user written by
/// another tool (`" bob"`) can be verified, and a name no entry can have (empty, with `:`) is not found.
/// With `--as`, the file is read and the password checked the way that server does.
struct VerifyRequest: Equatable, Sendable {
    var file: String
    var user: String
    var password: PasswordChoice
    /// nil: ``Target/default`` (nginx on Debian), htpass's own reading.
    var target: Target? = nil

    func run() throws {
        if StandardInputFile.isStandardInput(file), password.source == .stdin {
            throw CommandError(
                .usage,
                "FILE '-' is read from standard input, and so is --stdin; give the password with --password-file or --password-env"
            )
        }
        let path = try StandardInputFile.path(file)
        let user = RawArguments.bytes(of: [file, user])[1]
        let display = String(displaying: user)
        // The file first: a missing or unreadable file is said before a prompt.
        let reader = target ?? .default
        let candidate = try Authenticator(path: path, target: reader).candidate(for: user)
        let secret = try password.read(for: .verify(display))
        let server = target.map { " for \($0.displayName)" } ?? ""
        switch candidate.check(secret.bytes) {
        case .granted:
            return
        case .wrongPassword:
            throw CommandOutcome(status: .mismatch, message: "The password for '\(display)' does not match\(server)")
        case .unknownUser where ByteOrderMark.hidesUser(user, in: path):
            throw CommandError(
                .noSuchUser,
                "No user '\(display)' in '\(path.display)'\(server): " + ByteOrderMark.explanation(user, in: path))
        case .unknownUser:
            throw CommandError(
                .noSuchUser, "No user '\(display)' in '\(path.display)'\(server); check the name with 'htpass list'")
        case .unverifiable(let line, let format):
            throw CommandError(
                .unverifiable,
                "The entry of '\(display)' (line \(line), format \(format.name)) cannot match any password; set one with 'htpass add'"
            )
        case .notVerifiable(let line, let refusal):
            throw CommandError(
                .unverifiable,
                "\(reader.displayName) cannot verify \(refusal) (line \(line)): '\(display)' gets 401; set the password again with 'htpass add --target \(reader.rawValue)'"
            )
        case .fileRefused(let line, let reason):
            throw CommandError(
                .fileProblem,
                "\(reader.displayName) refuses the whole file because of \(reason) on line \(line): every user gets 401 or 400; see 'htpass check --target \(reader.rawValue)'"
            )
        }
    }
}
