import HtpasswdCore
import SystemPackage

/// Answers "may this user, with this password, in?" for an htpasswd file, the way nginx would, in about
/// the same time whether or not the user exists.
///
/// ```swift
/// let authenticator = Authenticator(path: "/etc/nginx/htpasswd")
/// if try authenticator.authenticate(user: "alice", password: password) == .granted { ... }
/// ```
///
/// The file is read on every call (as nginx does, so an edit takes effect at once), line by line in
/// constant memory. The user's first line wins. The password is checked against the user's hash; for
/// an unknown user, against a stand-in hash from the same file (of the most common format among its
/// first ``Verifier/timingSampleSize`` entries, with its cost), whose result is ignored — so that the
/// time taken does not tell an attacker which users exist. Every comparison is constant-time.
public struct Authenticator: Sendable {
    /// The file.
    public var store: HtpasswdStore

    public init(store: HtpasswdStore) {
        self.store = store
    }

    public init(path: FilePath) {
        self.init(store: HtpasswdStore(path: path))
    }

    public init(path: String) {
        self.init(store: HtpasswdStore(path: FilePath(path)))
    }

    /// The answer for a user and a password.
    public enum Decision: Equatable, Sendable {
        /// The password is right.
        case granted
        /// The user exists and the password is wrong.
        case wrongPassword
        /// No entry for the user.
        case unknownUser
        /// The user's entry (on `line`) can match no password: a failure token, an unknown format.
        case unverifiable(line: Int, format: HashFormat)
    }

    /// Whether `user` may in with `password`.
    ///
    /// - Throws: A file error of ``HtpasswdStore/scan(_:)``.
    public func authenticate(
        user: some Collection<UInt8>, password: some Collection<UInt8>
    ) throws(HtpasswdError) -> Decision {
        try candidate(for: user).check(password)
    }

    /// Whether `user` may in with `password` (their UTF-8 bytes).
    public func authenticate(user: String, password: String) throws(HtpasswdError) -> Decision {
        try authenticate(user: Array(user.utf8), password: Array(password.utf8))
    }

    /// What the file holds for `user`, read now, to check a password against later (a program that asks
    /// for the password only once it knows the file can be read).
    public func candidate(for user: some Collection<UInt8>) throws(HtpasswdError) -> Candidate {
        let user = Array(user)
        var found: (hash: [UInt8], line: Int)?
        var sample = TimingSample()
        try store.scan { line in
            guard line.kind == .entry else { return }
            sample.consider(line.hash)
            if found == nil, line.user.count == user.count, line.user.elementsEqual(user) {
                found = (Array(line.hash), line.number)
            }
        }
        return Candidate(entry: found, dummy: sample.best)
    }

    /// A user's entry, or the stand-in for an unknown user, ready to check a password against.
    public struct Candidate: Sendable {
        /// The user's hash and its line, or nil for an unknown user.
        public let entry: (hash: [UInt8], line: Int)?
        let dummy: [UInt8]?

        /// The decision for `password`: always one hash computation, whether or not the user exists.
        public func check(_ password: some Collection<UInt8>) -> Decision {
            let verifier = Verifier()
            guard let entry else {
                if let dummy { _ = verifier.verify(password, against: dummy) }
                return .unknownUser
            }
            switch verifier.verify(password, against: entry.hash) {
            case .match: return .granted
            case .mismatch: return .wrongPassword
            case .unverifiable(let format): return .unverifiable(line: entry.line, format: format)
            }
        }
    }
}

/// The stand-in hash for unknown users: the first hash of the most common verifiable format (with its
/// cost) among the first ``Verifier/timingSampleSize`` entries.
struct TimingSample {
    private var seen = 0
    private var counts: [(key: HashFormat, count: Int, hash: [UInt8])] = []
    private(set) var best: [UInt8]?
    private var bestCount = 0

    mutating func consider(_ hash: UnsafeBufferPointer<UInt8>) {
        guard seen < Verifier.timingSampleSize else { return }
        seen += 1
        let format = HashFormat(buffer: hash)
        guard format.isVerifiable else { return }
        let key = format.timingKey
        if let index = counts.firstIndex(where: { $0.key == key }) {
            counts[index].count += 1
            if counts[index].count > bestCount {
                bestCount = counts[index].count
                best = counts[index].hash
            }
        } else {
            counts.append((key, 1, Array(hash)))
            if bestCount == 0 {
                bestCount = 1
                best = Array(hash)
            }
        }
    }
}

extension HashFormat {
    /// The format with its cost, for grouping hashes that take the same time: other crypt methods are
    /// grouped by prefix.
    var timingKey: HashFormat {
        switch self {
        case .bcrypt(_, let cost): .bcrypt(variant: "y", cost: cost)
        default: self
        }
    }
}
