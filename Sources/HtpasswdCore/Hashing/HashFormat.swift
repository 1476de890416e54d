/// The format of a stored hash, recognised from its prefix and shape, with its cost parameter.
public enum HashFormat: Equatable, Sendable {
    /// `$2a$`, `$2b$`, `$2x$`, `$2y$`; `variant` is the letter, `cost` the log2 of the iterations.
    case bcrypt(variant: Character, cost: Int)
    /// `$6$`; `rounds` is 5000 when the hash has no `rounds=`.
    case sha512(rounds: Int)
    /// `$5$`.
    case sha256(rounds: Int)
    /// `$y$`.
    case yescrypt
    /// `$gy$`.
    case gostYescrypt
    /// `$7$`.
    case scrypt
    /// `$apr1$`.
    case apr1
    /// `$1$`.
    case md5crypt
    /// `{SHA}` + base64 of an unsalted SHA-1.
    case sha1
    /// `{SSHA}` + base64 of SHA-1 followed by the salt.
    case saltedSHA1
    /// nginx's `{PLAIN}` + the password.
    case plain
    /// Traditional DES crypt: 13 characters of `./0-9A-Za-z`.
    case des
    /// BSDi extended DES: `_`, 4 characters of rounds, 4 of salt, 11 of hash.
    case bsdiDES
    /// Another method libxcrypt may know (`$md5`, `$sha1$`, `_` BSDi DES...); decided by libxcrypt.
    case otherCrypt(prefix: String)
    /// A failure token of crypt(3) such as `*0` or `*1`: an account nobody can log in to.
    case failureToken
    /// Anything else, including a bare plaintext password, which no server on Linux accepts.
    case unknown

    /// Recognises the format of `hash`.
    public init(_ hash: some Collection<UInt8>) {
        if let format = hash.withContiguousStorageIfAvailable({ HashFormat(buffer: $0) }) {
            self = format
        } else {
            self = Array(hash).withUnsafeBufferPointer { HashFormat(buffer: $0) }
        }
    }

    /// Recognises the format of the hash in `bytes`, without copying it.
    public init(buffer bytes: UnsafeBufferPointer<UInt8>) {
        func starts(_ prefix: StaticString) -> Bool {
            let count = prefix.utf8CodeUnitCount
            guard bytes.count >= count else { return false }
            let start = prefix.utf8Start
            for index in 0..<count where bytes[index] != start[index] { return false }
            return true
        }
        let count = bytes.count
        if count > 0 && bytes[0] == UInt8(ascii: "*") {
            self = .failureToken
        } else if count > 7, bytes[0] == UInt8(ascii: "$"), bytes[1] == UInt8(ascii: "2"),
            [UInt8(ascii: "a"), UInt8(ascii: "b"), UInt8(ascii: "x"), UInt8(ascii: "y")].contains(bytes[2]),
            bytes[3] == UInt8(ascii: "$"), let cost = Self.decimal(bytes[4]), let low = Self.decimal(bytes[5]),
            bytes[6] == UInt8(ascii: "$")
        {
            self = .bcrypt(variant: Character(Unicode.Scalar(bytes[2])), cost: cost * 10 + low)
        } else if starts("$6$") {
            self = .sha512(rounds: Self.shaRounds(bytes))
        } else if starts("$5$") {
            self = .sha256(rounds: Self.shaRounds(bytes))
        } else if starts("$y$") {
            self = .yescrypt
        } else if starts("$gy$") {
            self = .gostYescrypt
        } else if starts("$7$") {
            self = .scrypt
        } else if starts("$apr1$") {
            self = .apr1
        } else if starts("$1$") {
            self = .md5crypt
        } else if starts("{SHA}") {
            self = .sha1
        } else if starts("{SSHA}") {
            self = .saltedSHA1
        } else if starts("{PLAIN}") {
            self = .plain
        } else if count == 13, bytes.allSatisfy({ CryptAlphabet.contains($0) }) {
            self = .des
        } else if count == 20 && bytes[0] == UInt8(ascii: "_")
            && bytes.dropFirst().allSatisfy({ CryptAlphabet.contains($0) })
        {
            self = .bsdiDES
        } else if count > 0 && (bytes[0] == UInt8(ascii: "$") || bytes[0] == UInt8(ascii: "_")) {
            var end = 1
            while end < count && bytes[end] != UInt8(ascii: "$") { end += 1 }
            end = end < count ? end + 1 : 1
            self = .otherCrypt(prefix: String(decoding: bytes[..<end], as: UTF8.self))
        } else {
            self = .unknown
        }
    }

    /// A short name for listings: `bcrypt`, `sha512`, `apr1`, `{SSHA}`...
    public var name: String {
        switch self {
        case .bcrypt: "bcrypt"
        case .sha512: "sha512"
        case .sha256: "sha256"
        case .yescrypt: "yescrypt"
        case .gostYescrypt: "gost-yescrypt"
        case .scrypt: "scrypt"
        case .apr1: "apr1"
        case .md5crypt: "md5crypt"
        case .sha1: "sha1"
        case .saltedSHA1: "ssha"
        case .plain: "plain"
        case .des: "des"
        case .bsdiDES: "bsdicrypt"
        case .otherCrypt(let prefix): "crypt(\(prefix))"
        case .failureToken: "failure-token"
        case .unknown: "unknown"
        }
    }

    /// The cost parameter for display: `cost=10`, `rounds=5000`, or nil.
    public var parameter: String? {
        switch self {
        case .bcrypt(_, let cost): "cost=\(cost)"
        case .sha512(let rounds), .sha256(let rounds): "rounds=\(rounds)"
        default: nil
        }
    }

    /// Formats cheap enough to crack at scale from a leaked file, or stored in clear.
    public var isWeak: Bool {
        switch self {
        case .apr1, .md5crypt, .sha1, .saltedSHA1, .plain, .des, .bsdiDES: true
        default: false
        }
    }

    /// Whether a password can ever match: false for failure tokens and unknown formats.
    public var isVerifiable: Bool {
        switch self {
        case .failureToken, .unknown: false
        default: true
        }
    }

    private static func decimal(_ digit: UInt8) -> Int? {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(digit) ? Int(digit - UInt8(ascii: "0")) : nil
    }

    private static func shaRounds(_ bytes: UnsafeBufferPointer<UInt8>) -> Int {
        let key = Array("rounds=".utf8)
        guard bytes.count > 3 + key.count, bytes[3..<(3 + key.count)].elementsEqual(key) else {
            return PasswordHasher.defaultRounds
        }
        var rounds = 0
        var digits = 0
        var index = 3 + key.count
        while index < bytes.count, bytes[index] != UInt8(ascii: "$") {
            guard let digit = decimal(bytes[index]), digits < 10 else { return PasswordHasher.defaultRounds }
            rounds = rounds * 10 + digit
            digits += 1
            index += 1
        }
        guard digits > 0 else { return PasswordHasher.defaultRounds }
        // crypt(3) clamps out-of-range values.
        return min(max(rounds, PasswordHasher.roundsRange.lowerBound), PasswordHasher.roundsRange.upperBound)
    }
}
