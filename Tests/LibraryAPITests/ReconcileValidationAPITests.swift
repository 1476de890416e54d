import HtpasswdCore
import HtpasswdReconciler
import HtpasswdVerifier
import Testing

/// `DesiredUser.validate(_:hasher:targets:)` and `HashDefect`: a desired state is checked, line by line,
/// before anything is hashed or written.
@Suite("Public API: validating a desired state")
struct ReconcileValidationAPITests {
    /// Cheap: these tests are about the API, not the cost. (Throws rather than traps: a regression fails the
    /// tests that use it, not the test process.)
    static var hasher: PasswordHasher { get throws { try PasswordHasher(algorithm: .bcrypt, cost: 4) } }

    /// A real bcrypt hash of "pw", cost 4 (Apache's `htpasswd -nbB -C 4`; `bcryptIsReal` checks it).
    static let bcrypt = Array("$2y$04$oghka.aADM7Y3sDiLkVgbek4Jecz1go902ZelTKXpsF5MJXyJ1PqG".utf8)

    @Test("The bcrypt hash the defects are made from is a hash of \"pw\"")
    func bcryptIsReal() {
        #expect(Verifier().verify(Array("pw".utf8), against: Self.bcrypt) == .match)
    }

    /// `bcrypt` with `replacement` instead of its bytes at `range`.
    static func bcrypt(replacing range: Range<Int>, with replacement: String) -> [UInt8] {
        var bytes = bcrypt
        bytes.replaceSubrange(range, with: Array(replacement.utf8))
        return bytes
    }

    static let defective: [(hash: [UInt8], defect: HashDefect)] = [
        (Array("*0".utf8), .failureToken),
        (Array("*1".utf8), .failureToken),
        (Array("notahash".utf8), .unknownFormat),
        (Array("$2y$99$abc".utf8), .bcryptCost(99)),
        (bcrypt(replacing: 4..<6, with: "03"), .bcryptCost(3)),
        (bcrypt(replacing: 4..<6, with: "32"), .bcryptCost(32)),
        (bcrypt(replacing: 4..<6, with: "5"), .malformedBcrypt),
        (Array(bcrypt.dropLast()), .malformedBcrypt),
        (bcrypt + Array("A".utf8), .malformedBcrypt),
        (bcrypt(replacing: 59..<60, with: "!"), .malformedBcrypt),
        (bcrypt(replacing: 10..<11, with: "-"), .malformedBcrypt),
        (Array("$2y$10$".utf8), .malformedBcrypt),
        (Array("$2y$".utf8), .malformedBcrypt),
    ]

    @Test("HashDefect finds what no password can match; libxcrypt agrees: the right password does not match")
    func defects() throws {
        for (hash, defect) in Self.defective {
            #expect(HashDefect(hash) == defect, "\(String(decoding: hash, as: UTF8.self))")
            // The bcrypt ones are made from a hash of "pw": even "pw" never matches them.
            #expect(Verifier().verify(Array("pw".utf8), against: hash) != .match)
        }
        // Hashes of every algorithm, and other tools' formats, have no defect.
        for algorithm in Algorithm.allCases {
            let hasher = try PasswordHasher(algorithm: algorithm, cost: algorithm == .bcrypt ? 4 : nil)
            let hash = try hasher.hash("pw")
            #expect(HashDefect(hash.bytes) == nil, "\(hash)")
            #expect(Verifier().verify("pw", against: hash) == .match)
        }
        for variant in ["2a", "2b", "2x"] {
            #expect(HashDefect(Self.bcrypt(replacing: 1..<3, with: variant)) == nil)
        }
        for other in ["{SSHA}x", "{PLAIN}pw", "$1$salt$hash", "$6$rounds=9999$salt$hash", "_J9..salt1234567890"] {
            #expect(HashDefect(Array(other.utf8)) == nil, "\(other)")
        }
    }

