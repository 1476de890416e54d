import CMultiMD5

/// The vector instructions that hash several apr1 passwords at once (Sources/CMultiMD5): one password per
/// lane, 4 lanes with SSE2, 8 with AVX2, 16 with AVX-512F. Chosen at run time from what the CPU and the
/// operating system support; the environment variable `HTPASS_SIMD=off|sse2|avx2|avx512` lowers the level
/// (for tests and benchmarks). Off x86_64 the level is ``off`` and the scalar Swift code runs.
package enum SIMDLevel: Int32, CaseIterable, Comparable, Sendable, CustomStringConvertible {
    case off = 0
    case sse2 = 1
    case avx2 = 2
    case avx512 = 3

    /// The highest level this machine runs, whatever `HTPASS_SIMD` says.
    package static var supported: SIMDLevel { SIMDLevel(rawValue: htpass_simd_supported_level()) ?? .off }

    /// The level used by default: ``supported``, lowered by `HTPASS_SIMD`.
    package static var current: SIMDLevel { SIMDLevel(rawValue: htpass_simd_level()) ?? .off }

    /// The passwords hashed at once (0 for ``off``).
    package var width: Int { Int(htpass_simd_width(rawValue)) }

    package var description: String {
        switch self {
        case .off: "off"
        case .sse2: "sse2"
        case .avx2: "avx2"
        case .avx512: "avx512"
        }
    }

    package static func < (lhs: SIMDLevel, rhs: SIMDLevel) -> Bool { lhs.rawValue < rhs.rawValue }
}

extension APR1 {
    /// `hash(passwords[i], salt: salts[i], magic: magic)` for every `i`, byte for byte, with the 1000 rounds of
    /// passwords of the same length and salts of the same length computed together in SIMD lanes at `level`
    /// (the scalar code at ``SIMDLevel/off``, or a level this machine does not run).
    package static func hashBatch(
        passwords: [[UInt8]], salts: [[UInt8]], magic: [UInt8] = magic, level: SIMDLevel = .current
    ) -> [String] {
        precondition(passwords.count == salts.count, "one salt per password")
        let salts = salts.map { usedSalt($0) }
        var digests = passwords.indices.map { initialDigest(passwords[$0], salt: salts[$0], magic: magic) }
        if level == .off || level > SIMDLevel.supported {
            for index in passwords.indices {
                digests[index] = stretch(passwords[index], salt: salts[index], digest: digests[index])
            }
        } else {
            var groups: [Int: [Int]] = [:]  // password length * 16 + salt length (0 to 8) -> indices
            for index in passwords.indices {
                groups[passwords[index].count * 16 + salts[index].count, default: []].append(index)
            }
            for members in groups.values {
                stretchGroup(members, passwords: passwords, salts: salts, digests: &digests, level: level)
            }
        }
        return passwords.indices.map { encode(magic: magic, salt: salts[$0], digest: digests[$0]) }
    }

    /// The 1000 rounds of the passwords at `members`, which share a password length and a salt length, in
    /// SIMD lanes; in the scalar code if the C side refuses. The packed copies are zeroed before release.
    private static func stretchGroup(
        _ members: [Int], passwords: [[UInt8]], salts: [[UInt8]], digests: inout [[UInt8]], level: SIMDLevel
    ) {
        let passwordLength = passwords[members[0]].count
        let saltLength = salts[members[0]].count
        let count = members.count
        let size = count * (passwordLength + saltLength + MD5.digestSize)
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(size, 1), alignment: 16)
        defer {
            buffer.initializeMemory(as: UInt8.self, repeating: 0)
            buffer.deallocate()
        }
        let packedPasswords = buffer.baseAddress!.assumingMemoryBound(to: UInt8.self)
        let packedSalts = packedPasswords + count * passwordLength
        let packedDigests = packedSalts + count * saltLength
        for (lane, index) in members.enumerated() {
            for (offset, byte) in passwords[index].enumerated() {
                packedPasswords[lane * passwordLength + offset] = byte
            }
            for (offset, byte) in salts[index].enumerated() { packedSalts[lane * saltLength + offset] = byte }
            for (offset, byte) in digests[index].enumerated() { packedDigests[lane * MD5.digestSize + offset] = byte }
        }
        let status = htpass_apr1_stretch(
            level.rawValue, count, packedPasswords, passwordLength, packedSalts, saltLength, packedDigests)
        for (lane, index) in members.enumerated() {
            if status == 0 {
                digests[index] = Array(
                    UnsafeBufferPointer(start: packedDigests + lane * MD5.digestSize, count: MD5.digestSize))
            } else {
                digests[index] = stretch(passwords[index], salt: salts[index], digest: digests[index])
            }
        }
    }
}

extension PasswordHasher {
    /// ``hash(_:)-(Collection<UInt8>)`` of every password, each with its own salt from the system CSPRNG;
    /// apr1 hashes are computed together in SIMD lanes (``APR1/hashBatch(passwords:salts:magic:level:)``).
    ///
    /// - Throws: The error ``hash(_:)-(Collection<UInt8>)`` throws for the first password it refuses.
    package func hashBatch(_ passwords: [[UInt8]], level: SIMDLevel = .current) throws(HtpasswdError) -> [PasswordHash]
    {
        guard algorithm == .apr1 else {
            return try passwords.map { (password) throws(HtpasswdError) -> PasswordHash in try hash(password) }
        }
        for password in passwords {
            do throws(PasswordProblem) { try check(password) } catch { throw .invalidPassword(error) }
        }
        // All the salts from one draw (a few getrandom calls instead of one per password): each character is
        // still uniform over the alphabet and independent of the others.
        let pool = try SecureRandom.string(count: APR1.saltLength * passwords.count, alphabet: cryptAlphabet)
        let salts = passwords.indices.map { Array(pool[$0 * APR1.saltLength..<($0 + 1) * APR1.saltLength]) }
        return APR1.hashBatch(passwords: passwords, salts: salts, level: level).map {
            PasswordHash(trusted: Array($0.utf8))
        }
    }
}
