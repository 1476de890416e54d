import HtpasswdCore
import PropertyBased
import Testing

/// Lower-case hexadecimal, for comparing digests with the published vectors.
private func hex(_ bytes: [UInt8]) -> String {
    let digits = Array("0123456789abcdef".utf8)
    var out: [UInt8] = []
    for byte in bytes {
        out.append(digits[Int(byte >> 4)])
        out.append(digits[Int(byte & 0xF)])
    }
    return String(decoding: out, as: UTF8.self)
}

@Suite("Hashing: MD5 (RFC 1321)")
struct HashingMD5Tests {
    /// RFC 1321, appendix A.5, "test suite".
    @Test(
        "RFC 1321 test suite",
        arguments: [
            ("", "d41d8cd98f00b204e9800998ecf8427e"),
            ("a", "0cc175b9c0f1b6a831c399e269772661"),
            ("abc", "900150983cd24fb0d6963f7d28e17f72"),
            ("message digest", "f96b697d7cb7938d525a2f31aaf161d0"),
            ("abcdefghijklmnopqrstuvwxyz", "c3fcd3d76192e4007dfb496cca67e13b"),
            ("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", "d174ab98d277d9f5a5611c2c9f419d9f"),
            (String(repeating: "1234567890", count: 8), "57edf4a22be3c955ac49da2e2107b67a"),
        ])
    func rfcSuite(message: String, digest: String) {
        #expect(hex(MD5.digest(Array(message.utf8))) == digest)
    }

    /// Lengths around the padding boundaries (55, 56, 63, 64, 119, 120 bytes), against digests from Python's hashlib.
    @Test(
        "Padding boundaries",
        arguments: [
            (55, "ef1772b6dff9a122358552954ad0df65"),
            (56, "3b0c8ac703f828b04c6c197006d17218"),
            (63, "b06521f39153d618550606be297466d5"),
            (64, "014842d480b571495a4a0363793f7367"),
            (119, "8a7bd0732ed6a28ce75f6dabc90e1613"),
            (120, "5f61c0ccad4cac44c75ff505e1f1e537"),
        ])
    func paddingBoundaries(length: Int, digest: String) {
        #expect(hex(MD5.digest([UInt8](repeating: UInt8(ascii: "a"), count: length))) == digest)
    }

    @Test("Feeding the message in pieces gives the one-shot digest")
    func streamingMatchesOneShot() async {
        let gen = zip(Gen<UInt8>.value(in: 0...255).array(of: 0...300), Gen.int(in: 1...70))
        await propertyCheck(count: 200, input: gen) { message, chunk in
            var md5 = MD5()
            var start = 0
            while start < message.count {
                md5.update(message[start..<min(start + chunk, message.count)])
                start += chunk
            }
            let streamed = md5.finalize()
            #expect(streamed == MD5.digest(message))
            // The padded in-place primitive that apr1 uses agrees too.
            var scratch = message + [UInt8](repeating: 0xEE, count: MD5.paddedLength(message.count) - message.count)
            var digest = [UInt8](repeating: 0, count: 16)
            scratch.withUnsafeMutableBytes { buffer in
                digest.withUnsafeMutableBytes { out in
                    MD5.digest(ofPadded: buffer.baseAddress!, length: message.count, into: out.baseAddress!)
                }
            }
            #expect(digest == streamed)
        }
    }
}

@Suite("Hashing: SHA-1 (FIPS 180, RFC 3174)")
struct HashingSHA1Tests {
    @Test(
        "FIPS 180 and RFC 3174 vectors",
        arguments: [
            ("", "da39a3ee5e6b4b0d3255bfef95601890afd80709"),
            ("abc", "a9993e364706816aba3e25717850c26c9cd0d89d"),
            ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "84983e441c3bd26ebaae4aa1f95129e5e54670f1"),
            // RFC 3174 TEST4: "01234567" eight times, repeated 10 times.
            (String(repeating: "01234567", count: 80), "dea356a2cddd90c7a7ecedc5ebb563934f460452"),
        ])
    func vectors(message: String, digest: String) {
        #expect(hex(SHA1.digest(Array(message.utf8))) == digest)
    }

    @Test("One million 'a' (FIPS 180 / RFC 3174 TEST3)")
    func millionA() {
        let message = [UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000)
        #expect(hex(SHA1.digest(message)) == "34aa973cd4c4daa4f61eeb2bdbad27316534016f")
    }

    @Test("{SHA} of myPassword, as in Apache's documentation")
    func apacheSHA() {
        #expect("{SHA}" + Base64.encode(SHA1.digest(Array("myPassword".utf8))) == "{SHA}VBPuJHI7uixaa6LQGWx4s+5GKNE=")
    }
}

@Suite("Hashing: Base64 (RFC 4648)")
struct HashingBase64Tests {
    /// RFC 4648, section 10.
    @Test(
        "RFC 4648 test vectors",
        arguments: [
            ("", ""), ("f", "Zg=="), ("fo", "Zm8="), ("foo", "Zm9v"), ("foob", "Zm9vYg=="), ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ])
    func rfcVectors(plain: String, encoded: String) {
        #expect(Base64.encode(Array(plain.utf8)) == encoded)
        #expect(Base64.decode(Array(encoded.utf8)) == Array(plain.utf8))
    }

    @Test("All 256 byte values survive, with `+` and `/`")
    func allBytes() {
        let bytes = (0...255).map { UInt8($0) }
        let encoded = Base64.encode(bytes)
        #expect(encoded.contains("+") && encoded.contains("/"))
        #expect(Base64.decode(Array(encoded.utf8)) == bytes)
    }

    @Test(
        "Malformed input decodes to nil",
        arguments: ["Zg", "Zg=", "Zm9v!A==", "Z===", "=Zm9", "Zg==Zg==", "Zm 9v", "Zm9v\n", "Zm-_"])
    func malformed(text: String) {
        #expect(Base64.decode(Array(text.utf8)) == nil)
    }

    @Test("decode(encode(x)) == x")
    func roundTrip() async {
        await propertyCheck(count: 200, input: Gen<UInt8>.value(in: 0...255).array(of: 0...64)) { bytes in
            let encoded = Base64.encode(bytes)
            #expect(encoded.utf8.count == (bytes.count + 2) / 3 * 4)
            #expect(Base64.decode(Array(encoded.utf8)) == bytes)
        }
    }
}
