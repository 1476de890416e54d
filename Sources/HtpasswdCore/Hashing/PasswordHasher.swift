import Glibc
import SystemPackage

/// Hashes passwords with one algorithm and its parameters, checked once at initialisation.
///
/// ```swift
/// let hasher = try PasswordHasher(algorithm: .bcrypt, cost: 12)
/// let hash = try hasher.hash(Array("secret".utf8))   // "$2y$12$..."
/// ```
public struct PasswordHasher: Equatable, Sendable {
    /// The bcrypt costs libxcrypt accepts.
    public static let costRange = 4...31
    /// The bcrypt cost when none is given: about 60 ms a hash on current hardware.
    public static let defaultCost = 10
    /// The SHA-crypt rounds libxcrypt accepts.
    public static let roundsRange = 1000...999_999_999
    /// The SHA-crypt rounds when none are given (and the number a hash without `rounds=` has).
    public static let defaultRounds = 5000

    /// The algorithm every hash is made with.
    public let algorithm: Algorithm
    /// The bcrypt cost (log2 of the iterations); nil for other algorithms.
    public let cost: Int?
    /// The SHA-crypt rounds; nil for other algorithms.
    public let rounds: Int?

    /// A hasher for `algorithm`, with `cost` (bcrypt) or `rounds` (SHA-crypt), or their defaults.
    ///
    /// - Throws: ``HtpasswdError/invalidCost(_:)``, ``HtpasswdError/invalidRounds(_:)``, or
    ///   ``HtpasswdError/parameterNotApplicable(_:algorithm:)`` when a parameter does not fit the algorithm.
    public init(algorithm: Algorithm = .bcrypt, cost: Int? = nil, rounds: Int? = nil) throws(HtpasswdError) {
        if let cost {
            guard algorithm == .bcrypt else { throw .parameterNotApplicable(.cost, algorithm: algorithm) }
            guard Self.costRange.contains(cost) else { throw .invalidCost(cost) }
        }
        if let rounds {
            guard algorithm == .sha256 || algorithm == .sha512 else {
                throw .parameterNotApplicable(.rounds, algorithm: algorithm)
            }
            guard Self.roundsRange.contains(rounds) else { throw .invalidRounds(rounds) }
        }
        self.algorithm = algorithm
        self.cost = algorithm == .bcrypt ? (cost ?? Self.defaultCost) : nil
        self.rounds = (algorithm == .sha256 || algorithm == .sha512) ? (rounds ?? Self.defaultRounds) : nil
    }

    /// What to tell the user about this choice before using it, when nothing is known of the servers that
    /// read the file: a weak algorithm, and the common servers that cannot verify these hashes.
    public var warnings: [HashWarning] { warnings(for: []) }

    /// The servers whose refusal is worth a warning when the readers of a file are not named: nginx on a
    /// host or in an image, on Alpine (ingress-nginx), and Apache. The others take few formats (Traefik,
    /// the registry, Envoy) and would make most choices look wrong; name them with a target.
    public static let commonTargets: [Target] = [.nginx, .nginxAlpine, .apache]

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

    /// Refuses a password that this algorithm would truncate or that no server could receive.
    ///
    /// The empty password is not checked here: whether it is allowed is the caller's decision.
    public func check(_ password: some Collection<UInt8>) throws(HtpasswdError) {
        if password.contains(0) { throw .invalidPassword(.containsNUL) }
        if let limit = algorithm.passwordLimit, password.count > limit {
            throw .invalidPassword(.tooLong(algorithm: algorithm, limit: limit, length: password.count))
        }
    }

    /// Hashes `password` with a fresh salt from the system CSPRNG.
    ///
    /// - Returns: The complete hash, such as `$2y$10$...`; never a failure token.
    /// - Throws: ``HtpasswdError/invalidPassword(_:)`` for a password the algorithm would truncate or that
    ///   contains NUL; ``HtpasswdError/hashingFailed(algorithm:errno:)`` if libxcrypt fails.
    public func hash(_ password: some Collection<UInt8>) throws(HtpasswdError) -> PasswordHash {
        let password = Array(password)
        try check(password)
        switch algorithm {
        case .apr1:
            let salt = try SecureRandom.string(count: APR1.saltLength, alphabet: cryptAlphabet)
            return PasswordHash(trusted: Array(APR1.hash(password, salt: salt).utf8))
        case .sha1:
            return PasswordHash(trusted: Array(("{SHA}" + Base64.encode(SHA1.digest(password))).utf8))
        case .bcrypt, .sha512, .sha256, .yescrypt, .des:
            return PasswordHash(trusted: try cryptHash(password))
        }
    }

    /// Hashes the UTF-8 bytes of `password`; see ``hash(_:)-(Collection<UInt8>)``.
    public func hash(_ password: String) throws(HtpasswdError) -> PasswordHash {
        try hash(Array(password.utf8))
    }

    /// The format of the hashes this hasher makes (bcrypt as `$2y$`).
    public var format: HashFormat {
        switch algorithm {
        case .bcrypt: .bcrypt(variant: "y", cost: cost ?? Self.defaultCost)
        case .sha512: .sha512(rounds: rounds ?? Self.defaultRounds)
        case .sha256: .sha256(rounds: rounds ?? Self.defaultRounds)
        case .yescrypt: .yescrypt
        case .apr1: .apr1
        case .sha1: .sha1
        case .des: .des
        }
    }

    // MARK: For the servers that read the file

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

    /// Hashes the UTF-8 bytes of `password` after checking that every one of `targets` can verify it; see
    /// ``hash(_:verifiableBy:)-(Collection<UInt8>,_)``.
    public func hash(_ password: String, verifiableBy targets: [Target]) throws(HtpasswdError) -> PasswordHash {
        try hash(Array(password.utf8), verifiableBy: targets)
    }

    /// Refuses a password (its UTF-8 bytes) that this algorithm would truncate or that no server could
    /// receive; see ``check(_:)-(Collection<UInt8>)``.
    public func check(_ password: String) throws(HtpasswdError) {
        try check(Array(password.utf8))
    }

    private func cryptHash(_ password: [UInt8]) throws(HtpasswdError) -> [UInt8] {
        let prefix: String
        var count: UInt = 0
        switch algorithm {
        case .bcrypt:
            prefix = "$2y$"
            count = UInt(cost ?? Self.defaultCost)
        case .sha512, .sha256:
            prefix = algorithm == .sha512 ? "$6$" : "$5$"
            // The default is written without `rounds=`, as every tool does.
            let rounds = rounds ?? Self.defaultRounds
            count = rounds == Self.defaultRounds ? 0 : UInt(rounds)
        case .yescrypt:
            prefix = "$y$"
        case .des:
            prefix = ""
        case .apr1, .sha1:
            preconditionFailure("not a crypt(3) method")
        }
        let (setting, settingErrno) = try Crypt.makeSetting(prefix: prefix, count: count)
        guard let setting else { throw .hashingFailed(algorithm: algorithm, errno: Errno(rawValue: settingErrno)) }
        let (hash, hashErrno) = Crypt.hash(password, setting: setting)
        guard let hash, PasswordHash.problem(with: hash) == nil else {
            throw .hashingFailed(algorithm: algorithm, errno: Errno(rawValue: hashErrno == 0 ? EINVAL : hashErrno))
        }
        return hash
    }
}
