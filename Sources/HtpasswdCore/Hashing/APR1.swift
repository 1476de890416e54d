/// Apache's apr1-MD5 (`$apr1$salt$hash`): md5crypt with the magic `$apr1$`, 1000 rounds of MD5.
///
/// Written in Swift because libxcrypt does not implement `$apr1$`; follows `apr_md5_encode` in APR-util.
package enum APR1 {
    package static let magic: [UInt8] = Array("$apr1$".utf8)
    package static let saltLength = 8

    /// The `$apr1$salt$hash` string for `password` and `salt` (at most 8 bytes are used, up to a `$`).
    package static func hash(_ password: [UInt8], salt: some Collection<UInt8>) -> String {
        let salt = Array(salt.prefix { $0 != UInt8(ascii: "$") }.prefix(saltLength))
        var alternate = MD5()
        alternate.update(password)
        alternate.update(salt)
        alternate.update(password)
        var final = alternate.finalize()

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
        final = context.finalize()

        for round in 0..<1000 {
            var step = MD5()
            step.update(round & 1 != 0 ? password : final)
            if round % 3 != 0 { step.update(salt) }
            if round % 7 != 0 { step.update(password) }
            step.update(round & 1 != 0 ? final : password)
            final = step.finalize()
        }

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

    /// Hashes `password` with the salt of an existing `$apr1$salt$...` entry; nil if `setting` is not apr1.
    package static func hash(_ password: [UInt8], setting: some Collection<UInt8>) -> String? {
        let bytes = Array(setting)
        guard bytes.starts(with: magic) else { return nil }
        return hash(password, salt: bytes[magic.count...])
    }
}
