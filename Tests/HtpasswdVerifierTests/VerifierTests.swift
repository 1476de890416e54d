import HtpasswdCore
import HtpasswdVerifier
import Testing

private func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

/// A stored hash of one format, with a password that matches it and one that does not.
struct KnownHash: Sendable, CustomTestStringConvertible {
    var format: HashFormat
    var hash: String
    var password: [UInt8]
    var wrong: [UInt8]

    init(_ format: HashFormat, _ hash: String, _ password: String, wrong: String? = nil) {
        self.init(format, hash, Array(password.utf8), wrong: Array((wrong ?? password + "x").utf8))
    }

    init(_ format: HashFormat, _ hash: String, _ password: [UInt8], wrong: [UInt8]) {
        self.format = format
        self.hash = hash
        self.password = password
        self.wrong = wrong
    }

    var testDescription: String { "\(format.name) \(hash)" }
}

@Suite("Verifier: every format of PRODUCT.md §1")
struct VerifierTests {
    static let known: [KnownHash] = [
        // bcrypt: OpenBSD / crypt_blowfish vectors (passlib has them too).
        KnownHash(
            .bcrypt(variant: "a", cost: 5), "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW", "U*U"),
        KnownHash(
            .bcrypt(variant: "b", cost: 5), "$2b$05$/OK.fbVrR/bpIqNJ5ianF.Sa7shbm4.OzKpvFnX1pQLmQW96oUlCq", [0xA3],
            wrong: [0xA4]),
        KnownHash(
            .bcrypt(variant: "x", cost: 5), "$2x$05$/OK.fbVrR/bpIqNJ5ianF.CE5elHaaO4EbggVDjb8P19RukzXSM3e", [0xA3],
            wrong: [0xA3, 0xA3]),
        KnownHash(
            .bcrypt(variant: "y", cost: 5), "$2y$05$/OK.fbVrR/bpIqNJ5ianF.Sa7shbm4.OzKpvFnX1pQLmQW96oUlCq", [0xA3],
            wrong: [0x23]),
        // htpasswd -nbB -C 4 alice myPassword
        KnownHash(
            .bcrypt(variant: "y", cost: 4), "$2y$04$GbgwU7YKFvImlFp66sGC4eNv0rzAeLaJHPge7KLFuOqHtnB6s5/lS", "myPassword"
        ),
        // openssl passwd -1 -salt abcdefgh myPassword
        KnownHash(.md5crypt, "$1$abcdefgh$W/8r1SWbVzbnNV3h1/PUK1", "myPassword", wrong: "mypassword"),
        // Drepper's SHA-crypt vectors.
        KnownHash(.sha256(rounds: 5000), "$5$saltstring$5B8vYYiY.CVt1RlTTf8KbXBH3hsxY/GNooZaBBGWEc5", "Hello world!"),
        KnownHash(
            .sha256(rounds: 77777), "$5$rounds=77777$short$JiO1O3ZpDAxGJeaDIuqCoEFysAe1mZNJRs3pw0KQRd/",
            "we have a short salt string but not a short password"),
        KnownHash(
            .sha256(rounds: 1000), "$5$rounds=1000$roundstoolow$yfvwcWrQ8l/K0DAWyuPMDNHpIVlTQebY9l/gL972bIC",
            "the minimum number is still observed"),
        KnownHash(
            .sha512(rounds: 5000),
            "$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35inz1",
            "Hello world!", wrong: "Hello world"),
        KnownHash(
            .sha512(rounds: 10000),
            "$6$rounds=10000$saltstringsaltst$OW1/O6BYHV6BcXZu8QVeXbDWra3Oeqh0sbHbbMCVNSnCM/UrjmM0Dp8vOuZeHBy/YTBmSK6H9qs/y3RnOaw5v.",
            "Hello world!"),
        KnownHash(
            .sha512(rounds: 1000),
            "$6$rounds=1000$roundstoolow$kUMsbe306n21p9R.FRkW3IGn.S9NPN0x50YhH1xhLsPuWGsUSklZt58jaTfF4ZEQpyUNGc0dqbpBYYBaHHrsX.",
            "the minimum number is still observed"),
        // mkpasswd -m yescrypt / gost-yescrypt / scrypt myPassword
        KnownHash(.yescrypt, "$y$j9T$GESW5xyrdjTTPRkLpQpHr1$JUKhOisPfzp34nd1VcnJdun9tmWb4COaUJfZE8J1V.2", "myPassword"),
        KnownHash(
            .gostYescrypt, "$gy$j9T$Lx/QGuUEh0AcBOERctFej/$PbEgaDiLqYlKkt/3R2dG78Waa9tA3uyl90l/KlNS5G5", "myPassword"),
        KnownHash(
            .scrypt, "$7$CU..../....MXCwJPAdS4w8ufwMb0fB91$6L.gkk6Cw.b46qLm4xCgjDwsyayEmRlZkd5YNnApCF9", "myPassword"),
        // mkpasswd -m bsdicrypt myPassword: another method libxcrypt knows.
        KnownHash(.bsdiDES, "_J9..7D.jjxHq.BFa7T2", "myPassword"),
        // passlib's des_crypt vectors; only 8 bytes count, so the wrong password differs early.
        KnownHash(.des, "N1tQbOFcM5fpg", "test", wrong: "tesT"),
        KnownHash(.des, "cEpWz5IUCShqM", "AlOtBsOl", wrong: "AlOtBsOk"),
        // Apache's documentation.
        KnownHash(.apr1, "$apr1$r31.....$HqJZimcKQFAMYayBlzkrA/", "myPassword"),
        KnownHash(.sha1, "{SHA}VBPuJHI7uixaa6LQGWx4s+5GKNE=", "myPassword", wrong: "MyPassword"),
        // {SSHA} = base64(SHA-1(password + salt) + salt), with salts of 1, 4, 8, 16 and 32 bytes (Python's hashlib).
        KnownHash(.saltedSHA1, "{SSHA}7Bg5MfQmSHxSoEHxw1WoVHWJCpgB", "myPassword"),
        // An empty salt: nginx accepts it.
        KnownHash(.saltedSHA1, "{SSHA}VBPuJHI7uixaa6LQGWx4s+5GKNE=", "myPassword"),
        KnownHash(.saltedSHA1, "{SSHA}kL3+/tIbZ86DOhMac+F4u8lG275zYWx0", "myPassword"),
        KnownHash(.saltedSHA1, "{SSHA}466UsA9R4izbFdfpgiB6WSppsxIA/xAgc2FsdA==", "myPassword"),
        KnownHash(.saltedSHA1, "{SSHA}r8sr8vQ9BfUBSRQHKORFYYL9BiswMTIzNDU2Nzg5YWJjZGVm", "myPassword"),
        KnownHash(
            .saltedSHA1, "{SSHA}1mQ9BJO5Tc84sOuPvv2LaNgQzZAAAQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHw==", "myPassword"),
        KnownHash(.plain, "{PLAIN}myPassword", "myPassword"),
        KnownHash(.plain, "{PLAIN}p:ss wörd", "p:ss wörd", wrong: "p:ss word"),
        KnownHash(.plain, "{PLAIN}", "", wrong: " "),
    ]

