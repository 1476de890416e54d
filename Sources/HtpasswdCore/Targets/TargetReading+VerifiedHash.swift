extension TargetReading {
    /// The hash the server compares a password against, given the hash as it reads it (``read(_:terminator:)``):
    /// the first 60 bytes of a longer bcrypt hash for Go's bcrypt, the canonical `{SHA}` of the digest that
    /// lighttpd decodes; otherwise `hash` itself.
    public func verifiedHash(_ hash: [UInt8]) -> [UInt8] {
        switch HashFormat(hash) {
        case .bcrypt where bcryptIgnoresTrailingBytes && hash.count > 60:
            return Array(hash.prefix(60))
        case .sha1 where sha1Decoding == .lenient:
            guard let digest = Self.lenientDigest(hash.dropFirst(5)), digest.count == SHA1.digestSize else {
                return hash
            }
            return Array("{SHA}".utf8) + Array(Base64.encode(digest).utf8)
        default:
            return hash
        }
    }

    /// lighttpd's base64 decoding (`li_base64_dec`, lighttpd 1.4.69): nil where it fails (one character
    /// left over in the last group).
    static func lenientDigest(_ text: some Collection<UInt8>) -> [UInt8]? {
        var digits: [UInt8] = []
        digitLoop: for byte in text {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): digits.append(byte - UInt8(ascii: "A"))
            case UInt8(ascii: "a")...UInt8(ascii: "z"): digits.append(byte - UInt8(ascii: "a") + 26)
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digits.append(byte - UInt8(ascii: "0") + 52)
            case UInt8(ascii: "+"): digits.append(62)
            case UInt8(ascii: "/"): digits.append(63)
            case 0x01...0x20: continue
            default: break digitLoop
            }
        }
        if digits.count % 4 == 1 { return nil }
        var output: [UInt8] = []
        var bits: UInt32 = 0
        var count = 0
        for digit in digits {
            bits = bits << 6 | UInt32(digit)
            count += 6
            if count >= 8 {
                count -= 8
                output.append(UInt8(truncatingIfNeeded: bits >> UInt32(count)))
            }
        }
        return output
    }
}
