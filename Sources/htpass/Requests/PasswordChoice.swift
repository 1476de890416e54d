import ArgumentParser
import Glibc
import HtpasswdCore
import SystemPackage

/// Where the password comes from, as chosen on the command line: the plain value behind
/// ``PasswordSource`` and ``PasswordGeneration``. Reading it is ``read(for:)`` (PasswordChoice+Read.swift).
struct PasswordChoice: Equatable, Sendable {
    enum Source: Equatable, Sendable {
        /// Nothing given: a prompt on the terminal, or a usage error without one.
        case prompt
        case stdin
        case file(path: String)
        case environment(name: String)
        /// `--generate`, with `--length` if given.
        case generated(length: Int?)
    }

    var source: Source
    var allowEmpty: Bool

    /// The choice for these options, after checking every rule in the order argument-parser checks them.
    ///
    /// - Throws: `ValidationError` (a usage error) for a rule broken.
    init(
        stdin: Bool, file: String?, environment: String?, generate: Bool = false, length: Int? = nil,
        allowEmpty: Bool
    ) throws {
        try Self.checkOneSource(stdin: stdin, file: file, environment: environment)
        try Self.checkLength(length, generate: generate)
        try Self.checkGenerateAlone(generate: generate, stdin: stdin, file: file, environment: environment)
        if generate {
            source = .generated(length: length)
        } else if stdin {
            source = .stdin
        } else if let file {
            source = .file(path: file)
        } else if let environment {
            source = .environment(name: environment)
        } else {
            source = .prompt
        }
        self.allowEmpty = allowEmpty
    }

    /// At most one of `--stdin`, `--password-file` and `--password-env`.
    static func checkOneSource(stdin: Bool, file: String?, environment: String?) throws {
        // Counted, not filtered from an array of Bool: no array type to build at start-up.
        if (stdin ? 1 : 0) + (file != nil ? 1 : 0) + (environment != nil ? 1 : 0) > 1 {
            throw ValidationError("Give only one of --stdin, --password-file and --password-env")
        }
    }

    /// `--length` goes with `--generate`, and is 1 to 4096.
    static func checkLength(_ length: Int?, generate: Bool) throws {
        if length != nil && !generate { throw ValidationError("--length goes with --generate") }
        if let length, !(1...4096).contains(length) { throw ValidationError("--length must be 1 to 4096") }
    }

    /// `--generate` is a password source too: it excludes the others.
    static func checkGenerateAlone(generate: Bool, stdin: Bool, file: String?, environment: String?) throws {
        if generate && (stdin || file != nil || environment != nil) {
            throw ValidationError(
                "--generate makes the password; do not also give --stdin, --password-file or --password-env")
        }
    }
}