    @Test("The right password matches, a wrong one does not", arguments: known)
    func knownHashes(known: KnownHash) {
        let verifier = Verifier()
        #expect(HashFormat(bytes(known.hash)) == known.format)
        #expect(verifier.verify(known.password, against: bytes(known.hash)) == .match)
        #expect(verifier.verify(known.wrong, against: bytes(known.hash)) == .mismatch)
        if known.format != .des || known.password.count < 8 {
            #expect(verifier.verify(known.password + [0x20], against: bytes(known.hash)) == .mismatch)
        }
    }

    @Test(
        "Failure tokens, bare plaintext and garbage are unverifiable, even with the 'right' password",
        arguments: [
            ("*0", HashFormat.failureToken), ("*1", .failureToken), ("*", .failureToken), ("*0x", .failureToken),
            ("myPassword", .unknown), ("", .unknown), ("garbage", .unknown), ("{SHA}", .sha1),
            ("{SHA}not base64!", .sha1), ("{SHA}VBPuJHI7uixaa6LQGWx4s+5GKA==", .sha1),
            ("{SSHA}VBPuJHI7uixaa6LQGWx4s+5G", .saltedSHA1), ("{SSHA}", .saltedSHA1), ("{SSHA}!!!!", .saltedSHA1),
            ("$apr1", .otherCrypt(prefix: "$")), ("$99$abc$def", .otherCrypt(prefix: "$99$")),
            ("$2y$10$short", .bcrypt(variant: "y", cost: 10)), ("$y$", .yescrypt),
            ("{MD5}abc", .unknown), ("!$6$saltstring$svn8", .unknown),
        ])
    func unverifiable(hash: String, format: HashFormat) {
        let verifier = Verifier()
        #expect(HashFormat(bytes(hash)) == format)
        for password in [bytes("myPassword"), bytes(hash), [], bytes("*0")] {
            let verdict = verifier.verify(password, against: bytes(hash))
            #expect(verdict != .match)
            if case .unverifiable = verdict {} else { Issue.record("\(hash): \(verdict), not unverifiable") }
        }
    }

