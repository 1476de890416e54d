/// The 64 characters of crypt(3)'s salts and hashes, and of bcrypt's base64: `./0-9A-Za-z`. (bcrypt
/// orders them `./A-Za-z0-9` for its digits; as a set they are the same.)
package enum CryptAlphabet {
    /// Whether `byte` is one of the characters: the one definition of the set.
    @inline(__always)
    package static func contains(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "."), UInt8(ascii: "/"), UInt8(ascii: "0")...UInt8(ascii: "9"),
            UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"):
            true
        default: false
        }
    }

    /// The characters in the order of crypt(3)'s digits (0 is `.`, 63 is `z`), which is the order of
    /// their byte values.
    package static let characters: [UInt8] = (0...255).map { UInt8($0) }.filter(contains)
}
