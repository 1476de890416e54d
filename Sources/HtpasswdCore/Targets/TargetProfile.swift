/// What a server verifies and how it reads an htpasswd file: the one place that knows.
///
/// Every fact here was measured by running the real program (the cross-consumer tests in
/// Tests/ConsumerTests start each one on 127.0.0.1) or read in its source; Docs/targets.md cites them.
public struct TargetProfile: Sendable {
    public let target: Target

    // MARK: Formats

    // Kept in bit masks and short lists rather than sets and dictionaries: a Set or Dictionary of these types
    // makes the Swift runtime look up their Hashable conformance by name at first use, which in a static
    // executable scans every conformance record, and `htpass hash` consults the profiles on every run.
    let verifiedFamilies: FamilySet
    let verifiedBcryptVariants: BcryptVariants
    let bcryptCostLimits: BcryptLimits
    let passwordLimits: PasswordLimits

    /// The hash formats the target verifies, by family.
    public var families: Set<HashFamily> { Set(HashFamily.allCases.filter { verifiedFamilies.contains($0) }) }
    /// The bcrypt prefix letters it verifies (`a`, `b`, `x`, `y`).
    public var bcryptVariants: Set<Character> { Set(BcryptVariants.all.filter { verifiedBcryptVariants.contains($0) }) }
    /// The highest bcrypt cost it verifies, for each prefix letter it verifies.
    public var bcryptCostLimit: [Character: Int] { bcryptCostLimits.dictionary }
    /// The highest SHA-crypt rounds it verifies, if lower than crypt(3)'s 999,999,999.
    public let shaRoundsLimit: Int?
    /// The longest password it can verify, per family, when it has a limit (libxcrypt: 511 bytes for every
    /// crypt(3) method; musl: 256 for SHA-crypt).
    public var passwordLimit: [HashFamily: Int] { passwordLimits.dictionary }
    /// Whether it stops a password at a NUL byte (C servers) or keeps it (Go servers).
    public let cutsPasswordAtNUL: Bool
    /// Whether a line whose hash it does not recognise is compared as a plaintext password.
    public let acceptsPlaintext: Bool

    // MARK: Reading

    /// How it reads the file's lines.
    public let reading: TargetReading

    // MARK: Packaging

    /// The accounts its workers usually run as, the first being the one to check a file against.
    public let workers: [WorkerAccount]

    init(
        target: Target, families: FamilySet, bcryptVariants: BcryptVariants, bcryptCostLimit: BcryptLimits,
        shaRoundsLimit: Int?, passwordLimit: PasswordLimits, cutsPasswordAtNUL: Bool, acceptsPlaintext: Bool,
        reading: TargetReading, workers: [WorkerAccount]
    ) {
        self.target = target
        verifiedFamilies = families
        verifiedBcryptVariants = bcryptVariants
        bcryptCostLimits = bcryptCostLimit
        self.shaRoundsLimit = shaRoundsLimit
        passwordLimits = passwordLimit
        self.cutsPasswordAtNUL = cutsPasswordAtNUL
        self.acceptsPlaintext = acceptsPlaintext
        self.reading = reading
        self.workers = workers
    }

    /// The highest bcrypt cost the target verifies with the prefix letter `variant`, if it has a limit.
    public func bcryptCostLimit(for variant: Character) -> Int? { bcryptCostLimits[variant] }

    /// A set of hash families, as bits.
    struct FamilySet: ExpressibleByArrayLiteral, Sendable {
        var bits: UInt32 = 0

        init(arrayLiteral families: HashFamily...) {
            for family in families { bits |= Self.bit(family) }
        }

        init(bits: UInt32) { self.bits = bits }

        func contains(_ family: HashFamily) -> Bool { bits & Self.bit(family) != 0 }
        func union(_ other: FamilySet) -> FamilySet { FamilySet(bits: bits | other.bits) }
        func subtracting(_ other: FamilySet) -> FamilySet { FamilySet(bits: bits & ~other.bits) }
        /// The crypt(3) families among these.
        var crypt: FamilySet {
            var crypt: UInt32 = 0
            for family in HashFamily.allCases where family.isCrypt { crypt |= Self.bit(family) }
            return FamilySet(bits: crypt & bits)
        }
        var members: [HashFamily] { HashFamily.allCases.filter { contains($0) } }

        private static func bit(_ family: HashFamily) -> UInt32 {
            var index: UInt32 = 0
            for candidate in HashFamily.allCases {
                if candidate == family { break }
                index += 1
            }
            return 1 << index
        }
    }

