import HtpasswdCore

/// Why a stored hash can match no password, whatever the server reading it: told from its bytes alone,
/// without hashing.
///
/// A crypt(3) method libxcrypt does not know, or a salt it refuses, is not found here: only hashing tells.
public enum HashDefect: Equatable, Sendable {
    /// A crypt(3) failure token such as `*0`: what a failed hashing returns.
    case failureToken
    /// No known format: most often a password in clear, which no server on Linux compares as such.
    case unknownFormat
    /// A bcrypt hash whose cost is outside ``/HtpasswdCore/PasswordHasher/costRange`` (4 to 31).
    case bcryptCost(Int)
    /// A hash starting `$2a$`, `$2b$`, `$2x$` or `$2y$` that is not a two-digit cost, `$`, and 53
    /// characters of `./A-Za-z0-9` (60 bytes in all).
    case malformedBcrypt

    /// Length of a bcrypt hash: `$2y$`, two digits, `$`, 22 characters of salt and 31 of hash.
    static let bcryptLength = 60

    /// The defect of `hash`, or nil when nothing in its bytes rules out a match.
    public init?(_ hash: some Collection<UInt8>) {
        let bytes = Array(hash)
        switch HashFormat(bytes) {
        case .failureToken:
            self = .failureToken
        case .unknown:
            self = .unknownFormat
        case .bcrypt(_, let cost):
            if !PasswordHasher.costRange.contains(cost) {
                self = .bcryptCost(cost)
            } else if bytes.count != Self.bcryptLength || !bytes[7...].allSatisfy(CryptAlphabet.contains) {
                self = .malformedBcrypt
            } else {
                return nil
            }
        case .otherCrypt:
            // `$2y$5$...`: a bcrypt prefix, but not the two-digit cost that makes HashFormat see bcrypt.
            guard bytes.count >= 4, bytes[0] == UInt8(ascii: "$"), bytes[1] == UInt8(ascii: "2"),
                Array("abxy".utf8).contains(bytes[2]), bytes[3] == UInt8(ascii: "$")
            else { return nil }
            self = .malformedBcrypt
        default:
            return nil
        }
    }
}

extension HashDefect: CustomStringConvertible {
    public var description: String {
        switch self {
        case .failureToken: "a crypt(3) failure token, which no password matches"
        case .unknownFormat: "in no known format (a password in clear?), which no server verifies"
        case .bcryptCost(let cost):
            "bcrypt of cost \(cost), outside \(PasswordHasher.costRange.lowerBound) to \(PasswordHasher.costRange.upperBound), which no password matches"
        case .malformedBcrypt:
            "a malformed bcrypt hash (not '$2y$', a two-digit cost, '$' and 53 characters of ./A-Za-z0-9), which no password matches"
        }
    }
}
