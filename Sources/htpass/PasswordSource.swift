import ArgumentParser
import Glibc
import HtpasswdCore
import SystemPackage

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

extension PasswordChoice {
    /// What the password is for: setting it asks twice on a terminal, and a generated one fits `hasher`.
    enum Purpose {
        case set(UserName?, hasher: PasswordHasher)
        case verify(String)
    }

    /// Reads the password from the chosen source.
    ///
    /// - Throws: ``CommandError`` with ``ExitStatus/usage`` when there is no source and no terminal or the
    ///   variable is not set, ``ExitStatus/fileProblem`` for an unreadable file, ``ExitStatus/rejectedInput``
    ///   when the two prompts differ; ``HtpasswdError/invalidPassword(_:)`` for an empty password without
    ///   `--allow-empty`.
    func read(for purpose: Purpose) throws -> Password {
        let password: Password
        switch source {
        case .generated(let length):
            // The default length, unless the algorithm uses fewer bytes (DES: 8).
            var count = length ?? PasswordGeneration.defaultLength
            if length == nil, case .set(_, let hasher) = purpose, let limit = hasher.algorithm.passwordLimit {
                count = min(count, limit)
            }
            password = Password(
                bytes: try SecureRandom.string(count: count, alphabet: PasswordGeneration.alphabet), generated: true)
        case .stdin:
            var bytes = try Self.readAll(STDIN_FILENO, name: "standard input")
            Self.removeLineEnding(&bytes)
            password = Password(bytes: bytes)
        case .file(let passwordFile):
            let fd = open(passwordFile, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else {
                throw CommandError(
                    .fileProblem, "Cannot open the password file '\(passwordFile)': \(Errno(rawValue: errno))")
            }
            defer { close(fd) }
            var bytes = try Self.readAll(fd, name: passwordFile)
            Self.removeLineEnding(&bytes)
            password = Password(bytes: bytes)
        case .environment(let passwordEnv):
            guard let value = getenv(passwordEnv) else {
                throw CommandError(
                    .usage,
                    "The environment variable '\(passwordEnv)' is not set; export it, or choose another password source"
                )
            }
            // One copy, straight into the array. The variable itself stays in this process's environment,
            // which no child gets (SystemGroup) and which only root may read (htpass is not dumpable).
            password = Password(bytes: Array(UnsafeRawBufferPointer(start: value, count: strlen(value))))
        case .prompt:
            password = Password(bytes: try prompt(for: purpose))
        }
        if password.bytes.isEmpty && !allowEmpty { throw HtpasswdError.invalidPassword(.empty) }
        return password
    }

    private func prompt(for purpose: Purpose) throws -> [UInt8] {
        let sources = "--stdin, --password-file PATH, --password-env NAME"
        let noTerminal = CommandError(
            .usage,
            "No password given and no terminal to ask on; use \(sources)"
                + (purposeSets(purpose) ? " or --generate" : ""))
        guard Terminal.standardInputIsTerminal else { throw noTerminal }
        switch purpose {
        case .verify(let user):
            guard let first = Terminal.readSecret(prompt: "Password for \(user): ") else { throw noTerminal }
            return first
        case .set(let user, _):
            let label = user.map { "New password for \($0): " } ?? "New password: "
            guard var first = Terminal.readSecret(prompt: label) else { throw noTerminal }
            guard var second = Terminal.readSecret(prompt: "Type it again: ") else {
                wipe(&first)
                throw noTerminal
            }
            let same = first == second
            wipe(&second)
            guard same else {
                wipe(&first)
                throw CommandError(.rejectedInput, "The two passwords differ; nothing was changed, try again")
            }
            return first
        }
    }

    private func purposeSets(_ purpose: Purpose) -> Bool {
        if case .set = purpose { return true }
        return false
    }

    /// Removes one trailing `\n` or `\r\n` from `bytes`, in place: a copy would leave the password in the
    /// storage it came from.
    static func removeLineEnding(_ bytes: inout [UInt8]) {
        if bytes.last == UInt8(ascii: "\n") {
            bytes.removeLast()
            if bytes.last == UInt8(ascii: "\r") { bytes.removeLast() }
        }
    }

    /// All of `fd`. A password of up to 4096 bytes is read into one chunk and one result that never grows
    /// (growing would leave the shorter storage behind, unwiped); the chunk is wiped.
    private static func readAll(_ fd: CInt, name: String) throws -> [UInt8] {
        var chunk = [UInt8](repeating: 0, count: 4096)
        defer { wipe(&chunk) }
        var result: [UInt8] = []
        result.reserveCapacity(chunk.count)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                let code = errno
                wipe(&result)
                throw CommandError(
                    .fileProblem, "Cannot read the password from '\(name)': \(Errno(rawValue: code))")
            }
            if n == 0 { return result }
            result.append(contentsOf: chunk[..<n])
        }
    }
}

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

/// A password as bytes, and whether htpass made it (then it is printed once, after success).
///
/// A class, so that all its copies (in the request, in ``NewPassword``) are one storage, wiped when the last
/// of them goes: a command's `run()` returns (or throws) before htpass exits, so that is before exit.
final class Password {
    private(set) var bytes: [UInt8]
    let generated: Bool

    init(bytes: [UInt8], generated: Bool = false) {
        self.bytes = bytes
        self.generated = generated
    }

    deinit {
        wipe(&bytes)
    }

    /// Prints a generated password on standard output; does nothing for a password that was given.
    func printIfGenerated() {
        if generated { Output.line(bytes) }
    }
}
