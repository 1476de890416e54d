import Glibc
import SystemPackage

/// Random bytes from the kernel's CSPRNG (`getrandom(2)`), for salts and generated passwords.
package enum SecureRandom {
    /// `count` bytes from `getentropy(3)`, glibc's wrapper of `getrandom(2)`, 256 at a time.
    package static func bytes(count: Int) throws(HtpasswdError) -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: count)
        var filled = 0
        while filled < count {
            let chunk = min(256, count - filled)
            let result = buffer.withUnsafeMutableBytes { raw in getentropy(raw.baseAddress! + filled, chunk) }
            if result != 0 {
                if errno == EINTR { continue }
                throw .randomFailed(errno: Errno(rawValue: errno))
            }
            filled += chunk
        }
        return buffer
    }

    /// `count` characters drawn uniformly from `alphabet`, by rejection sampling (no modulo bias).
    package static func string(count: Int, alphabet: [UInt8]) throws(HtpasswdError) -> [UInt8] {
        precondition(!alphabet.isEmpty && alphabet.count <= 256)
        let limit = 256 - (256 % alphabet.count)  // bytes at or above `limit` would bias the draw
        var result: [UInt8] = []
        result.reserveCapacity(count)
        while result.count < count {
            for byte in try bytes(count: count - result.count + 8) where Int(byte) < limit {
                result.append(alphabet[Int(byte) % alphabet.count])
                if result.count == count { break }
            }
        }
        return result
    }
}

/// The salt alphabet of crypt(3): `./0-9A-Za-z`; see ``CryptAlphabet``.
package let cryptAlphabet: [UInt8] = CryptAlphabet.characters
