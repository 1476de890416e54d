/// Hash formats grouped as servers implement them.
public enum HashFamily: String, CaseIterable, Hashable, Sendable {
    /// The hash formats of the same names (``HashFormat``), whatever their cost, rounds or variant.
    case bcrypt, sha512, sha256, yescrypt, gostYescrypt, scrypt, apr1, md5crypt, sha1, saltedSHA1, plain, des
    /// BSDi extended DES (`_` and 19 characters).
    case bsdiDES
    /// Other methods of libxcrypt (`$md5`, `$sha1$`, `$3$`...).
    case otherCrypt

    /// The family of `format`; nil for a failure token or an unknown format, which no server verifies.
    public init?(_ format: HashFormat) {
        switch format {
        case .bcrypt: self = .bcrypt
        case .sha512: self = .sha512
        case .sha256: self = .sha256
        case .yescrypt: self = .yescrypt
        case .gostYescrypt: self = .gostYescrypt
        case .scrypt: self = .scrypt
        case .apr1: self = .apr1
        case .md5crypt: self = .md5crypt
        case .sha1: self = .sha1
        case .saltedSHA1: self = .saltedSHA1
        case .plain: self = .plain
        case .des: self = .des
        case .bsdiDES: self = .bsdiDES
        case .otherCrypt: self = .otherCrypt
        case .failureToken, .unknown: return nil
        }
    }

    /// The family htpass writes for `algorithm`: that of ``PasswordHasher/format``.
    public init(_ algorithm: Algorithm) {
        // A hasher with the default parameters is always valid, and every format htpass writes has a family.
        self.init(PasswordHasher(defaultsFor: algorithm).format)!
    }

    /// The crypt(3) methods, which C servers hand to their C library.
    var isCrypt: Bool {
        switch self {
        case .bcrypt, .sha512, .sha256, .yescrypt, .gostYescrypt, .scrypt, .md5crypt, .des, .bsdiDES, .otherCrypt: true
        case .apr1, .sha1, .saltedSHA1, .plain: false
        }
    }
}
