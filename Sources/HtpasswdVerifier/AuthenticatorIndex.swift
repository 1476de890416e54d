import HtpasswdCore
import SystemPackage

/// An htpasswd file read once into memory, for a server: each user's entry found in constant time, the
/// decisions those of ``Authenticator`` for the file as it was read.
///
/// ```swift
/// let index = try AuthenticatorIndex(store: HtpasswdStore(path: "/etc/nginx/htpasswd"))
/// if index.authenticate(user: user, password: password) == .granted { ... }
/// ```
///
/// The file is read as ``Authenticator`` reads it, by the same loop — through
/// ``/HtpasswdCore/HtpasswdStore/withConsistentReads(_:)``, line by line as ``/HtpasswdCore/HtpasswdStore/scan(_:)-7k6tq``
/// reads them, the target's ``/HtpasswdCore/TargetReading`` applied to every line: comments, the line that counts
/// for a user listed twice (or the refusal of the whole file), where reading stops — and every password is checked by the same ``Authenticator/Candidate/check(_:)-(Collection<UInt8>)``,
/// with the same stand-in hash for unknown users. The index is a snapshot: it does not see later edits.
/// ``LiveAuthenticator`` keeps one up to date, comparing the file's ``/HtpasswdCore/FileStamp`` before each
/// answer.
///
/// It holds every user's name and hash (about 100 bytes per user more than the file's size), and no
/// password.
public struct AuthenticatorIndex: Sendable {
    /// The server whose reading and verdicts apply.
    public let target: Target
    /// The file's stamp, taken before it was read: a stamp that differs from it now means the index may be
    /// out of date.
    public let stamp: FileStamp
    /// The wall-clock time when the reading began, for ``/HtpasswdCore/FileStamp/mayChangeUnseen(readAt:)``.
    public let readAt: FileStamp.Time
    private let entries: [[UInt8]: Found]
    private let dummy: [UInt8]?
    private let refusal: Refusal?

    private struct Found: Sendable {
        var hash: [UInt8]
        var line: Int
    }

    private struct Refusal: Sendable {
        var line: Int
        var reason: FileRefusal
    }

    /// Reads `store`'s file as `target` reads it.
    ///
    /// - Throws: A file error of ``/HtpasswdCore/HtpasswdStore/scan(_:)-7k6tq``, as
    ///   ``Authenticator/authenticate(user:password:)-(Collection<UInt8>,_)`` throws it.
    public init(store: HtpasswdStore, target: Target = .default) throws(HtpasswdError) {
        self.target = target
        readAt = .now
        stamp = store.stamp()
        let reading = target.profile.reading
        let result = try store.withConsistentReads { () throws(HtpasswdError) -> Reading in
            try Self.read(store, reading)
        }
        entries = result.entries
        dummy = result.sample.best
        refusal = result.refusal
    }

    /// Reads `path` as `target` reads it; see ``init(store:target:)``.
    public init(path: FilePath, target: Target = .default) throws(HtpasswdError) {
        try self.init(store: HtpasswdStore(path: path), target: target)
    }

    /// The number of users the target sees in the file.
    public var userCount: Int { entries.count }

    /// Whether the target refuses the whole file (every user is then refused with
    /// ``Authenticator/Decision/fileRefused(line:_:)``).
    public var refusesFile: Bool { refusal != nil }

    /// What the file held for `user`, ready to check a password against: the same as
    /// ``Authenticator/candidate(for:)-(Collection<UInt8>)`` gave when the index was read.
    public func candidate(for user: some Collection<UInt8>) -> Authenticator.Candidate {
        let found = entries[Array(user)]
        return Authenticator.Candidate(
            target: target, entry: found.map { ($0.hash, $0.line) }, dummy: dummy,
            refusal: refusal.map { ($0.line, $0.reason) })
    }

    /// What the file held for `user` (its UTF-8 bytes); see ``candidate(for:)-(Collection<UInt8>)``.
    public func candidate(for user: String) -> Authenticator.Candidate {
        candidate(for: Array(user.utf8))
    }

    /// Whether `user` may in with `password`: one hash computation, whether or not the user exists.
    public func authenticate(
        user: some Collection<UInt8>, password: some Collection<UInt8>
    ) -> Authenticator.Decision {
        candidate(for: user).check(password)
    }

    /// Whether `user` may in with `password` (their UTF-8 bytes).
    public func authenticate(user: String, password: String) -> Authenticator.Decision {
        authenticate(user: Array(user.utf8), password: Array(password.utf8))
    }

    /// One reading of the file.
    private struct Reading {
        var entries: [[UInt8]: Found] = [:]
        var sample = TimingSample()
        var refusal: Refusal?
    }

    /// Reads the file once, line by line, through the loop of ``Authenticator``'s own reading for one user
    /// (``TargetScan``), for every user at once.
    private static func read(_ store: HtpasswdStore, _ reading: TargetReading) throws(HtpasswdError) -> Reading {
        var entries: [[UInt8]: Found] = [:]
        var scan = TargetScan(reading)
        try scan.read(store, skippingWith: nil) { name, hash, line in
            let user = Array(name)
            let earlier = entries[user] != nil
            if !earlier || reading.duplicates == .lastWins { entries[user] = Found(hash: Array(hash), line: line) }
            return earlier
        }
        let refusal = scan.refusal.map { Refusal(line: $0.line, reason: $0.reason) }
        return Reading(entries: entries, sample: scan.sample, refusal: refusal)
    }
}
