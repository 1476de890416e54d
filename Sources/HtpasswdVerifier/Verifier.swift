import HtpasswdCore

/// The answer to "does this password match this stored hash?".
public enum Verdict: Equatable, Sendable {
    case match
    case mismatch
    /// No password can match: the entry is a failure token, an unknown format or bare plaintext.
    case unverifiable(HashFormat)
}

/// Checks passwords against stored hashes, accepting every format nginx on Debian accepts.
///
/// `$apr1$`, `{SHA}`, `{SSHA}` (any salt length) and `{PLAIN}` are checked here; every crypt(3) format
/// (`$2?$`, `$1$`, `$5$`, `$6$`, `$y$`, `$gy$`, `$7$`, DES...) goes through libxcrypt's `crypt_rn`.
/// Results are compared in constant time.
public struct Verifier: Sendable {
    public init() {}

    /// Whether `password` matches `hash`.
    public func verify(_ password: [UInt8], against hash: some Collection<UInt8>) -> Verdict {
        let hash = Array(hash)
        let format = HashFormat(hash)
        switch format {
        case .failureToken, .unknown:
            return .unverifiable(format)
        case .apr1:
            guard let computed = APR1.hash(password, setting: hash) else { return .unverifiable(format) }
            return verdict(ConstantTime.equal(Array(computed.utf8), hash))
        case .sha1:
            // As nginx does: encode the digest and compare the text, so a non-canonical encoding never matches.
            guard let stored = Base64.decode(hash.dropFirst(5)), stored.count == SHA1.digestSize else {
                return .unverifiable(format)
            }
            let computed = "{SHA}" + Base64.encode(SHA1.digest(password))
            return verdict(ConstantTime.equal(Array(computed.utf8), hash))
        case .saltedSHA1:
            // The salt is whatever follows the 20-byte digest, possibly nothing.
            guard let stored = Base64.decode(hash.dropFirst(6)), stored.count >= SHA1.digestSize else {
                return .unverifiable(format)
            }
            let salt = stored[SHA1.digestSize...]
            let computed = "{SSHA}" + Base64.encode(SHA1.digest(password + salt) + salt)
            return verdict(ConstantTime.equal(Array(computed.utf8), hash))
        case .plain:
            return verdict(ConstantTime.equal(password, hash.dropFirst(7)))
        default:
            if password.contains(0) { return .mismatch }
            guard let computed = Crypt.hash(password, setting: hash).hash else {
                return .unverifiable(format == .des ? .unknown : format)
            }
            return verdict(ConstantTime.equal(computed, hash))
        }
    }

    /// How many entries ``timingDummy(in:)`` looks at: enough to find the prevailing format, few enough
    /// that choosing costs nothing next to the lookup, which reads every line either way.
    public static let timingSampleSize = 64

    /// A stored hash to verify against when the user does not exist, so that an unknown user costs
    /// about as much time as a wrong password: the hash of the first entry in the most common verifiable
    /// format (with its cost) among the file's first ``timingSampleSize`` entries. Nil for a file without
    /// verifiable entries there.
    ///
    /// The result of verifying against it must be ignored.
    public func timingDummy(in file: HtpasswdFile) -> [UInt8]? {
        var counts: [String: (count: Int, hash: ArraySlice<UInt8>)] = [:]
        var best: (count: Int, hash: ArraySlice<UInt8>)?
        for entry in file.lazyEntries.prefix(Self.timingSampleSize) {
            let format = HashFormat(entry.hash)
            guard format.isVerifiable else { continue }
            let key = format.name + (format.parameter ?? "")
            var slot = counts[key] ?? (0, entry.hash)
            slot.count += 1
            counts[key] = slot
            if slot.count > (best?.count ?? 0) { best = slot }
        }
        return best.map { Array($0.hash) }
    }

    private func verdict(_ equal: Bool) -> Verdict { equal ? .match : .mismatch }
}
