import HtpasswdCore
import Testing

/// The bytes of a Swift string; the vectors below are all written as text unless they need raw bytes.
private func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

@Suite("Hashing: apr1-MD5")
struct HashingAPR1Tests {
    /// The first is Apache's documented example; the others were made by `openssl passwd -apr1 -salt r31..... P`.
    @Test(
        "Known answers",
        arguments: [
            ("myPassword", "$apr1$r31.....$HqJZimcKQFAMYayBlzkrA/"),
            ("", "$apr1$r31.....$iQoXxeL5pW.kaXVrniDCU0"),
            ("a", "$apr1$r31.....$s7OSk4uJoyS8elmZY5Ru40"),
            ("0123456789abcdef", "$apr1$r31.....$LTaWPsXNWWe0zznf5.fh/."),
            (String(repeating: "x", count: 40), "$apr1$r31.....$yDNCfb0j32b80ztTpjubw."),
            ("p:ss wörd", "$apr1$r31.....$iB8BK8xfyaPM6jGg.kRsl."),
        ])
    func knownAnswers(password: String, hash: String) throws {
        #expect(try #require(APR1.hash(bytes(password), setting: bytes(hash))) == hash)
        #expect(APR1.hash(bytes(password), salt: bytes("r31.....")) == hash)
    }

    /// `openssl passwd -apr1 -salt abcdefghijk x` and `-salt ''`: only 8 salt bytes count, and an empty salt works.
    @Test("The crypt alphabet, one set for salts, DES hashes and bcrypt: ./0-9A-Za-z in crypt's digit order")
    func cryptAlphabetIsOneSet() {
        #expect(cryptAlphabet == bytes("./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"))
        for byte in UInt8.min...UInt8.max {
            #expect(CryptAlphabet.contains(byte) == cryptAlphabet.contains(byte))
        }
    }

    @Test("Salt handling")
    func salts() {
        #expect(APR1.hash(bytes("x"), salt: bytes("abcdefghijk")) == "$apr1$abcdefgh$82JubPF2dQkt1tVfvLnXS.")
        #expect(
            APR1.hash(bytes("x"), salt: bytes("abcdefgh$82JubPF2dQkt1tVfvLnXS."))
                == "$apr1$abcdefgh$82JubPF2dQkt1tVfvLnXS.")
        #expect(APR1.hash(bytes("x"), salt: []) == "$apr1$$jYtXyIcDHukcQfHjblNhq/")
    }

    @Test("A setting that is neither apr1 nor md5crypt gives nil")
    func notAPR1() {
        #expect(APR1.hash(bytes("x"), setting: bytes("$5$abcdefgh$W/8r1SWbVzbnNV3h1/PUK1")) == nil)
        #expect(APR1.hash(bytes("x"), setting: bytes("apr1$abc")) == nil)
    }

    @Test(
        "md5crypt ($1$) made in Swift is libxcrypt's, for passwords of any length libxcrypt takes",
        arguments: [0, 1, 7, 16, 17, 64, 100, 511])
    func md5cryptMatchesLibxcrypt(length: Int) {
        let password = (0..<length).map { UInt8(ascii: "a") + UInt8($0 % 26) }
        let setting = bytes("$1$abcdefgh$")
        let swift = APR1.hash(password, setting: setting).map { Array($0.utf8) }
        #expect(swift != nil && swift == Crypt.hash(password, setting: setting).hash)
    }

    @Test("Long passwords (several MD5 blocks per round) match openssl")
    func longPassword() {
        // openssl passwd -apr1 -salt 12345678 "$(printf 'y%.0s' {1..200})"
        let password = [UInt8](repeating: UInt8(ascii: "y"), count: 200)
        #expect(APR1.hash(password, salt: bytes("12345678")) == "$apr1$12345678$arMPxG702EbRszyOvV1Xa.")
    }
}

