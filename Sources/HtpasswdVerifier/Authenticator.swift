import HtpasswdCore
import SystemPackage

/// Answers "may this user, with this password, in?" for an htpasswd file, as a given server would
/// (``/HtpasswdCore/Target/default``, nginx), in about the same time whether or not the user exists.
///
/// ```swift
/// let authenticator = Authenticator(path: "/etc/nginx/htpasswd")
/// if try authenticator.authenticate(user: "alice", password: password) == .granted { ... }
/// ```
///
/// The file is read on every call (as nginx does, so an edit takes effect at once), line by line in
/// constant memory, the way the target reads it (``/HtpasswdCore/TargetReading``): which lines are comments, what is
/// trimmed, which line of a user listed twice counts, what makes it refuse the whole file. The password is
/// checked against the user's hash with the target's rules (``/HtpasswdCore/TargetProfile``): the formats and costs it
/// verifies, a password cut at NUL by C servers. For an unknown user the password is checked against a
/// stand-in hash from the same file (of the most common format among its first
/// ``Verifier/timingSampleSize`` entries, with its cost), whose result is ignored — so that the time taken
/// does not tell an attacker which users exist. Every comparison is constant-time.
public struct Authenticator: Sendable {
    /// The file.
    public var store: HtpasswdStore
    /// The server whose verdict is given.
    public var target: Target

    /// An authenticator that reads the file of `store` as `target` does (``/HtpasswdCore/Target/default``,
    /// nginx on glibc, unless given). Nothing is read until a call.
    public init(store: HtpasswdStore, target: Target = .default) {
        self.store = store
        self.target = target
    }

    /// An authenticator for the file at `path`; see ``init(store:target:)``.
    public init(path: FilePath, target: Target = .default) {
        self.init(store: HtpasswdStore(path: path), target: target)
    }

    /// An authenticator for the file at `path` (its UTF-8 bytes); see ``init(store:target:)``.
    public init(path: String, target: Target = .default) {
        self.init(store: HtpasswdStore(path: FilePath(path)), target: target)
    }

    /// The answer for a user and a password.
    public enum Decision: Equatable, Sendable {
        /// The password is right.
        case granted
        /// The user exists and the password is wrong (or one the target cannot take, such as a password too
        /// long for its crypt(3)).
        case wrongPassword
        /// No entry for the user, as the target reads the file.
        case unknownUser
        /// The user's entry (on `line`) can match no password: a failure token, an unknown format.
        case unverifiable(line: Int, format: HashFormat)
        /// The user's entry (on `line`) is a hash the target cannot verify.
        case notVerifiable(line: Int, TargetRefusal)
        /// The target refuses the whole file, because of `line`: every user is refused.
        case fileRefused(line: Int, FileRefusal)
    }

    /// Whether `user` may in with `password`.
    ///
    /// - Throws: A file error of ``/HtpasswdCore/HtpasswdStore/scan(_:)-7k6tq``.
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
    ///
    /// An edit that replaces or rewrites the file while it is read makes it read the file again
    /// (``/HtpasswdCore/HtpasswdStore/withConsistentReads(_:)``), so that the answer never comes from a mix of
    /// two versions of the file.
    public func candidate(for user: some Collection<UInt8>) throws(HtpasswdError) -> Candidate {
        let user = Array(user)
        return try store.withConsistentReads { () throws(HtpasswdError) -> Candidate in try read(for: user) }
    }

    /// One reading of the file for ``candidate(for:)-(Collection<UInt8>)``: the target's reading of every line
    /// up to the stand-in hash's sample, then only of the lines that may be the user's when the target's rules
    /// allow it (``/HtpasswdCore/TargetReading/lineFilter(for:)``).
    private func read(for user: [UInt8]) throws(HtpasswdError) -> Candidate {
        let reading = target.profile.reading
        // Envoy refuses a file with any user listed twice: that takes a first pass.
        var duplicates: DuplicateFilter?
        if reading.duplicates == .refusesFile {
            var filter = DuplicateFilter(fileSize: try store.contentSize())
            try store.withLines { (lines) throws(HtpasswdError) in
                while let line = try lines.next() {
                    if case .entry(let name, _) = reading.read(line.content, terminator: line.terminator) {
                        filter.noteInFirstPass(UnsafeBufferPointer(rebasing: line.content[name]))
                    }
                }
            }
            duplicates = filter
        }
        var found: (hash: [UInt8], line: Int)?
        var scan = TargetScan(reading)
        try scan.read(store, skippingWith: reading.lineFilter(for: user)) { name, hash, line in
            if found == nil || reading.duplicates == .lastWins, TargetScan.isUser(name, user) {
                found = (Array(hash), line)
            }
            return duplicates?.isLaterLine(name) == true
        }
        return Candidate(target: target, entry: found, dummy: scan.sample.best, refusal: scan.refusal)
    }