    /// A set of bcrypt prefix letters.
    struct BcryptVariants: ExpressibleByArrayLiteral, Sendable {
        static let all: [Character] = ["a", "b", "x", "y"]
        var letters: [Character]

        init(arrayLiteral letters: Character...) { self.letters = letters }

        func contains(_ letter: Character) -> Bool { letters.contains(letter) }
    }

    /// The highest bcrypt cost by prefix letter, for the letters that have a limit. (Not generic: a generic
    /// type constrained to Hashable would need the same runtime lookup.)
    struct BcryptLimits: ExpressibleByDictionaryLiteral, Sendable {
        /// Letters and limits at the same index: two arrays rather than one of tuples, whose metadata the
        /// runtime would build from its mangled name when the profile is first used.
        var keys: [Character] = []
        var limits: [Int] = []

        init(dictionaryLiteral elements: (Character, Int)...) {
            for (key, limit) in elements {
                keys.append(key)
                limits.append(limit)
            }
        }

        subscript(key: Character) -> Int? { keys.firstIndex(of: key).map { limits[$0] } }
        var dictionary: [Character: Int] { Dictionary(uniqueKeysWithValues: zip(keys, limits)) }
    }

    /// The longest password by family, for the families that have a limit.
    struct PasswordLimits: ExpressibleByDictionaryLiteral, Sendable {
        /// Families and limits at the same index, as in ``BcryptLimits``.
        var keys: [HashFamily] = []
        var limits: [Int] = []

        init(dictionaryLiteral elements: (HashFamily, Int)...) {
            for (key, limit) in elements {
                keys.append(key)
                limits.append(limit)
            }
        }

        /// The same limit for each of `families`.
        init(_ families: [HashFamily], limit: Int) {
            keys = families
            limits = [Int](repeating: limit, count: families.count)
        }

        subscript(key: HashFamily) -> Int? { keys.firstIndex(of: key).map { limits[$0] } }
        var dictionary: [HashFamily: Int] { Dictionary(uniqueKeysWithValues: zip(keys, limits)) }
    }
}

/// Hash formats grouped as servers implement them.
public enum HashFamily: String, CaseIterable, Hashable, Sendable {
    case bcrypt, sha512, sha256, yescrypt, gostYescrypt, scrypt, apr1, md5crypt, sha1, saltedSHA1, plain, des
    /// BSDi extended DES (`_` and 19 characters).
    case bsdiDES
    /// Other methods of libxcrypt (`$md5`, `$sha1$`, `$3$`...).
    case otherCrypt

    public init?(_ format: HashFormat) {
        switch format {
        case .bcrypt: self = .bcrypt
        case .sha512: self = .sha512
        case .sha256: self = .sha256
        case .yescrypt: self = .yescrypt
        case .gostYescrypt: self = .gostYescrypt
        case .scrypt: self = .scrypt
        case .apr1: self = .apr1
        case .md5crypt: self = .md5crypt
        case .sha1: self = .sha1
        case .saltedSHA1: self = .saltedSHA1
        case .plain: self = .plain
        case .des: self = .des
        case .bsdiDES: self = .bsdiDES
        case .otherCrypt: self = .otherCrypt
        case .failureToken, .unknown: return nil
        }
    }

    /// The family htpass writes for `algorithm`: that of ``PasswordHasher/format``.
    public init(_ algorithm: Algorithm) {
        // A hasher with the default parameters is always valid, and every format htpass writes has a family.
        self.init(PasswordHasher(defaultsFor: algorithm).format)!
    }

    /// The crypt(3) methods, which C servers hand to their C library.
    var isCrypt: Bool {
        switch self {
        case .bcrypt, .sha512, .sha256, .yescrypt, .gostYescrypt, .scrypt, .md5crypt, .des, .bsdiDES, .otherCrypt: true
        case .apr1, .sha1, .saltedSHA1, .plain: false
        }
    }
}

/// An account a server's workers run as.
public struct WorkerAccount: Equatable, Sendable {
    /// The account's name where packages create it (`www-data`), or nil for a bare number.
    public let name: String?
    public let uid: UInt32
    public let gid: UInt32
    /// Where this account is used: `Debian package`, `official image`.
    public let context: String
}

extension TargetProfile {
    /// Why the target cannot verify a stored hash of this format; nil if it can.
    public func refusal(for format: HashFormat) -> TargetRefusal? {
        guard let family = HashFamily(format) else { return .format(format) }
        guard verifiedFamilies.contains(family) else { return .format(format) }
        switch format {
        case .bcrypt(let variant, let cost):
            guard verifiedBcryptVariants.contains(variant) else { return .bcryptVariant(variant) }
            if let limit = bcryptCostLimits[variant], cost > limit { return .bcryptCost(cost, limit: limit) }
        case .sha512(let rounds), .sha256(let rounds):
            if let limit = shaRoundsLimit, rounds > limit { return .shaRounds(rounds, limit: limit) }
        default:
            break
        }
        return nil
    }

