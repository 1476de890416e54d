import HtpasswdCore
import TestSupport
import Testing

/// SplitMix64: a small seeded generator, so that a failing case can be reproduced from its seed.
private struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Every SIMD level this machine runs, `off` (the scalar code) included.
private let levels = SIMDLevel.allCases.filter { $0 <= SIMDLevel.supported }

@Suite("Hashing: apr1 in SIMD lanes (APR1.hashBatch)")
struct HashingBatchTests {
    /// Passwords of every length from 0 to 300 bytes (any byte, NUL and bytes above 0x7F included), salts of
    /// 0 to 10 bytes (any byte: a `$` ends the salt, a 9th byte is ignored), in one batch where lengths mix.
    @Test("Every length 0 to 300, any bytes: the batch is APR1.hash, at every level", arguments: levels)
    func everyLength(level: SIMDLevel) {
        var random = SeededGenerator(state: 0x5EED_0000 + UInt64(level.rawValue))
        var passwords: [[UInt8]] = []
        var salts: [[UInt8]] = []
        for length in 0...300 {
            // Two of each length, with the same salt length: two lanes of a group at every length.
            let saltLength = Int.random(in: 0...10, using: &random)
            for _ in 0..<2 {
                passwords.append((0..<length).map { _ in UInt8.random(in: 0...255, using: &random) })
                salts.append((0..<saltLength).map { _ in UInt8.random(in: 0...255, using: &random) })
            }
        }
        for magic in [APR1.magic, APR1.md5cryptMagic] {
            let batch = APR1.hashBatch(passwords: passwords, salts: salts, magic: magic, level: level)
            let scalar = passwords.indices.map { APR1.hash(passwords[$0], salt: salts[$0], magic: magic) }
            #expect(batch.count == scalar.count)
            for index in passwords.indices where batch[index] != scalar[index] {
                Issue.record("length \(passwords[index].count), salt \(salts[index]), level \(level): \(batch[index])")
            }
        }
    }

    /// Batches of 1 to 40 passwords, where some lengths repeat (full and partial groups of 4, 8, 16 and 32
    /// lanes) and others do not; then 150 of one length.
    @Test("Batch sizes 1 to 40 with mixed lengths, at every level", arguments: levels)
    func batchSizes(level: SIMDLevel) {
        var random = SeededGenerator(state: 0xBA7C_0000 + UInt64(level.rawValue))
        for size in 1...40 {
            let lengths = [0, 1, 7, 19, 20, 31, 55, 64, 130]
            let passwords = (0..<size).map { _ in
                let length = lengths.randomElement(using: &random)!
                return (0..<length).map { _ in UInt8.random(in: 0...255, using: &random) }
            }
            let salts = (0..<size).map { _ in
                Array(cryptAlphabet.shuffled(using: &random).prefix(Int.random(in: 0...8, using: &random)))
            }
            let magic = size.isMultiple(of: 2) ? APR1.magic : APR1.md5cryptMagic
            let batch = APR1.hashBatch(passwords: passwords, salts: salts, magic: magic, level: level)
            let scalar = passwords.indices.map { APR1.hash(passwords[$0], salt: salts[$0], magic: magic) }
            #expect(batch == scalar, "batch of \(size) at \(level)")
        }
        // 150 of one length: full kernels of 4, 8, 16, 32 and 64 lanes, then a remainder.
        let passwords = (0..<150).map { _ in (0..<20).map { _ in UInt8.random(in: 0...255, using: &random) } }
        let salts = passwords.map { _ in Array(cryptAlphabet.shuffled(using: &random).prefix(8)) }
        let batch = APR1.hashBatch(passwords: passwords, salts: salts, level: level)
        #expect(batch == passwords.indices.map { APR1.hash(passwords[$0], salt: salts[$0]) }, "150 at \(level)")
    }

