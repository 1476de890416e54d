/// What the servers that read a file make of a hasher's choice: the hashing layer (Hashing/) knows nothing
/// of servers; this layer holds a ``PasswordHasher`` against their profiles.
extension PasswordHasher {
    /// What to tell the user about this choice before using it, when nothing is known of the servers that
    /// read the file: a weak algorithm, and the common servers that cannot verify these hashes.
    public var warnings: [HashWarning] { warnings(for: []) }

    /// The servers whose refusal is worth a warning when the readers of a file are not named:
    /// ``Target/common``.
    public static var commonTargets: [Target] { Target.common }

    /// What to tell the user about this choice for files read by `targets`: a weak algorithm; and, when
    /// no target is named, the common servers that cannot verify these hashes (with targets, that is an
    /// error, not a warning).
    public func warnings(for targets: [Target]) -> [HashWarning] {
        var result: [HashWarning] = []
        if algorithm.isWeak { result.append(.weakAlgorithm(algorithm)) }
        guard targets.isEmpty else { return result }
        // The refusals in the order first met, each with its targets: the warnings themselves, rather than an
        // array of tuples, whose metadata the runtime would build from a mangled name (start-up time).
        for target in Self.commonTargets {
            guard let refusal = target.profile.refusal(for: self) else { continue }
            var index = 0
            while index < result.count {
                if case .notVerified(let targets, refusal) = result[index] {
                    result[index] = .notVerified(by: targets + [target], refusal)
                    break
                }
                index += 1
            }
            if index == result.count { result.append(.notVerified(by: [target], refusal)) }
        }
        return result
    }

    /// Checks that every one of `targets` verifies the hashes this hasher makes: their format, bcrypt cost
    /// and SHA-crypt rounds (``TargetProfile/refusal(for:)-(PasswordHasher)``).
    ///
    /// - Throws: ``HtpasswdError/notVerifiable(by:_:)`` for the first target that cannot.
    public func checkVerifiable(by targets: [Target]) throws(HtpasswdError) {
        for target in targets {
            if let refusal = target.profile.refusal(for: self) { throw .notVerifiable(by: target, refusal) }
        }
    }

    /// Hashes `password` after checking that every one of `targets` can verify it: the hash as
    /// ``checkVerifiable(by:)`` does, and the password's length (musl's SHA-crypt stops at 256 bytes).
    ///
    /// - Throws: ``HtpasswdError/notVerifiable(by:_:)`` for the first target that cannot, before any
    ///   hashing; otherwise as ``hash(_:)-(Collection<UInt8>)``.
    public func hash(
        _ password: some Collection<UInt8>, verifiableBy targets: [Target]
    ) throws(HtpasswdError) -> PasswordHash {
        try checkVerifiable(by: targets)
        for target in targets {
            if let refusal = target.profile.refusal(forPasswordOf: password.count, format: format) {
                throw .notVerifiable(by: target, refusal)
            }
        }
        return try hash(password)
    }

    /// The same for a password held in an array: what the command line passes, without the generic call across
    /// modules, whose `Array<UInt8>` metadata and `Collection` conformance the runtime would look up by name at
    /// start-up.
    public func hash(_ password: [UInt8], verifiableBy targets: [Target]) throws(HtpasswdError) -> PasswordHash {
        try hash(password[...], verifiableBy: targets)
    }

    /// Hashes the UTF-8 bytes of `password` after checking that every one of `targets` can verify it; see
    /// ``hash(_:verifiableBy:)-(Collection<UInt8>,_)``.
    public func hash(_ password: String, verifiableBy targets: [Target]) throws(HtpasswdError) -> PasswordHash {
        try hash(Array(password.utf8), verifiableBy: targets)
    }
}

extension PasswordHasher {
    /// A hasher for `algorithm` with its default cost or rounds, which are always valid.
    init(defaultsFor algorithm: Algorithm) {
        do {
            try self.init(algorithm: algorithm)
        } catch {
            preconditionFailure("the defaults of \(algorithm) are refused: \(error)")
        }
    }
}

/// Something legal but risky about a hashing choice, printed as a warning.
public enum HashWarning: Equatable, Sendable {
    /// A format whose hashes are cheap to crack from a leaked file (apr1, `{SHA}`, DES).
    case weakAlgorithm(Algorithm)
    /// These servers cannot verify the hashes (when the servers that read the file were not named).
    case notVerified(by: [Target], TargetRefusal)
}

extension HashWarning: CustomStringConvertible {
    public var description: String {
        switch self {
        case .weakAlgorithm(let algorithm):
            "\(algorithm.rawValue) is a weak format: a leaked file is cheap to crack; prefer bcrypt unless a consumer needs it"
        case .notVerified(let targets, let refusal):
            "\(Target.displayNames(targets)) cannot verify \(refusal): their users would get 401"
        }
    }
}