    /// Why the target cannot verify hashes that `hasher` makes (``PasswordHasher/format``: it writes bcrypt
    /// as `$2y$`); nil if it can.
    public func refusal(for hasher: PasswordHasher) -> TargetRefusal? {
        refusal(for: hasher.format)
    }

    /// Why the target cannot verify a password of `length` bytes against a hash of `format`; nil if it can.
    public func refusal(forPasswordOf length: Int, format: HashFormat) -> TargetRefusal? {
        guard let family = HashFamily(format), let limit = passwordLimits[family], length > limit else { return nil }
        return .passwordLength(length, limit: limit, format: format)
    }

    /// The password the target compares, given what the client sent: cut at a NUL byte by C servers.
    public func effectivePassword(_ password: [UInt8]) -> [UInt8] {
        guard cutsPasswordAtNUL, let nul = password.firstIndex(of: 0) else { return password }
        return Array(password[..<nul])
    }
}

extension Target {
    /// What this target verifies and how it reads a file.
    public var profile: TargetProfile {
        switch self {
        case .nginx: .nginx
        case .nginxAlpine: .nginxAlpine
        case .apache: .apache
        case .lighttpd: .lighttpd
        case .traefik: .traefik
        case .registry: .registry
        case .envoy: .envoy
        case .openshift: .openshift
        }
    }

    /// The algorithms htpass writes that every one of `targets` verifies, strongest first.
    public static func algorithms(verifiedByAll targets: [Target]) -> [Algorithm] {
        Algorithm.byStrength.filter { isVerified($0, byAll: targets) }
    }

    /// The algorithm to hash with when none is given: the strongest htpass writes that every one of
    /// `targets` verifies (bcrypt when no target is named, `{SHA}` for Envoy); nil when no algorithm suits
    /// them all.
    public static func strongestAlgorithm(verifiedByAll targets: [Target]) -> Algorithm? {
        // The first that suits, without making a hasher for the others (`htpass hash` asks on every run).
        Algorithm.byStrength.first { isVerified($0, byAll: targets) }
    }

    private static func isVerified(_ algorithm: Algorithm, byAll targets: [Target]) -> Bool {
        let hasher = PasswordHasher(defaultsFor: algorithm)
        return targets.allSatisfy { $0.profile.refusal(for: hasher) == nil }
    }
}

extension Algorithm {
    /// The algorithms htpass writes, strongest first: the default for a set of targets is the first that
    /// all of them verify. bcrypt comes first (yescrypt is memory-hard, but every server that verifies it
    /// verifies bcrypt too, and many verify bcrypt only).
    public static let byStrength: [Algorithm] = [.bcrypt, .yescrypt, .sha512, .sha256, .apr1, .sha1, .des]
}

// MARK: The profiles

private let allBcrypt: TargetProfile.BcryptVariants = ["a", "b", "x", "y"]
private let libxcryptLimit = 511

private let libxcryptFamilies: TargetProfile.FamilySet = [
    .bcrypt, .sha512, .sha256, .yescrypt, .gostYescrypt, .scrypt, .md5crypt, .des, .bsdiDES, .otherCrypt,
]

private func limits(_ families: TargetProfile.FamilySet, _ limit: Int) -> TargetProfile.PasswordLimits {
    TargetProfile.PasswordLimits(families.crypt.members, limit: limit)
}

extension TargetProfile {
    /// nginx with glibc and libxcrypt: its own apr1, `{SHA}`, `{SSHA}`, `{PLAIN}`, and crypt(3) for the rest.
    static let nginx = TargetProfile(
        target: .nginx,
        families: libxcryptFamilies.union([.apr1, .sha1, .saltedSHA1, .plain]),
        bcryptVariants: allBcrypt, bcryptCostLimit: [:], shaRoundsLimit: nil,
        passwordLimit: limits(libxcryptFamilies, libxcryptLimit), cutsPasswordAtNUL: true, acceptsPlaintext: false,
        reading: .nginx,
        workers: [
            WorkerAccount(name: "www-data", uid: 33, gid: 33, context: "Debian and Ubuntu packages"),
            WorkerAccount(name: "nginx", uid: 101, gid: 101, context: "the official nginx image"),
        ])

