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

/// `-a/--algorithm`, `--cost`, `--rounds` and `--target`: the plain value behind ``HashingOptions``.
///
/// Cost and rounds are checked by ``PasswordHasher`` when the command runs (status 2 or 5), not here.
struct HashChoice: Equatable, Sendable {
    /// nil: bcrypt, or with targets the strongest algorithm all of them verify.
    var algorithm: Algorithm?
    var cost: Int?
    var rounds: Int?
    var targets = TargetChoice()

    /// The hasher for this choice, after checking that every target verifies what it makes and printing
    /// the warnings about it (unless `warn` is false: see ``warn(_:targets:)``).
    ///
    /// - Throws: ``HtpasswdError/notVerifiable(by:_:)`` (status 5) when a target cannot verify the
    ///   algorithm, cost or rounds; ``CommandError`` (5) when no algorithm suits every target.
    func hasher(warn: Bool = true) throws -> (PasswordHasher, [Target]) {
        let targets = try self.targets.resolved()
        guard let algorithm = self.algorithm ?? Target.strongestAlgorithm(verifiedByAll: targets) else {
            throw CommandError(
                .rejectedInput,
                "No hash format is verified by all of \(targets.map(\.rawValue).joined(separator: ", ")); give fewer targets"
            )
        }
        var hasher: PasswordHasher
        do {
            hasher = try PasswordHasher(algorithm: algorithm, cost: cost, rounds: rounds)
            // The command decided about an empty password already (--allow-empty), as the user asked.
            hasher.allowsEmptyPassword = true
        } catch {
            // The targets chose the format: advice about other formats would name one they cannot verify.
            guard case .notApplicable(let parameter, _) = error, self.algorithm == nil, !targets.isEmpty
            else { throw error }
            let names = Target.displayNames(targets)
            let verb = targets.count == 1 ? "verifies" : "verify"
            throw CommandError(
                .usage,
                "--\(parameter.rawValue) does not apply to \(algorithm.rawValue), the strongest format \(names) \(verb); leave it out"
            )
        }
        try hasher.checkVerifiable(by: targets)
        if warn { Self.warn(hasher, targets: targets) }
        return (hasher, targets)
    }

    /// Prints the warnings about what `hasher` makes, for files read by `targets`.
    static func warn(_ hasher: PasswordHasher, targets: [Target]) {
        for warning in hasher.warnings(for: targets) {
            switch warning {
            case .notVerified:
                Output.warning(warning.description + "; name the servers that read the file with --target")
            case .weakAlgorithm(let algorithm):
                // The library's own advice is bcrypt; with targets, the strongest they verify is the one to name.
                let strongest = Target.strongestAlgorithm(verifiedByAll: targets)
                let advice =
                    switch strongest {
                    case let strongest? where strongest.isWeak:
                        Target.displayNames(targets)
                            + " \(targets.count == 1 ? "verifies" : "verify") no stronger format"
                    case let strongest?: "prefer \(strongest.rawValue) unless another reader needs it"
                    case nil: "no format suits every target"
                    }
                Output.warning(
                    "\(algorithm.rawValue) is a weak format: a leaked file is cheap to crack; \(advice)")
            }
        }
    }
}

/// A password being set (create, add, hash): read from its source and hashed, before any file is locked,
/// so that bcrypt's time is not spent holding the lock.
struct NewPassword {
    let secret: Password
    let hash: PasswordHash

    init(for user: UserName?, _ password: PasswordChoice, _ hashing: HashChoice) throws {
        let (hasher, targets) = try hashing.hasher()
        secret = try password.read(for: .set(user, hasher: hasher))
        // Also refuses a password a target cannot take (musl's SHA-crypt stops at 256 bytes).
        hash = try hasher.hash(secret.bytes, verifiableBy: targets)
    }
}

/// `--mode` and `--group`: the plain value behind ``NewFileOptions``.
struct NewFileChoice: Equatable, Sendable {
    var mode: FileMode?
    var group: String?

    /// The attributes for HtpasswdStore; an unknown group is a usage error.
    func attributes() throws -> HtpasswdStore.NewFileAttributes {
        var attributes = HtpasswdStore.NewFileAttributes()
        if let mode { attributes.mode = mode.bits }
        if let group {
            guard let id = SystemGroup.id(named: group) else {
                throw CommandError(
                    .usage,
                    "No group '\(group)' on this system; give the group your web server runs as (see /etc/group)")
            }
            attributes.group = id
        }
        return attributes
    }
}

/// `--lock-timeout`: seconds to wait for another edit, 0 or more.
enum LockTimeout {
    /// The library's default, ``HtpasswdStore/defaultLockTimeout``, in seconds.
    static let defaultSeconds = Double(HtpasswdStore.defaultLockTimeout.components.seconds)

    static func check(_ seconds: Double) throws {
        guard seconds.isFinite, seconds >= 0 else {
            throw ValidationError("--lock-timeout must be a number of seconds, 0 or more")
        }
    }
}

/// `--lock-timeout` and `--write-mode`: the plain value behind ``EditOptions``.
struct EditChoice: Equatable, Sendable {
    var lockTimeout: Double = LockTimeout.defaultSeconds
    /// nil: `$HTPASS_WRITE_MODE`, else auto.
    var writeMode: HtpasswdStore.WriteMode?

    /// - Throws: `ValidationError` when the lock timeout is negative.
    init(lockTimeout: Double = LockTimeout.defaultSeconds, writeMode: HtpasswdStore.WriteMode? = nil) throws {
        try LockTimeout.check(lockTimeout)
        self.lockTimeout = lockTimeout
        self.writeMode = writeMode
    }

    /// The store for `path`, with these settings.
    func store(_ path: FilePath) throws -> HtpasswdStore {
        var store = HtpasswdStore(
            path: path, lockTimeout: .seconds(lockTimeout), writeMode: try writeMode ?? Self.environmentWriteMode())
        store.lockWaiting = Output.lockWaiting
        return store
    }

    /// `$HTPASS_WRITE_MODE`, or auto; an unknown value is a usage error.
    static func environmentWriteMode() throws -> HtpasswdStore.WriteMode {
        guard let value = getenv("HTPASS_WRITE_MODE").map({ String(cString: $0) }), !value.isEmpty else {
            return .auto
        }
        guard let mode = HtpasswdStore.WriteMode(rawValue: value) else {
            throw CommandError(.usage, "HTPASS_WRITE_MODE is '\(value)'; use auto, rename or in-place")
        }
        return mode
    }
}
