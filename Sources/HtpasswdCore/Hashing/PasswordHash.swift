import Synchronization

/// A stored password hash, as it goes into an htpasswd line after `user:`: `$2y$10$...`, `{SHA}...`.
///
/// The one hash type of the library: ``PasswordHasher`` makes them, ``HtpasswdFile/setHash(_:for:)`` and
/// ``HtpasswdChanges`` write them. Any bytes that keep the line readable are accepted, so a hash made by
/// another tool can be written too; bytes that would change how the line reads are refused.
public struct PasswordHash: Hashable, Sendable {
    /// The hash's bytes.
    public let bytes: [UInt8]

    /// Why bytes cannot be a hash: the error ``PasswordHash/init(_:)-(Collection<UInt8>)`` throws.
    ///
    /// Its description states the fact, as a clause that follows "Invalid hash: ".
    public enum Problem: Error, Equatable, Sendable {
        /// No bytes at all: the line would read as a user with no hash.
        case empty
        /// `:` would end the hash early (nginx) or start an extra field.
        case containsColon
        /// CR, LF or NUL would end or split the line.
        case containsLineBreakOrNUL
    }

    /// The hash made of `bytes`, as they are.
    ///
    /// - Throws: ``Problem`` for bytes that would change how the line reads. Where a ``HtpasswdError`` is
    ///   expected, wrap it: ``HtpasswdError/invalidHash(_:)``.
    public init(_ bytes: some Collection<UInt8>) throws(Problem) {
        let bytes = Array(bytes)
        if let problem = Self.problem(with: bytes) { throw problem }
        self.bytes = bytes
    }

    /// The hash made of the UTF-8 bytes of `text`.
    ///
    /// - Throws: ``Problem`` for text that would change how the line reads.
    public init(_ text: String) throws(Problem) {
        try self.init(Array(text.utf8))
    }

    /// A hash made here, known to be valid.
    init(trusted bytes: [UInt8]) {
        assert(Self.problem(with: bytes) == nil)
        self.bytes = bytes
    }

    /// The first rule `bytes` breaks, or nil.
    public static func problem(with bytes: [UInt8]) -> Problem? {
        if bytes.isEmpty { return .empty }
        for byte in bytes {
            if byte == UInt8(ascii: ":") { return .containsColon }
            if byte == 0x0A || byte == 0x0D || byte == 0 { return .containsLineBreakOrNUL }
        }
        return nil
    }

    /// The format, with its cost parameter.
    public var format: HashFormat { HashFormat(bytes) }
}

extension PasswordHash: CustomStringConvertible {
    /// The hash as text (hashes are ASCII; other bytes show as `\xNN`).
    public var description: String { String(displaying: bytes) }
}

extension PasswordHash.Problem: CustomStringConvertible {
    public var description: String {
        switch self {
        case .empty: "it is empty"
        case .containsColon: "it contains ':', which ends the hash in the file"
        case .containsLineBreakOrNUL: "it contains a line break or NUL, which would split the line"
        }
    }
}

extension PasswordHash {
    /// The hash that `password` has with the method, parameters and salt of `stored`: equal to `stored`,
    /// byte for byte, exactly when `password` is the right one. This is how every format is verified.
    ///
    /// - Returns: nil when no password can match `stored`: a failure token (`*0`), an unknown format
    ///   (bare plaintext included), a malformed `{SHA}`/`{SSHA}` value, or a crypt(3) method or setting
    ///   libxcrypt refuses. `{SHA}` and `{SSHA}` are recomputed as nginx does, by re-encoding, so that a
    ///   non-canonical encoding never matches.
    public static func recompute(_ password: some Collection<UInt8>, like stored: some Collection<UInt8>) -> [UInt8]? {
        let stored = Array(stored)
        let format = HashFormat(stored)
        let result = computeHash(Array(password), like: stored, format: format)
        if let result, !result.isEmpty {
            recomputations.add(1, ordering: .relaxed)
            if let observer = recomputeObserver { observer(format) }
        }
        return result
    }

    /// How many hashes ``recompute(_:like:)`` has computed in this process, on every thread: what
    /// `htpass-serve` reports as `htpass_serve_hashes_total`, for the tests that count the hashes of a
    /// process they cannot observe from inside.
    package static var recomputeCount: Int { recomputations.load(ordering: .relaxed) }
    private static let recomputations = Atomic<Int>(0)

    /// Called with the format (and cost) of every hash that ``recompute(_:like:)`` computes, for the tests
    /// that count the hashes an answer costs: one, of the same cost, whatever the answer. Task-local, so that
    /// a test sees only the hashes computed in its own task.
    @TaskLocal package static var recomputeObserver: (@Sendable (HashFormat) -> Void)?

    private static func computeHash(_ password: [UInt8], like stored: [UInt8], format: HashFormat) -> [UInt8]? {
        switch format {
        case .failureToken, .unknown:
            return nil
        case .apr1, .md5crypt:
            return APR1.hash(password, setting: stored).map { Array($0.utf8) }
        case .sha1:
            guard let digest = Base64.decode(stored.dropFirst(5)), digest.count == SHA1.digestSize else { return nil }
            return Array(("{SHA}" + Base64.encode(SHA1.digest(password))).utf8)
        case .saltedSHA1:
            // The salt is whatever follows the 20-byte digest, possibly nothing.
            guard let decoded = Base64.decode(stored.dropFirst(6)), decoded.count >= SHA1.digestSize else {
                return nil
            }
            let salt = decoded[SHA1.digestSize...]
            return Array(("{SSHA}" + Base64.encode(SHA1.digest(password + salt) + salt)).utf8)
        case .plain:
            return Array("{PLAIN}".utf8) + password
        case .bcrypt:
            // bcrypt uses the first 72 bytes; libxcrypt would refuse 512 bytes or more, which servers
            // with their own bcrypt (Apache's APR, musl, Go) accept. Which servers refuse long passwords
            // is in their profiles (TargetProfile.passwordLimit).
            guard !password.contains(0) else { return [] }
            return Crypt.hash(Array(password.prefix(72)), setting: stored).hash
        case .des:
            // Traditional DES uses the first 8 bytes.
            guard !password.contains(0) else { return [] }
            return Crypt.hash(Array(password.prefix(8)), setting: stored).hash
        default:
            // crypt(3) stops at a NUL: the servers would see another password; such a password never matches.
            guard !password.contains(0) else { return [] }
            return Crypt.hash(password, setting: stored).hash
        }
    }
}
