import Glibc
import HtpasswdCore
import SystemPackage

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
            var bytes =
                try Terminal.standardInputIsTerminal
                ? Terminal.readingStandardInput(prompt: Self.terminalPrompt(for: purpose)) {
                    try Self.readAll(STDIN_FILENO, name: "standard input")
                } : Self.readAll(STDIN_FILENO, name: "standard input")
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
            // withCString: the implicit conversion would copy the name into a ContiguousArray<CChar>, one more
            // array type for the runtime to build at start-up.
            guard let value = passwordEnv.withCString({ getenv($0) }) else {
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

    /// What `--stdin` says on a terminal before it reads: what it reads, that nothing is echoed, and how to
    /// end it (all of standard input is the password: Enter alone does not end it).
    static func terminalPrompt(for purpose: Purpose) -> String {
        let what: String
        switch purpose {
        case .set(let user?, _): what = "the new password for \(user)"
        case .set(nil, _): what = "the new password"
        case .verify(let user): what = "the password for \(user)"
        }
        return "reading \(what) from standard input, not echoed; end it with Enter, then Ctrl-D: "
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

    /// All of `fd`: a password of up to 4096 bytes is read into one chunk and one result that never grows.
    private static func readAll(_ fd: CInt, name: String) throws -> [UInt8] {
        do throws(Errno) { return try readAllWiping(fd, chunkSize: 4096) } catch {
            throw CommandError(.fileProblem, "Cannot read the password from '\(name)': \(error)")
        }
    }
}