    /// nginx with musl: no yescrypt, bcrypt up to cost 19, SHA-crypt passwords up to 256 bytes.
    static let nginxAlpine = TargetProfile(
        target: .nginxAlpine,
        families: [.bcrypt, .sha512, .sha256, .md5crypt, .des, .bsdiDES, .apr1, .sha1, .saltedSHA1, .plain],
        bcryptVariants: allBcrypt, bcryptCostLimit: ["a": 19, "b": 19, "x": 19, "y": 19],
        shaRoundsLimit: 9_999_999,
        passwordLimit: [.sha512: 256, .sha256: 256], cutsPasswordAtNUL: true, acceptsPlaintext: false,
        reading: .nginx,
        workers: [
            WorkerAccount(name: "nginx", uid: 101, gid: 101, context: "the nginx:alpine image and Alpine's package"),
            WorkerAccount(name: "www-data", uid: 101, gid: 82, context: "ingress-nginx"),
        ])

    /// Apache httpd 2.4: APR's own bcrypt (`$2y$`, `$2a$`, cost up to 17), apr1 and `{SHA}`; crypt(3) for the rest.
    static let apache = TargetProfile(
        target: .apache,
        families: libxcryptFamilies.union([.apr1, .sha1]),
        bcryptVariants: allBcrypt, bcryptCostLimit: ["a": 17, "y": 17], shaRoundsLimit: nil,
        passwordLimit: limits(libxcryptFamilies.subtracting([.bcrypt]), libxcryptLimit),
        cutsPasswordAtNUL: true, acceptsPlaintext: false,
        reading: .apache,
        workers: [
            WorkerAccount(name: "www-data", uid: 33, gid: 33, context: "Debian and Ubuntu packages"),
            WorkerAccount(name: "daemon", uid: 1, gid: 1, context: "the official httpd image"),
        ])

    /// lighttpd's mod_authn_file: its own apr1 and `{SHA}`, crypt(3) for the rest.
    static let lighttpd = TargetProfile(
        target: .lighttpd,
        families: libxcryptFamilies.union([.apr1, .sha1]),
        bcryptVariants: allBcrypt, bcryptCostLimit: [:], shaRoundsLimit: nil,
        passwordLimit: limits(libxcryptFamilies, libxcryptLimit), cutsPasswordAtNUL: true, acceptsPlaintext: false,
        reading: .lighttpd,
        workers: [WorkerAccount(name: "www-data", uid: 33, gid: 33, context: "Debian and Ubuntu packages")])

    /// Traefik: go-http-auth's comparison (apr1, md5crypt, `{SHA}`, bcrypt) over its own reading of the file.
    static let traefik = TargetProfile(
        target: .traefik,
        families: [.bcrypt, .apr1, .md5crypt, .sha1],
        bcryptVariants: allBcrypt, bcryptCostLimit: [:], shaRoundsLimit: nil,
        passwordLimit: [:], cutsPasswordAtNUL: false, acceptsPlaintext: false,
        reading: .traefik,
        workers: [WorkerAccount(name: "root", uid: 0, gid: 0, context: "the official traefik image")])

    /// The Docker registry (distribution): Go's bcrypt only.
    static let registry = TargetProfile(
        target: .registry,
        families: [.bcrypt],
        bcryptVariants: allBcrypt, bcryptCostLimit: [:], shaRoundsLimit: nil,
        passwordLimit: [:], cutsPasswordAtNUL: false, acceptsPlaintext: false,
        reading: .registry,
        workers: [WorkerAccount(name: "root", uid: 0, gid: 0, context: "the official registry image")])

    /// Envoy's basic_auth filter: `{SHA}` only (from its documentation: Envoy is not packaged by Debian).
    static let envoy = TargetProfile(
        target: .envoy,
        families: [.sha1],
        bcryptVariants: [], bcryptCostLimit: [:], shaRoundsLimit: nil,
        passwordLimit: [:], cutsPasswordAtNUL: false, acceptsPlaintext: false,
        reading: .envoy,
        workers: [WorkerAccount(name: "envoy", uid: 101, gid: 101, context: "the official envoy image")])

    /// OpenShift's OAuth server (openshift/oauth-server, pkg/authenticator/password/htpasswd): apr1,
    /// `$2y$`/`$2a$` bcrypt and `{SHA}`; not packaged, so from its source. It runs with an arbitrary uid
    /// and reads the file from a Secret, so no worker account is checked.
    static let openshift = TargetProfile(
        target: .openshift,
        families: [.bcrypt, .apr1, .sha1],
        bcryptVariants: ["a", "y"], bcryptCostLimit: [:], shaRoundsLimit: nil,
        passwordLimit: [:], cutsPasswordAtNUL: false, acceptsPlaintext: false,
        reading: .openshift,
        workers: [])
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