    /// What the file holds for `user` (its UTF-8 bytes), read now; see ``candidate(for:)-(Collection<UInt8>)``.
    public func candidate(for user: String) throws(HtpasswdError) -> Candidate {
        try candidate(for: Array(user.utf8))
    }

    /// A user's entry, or the stand-in for an unknown user, ready to check a password against.
    public struct Candidate: Sendable {
        /// The server whose rules apply.
        public let target: Target
        /// The user's hash and its line, or nil for an unknown user.
        public let entry: Match?
        package let dummy: [UInt8]?
        /// The line that makes the target refuse the whole file, if any.
        public let refusal: Refusal?

        /// The line the target takes for the user.
        public struct Match: Equatable, Sendable {
            /// The hash, as the target reads it.
            public let hash: [UInt8]
            /// The line's number, from 1.
            public let line: Int
        }

        /// The line that makes the target refuse the whole file.
        public struct Refusal: Equatable, Sendable {
            /// The line's number, from 1.
            public let line: Int
            /// Why the target refuses the file.
            public let reason: FileRefusal
        }

        init(
            target: Target, entry: (hash: [UInt8], line: Int)?, dummy: [UInt8]?,
            refusal: (line: Int, reason: FileRefusal)?
        ) {
            self.target = target
            self.entry = entry.map { Match(hash: $0.hash, line: $0.line) }
            self.dummy = dummy
            self.refusal = refusal.map { Refusal(line: $0.line, reason: $0.reason) }
        }

        /// The decision for `password`: always one hash computation, whether or not the user exists.
        public func check(_ password: some Collection<UInt8>) -> Decision {
            let verifier = Verifier()
            let profile = target.profile
            let password = profile.effectivePassword(Array(password))
            guard let entry, refusal == nil else {
                if let dummy { _ = verifier.verify(password, against: dummy) }
                if let refusal { return .fileRefused(line: refusal.line, refusal.reason) }
                return .unknownUser
            }
            let format = HashFormat(entry.hash)
            guard format.isVerifiable else {
                if let dummy { _ = verifier.verify(password, against: dummy) }
                return .unverifiable(line: entry.line, format: format)
            }
            if let reason = profile.refusal(for: format) {
                if let dummy { _ = verifier.verify(password, against: dummy) }
                return .notVerifiable(line: entry.line, reason)
            }
            let verdict = verifier.verify(password, against: profile.reading.verifiedHash(entry.hash))
            if profile.refusal(forPasswordOf: password.count, format: format) != nil { return .wrongPassword }
            switch verdict {
            case .match: return .granted
            case .mismatch: return .wrongPassword
            case .unverifiable(let format):
                // No hash was computed (the entry cannot be decoded): compute the stand-in's, as for the others.
                if let dummy { _ = verifier.verify(password, against: dummy) }
                return .unverifiable(line: entry.line, format: format)
            }
        }

        /// The decision for `password` (its UTF-8 bytes).
        public func check(_ password: String) -> Decision {
            check(Array(password.utf8))
        }
    }
}

/// The stand-in hash for unknown users: the first hash of the most common verifiable format (with its
/// cost) among the first ``Verifier/timingSampleSize`` entries.
struct TimingSample {
    private var seen = 0
    /// A struct rather than a tuple: an array of tuples has its metadata built at run time from a mangled name.
    private struct Count {
        var key: HashFormat
        var count: Int
        var hash: [UInt8]
    }
    private var counts: [Count] = []
    private(set) var best: [UInt8]?
    private var bestCount = 0

    /// Whether the sample is complete: later entries do not change the stand-in hash.
    var isComplete: Bool { seen >= Verifier.timingSampleSize }

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
            counts.append(Count(key: key, count: 1, hash: Array(hash)))
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
