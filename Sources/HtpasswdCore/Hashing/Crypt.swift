import CCrypt
import Glibc

/// The crypt(3) family through libxcrypt's reentrant entry points, `crypt_rn` and `crypt_gensalt_rn`.
///
/// `crypt()` and `crypt_gensalt()` share static buffers and are never called. The 32 KiB `crypt_data`
/// scratch area lives on the heap and is zeroed after every use, since it holds key material.
package enum Crypt {
    /// Hashes `password` with the method and salt in `setting` (`crypt_rn`).
    ///
    /// - Parameters:
    ///   - password: The password bytes; it must not contain NUL.
    ///   - setting: A setting string or a complete hash (`$6$salt$...`); the hash part is ignored.
    /// - Returns: The hash, or `nil` when libxcrypt fails (unknown or invalid setting). A failure
    ///   token such as `*0` is never returned as a hash.
    package static func hash(_ password: [UInt8], setting: some Collection<UInt8>) -> (hash: [UInt8]?, errno: Int32) {
        guard !password.contains(0), !setting.contains(0) else { return (nil, EINVAL) }
        var phrase = password.map { CChar(bitPattern: $0) }
        phrase.append(0)
        var settingC = setting.map { CChar(bitPattern: $0) }
        settingC.append(0)
        defer {
            // The password copy is key material.
            for i in phrase.indices { phrase[i] = 0 }
        }
        let data = UnsafeMutableRawPointer.allocate(
            byteCount: MemoryLayout<crypt_data>.size, alignment: MemoryLayout<crypt_data>.alignment)
        data.initializeMemory(as: UInt8.self, repeating: 0, count: MemoryLayout<crypt_data>.size)
        defer {
            data.initializeMemory(as: UInt8.self, repeating: 0, count: MemoryLayout<crypt_data>.size)
            data.deallocate()
        }
        errno = 0
        guard let result = crypt_rn(phrase, settingC, data, CInt(MemoryLayout<crypt_data>.size)) else {
            return (nil, errno == 0 ? EINVAL : errno)
        }
        let output = Array(UnsafeRawBufferPointer(start: result, count: strlen(result)))
        guard let first = output.first, first != UInt8(ascii: "*") else { return (nil, EINVAL) }
        return (output, 0)
    }

    /// Makes a setting string for `prefix` (`crypt_gensalt_rn`), from 16 random bytes of the system CSPRNG.
    ///
    /// - Parameters:
    ///   - prefix: The method, such as `$2y$`, `$6$`, `$y$`, or `""` for DES.
    ///   - count: The cost or rounds; 0 for the method's default.
    /// - Returns: The setting, or `nil` with `errno` if libxcrypt refuses the request.
    static func makeSetting(prefix: String, count: UInt) throws(HtpasswdError) -> (setting: [UInt8]?, errno: Int32) {
        var random = try SecureRandom.bytes(count: 16)
        defer { for i in random.indices { random[i] = 0 } }
        var output = [CChar](repeating: 0, count: Int(CRYPT_GENSALT_OUTPUT_SIZE))
        errno = 0
        let result = random.withUnsafeBytes { raw in
            crypt_gensalt_rn(
                prefix, UInt(count), raw.baseAddress!.assumingMemoryBound(to: CChar.self), CInt(raw.count),
                &output, CInt(output.count))
        }
        guard result != nil, output[0] != CChar(UInt8(ascii: "*")) else {
            return (nil, errno == 0 ? EINVAL : errno)
        }
        return (output.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, 0)
    }
}