    @Test("validate refuses a hash no password can match, on its SPEC line, with or without targets")
    func unverifiableHashes() throws {
        let spec = Array("# users\nalice:\(String(decoding: Self.bcrypt, as: UTF8.self))\nbob:notahash\n".utf8)
        let users = try DesiredUser.parseSpec(spec, hashed: true)
        for targets in [[], [Target.nginx], [.traefik, .registry]] {
            #expect(throws: DesiredUser.SpecError(line: 3, problem: .unverifiableHash(.unknownFormat))) {
                try DesiredUser.validate(users, hasher: Self.hasher, targets: targets)
            }
        }
        for (hash, defect) in Self.defective {
            let user = DesiredUser(user: try UserName("carol"), credential: .hash(try PasswordHash(hash)), line: 7)
            #expect(throws: DesiredUser.SpecError(line: 7, problem: .unverifiableHash(defect))) {
                try DesiredUser.validate([user], hasher: Self.hasher, targets: [])
            }
        }
    }

    @Test("validate checks hashes against the targets, and against nginx when there are none")
    func hashesForTargets() throws {
        let yescrypt = try PasswordHasher(algorithm: .yescrypt).hash("pw")
        let alice = DesiredUser(user: try UserName("alice"), credential: .hash(yescrypt), line: 2)
        try DesiredUser.validate([alice], hasher: Self.hasher, targets: [])
        try DesiredUser.validate([alice], hasher: Self.hasher, targets: [.nginx, .apache])
        #expect(throws: DesiredUser.SpecError(line: 2, problem: .notVerifiable(by: .nginxAlpine, .format(.yescrypt)))) {
            try DesiredUser.validate([alice], hasher: Self.hasher, targets: [.nginx, .nginxAlpine])
        }
        let cost18 = try PasswordHash(Self.bcrypt(replacing: 4..<6, with: "18"))
        let bob = DesiredUser(user: try UserName("bob"), credential: .hash(cost18), line: 5)
        try DesiredUser.validate([bob], hasher: Self.hasher, targets: [])
        #expect(
            throws: DesiredUser.SpecError(line: 5, problem: .notVerifiable(by: .apache, .bcryptCost(18, limit: 17)))
        ) {
            try DesiredUser.validate([bob], hasher: Self.hasher, targets: [.apache])
        }
        // Envoy loads {SHA} hashes of 28 base64 characters only, and refuses the whole file over any other.
        let sha1 = try PasswordHasher(algorithm: .sha1).hash("pw")
        let carol = DesiredUser(user: try UserName("carol"), credential: .hash(sha1), line: 7)
        try DesiredUser.validate([carol], hasher: Self.hasher, targets: [.envoy])
        let short = DesiredUser(user: try UserName("dave"), credential: .hash(try PasswordHash("{SHA}abc")), line: 8)
        try DesiredUser.validate([short], hasher: Self.hasher, targets: [.traefik])
        let refusal = try #require(Target.envoy.profile.reading.requiredHash?.refusal(for: Array("{SHA}abc".utf8)))
        #expect(throws: DesiredUser.SpecError(line: 8, problem: .refusesFile(by: .envoy, refusal))) {
            try DesiredUser.validate([carol, short], hasher: Self.hasher, targets: [.envoy])
        }
    }

    @Test("validate refuses a password the hasher would truncate, or a target cannot verify at its length")
    func passwords() throws {
        let long = DesiredUser(
            user: try UserName("alice"), credential: .password(Array(repeating: 0x70, count: 73)), line: 4)
        #expect(
            throws: DesiredUser.SpecError(
                line: 4, problem: .invalidPassword(.tooLong(algorithm: .bcrypt, limit: 72, length: 73)))
        ) {
            try DesiredUser.validate([long], hasher: Self.hasher, targets: [])
        }
        let sha512 = try PasswordHasher(algorithm: .sha512)
        try DesiredUser.validate([long], hasher: sha512, targets: [.nginxAlpine])
        let longer = DesiredUser(
            user: try UserName("bob"), credential: .password(Array(repeating: 0x70, count: 300)), line: 9)
        try DesiredUser.validate([longer], hasher: sha512, targets: [.nginx])
        #expect(
            throws: DesiredUser.SpecError(
                line: 9,
                problem: .notVerifiable(
                    by: .nginxAlpine, .passwordLength(300, limit: 256, format: .sha512(rounds: 5000))))
        ) {
            try DesiredUser.validate([longer], hasher: sha512, targets: [.nginx, .nginxAlpine])
        }
    }

    @Test("validate hashes nothing: a cost-31 hasher (a day per hash) answers at once", .timeLimit(.minutes(1)))
    func hashesNothing() throws {
        let slow = try PasswordHasher(algorithm: .bcrypt, cost: 31)
        let users = try DesiredUser.parseSpec(Array("alice:a-pw\nbob:b-pw\n".utf8), hashed: false)
        try DesiredUser.validate(users, hasher: slow, targets: [.nginx, .lighttpd])
    }

    @Test("SpecError's description states the fact and the line, and names no option of the command")
    func descriptions() throws {
        let errors: [DesiredUser.SpecError] = [
            .init(line: 1, problem: .unverifiableHash(.failureToken)),
            .init(line: 2, problem: .unverifiableHash(.unknownFormat)),
            .init(line: 3, problem: .unverifiableHash(.bcryptCost(99))),
            .init(line: 4, problem: .unverifiableHash(.malformedBcrypt)),
            .init(line: 5, problem: .notVerifiable(by: .nginxAlpine, .format(.yescrypt))),
            .init(line: 6, problem: .invalidPassword(.empty)),
        ]
        for (index, error) in errors.enumerated() {
            #expect(error.description.hasPrefix("line \(index + 1): "))
            #expect(!error.description.contains("--"), "\(error)")
        }
        #expect(
            errors[2].description
                == "line 3: the hash is bcrypt of cost 99, outside 4 to 31, which no password matches")
        #expect(errors[4].description == "line 5: nginx on Alpine (musl) cannot verify yescrypt hashes")
    }
}
