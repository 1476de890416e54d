/// Apache's apr1-MD5 (`$apr1$salt$hash`): md5crypt with the magic `$apr1$`, 1000 rounds of MD5.
///
/// Written in Swift because libxcrypt does not implement `$apr1$`; follows `apr_md5_encode` in APR-util.
package enum APR1 {
    package static let magic: [UInt8] = Array("$apr1$".utf8)
    package static let saltLength = 8

    /// md5crypt's magic (`$1$`): the same algorithm, which C libraries implement (libxcrypt refuses passwords
    /// of 512 bytes or more; musl and Go do not), so htpass computes it here for every password length.
    package static let md5cryptMagic: [UInt8] = Array("$1$".utf8)

    /// The `$apr1$salt$hash` string for `password` and `salt` (at most 8 bytes are used, up to a `$`).
    package static func hash(_ password: [UInt8], salt: some Collection<UInt8>) -> String {
        hash(password, salt: salt, magic: magic)
    }

    /// The `MAGICsalt$hash` string for `password`, `salt` and `magic` (`$apr1$` or md5crypt's `$1$`).
    package static func hash(_ password: [UInt8], salt: some Collection<UInt8>, magic: [UInt8]) -> String {
        let salt = usedSalt(salt)
        let initial = initialDigest(password, salt: salt, magic: magic)
        return encode(magic: magic, salt: salt, digest: stretch(password, salt: salt, digest: initial))
    }

    /// The bytes of `salt` that count: at most 8, up to a `$`.
    static func usedSalt(_ salt: some Collection<UInt8>) -> [UInt8] {
        Array(salt.prefix { $0 != UInt8(ascii: "$") }.prefix(saltLength))
    }

    /// The digest before the 1000 rounds.
    static func initialDigest(_ password: [UInt8], salt: [UInt8], magic: [UInt8]) -> [UInt8] {
        var alternate = MD5()
        alternate.update(password)
        alternate.update(salt)
        alternate.update(password)
        let final = alternate.finalize()

        var context = MD5()
        context.update(password)
        context.update(magic)
        context.update(salt)
        var remaining = password.count
        while remaining > 0 {
            context.update(final.prefix(min(remaining, 16)))
            remaining -= 16
        }
        var bits = password.count
        while bits > 0 {
            context.update(bits & 1 != 0 ? [0] : [password.first ?? 0])
            bits >>= 1
        }
        return context.finalize()
    }

    /// `MAGICsalt$` and the final digest in the crypt alphabet.
    static func encode(magic: [UInt8], salt: [UInt8], digest final: [UInt8]) -> String {
        var output = magic + salt
        output.append(UInt8(ascii: "$"))
        func append(_ value: UInt32, _ count: Int) {
            var value = value
            for _ in 0..<count {
                output.append(cryptAlphabet[Int(value & 0x3F)])
                value >>= 6
            }
        }
        for (i, j, k) in [(0, 6, 12), (1, 7, 13), (2, 8, 14), (3, 9, 15), (4, 10, 5)] {
            append(UInt32(final[i]) << 16 | UInt32(final[j]) << 8 | UInt32(final[k]), 4)
        }
        append(UInt32(final[11]), 2)
        return String(decoding: output, as: UTF8.self)
    }

    /// apr1's 1000 rounds of MD5 over `digest`, the password and the salt, in one scratch buffer (no allocation
    /// per round). The scratch area holds key material and is zeroed before it is released.
    static func stretch(_ password: [UInt8], salt: [UInt8], digest initial: [UInt8]) -> [UInt8] {
        let capacity = MD5.paddedLength(2 * password.count + salt.count + MD5.digestSize)
        return password.withUnsafeBytes { password in
            salt.withUnsafeBytes { salt in
                withUnsafeTemporaryAllocation(byteCount: MD5.digestSize + capacity, alignment: 8) { scratch in
                    let digest = scratch.baseAddress!
                    let message = digest + MD5.digestSize
                    initial.withUnsafeBytes { digest.copyMemory(from: $0.baseAddress!, byteCount: MD5.digestSize) }
                    for round in 0..<1000 {
                        var length = 0
                        @inline(__always) func append(_ bytes: UnsafeRawBufferPointer) {
                            if let start = bytes.baseAddress {
                                (message + length).copyMemory(from: start, byteCount: bytes.count)
                                length += bytes.count
                            }
                        }
                        let digestBytes = UnsafeRawBufferPointer(start: digest, count: MD5.digestSize)
                        append(round & 1 != 0 ? password : digestBytes)
                        if round % 3 != 0 { append(salt) }
                        if round % 7 != 0 { append(password) }
                        append(round & 1 != 0 ? digestBytes : password)
                        MD5.digest(ofPadded: message, length: length, into: digest)
                    }
                    let result = Array(UnsafeRawBufferPointer(start: digest, count: MD5.digestSize))
                    scratch.initializeMemory(as: UInt8.self, repeating: 0)
                    return result
                }
            }
        }
    }

    /// Hashes `password` with the salt of an existing `$apr1$salt$...` or `$1$salt$...` entry; nil for
    /// another format.
    package static func hash(_ password: [UInt8], setting: some Collection<UInt8>) -> String? {
        let bytes = Array(setting)
        for magic in [magic, md5cryptMagic] where bytes.starts(with: magic) {
            return hash(password, salt: bytes[magic.count...], magic: magic)
        }
        return nil
    }
}
