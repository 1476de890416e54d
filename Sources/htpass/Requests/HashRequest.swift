import ArgumentParser
import HtpasswdCore

/// `htpass hash [USER]`.
struct HashRequest: Equatable, Sendable {
    var user: String?
    var password: PasswordChoice
    var hashing: HashChoice
    var format: TextFormat = .plain
    /// `--name`: the variable of `--format dotenv`.
    var name: String?

    /// - Throws: `ValidationError` for a `--name` without `--format dotenv`, or one that names no variable.
    init(
        user: String?, password: PasswordChoice, hashing: HashChoice, format: TextFormat = .plain,
        name: String? = nil
    ) throws {
        if let name {
            guard format == .dotenv else { throw ValidationError("--name goes with --format dotenv") }
            guard TextFormat.isVariableName(name) else {
                throw ValidationError("--name must be a variable name: letters, digits and '_'")
            }
        }
        self.user = user
        self.password = password
        self.hashing = hashing
        self.format = format
        self.name = name
    }

    func run() throws {
        let name = try user.map { user throws(UserName.Problem) in try UserName(RawArguments.bytes(of: [user])[0]) }
        let new = try NewPassword(for: name, password, hashing)
        let hash = new.hash.bytes
        new.secret.printIfGenerated()
        let line: [UInt8]
        if let name {
            Warnings.recordLength(name.bytes.count + 1 + hash.count, for: name)
            line = name.bytes + [UInt8(ascii: ":")] + hash
        } else {
            line = hash
        }
        Output.line(format == .dotenv ? try format.dotenvLine(line, name: self.name) : try format.escape(line))
    }
}