    @Test(
        "Plaintext shaped like a hash, and settings without a hash, never match",
        arguments: ["abcdefghijklm", "$1$", "$1$abcdefgh", "$1$abcdefgh$", "$5$", "$6$rounds=5000$", "$2y$04$"])
    func neverMatches(hash: String) {
        // 13 characters of the crypt alphabet look like DES: libxcrypt hashes with salt "ab", which differs.
        // A bare setting is hashed by libxcrypt, and the result is longer than the setting.
        for password in [bytes(hash), bytes("myPassword"), []] {
            #expect(Verifier().verify(password, against: bytes(hash)) != .match)
        }
    }

    @Test("A NUL in the password never matches a crypt(3) hash")
    func nulPassword() {
        let verifier = Verifier()
        // crypt(3) would stop at the NUL; the verifier refuses instead of comparing "U*U".
        #expect(
            verifier.verify(
                bytes("U*U\0ignored"), against: bytes("$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW"))
                == .mismatch)
        #expect(verifier.verify(bytes("test\0"), against: bytes("N1tQbOFcM5fpg")) == .mismatch)
    }

    @Test("DES uses the first 8 bytes, 7 bits each: the verifier agrees with crypt(3) and the servers")
    func desTruncation() {
        let verifier = Verifier()
        #expect(verifier.verify(bytes("AlOtBsOl and more"), against: bytes("cEpWz5IUCShqM")) == .match)
        #expect(
            verifier.verify(bytes("AlOtBsO") + [UInt8(ascii: "l") | 0x80], against: bytes("cEpWz5IUCShqM")) == .match)
    }

    @Test("bcrypt uses the first 72 bytes: the verifier agrees with crypt(3) and the servers")
    func bcryptTruncation() {
        let hash = bytes("$2a$05$abcdefghijklmnopqrstuu5s2v8.iXieOjg/.AySBTTZIIVFJeBui")
        let password = bytes("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
        #expect(password.count == 72)
        #expect(Verifier().verify(password, against: hash) == .match)
        #expect(Verifier().verify(password + bytes("anything"), against: hash) == .match)
        #expect(Verifier().verify(Array(password.dropLast()), against: hash) == .mismatch)
    }

    @Test("A non-canonical base64 encoding of the right digest does not match, as in nginx, which compares text")
    func nonCanonicalBase64() {
        // 'F' differs from 'E' only in the two padding bits of the last character.
        #expect(
            Verifier().verify(Array("myPassword".utf8), against: Array("{SHA}VBPuJHI7uixaa6LQGWx4s+5GKNF=".utf8))
                == .mismatch)
        #expect(
            Verifier().verify(Array("myPassword".utf8), against: Array("{SSHA}VBPuJHI7uixaa6LQGWx4s+5GKNF=".utf8))
                == .mismatch)
    }

    @Test("{SHA} and {SSHA} digests are compared in full")
    func shaDigestLength() {
        let verifier = Verifier()
        // The right digest with one extra byte is a salted entry's shape, not a {SHA} one.
        #expect(verifier.verify(bytes("myPassword"), against: bytes("{SHA}VBPuJHI7uixaa6LQGWx4s+5GKNEA")) != .match)
        #expect(verifier.verify(bytes("myPassword"), against: bytes("{SHA}VBPuJHI7uixaa6LQGWx4s+5GKNE")) != .match)
    }
}

@Suite("Verifier: HashFormat recognition")
struct VerifierHashFormatTests {
    @Test(
        "Formats and their cost parameters",
        arguments: [
            ("$2y$10$abcdefghijklmnopqrstuuDSBGRRZoHjVv7J7e3ZpxqGTvKbyUYce", HashFormat.bcrypt(variant: "y", cost: 10)),
            ("$2b$04$abcdefghijklmnopqrstuu", .bcrypt(variant: "b", cost: 4)),
            ("$2a$31$abcdefghijklmnopqrstuu", .bcrypt(variant: "a", cost: 31)),
            ("$2x$12$abcdefghijklmnopqrstuu", .bcrypt(variant: "x", cost: 12)),
            ("$2q$12$abcdefghijklmnopqrstuu", .otherCrypt(prefix: "$2q$")),
            ("$6$saltstring$x", .sha512(rounds: 5000)),
            ("$6$rounds=10000$saltstring$x", .sha512(rounds: 10000)),
            ("$6$rounds=10$roundstoolow$x", .sha512(rounds: 1000)),
            ("$6$rounds=999999999$s$x", .sha512(rounds: 999_999_999)),
            ("$6$rounds=9999999999$s$x", .sha512(rounds: 999_999_999)),
            ("$5$rounds=77777$short$x", .sha256(rounds: 77777)),
            ("$5$rounds=$short$x", .sha256(rounds: 5000)),
            ("$y$j9T$salt$hash", .yescrypt),
            ("$gy$j9T$salt$hash", .gostYescrypt),
            ("$7$CU..../....salt$hash", .scrypt),
            ("$apr1$r31.....$HqJZimcKQFAMYayBlzkrA/", .apr1),
            ("$1$abcdefgh$W/8r1SWbVzbnNV3h1/PUK1", .md5crypt),
            ("{SHA}VBPuJHI7uixaa6LQGWx4s+5GKNE=", .sha1),
            ("{SSHA}7Bg5MfQmSHxSoEHxw1WoVHWJCpgB", .saltedSHA1),
            ("{PLAIN}secret", .plain),
            ("N1tQbOFcM5fpg", .des),
            ("N1tQbOFcM5fp", .unknown),
            ("N1tQbOFcM5fpg!", .unknown),
            ("$md5$rounds=904$salt$hash", .otherCrypt(prefix: "$md5$")),
            ("$sha1$40000$salt$hash", .otherCrypt(prefix: "$sha1$")),
            ("_J9..7D.jjxHq.BFa7T2", .bsdiDES),
            ("*0", .failureToken),
            ("*1", .failureToken),
            ("plaintext", .unknown),
        ])
    func recognition(hash: String, format: HashFormat) {
        #expect(HashFormat(bytes(hash)) == format)
    }

