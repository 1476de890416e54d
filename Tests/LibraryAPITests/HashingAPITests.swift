import HtpasswdCore
import HtpasswdVerifier
import Testing

@Suite("Public API: hashing")
struct HashingAPITests {
    /// Cheap parameters: these tests are about the API, not the cost.
    static let hashers: [(algorithm: Algorithm, cost: Int?, rounds: Int?)] = [
        (.bcrypt, 4, nil), (.sha512, nil, 1000), (.sha256, nil, 1000), (.yescrypt, nil, nil), (.apr1, nil, nil),
        (.sha1, nil, nil), (.des, nil, nil),
    ]

    @Test("A String and its UTF-8 bytes hash to hashes that verify either way", arguments: hashers)
    func stringAndBytes(algorithm: Algorithm, cost: Int?, rounds: Int?) throws {
        let hasher = try PasswordHasher(algorithm: algorithm, cost: cost, rounds: rounds)
        let password = "pw-é"  // 5 bytes: DES uses only 8
        let fromString = try hasher.hash(password)
        let fromBytes = try hasher.hash(Array(password.utf8))
        #expect(fromString.format == hasher.format)
        #expect(fromBytes.format == hasher.format)
        let verifier = Verifier()
        for hash in [fromString, fromBytes] {
            #expect(verifier.verify(password, against: hash) == .match)
            #expect(verifier.verify(Array(password.utf8), against: hash.bytes) == .match)
            #expect(verifier.verify("pw-e", against: hash) == .mismatch)
        }
    }

    @Test("A password that is not UTF-8 is hashed and verified as bytes")
    func nonUTF8Password() throws {
        let password: [UInt8] = [0xFF, 0xFE, 0x41, 0xE9]
        let hash = try PasswordHasher(algorithm: .bcrypt, cost: 4).hash(password)
        #expect(Verifier().verify(password, against: hash.bytes) == .match)
        #expect(Verifier().verify([0xFF, 0xFE, 0x41], against: hash.bytes) == .mismatch)
    }

    @Test("The hash a hasher makes is the one type the editors take")
    func oneHashType() throws {
        let hash = try PasswordHasher(algorithm: .bcrypt, cost: 4).hash("pw")
        var file = HtpasswdFile()
        file.setHash(hash, for: try UserName("alice"))
        var changes = HtpasswdChanges()
        changes.set(hash, for: try UserName("bob"))
        try file.apply(changes)
        #expect(file.entry(for: "alice")?.hash.elementsEqual(hash.bytes) == true)
        #expect(file.entry(for: "bob")?.hash.elementsEqual(hash.bytes) == true)
        // A hash from elsewhere, as text or bytes, is the same type.
        let apache = try PasswordHash("$apr1$r31.....$HqJZimcKQFAMYayBlzkrA/")
        #expect(apache == (try PasswordHash(Array("$apr1$r31.....$HqJZimcKQFAMYayBlzkrA/".utf8))))
        #expect(Verifier().verify("myPassword", against: apache) == .match)
    }

