import HtpasswdCore
import HtpasswdVerifier
import PropertyBased
import Testing

/// Passwords as bytes, without NUL: arbitrary bytes (invalid UTF-8 included), printable ASCII with spaces and
/// `:`, UTF-8 text, and lengths at the edges (0, 1, 8, 9, 55, 56, 64, 72, 73, 100).
let passwordBytes = Gen.oneOf(
    Gen<UInt8>.value(in: 1...255).array(of: 0...40),
    Gen<UInt8>.value(in: 32...126).array(of: 0...40),
    Gen<UInt32>.value(in: 0x20...0x10FFFF).compactMap(Unicode.Scalar.init).array(of: 0...12)
        .map { scalars in scalars.flatMap { Array(String($0).utf8) } },
    zip(Gen.element(of: [0, 1, 8, 9, 55, 56, 64, 72, 73, 100]), Gen<UInt8>.value(in: 1...255).array(of: 100))
        .map { length, bytes in Array(bytes.prefix(length ?? 0)) }
)

/// A password that differs from `password` in a byte the algorithm uses: a changed low 7 bits at a position within
/// the algorithm's limit (DES ignores the high bit), or one byte more when the password is below the limit.
func differentPassword(from password: [UInt8], limit: Int?, index: Int, delta: UInt8) -> [UInt8] {
    let usable = min(password.count, limit ?? password.count)
    if usable == 0 || (usable < (limit ?? Int.max) && index % 3 == 0) {
        return password.prefix(usable) + [0x40 | delta]
    }
    var result = password
    let i = index % usable
    var changed = (result[i] & 0x80) | ((result[i] &+ delta) & 0x7F)
    if changed == 0 { changed = 0x80 }
    result[i] = changed
    return result
}

@Suite("Verifier: properties over every algorithm")
struct VerifierPropertyTests {
    /// bcrypt at cost 4 and few cases for the slow methods, so that the suite stays quick.
    static let cases: [(Algorithm, Int)] = [
        (.bcrypt, 25), (.sha512, 25), (.sha256, 25), (.yescrypt, 10), (.apr1, 60), (.sha1, 100), (.des, 60),
    ]

    @Test("verify(p, hash(p)) == .match, and a different password never matches", arguments: cases)
    func roundTrip(algorithm: Algorithm, count: Int) async throws {
        let hasher = try PasswordHasher(algorithm: algorithm, cost: algorithm == .bcrypt ? 4 : nil)
        let verifier = Verifier()
        let limit = algorithm.passwordLimit
        let input = zip(passwordBytes, Gen.int(in: 0...1000), Gen<UInt8>.value(in: 1...127))
        await propertyCheck(count: count, input: input) { password, index, delta in
            let password = limit.map { Array(password.prefix($0)) } ?? password
            let hash = try hasher.hash(password).bytes
            #expect(verifier.verify(password, against: hash) == .match)
            let other = differentPassword(from: password, limit: limit, index: index, delta: delta)
            #expect(verifier.verify(other, against: hash) == .mismatch)
        }
    }

    @Test("Passwords over the limit are refused, never truncated", arguments: [Algorithm.bcrypt, .des])
    func overLimit(algorithm: Algorithm) async throws {
        let hasher = try PasswordHasher(algorithm: algorithm, cost: algorithm == .bcrypt ? 4 : nil)
        let limit = try #require(algorithm.passwordLimit)
        await propertyCheck(count: 30, input: Gen<UInt8>.value(in: 1...255).array(of: (limit + 1)...(limit + 40))) {
            password in
            #expect(
                throws: HtpasswdError.invalidPassword(
                    .tooLong(algorithm: algorithm, limit: limit, length: password.count))
            ) {
                try hasher.hash(password)
            }
        }
    }

    @Test("A password with a NUL byte is refused by every algorithm")
    func nul() async throws {
        let input = zip(passwordBytes, Gen.int(in: 0...100), Gen.element(of: Algorithm.allCases))
        await propertyCheck(count: 50, input: input) { password, position, algorithm in
            let algorithm = algorithm ?? .sha1
            var password = Array(password.prefix(algorithm.passwordLimit ?? 100))
            password.insert(0, at: password.isEmpty ? 0 : position % password.count)
            if let limit = algorithm.passwordLimit, password.count > limit { password.removeLast() }
            let hasher = try PasswordHasher(algorithm: algorithm, cost: algorithm == .bcrypt ? 4 : nil)
            #expect(throws: HtpasswdError.invalidPassword(.containsNUL)) { try hasher.hash(password) }
        }
    }

    @Test("{SSHA} with any salt length verifies, and no other password does")
    func saltedSHA1() async {
        let input = zip(
            passwordBytes, Gen<UInt8>.value(in: 0...255).array(of: 0...40), Gen.int(in: 0...1000),
            Gen<UInt8>.value(in: 1...127))
        await propertyCheck(count: 100, input: input) { password, salt, index, delta in
            let hash = Array(("{SSHA}" + Base64.encode(SHA1.digest(password + salt) + salt)).utf8)
            #expect(Verifier().verify(password, against: hash) == .match)
            let other = differentPassword(from: password, limit: nil, index: index, delta: delta)
            #expect(Verifier().verify(other, against: hash) == .mismatch)
        }
    }

    @Test("{PLAIN} matches exactly its bytes")
    func plain() async {
        await propertyCheck(count: 100, input: zip(passwordBytes, passwordBytes)) { password, other in
            let hash = Array("{PLAIN}".utf8) + password
            #expect(Verifier().verify(password, against: hash) == .match)
            #expect(Verifier().verify(other, against: hash) == (other == password ? .match : .mismatch))
        }
    }
}
