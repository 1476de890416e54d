import HtpasswdCore
import Testing

/// Recomputes `hash` from `password` with the salt and parameters it carries, through the same primitives the
/// verifier uses, so these tests do not depend on HtpasswdVerifier.
private func rehash(_ password: [UInt8], _ hash: String) -> String? {
    let stored = Array(hash.utf8)
    if hash.hasPrefix("$apr1$") { return APR1.hash(password, setting: stored) }
    if hash.hasPrefix("{SHA}") { return "{SHA}" + Base64.encode(SHA1.digest(password)) }
    return Crypt.hash(password, setting: stored).hash.map { String(decoding: $0, as: UTF8.self) }
}

private let cryptCharacters = Set("./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")

@Suite("Hashing: PasswordHasher")
struct HashingPasswordHasherTests {
    let password = Array("correct horse battery staple".utf8)

    @Test("Defaults: bcrypt at cost 10, SHA-crypt at 5000 rounds")
    func defaults() throws {
        let hasher = try PasswordHasher()
        #expect(hasher.algorithm == .bcrypt)
        #expect(hasher.cost == 10)
        #expect(hasher.rounds == nil)
        #expect(try PasswordHasher(algorithm: .sha512).rounds == 5000)
        #expect(try PasswordHasher(algorithm: .sha256).cost == nil)
        #expect(try PasswordHasher(algorithm: .apr1).cost == nil)
        #expect(try PasswordHasher(algorithm: .apr1).rounds == nil)
    }

    @Test("The default bcrypt hash is $2y$10$ and 60 characters")
    func bcryptDefault() throws {
        let hash = try PasswordHasher().hash(password).description
        #expect(hash.hasPrefix("$2y$10$"))
        #expect(hash.count == 60)
        #expect(rehash(password, hash) == hash)
    }

    @Test(
        "Each algorithm writes its documented shape, and the hash recomputes from its own salt",
        arguments: [
            (Algorithm.bcrypt, 4, nil, "$2y$04$", 60),
            (.bcrypt, 5, nil, "$2y$05$", 60),
            (.sha512, nil, nil, "$6$", 3 + 16 + 1 + 86),
            (.sha512, nil, 5000, "$6$", 3 + 16 + 1 + 86),
            (.sha512, nil, 1000, "$6$rounds=1000$", 15 + 16 + 1 + 86),
            (.sha512, nil, 6000, "$6$rounds=6000$", 15 + 16 + 1 + 86),
            (.sha256, nil, nil, "$5$", 3 + 16 + 1 + 43),
            (.sha256, nil, 12345, "$5$rounds=12345$", 16 + 16 + 1 + 43),
            (.yescrypt, nil, nil, "$y$", nil),
            (.apr1, nil, nil, "$apr1$", 6 + 8 + 1 + 22),
            (.sha1, nil, nil, "{SHA}", 5 + 28),
            (.des, nil, nil, "", 13),
        ] as [(Algorithm, Int?, Int?, String, Int?)])
    func shapes(algorithm: Algorithm, cost: Int?, rounds: Int?, prefix: String, length: Int?) throws {
        let hasher = try PasswordHasher(algorithm: algorithm, cost: cost, rounds: rounds)
        let secret = algorithm == .des ? Array("s3cr:t 1".utf8) : password
        let hash = try hasher.hash(secret).description
        #expect(hash.hasPrefix(prefix))
        if let length { #expect(hash.count == length) }
        #expect(!hash.hasPrefix("*"))
        if rounds == nil || rounds == 5000 { #expect(!hash.contains("rounds=")) }
        if algorithm == .des { #expect(hash.allSatisfy { cryptCharacters.contains($0) }) }
        #expect(rehash(secret, hash) == hash)
        #expect(rehash(secret + [UInt8(ascii: "!")], hash) != hash || algorithm == .des)
    }

    @Test(
        "Two hashes of the same password differ (fresh salts); unsalted {SHA} does not", arguments: Algorithm.allCases)
    func freshSalts(algorithm: Algorithm) throws {
        let hasher = try PasswordHasher(algorithm: algorithm, cost: algorithm == .bcrypt ? 4 : nil)
        let secret = Array("12345678".utf8)
        let first = try hasher.hash(secret).description
        let second = try hasher.hash(secret).description
        if algorithm == .sha1 {
            #expect(first == second)
        } else {
            #expect(first != second)
        }
    }

    @Test("bcrypt cost outside 4...31 is refused", arguments: [Int.min, -1, 0, 3, 32, 100])
    func costRange(cost: Int) {
        #expect(throws: PasswordHasher.ParameterProblem.costOutOfRange(cost)) {
            try PasswordHasher(algorithm: .bcrypt, cost: cost)
        }
    }

    @Test("bcrypt cost 4 and 31 are accepted")
    func costBounds() throws {
        #expect(try PasswordHasher(cost: 4).cost == 4)
        #expect(try PasswordHasher(cost: 31).cost == 31)
    }

    @Test(
        "SHA-crypt rounds outside 1000...999 999 999 are refused",
        arguments: [(Algorithm.sha512, 999), (.sha512, 0), (.sha256, -5), (.sha256, 1_000_000_000)])
    func roundsRange(algorithm: Algorithm, rounds: Int) {
        #expect(throws: PasswordHasher.ParameterProblem.roundsOutOfRange(rounds)) {
            try PasswordHasher(algorithm: algorithm, rounds: rounds)
        }
    }

    @Test("SHA-crypt rounds 1000 and 999 999 999 are accepted")
    func roundsBounds() throws {
        #expect(try PasswordHasher(algorithm: .sha256, rounds: 1000).rounds == 1000)
        #expect(try PasswordHasher(algorithm: .sha512, rounds: 999_999_999).rounds == 999_999_999)
    }

    @Test("--cost applies to bcrypt only", arguments: Algorithm.allCases.filter { $0 != .bcrypt })
    func costNotApplicable(algorithm: Algorithm) {
        // Even a cost that would be valid for bcrypt, and even an out-of-range one: the option is the problem.
        for cost in [10, 3] {
            #expect(throws: PasswordHasher.ParameterProblem.notApplicable(.cost, algorithm: algorithm)) {
                try PasswordHasher(algorithm: algorithm, cost: cost)
            }
        }
    }