    /// The hasher's batch: one fresh salt per password, a hash that APR1 verifies with its own salt; other
    /// algorithms go one by one; a refused password throws as `hash` does.
    @Test("PasswordHasher.hashBatch: apr1 in lanes with fresh salts, other algorithms one by one")
    func hasherBatch() throws {
        let passwords = (0..<37).map { Array("pw-\($0)-".utf8) + [UInt8](repeating: 0xC3, count: $0 % 5) }
        for level in levels {
            let hashes = try PasswordHasher(algorithm: .apr1).hashBatch(passwords, level: level)
            #expect(hashes.count == passwords.count)
            for (password, hash) in zip(passwords, hashes) {
                #expect(hash.bytes.starts(with: APR1.magic))
                #expect(APR1.hash(password, setting: hash.bytes) == String(decoding: hash.bytes, as: UTF8.self))
            }
            #expect(Set(hashes.map { $0.bytes.prefix(14) }).count == passwords.count, "a salt repeats")
        }
        let sha = try PasswordHasher(algorithm: .sha512, rounds: 1000).hashBatch(Array(passwords.prefix(3)))
        for (password, hash) in zip(passwords, sha) {
            #expect(Crypt.hash(password, setting: hash.bytes).hash == hash.bytes)
        }
        #expect(throws: HtpasswdError.invalidPassword(.containsNUL)) {
            try PasswordHasher(algorithm: .apr1).hashBatch([Array("ok".utf8), [0x61, 0, 0x62]])
        }
    }

    /// Longer than the C side takes (4096 bytes): those lanes go through the scalar code, the others do not.
    @Test("Passwords over 4096 bytes are hashed by the scalar code, in the same batch")
    func longPasswords() {
        let passwords = [
            [UInt8](repeating: 0xE9, count: 4097), Array("short".utf8), [UInt8](repeating: 0x41, count: 4096),
            [UInt8](repeating: 0xE9, count: 4097),
        ]
        let salts = passwords.indices.map { Array("salt\($0)".utf8) }
        let batch = APR1.hashBatch(passwords: passwords, salts: salts, level: SIMDLevel.supported)
        #expect(batch == passwords.indices.map { APR1.hash(passwords[$0], salt: salts[$0]) })
    }

    @Test("An empty batch gives no hashes")
    func empty() {
        #expect(APR1.hashBatch(passwords: [], salts: []).isEmpty)
    }

    @Test("HTPASS_SIMD cannot raise the level above what the machine runs")
    func currentLevel() {
        #expect(SIMDLevel.current <= SIMDLevel.supported)
        #expect(SIMDLevel.off.width == 0 && SIMDLevel.sse2.width == 4)
        #expect(SIMDLevel.avx2.width == 8 && SIMDLevel.avx512.width == 16)
        #if arch(x86_64)
            #expect(SIMDLevel.supported >= .sse2, "SSE2 is part of x86_64")
        #endif
    }

    /// The real programs: `openssl passwd -apr1 -salt S PW` and `-1`, and Apache's `htpasswd -nbm`, whose
    /// random salt the batch reuses; `htpasswd -vb` then accepts the batch's hash.
    @Test("The batch matches openssl passwd and Apache's htpasswd, at every level", arguments: levels)
    func oracles(level: SIMDLevel) throws {
        var random = SeededGenerator(state: 0x0AC1_E000 + UInt64(level.rawValue))
        // Bytes a command line can carry (no NUL); high bytes included.
        let alphabet = Array(UInt8(1)...UInt8(255)).filter { $0 != UInt8(ascii: "\n") }
        let passwords = [0, 1, 20, 20, 20, 20, 20, 33, 60, 120].map { length in
            (0..<length).map { _ in alphabet.randomElement(using: &random)! }
        }
        let salts = passwords.indices.map { _ in Array(cryptAlphabet.shuffled(using: &random).prefix(8)) }
        let openssl = try TestSupport.locate("openssl")
        for (magic, option) in [(APR1.magic, "-apr1"), (APR1.md5cryptMagic, "-1")] {
            let batch = APR1.hashBatch(passwords: passwords, salts: salts, magic: magic, level: level)
            for index in passwords.indices where !passwords[index].isEmpty {
                let output = try TestSupport.spawn(
                    openssl,
                    [Array("passwd".utf8), Array(option.utf8), Array("-salt".utf8), salts[index], passwords[index]])
                #expect(output.status == 0)
                #expect(output.stdoutText == batch[index] + "\n", "length \(passwords[index].count) at \(level)")
            }
        }

        let htpasswd = try TestSupport.locate("htpasswd")
        let directory = try TestSupport.temporaryDirectory("htpass-batch")
        var fromApache: [String] = []
        for password in passwords {
            let output = try TestSupport.spawn(htpasswd, [Array("-nbm".utf8), Array("u".utf8), password])
            try #require(output.status == 0)
            let line = output.stdoutText.split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
            fromApache.append(String(line.dropFirst(2)))  // "u:$apr1$salt$hash"
        }
        let apacheSalts = fromApache.map { Array($0.utf8.dropFirst(6).prefix { $0 != UInt8(ascii: "$") }) }
        let batch = APR1.hashBatch(passwords: passwords, salts: apacheSalts, level: level)
        #expect(batch == fromApache)
        for index in passwords.indices {
            let file = directory + "/htpasswd"
            try TestSupport.writeBytes(Array("u:\(batch[index])\n".utf8), to: file)
            let output = try TestSupport.spawn(
                htpasswd, [Array("-vb".utf8), Array(file.utf8), Array("u".utf8), passwords[index]])
            #expect(output.status == 0, "htpasswd -vb, length \(passwords[index].count) at \(level)")
        }
    }
}