    @Test("Parameters are checked once, with typed errors")
    func parameters() {
        #expect(throws: PasswordHasher.ParameterProblem.costOutOfRange(3)) {
            try PasswordHasher(algorithm: .bcrypt, cost: 3)
        }
        #expect(throws: PasswordHasher.ParameterProblem.costOutOfRange(32)) { try PasswordHasher(cost: 32) }
        #expect(throws: PasswordHasher.ParameterProblem.roundsOutOfRange(999)) {
            try PasswordHasher(algorithm: .sha512, rounds: 999)
        }
        #expect(throws: PasswordHasher.ParameterProblem.notApplicable(.cost, algorithm: .sha512)) {
            try PasswordHasher(algorithm: .sha512, cost: 10)
        }
        #expect(throws: PasswordHasher.ParameterProblem.notApplicable(.rounds, algorithm: .bcrypt)) {
            try PasswordHasher(algorithm: .bcrypt, rounds: 5000)
        }
    }

    @Test("Passwords an algorithm would truncate, or that servers cannot receive, are refused")
    func refusedPasswords() throws {
        let bcrypt = try PasswordHasher(algorithm: .bcrypt, cost: 4)
        #expect(throws: HtpasswdError.invalidPassword(.tooLong(algorithm: .bcrypt, limit: 72, length: 73))) {
            try bcrypt.hash(String(repeating: "a", count: 73))
        }
        #expect(throws: HtpasswdError.invalidPassword(.containsNUL)) { try bcrypt.hash([0x61, 0x00, 0x62]) }
        #expect(throws: PasswordProblem.tooLong(algorithm: .des, limit: 8, length: 9)) {
            try PasswordHasher(algorithm: .des).check("123456789")
        }
        // 72 bytes is the limit, not over it.
        _ = try bcrypt.hash(String(repeating: "a", count: 72))
    }

    @Test("Hashing for the servers that read the file refuses what one of them cannot verify")
    func verifiableByTargets() throws {
        // nginx on Alpine (musl) has no yescrypt and stops bcrypt at cost 19.
        #expect(throws: HtpasswdError.notVerifiable(by: .nginxAlpine, .format(.yescrypt))) {
            try PasswordHasher(algorithm: .yescrypt).hash("pw", verifiableBy: [.nginx, .nginxAlpine])
        }
        #expect(throws: HtpasswdError.notVerifiable(by: .apache, .bcryptCost(18, limit: 17))) {
            try PasswordHasher(cost: 18).checkVerifiable(by: [.apache])
        }
        // musl's SHA-crypt takes passwords of up to 256 bytes; refused before any hashing.
        let long = String(repeating: "p", count: 257)
        #expect(
            throws: HtpasswdError.notVerifiable(
                by: .nginxAlpine, .passwordLength(257, limit: 256, format: .sha512(rounds: 5000)))
        ) {
            try PasswordHasher(algorithm: .sha512).hash(long, verifiableBy: [.nginxAlpine])
        }
        let hash = try PasswordHasher(algorithm: .sha512, rounds: 1000).hash(long, verifiableBy: [.nginx])
        #expect(Verifier().verify(long, against: hash) == .match)
        // The strongest format every target verifies, to build the hasher with.
        #expect(Target.algorithms(verifiedByAll: [.traefik, .envoy]) == [.sha1])
    }

    @Test("A password in an array of bytes is checked against the targets as its String is")
    func verifiableByBytes() throws {
        let password: [UInt8] = Array("pw".utf8)
        #expect(throws: HtpasswdError.notVerifiable(by: .nginxAlpine, .format(.yescrypt))) {
            try PasswordHasher(algorithm: .yescrypt).hash(password, verifiableBy: [.nginx, .nginxAlpine])
        }
        let long = [UInt8](repeating: UInt8(ascii: "p"), count: 257)
        #expect(
            throws: HtpasswdError.notVerifiable(
                by: .nginxAlpine, .passwordLength(257, limit: 256, format: .sha512(rounds: 5000)))
        ) {
            try PasswordHasher(algorithm: .sha512).hash(long, verifiableBy: [.nginxAlpine])
        }
        let hash = try PasswordHasher(algorithm: .apr1).hash(password, verifiableBy: [.nginx, .traefik])
        #expect(hash.format == .apr1)
        #expect(Verifier().verify(password, against: hash.bytes) == .match)
        #expect(Verifier().verify(Array("pW".utf8), against: hash.bytes) == .mismatch)
    }

    @Test("An algorithm is named by its raw value, exactly", arguments: Algorithm.allCases)
    func algorithmNames(algorithm: Algorithm) {
        #expect(Algorithm(rawValue: algorithm.rawValue) == algorithm)
        #expect(Algorithm(rawValue: algorithm.rawValue.uppercased()) == nil)
        #expect(Algorithm(rawValue: algorithm.rawValue + " ") == nil)
        #expect(Algorithm(rawValue: "") == nil)
    }

    @Test("The strongest algorithm for some targets is the first of those they all verify")
    func strongestAlgorithm() {
        let sets: [[Target]] = [[], [.envoy], [.traefik, .envoy], [.registry, .envoy], [.nginxAlpine, .traefik]]
        for targets in sets + Target.allCases.map({ [$0] }) {
            #expect(
                Target.strongestAlgorithm(verifiedByAll: targets) == Target.algorithms(verifiedByAll: targets).first,
                "\(targets)")
        }
        #expect(Target.strongestAlgorithm(verifiedByAll: [.registry, .envoy]) == nil)
    }

    @Test("Warnings about a choice say what happens, not which option to pass")
    func warnings() throws {
        let warnings = try PasswordHasher(algorithm: .yescrypt).warnings + PasswordHasher(algorithm: .apr1).warnings
        #expect(warnings.contains(.weakAlgorithm(.apr1)))
        #expect(warnings.contains(.notVerified(by: [.nginxAlpine], .format(.yescrypt))))
        for warning in warnings {
            #expect(!warning.description.contains("--"), "\(warning)")
            #expect(!warning.description.contains("htpass "), "\(warning)")
        }
    }
}