    @Test(
        "--rounds applies to sha256 and sha512 only",
        arguments: Algorithm.allCases.filter { $0 != .sha256 && $0 != .sha512 })
    func roundsNotApplicable(algorithm: Algorithm) {
        for rounds in [5000, 10] {
            #expect(throws: PasswordHasher.ParameterProblem.notApplicable(.rounds, algorithm: algorithm)) {
                try PasswordHasher(algorithm: algorithm, rounds: rounds)
            }
        }
    }

    @Test("bcrypt takes 72 bytes and refuses 73 rather than truncating")
    func bcryptLimit() throws {
        let hasher = try PasswordHasher(cost: 4)
        let exact = [UInt8](repeating: UInt8(ascii: "b"), count: 72)
        let hash = try hasher.hash(exact).description
        #expect(rehash(exact, hash) == hash)
        let tooLong = exact + [UInt8(ascii: "c")]
        let error = HtpasswdError.invalidPassword(.tooLong(algorithm: .bcrypt, limit: 72, length: 73))
        #expect(throws: error) { try hasher.hash(tooLong).description }
        #expect(throws: PasswordProblem.tooLong(algorithm: .bcrypt, limit: 72, length: 73)) {
            try hasher.check(tooLong)
        }
        // Multi-byte characters count as bytes: 36 × "é" is 72 bytes, 37 is 74.
        _ = try hasher.hash(Array(String(repeating: "é", count: 36).utf8))
        #expect(throws: HtpasswdError.invalidPassword(.tooLong(algorithm: .bcrypt, limit: 72, length: 74))) {
            try hasher.hash(Array(String(repeating: "é", count: 37).utf8))
        }
    }

    @Test("DES takes 8 bytes and refuses 9 rather than truncating")
    func desLimit() throws {
        let hasher = try PasswordHasher(algorithm: .des)
        let exact = Array("abcdefgh".utf8)
        let hash = try hasher.hash(exact).description
        #expect(rehash(exact, hash) == hash)
        #expect(throws: HtpasswdError.invalidPassword(.tooLong(algorithm: .des, limit: 8, length: 9))) {
            try hasher.hash(exact + [UInt8(ascii: "i")]).description
        }
    }

    @Test("Algorithms without a limit take long passwords", arguments: [Algorithm.sha512, .sha256, .apr1, .sha1])
    func noLimit(algorithm: Algorithm) throws {
        let long = [UInt8](repeating: UInt8(ascii: "z"), count: 300)
        let hash = try PasswordHasher(algorithm: algorithm).hash(long).description
        #expect(rehash(long, hash) == hash)
        #expect(rehash(Array(long.prefix(299)), hash) != hash)
    }

    @Test("A NUL byte is refused by every algorithm", arguments: Algorithm.allCases)
    func nul(algorithm: Algorithm) throws {
        let hasher = try PasswordHasher(algorithm: algorithm, cost: algorithm == .bcrypt ? 4 : nil)
        for secret in [[0], Array("ab\0cd".utf8), Array("abc".utf8) + [0]] as [[UInt8]] {
            #expect(throws: HtpasswdError.invalidPassword(.containsNUL)) { try hasher.hash(secret).description }
        }
    }

    @Test("The empty password is refused, and hashed when allowsEmptyPassword", arguments: Algorithm.allCases)
    func empty(algorithm: Algorithm) throws {
        var hasher = try PasswordHasher(algorithm: algorithm, cost: algorithm == .bcrypt ? 4 : nil)
        #expect(throws: HtpasswdError.invalidPassword(.empty)) { try hasher.hash([]).description }
        #expect(throws: HtpasswdError.invalidPassword(.empty)) { try hasher.hash("").description }
        #expect(throws: PasswordProblem.empty) { try hasher.check("") }
        hasher.allowsEmptyPassword = true
        let hash = try hasher.hash([]).description
        #expect(rehash([], hash) == hash)
    }

    @Test(
        "Warnings",
        arguments: [
            (Algorithm.bcrypt, nil, [HashWarning]()),
            (.bcrypt, 17, []),
            (.bcrypt, 18, [.notVerified(by: [.apache], .bcryptCost(18, limit: 17))]),
            (.bcrypt, 19, [.notVerified(by: [.apache], .bcryptCost(19, limit: 17))]),
            (
                .bcrypt, 20,
                [
                    .notVerified(by: [.nginxAlpine], .bcryptCost(20, limit: 19)),
                    .notVerified(by: [.apache], .bcryptCost(20, limit: 17)),
                ]
            ),
            (.sha512, nil, []),
            (.sha256, nil, []),
            (.yescrypt, nil, [.notVerified(by: [.nginxAlpine], .format(.yescrypt))]),
            (.apr1, nil, [.weakAlgorithm(.apr1)]),
            (.sha1, nil, [.weakAlgorithm(.sha1)]),
            (.des, nil, [.weakAlgorithm(.des)]),
        ] as [(Algorithm, Int?, [HashWarning])])
    func warnings(algorithm: Algorithm, cost: Int?, expected: [HashWarning]) throws {
        #expect(try PasswordHasher(algorithm: algorithm, cost: cost).warnings == expected)
    }

    @Test("Warnings say what breaks")
    func warningText() throws {
        #expect(HashWarning.notVerified(by: [.apache], .bcryptCost(18, limit: 17)).description.contains("Apache"))
        #expect(HashWarning.notVerified(by: [.nginxAlpine], .format(.yescrypt)).description.contains("Alpine"))
        #expect(try PasswordHasher(algorithm: .yescrypt).warnings(for: [.nginx]).isEmpty)
        #expect(HashWarning.weakAlgorithm(.apr1).description.contains("apr1"))
    }

    @Test("Password limits per algorithm")
    func limits() {
        #expect(Algorithm.bcrypt.passwordLimit == 72)
        #expect(Algorithm.des.passwordLimit == 8)
        for algorithm in [Algorithm.sha512, .sha256, .yescrypt, .apr1, .sha1] {
            #expect(algorithm.passwordLimit == nil)
        }
        #expect(Algorithm.allCases.filter(\.isWeak) == [.apr1, .sha1, .des])
    }
}