@Suite("Hashing: crypt(3) through libxcrypt")
struct HashingCryptTests {
    /// Ulrich Drepper's "Unix crypt using SHA-256 and SHA-512", test vectors for both.
    static let drepper: [(setting: String, password: String, hash: String)] = [
        (
            "$5$saltstring", "Hello world!", "$5$saltstring$5B8vYYiY.CVt1RlTTf8KbXBH3hsxY/GNooZaBBGWEc5"
        ),
        (
            "$5$rounds=10000$saltstringsaltstring", "Hello world!",
            "$5$rounds=10000$saltstringsaltst$3xv.VbSHBb41AL9AvLeujZkZRBAwqFMz2.opqey6IcA"
        ),
        (
            "$5$rounds=5000$toolongsaltstring", "This is just a test",
            "$5$rounds=5000$toolongsaltstrin$Un/5jzAHMgOGZ5.mWJpuVolil07guHPvOW8mGRcvxa5"
        ),
        (
            "$5$rounds=1400$anotherlongsaltstring",
            "a very much longer text to encrypt.  This one even stretches over morethan one line.",
            "$5$rounds=1400$anotherlongsalts$Rx.j8H.h8HjEDGomFU8bDkXm3XIUnzyxf12oP84Bnq1"
        ),
        (
            "$5$rounds=77777$short", "we have a short salt string but not a short password",
            "$5$rounds=77777$short$JiO1O3ZpDAxGJeaDIuqCoEFysAe1mZNJRs3pw0KQRd/"
        ),
        (
            "$5$rounds=123456$asaltof16chars..", "a short string",
            "$5$rounds=123456$asaltof16chars..$gP3VQ/6X7UUEW3HkBn2w1/Ptq2jxPyzV/cZKmF/wJvD"
        ),
        (
            "$6$saltstring", "Hello world!",
            "$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35inz1"
        ),
        (
            "$6$rounds=10000$saltstringsaltstring", "Hello world!",
            "$6$rounds=10000$saltstringsaltst$OW1/O6BYHV6BcXZu8QVeXbDWra3Oeqh0sbHbbMCVNSnCM/UrjmM0Dp8vOuZeHBy/YTBmSK6H9qs/y3RnOaw5v."
        ),
        (
            "$6$rounds=5000$toolongsaltstring", "This is just a test",
            "$6$rounds=5000$toolongsaltstrin$lQ8jolhgVRVhY4b5pZKaysCLi0QBxGoNeKQzQ3glMhwllF7oGDZxUhx1yxdYcz/e1JSbq3y6JMxxl8audkUEm0"
        ),
        (
            "$6$rounds=1400$anotherlongsaltstring",
            "a very much longer text to encrypt.  This one even stretches over morethan one line.",
            "$6$rounds=1400$anotherlongsalts$POfYwTEok97VWcjxIiSOjiykti.o/pQs.wPvMxQ6Fm7I6IoYN3CmLs66x9t0oSwbtEW7o7UmJEiDwGqd8p4ur1"
        ),
        (
            "$6$rounds=77777$short", "we have a short salt string but not a short password",
            "$6$rounds=77777$short$WuQyW2YR.hBNpjjRhpYD/ifIw05xdfeEyQoMxIXbkvr0gge1a1x3yRULJ5CCaUeOxFmtlcGZelFl5CxtgfiAc0"
        ),
        (
            "$6$rounds=123456$asaltof16chars..", "a short string",
            "$6$rounds=123456$asaltof16chars..$BtCwjqMJGx5hrJhZywWvt0RLE8uZ4oPwcelCjmw2kSYu.Ec6ycULevoBK25fs2xXgMNrCzIMVcgEJAstJeonj1"
        ),
        // Drepper's "rounds=10" vectors, as their output reads: the rounds clamped to 1000.
        (
            "$5$rounds=1000$roundstoolow", "the minimum number is still observed",
            "$5$rounds=1000$roundstoolow$yfvwcWrQ8l/K0DAWyuPMDNHpIVlTQebY9l/gL972bIC"
        ),
        (
            "$6$rounds=1000$roundstoolow", "the minimum number is still observed",
            "$6$rounds=1000$roundstoolow$kUMsbe306n21p9R.FRkW3IGn.S9NPN0x50YhH1xhLsPuWGsUSklZt58jaTfF4ZEQpyUNGc0dqbpBYYBaHHrsX."
        ),
    ]

    @Test("SHA-crypt: Drepper's test vectors", arguments: drepper)
    func drepperVectors(setting: String, password: String, hash: String) {
        #expect(Crypt.hash(bytes(password), setting: bytes(setting)).hash == bytes(hash))
        // A complete hash works as the setting too (that is how verification calls it).
        #expect(Crypt.hash(bytes(password), setting: bytes(hash)).hash == bytes(hash))
    }

    /// Drepper's vectors ask for rounds=10 and expect `rounds=1000` in the output (glibc and openssl clamp).
    /// libxcrypt, which nginx and Apache use on Debian, refuses such a setting instead: no hash, never `*0`.
    @Test("SHA-crypt: rounds=10 is refused by libxcrypt, not turned into a failure token")
    func roundsTooLow() {
        for setting in ["$5$rounds=10$roundstoolow", "$6$rounds=10$roundstoolow"] {
            let result = Crypt.hash(bytes("the minimum number is still observed"), setting: bytes(setting))
            #expect(result.hash == nil)
            #expect(result.errno != 0)
        }
    }

