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
    /// Whether ``check(_:)-(Collection<UInt8>)`` and the `hash` methods accept the empty password; false
    /// unless set. An empty password is almost always a mistake (an unset variable, an empty file), and
    /// lets in anyone who knows the user's name; a caller that asked for one on purpose (htpass's
    /// `--allow-empty`) sets this.
    public var allowsEmptyPassword = false

    /// A hasher for `algorithm`, with `cost` (bcrypt) or `rounds` (SHA-crypt), or their defaults.
    ///
    /// - Throws: ``ParameterProblem`` when a parameter does not fit the algorithm or is out of its range.
    ///   Where a ``HtpasswdError`` is expected, wrap it: ``HtpasswdError/invalidHashParameter(_:)``.
    public init(algorithm: Algorithm = .bcrypt, cost: Int? = nil, rounds: Int? = nil) throws(ParameterProblem) {
        if let cost {
            guard algorithm == .bcrypt else { throw .notApplicable(.cost, algorithm: algorithm) }
            guard Self.costRange.contains(cost) else { throw .costOutOfRange(cost) }
        }
        if let rounds {
            guard algorithm == .sha256 || algorithm == .sha512 else {
                throw .notApplicable(.rounds, algorithm: algorithm)
            }
            guard Self.roundsRange.contains(rounds) else { throw .roundsOutOfRange(rounds) }
        }
        self.algorithm = algorithm
        self.cost = algorithm == .bcrypt ? (cost ?? Self.defaultCost) : nil
        self.rounds = (algorithm == .sha256 || algorithm == .sha512) ? (rounds ?? Self.defaultRounds) : nil
    }

    /// Refuses a password that this algorithm would truncate or that no server could receive, and the
    /// empty password unless ``allowsEmptyPassword``.
    ///
    /// - Throws: ``PasswordProblem/empty``, ``PasswordProblem/containsNUL`` or
    ///   ``PasswordProblem/tooLong(algorithm:limit:length:)``.
    public func check(_ password: some Collection<UInt8>) throws(PasswordProblem) {
        if password.isEmpty && !allowsEmptyPassword { throw .empty }
        if password.contains(0) { throw .containsNUL }
        if let limit = algorithm.passwordLimit, password.count > limit {
            throw .tooLong(algorithm: algorithm, limit: limit, length: password.count)
        }
    }

    /// Hashes `password` with a fresh salt from the system CSPRNG.
    ///
    /// - Returns: The complete hash, such as `$2y$10$...`; never a failure token.
    /// - Throws: ``HtpasswdError/invalidPassword(_:)`` for a password the algorithm would truncate, that
    ///   contains NUL, or that is empty (unless ``allowsEmptyPassword``); ``HtpasswdError/hashingFailed(algorithm:errno:)`` if libxcrypt fails.
    public func hash(_ password: some Collection<UInt8>) throws(HtpasswdError) -> PasswordHash {
        let password = Array(password)
        do throws(PasswordProblem) { try check(password) } catch { throw .invalidPassword(error) }
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

    /// Refuses a password (its UTF-8 bytes) that this algorithm would truncate or that no server could
    /// receive; see ``check(_:)-(Collection<UInt8>)``.
    public func check(_ password: String) throws(PasswordProblem) {
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