    @Test("Names, parameters, weakness and verifiability")
    func properties() {
        #expect(HashFormat.bcrypt(variant: "y", cost: 12).name == "bcrypt")
        #expect(HashFormat.bcrypt(variant: "y", cost: 12).parameter == "cost=12")
        #expect(HashFormat.sha512(rounds: 5000).parameter == "rounds=5000")
        #expect(HashFormat.sha256(rounds: 1000).parameter == "rounds=1000")
        #expect(HashFormat.apr1.parameter == nil)
        let weak: [HashFormat] = [.apr1, .md5crypt, .sha1, .saltedSHA1, .plain, .des]
        let strong: [HashFormat] = [
            .bcrypt(variant: "y", cost: 10), .sha512(rounds: 5000), .sha256(rounds: 5000), .yescrypt, .gostYescrypt,
            .scrypt,
        ]
        for format in weak { #expect(format.isWeak && format.isVerifiable) }
        for format in strong { #expect(!format.isWeak && format.isVerifiable) }
        #expect(!HashFormat.failureToken.isVerifiable)
        #expect(!HashFormat.unknown.isVerifiable)
        let names = Set((weak + strong + [.failureToken, .unknown]).map(\.name))
        #expect(names.count == weak.count + strong.count + 2)
    }
}

@Suite("Verifier: timing dummy for unknown users")
struct VerifierTimingDummyTests {
    @Test("The most common verifiable format, with its cost, is the dummy")
    func mostCommon() {
        let file = HtpasswdFile(
            bytes: bytes(
                """
                # comment
                a:*0
                b:$2y$04$GbgwU7YKFvImlFp66sGC4eNv0rzAeLaJHPge7KLFuOqHtnB6s5/lS
                c:$apr1$r31.....$HqJZimcKQFAMYayBlzkrA/
                d:$2y$12$abcdefghijklmnopqrstuuDSBGRRZoHjVv7J7e3ZpxqGTvKbyUYce
                e:$2y$12$bbcdefghijklmnopqrstuuDSBGRRZoHjVv7J7e3ZpxqGTvKbyUYce
                f:plaintext

                """))
        #expect(
            Verifier().timingDummy(in: file) == bytes("$2y$12$abcdefghijklmnopqrstuuDSBGRRZoHjVv7J7e3ZpxqGTvKbyUYce"))
    }

    @Test("Only the first entries are sampled, so an unknown user costs no pass over a huge file")
    func sampled() {
        let apr1 = "$apr1$r31.....$HqJZimcKQFAMYayBlzkrA/"
        let bcrypt = "$2y$04$GbgwU7YKFvImlFp66sGC4eNv0rzAeLaJHPge7KLFuOqHtnB6s5/lS"
        let head = (0..<Verifier.timingSampleSize).map { "a\($0):\(apr1)\n" }.joined()
        let tail = (0..<(3 * Verifier.timingSampleSize)).map { "b\($0):\(bcrypt)\n" }.joined()
        #expect(Verifier().timingDummy(in: HtpasswdFile(bytes: bytes(head + tail))) == bytes(apr1))
    }

    @Test("No verifiable entries, no dummy")
    func none() {
        #expect(Verifier().timingDummy(in: HtpasswdFile(bytes: bytes("a:*0\nb:plain\n"))) == nil)
        #expect(Verifier().timingDummy(in: HtpasswdFile()) == nil)
    }
}