    /// OpenBSD's and Solar Designer's crypt_blowfish vectors (also in passlib), including the `$2x$` sign bug.
    @Test(
        "bcrypt: known answers",
        arguments: [
            (bytes("U*U"), "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW"),
            (bytes("U*U*"), "$2a$05$CCCCCCCCCCCCCCCCCCCCC.VGOzA784oUp/Z0DY336zx7pLYAy0lwK"),
            (bytes("U*U*U"), "$2a$05$XXXXXXXXXXXXXXXXXXXXXOAcXxm9kjPGEMsLznoKqmqw7tc8WCx4a"),
            ([], "$2a$05$CCCCCCCCCCCCCCCCCCCCC.7uG0VCzI2bS7j6ymqJi9CdcdxiRTWNy"),
            (
                bytes(
                    "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789chars after 72 are ignored"
                ),
                "$2a$05$abcdefghijklmnopqrstuu5s2v8.iXieOjg/.AySBTTZIIVFJeBui"
            ),
            ([0xA3], "$2x$05$/OK.fbVrR/bpIqNJ5ianF.CE5elHaaO4EbggVDjb8P19RukzXSM3e"),
            ([0xA3], "$2y$05$/OK.fbVrR/bpIqNJ5ianF.Sa7shbm4.OzKpvFnX1pQLmQW96oUlCq"),
            ([0xA3], "$2a$05$/OK.fbVrR/bpIqNJ5ianF.Sa7shbm4.OzKpvFnX1pQLmQW96oUlCq"),
            ([0xA3], "$2b$05$/OK.fbVrR/bpIqNJ5ianF.Sa7shbm4.OzKpvFnX1pQLmQW96oUlCq"),
            ([0xFF, 0xFF, 0xA3], "$2x$05$/OK.fbVrR/bpIqNJ5ianF.CE5elHaaO4EbggVDjb8P19RukzXSM3e"),
            ([0xFF, 0xFF, 0xA3], "$2y$05$/OK.fbVrR/bpIqNJ5ianF.CE5elHaaO4EbggVDjb8P19RukzXSM3e"),
            ([0xFF, 0xFF, 0xA3], "$2a$05$/OK.fbVrR/bpIqNJ5ianF.nqd1wy.pTMdcvrRWxyiGL2eMz.2a85."),
            (
                [0xFF, 0xA3, 0x33, 0x34, 0xFF, 0xFF, 0xFF, 0xA3, 0x33, 0x34, 0x35],
                "$2y$05$/OK.fbVrR/bpIqNJ5ianF.o./n25XVfn6oAPaUvHe.Csk4zRfsYPi"
            ),
        ])
    func bcryptVectors(password: [UInt8], hash: String) {
        #expect(Crypt.hash(password, setting: bytes(String(hash.prefix(29)))).hash == bytes(hash))
    }

    /// passlib's des_crypt vectors.
    @Test(
        "DES: known answers",
        arguments: [
            ("", "OgAwTx2l6NADI"), (" ", "/Hk.VPuwQTXbc"), ("test", "N1tQbOFcM5fpg"),
            ("Compl3X AlphaNu3meric", "um.Wguz3eVCx2"), ("4lpHa N|_|M3r1K W/ Cur5Es: #$%(*)(*%#", "sNYqfOyauIyic"),
            ("AlOtBsOl", "cEpWz5IUCShqM"),
        ])
    func desVectors(password: String, hash: String) {
        #expect(Crypt.hash(bytes(password), setting: bytes(String(hash.prefix(2)))).hash == bytes(hash))
    }

    @Test("md5crypt: openssl passwd -1 -salt abcdefgh myPassword")
    func md5crypt() {
        let hash = "$1$abcdefgh$W/8r1SWbVzbnNV3h1/PUK1"
        #expect(Crypt.hash(bytes("myPassword"), setting: bytes("$1$abcdefgh$")).hash == bytes(hash))
    }

    @Test(
        "NUL bytes, failure tokens and unknown methods give no hash",
        arguments: [
            (bytes("a\0b"), "$6$saltstring"),
            (bytes("x"), "*0"),
            (bytes("x"), "*1"),
            (bytes("x"), "$apr1$r31.....$"),
            (bytes("x"), "$99$whatever"),
            (bytes("x"), "!"),
        ])
    func failures(password: [UInt8], setting: String) {
        #expect(Crypt.hash(password, setting: bytes(setting)).hash == nil)
    }
}
