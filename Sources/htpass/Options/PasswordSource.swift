import ArgumentParser

/// Where the password comes from: exactly one of `--stdin`, `--password-file`, `--password-env`, or a
/// prompt on the terminal. There is deliberately no option that takes the password itself.
struct PasswordSource: ParsableArguments {
    @Flag(help: "Read the password from standard input (all of it, less one trailing newline).")
    var stdin = false

    @Option(
        name: .customLong("password-file"),
        help: ArgumentHelp("Read the password from the file at PATH (less one trailing newline).", valueName: "path"),
        completion: .file())
    var passwordFile: String?

    @Option(
        name: .customLong("password-env"),
        help: ArgumentHelp("Read the password from the environment variable NAME.", valueName: "name"))
    var passwordEnv: String?

    @Flag(help: "Accept an empty password (refused otherwise).")
    var allowEmpty = false

    func validate() throws {
        try PasswordChoice.checkOneSource(stdin: stdin, file: passwordFile, environment: passwordEnv)
    }

    /// The plain value of these options, with `--generate` and `--length` for the commands that have them.
    func choice(generation: PasswordGeneration? = nil) throws -> PasswordChoice {
        try PasswordChoice(
            stdin: stdin, file: passwordFile, environment: passwordEnv, generate: generation?.generate ?? false,
            length: generation?.length, allowEmpty: allowEmpty)
    }
}
