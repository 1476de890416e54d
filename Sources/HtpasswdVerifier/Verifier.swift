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
    /// A verifier; it holds no state.
    public init() {}

    /// Whether `password` matches `hash`.
    public func verify(_ password: some Collection<UInt8>, against hash: some Collection<UInt8>) -> Verdict {
        let hash = Array(hash)
        guard let computed = PasswordHash.recompute(password, like: hash) else {
            let format = HashFormat(hash)
            return .unverifiable(format == .des ? .unknown : format)
        }
        return ConstantTime.equal(computed, hash) ? .match : .mismatch
    }

    /// Whether `password` (its UTF-8 bytes) matches `hash`.
    public func verify(_ password: String, against hash: PasswordHash) -> Verdict {
        verify(Array(password.utf8), against: hash.bytes)
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
        var sample = TimingSample()
        for entry in file.lazyEntries.prefix(Self.timingSampleSize) {
            entry.hash.bytes.withUnsafeBufferPointer { sample.consider($0) }
        }
        return sample.best
    }
}
