/// What a server verifies and how it reads an htpasswd file: the one place that knows.
///
/// Every fact here was measured by running the real program (the cross-consumer tests in
/// Tests/ConsumerTests start each one on 127.0.0.1) or read in its source; Docs/targets.md cites them.
public struct TargetProfile: Sendable {
    /// The server this profile describes.
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
