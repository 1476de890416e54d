import ArgumentParser

/// `--generate` and `--length`, for the commands that set a password.
struct PasswordGeneration: ParsableArguments {
    static let defaultLength = 20
    /// Letters and digits: easy to paste, and 20 of them hold about 119 bits.
    static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789".utf8)

    @Flag(
        help:
            "Make a random password (letters and digits, from the system CSPRNG) and print it once on standard output.")
    var generate = false

    @Option(
        help: ArgumentHelp("Length of a generated password (default \(defaultLength); 8 with des).", valueName: "n"))
    var length: Int?

    func validate() throws {
        try PasswordChoice.checkLength(length, generate: generate)
    }
}
