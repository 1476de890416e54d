import Glibc
import HtpasswdCore
import Synchronization
import SystemPackage

/// An ``Authenticator`` for servers: the file read once into an ``AuthenticatorIndex``, read again as soon
/// as it changes, each answer in constant time plus one hash.
///
/// ```swift
/// let live = LiveAuthenticator(path: "/etc/nginx/htpasswd")
/// let queue = HashingQueue(executor: HashingThreads(), concurrencyLimit: 2, queueLimit: 256)
/// switch try await live.authenticate(user: user, password: password, on: queue) {
/// case .granted: ...
/// default: ...
/// }
/// ```
///
/// Before every answer the file's ``/HtpasswdCore/FileStamp`` is compared with the one the index was read
/// under (a few microseconds): a file replaced by rename, edited in place, or whose in-place edit is
/// pending or rolled forward is read again before the answer, so an edit — a user deleted, a password
/// changed — counts from the very next request, as it does for ``Authenticator``, which reads the file
/// every time. A file whose last change is too recent for its stamp to show a later one
/// (``/HtpasswdCore/FileStamp/mayChangeUnseen(readAt:)``) is read again on each request until it is not.
/// Requests that arrive while the file is being read wait for that reading and use it; a file that cannot
/// be read is tried again on the next request.
///
/// The decisions are ``Authenticator``'s: the same reading of the file, the same
/// ``Authenticator/Candidate/check(_:)-(Collection<UInt8>)``.
public final class LiveAuthenticator: Sendable {
    /// The file.
    public let store: HtpasswdStore
    /// The server whose verdict is given.
    public let target: Target
    private let state = Mutex(State())
    /// Held while the file is read, so that requests that find it changed read it once between them.
    private let reading = Mutex(())

    private struct State {
        var last: Loaded?
        var loads = 0
    }

    /// The last reading of the file: its result, and when it began (monotonic clock).
    private struct Loaded {
        var result: Result<AuthenticatorIndex, HtpasswdError>
        var started: UInt64
        var mustReread: Bool
    }

    /// An authenticator for `store`'s file, as `target` reads it. Nothing is read until the first request.
    public init(store: HtpasswdStore, target: Target = .default) {
        self.store = store
        self.target = target
    }

    /// An authenticator for the file at `path`, as `target` reads it.
    public convenience init(path: FilePath, target: Target = .default) {
        self.init(store: HtpasswdStore(path: path), target: target)
    }

    /// How many times the file has been read (successfully or not).
    public var readCount: Int { state.withLock { $0.loads } }

    /// The index of the file as it is now: the one in memory if the file's stamp has not changed since it
    /// was read, the file read again otherwise.
    ///
    /// A reading happens on the calling thread; it takes about a microsecond per user.
    ///
    /// - Throws: A file error of ``AuthenticatorIndex/init(store:target:)``: the file is missing, unreadable,
    ///   not a regular file...
    public func currentIndex() throws(HtpasswdError) -> AuthenticatorIndex {
        let arrival = Self.monotonicNow()
        if let fresh = unchangedIndex() { return fresh }
        let result = reading.withLock { _ -> Result<AuthenticatorIndex, HtpasswdError> in
            // A reading that began after this request arrived saw the file as it was then, or later.
            if let last = state.withLock({ $0.last }), last.started >= arrival { return last.result }
            let started = Self.monotonicNow()
            let result: Result<AuthenticatorIndex, HtpasswdError>
            do throws(HtpasswdError) {
                result = .success(try AuthenticatorIndex(store: store, target: target))
            } catch {
                result = .failure(error)
            }
            let mustReread: Bool
            switch result {
            case .success(let index): mustReread = index.stamp.mayChangeUnseen(readAt: index.readAt)
            case .failure: mustReread = true
            }
            state.withLock { state in
                state.last = Loaded(result: result, started: started, mustReread: mustReread)
                state.loads += 1
            }
            return result
        }
        return try result.get()
    }

    /// The index in memory if the file has not changed since it was read, without reading the file: nil when
    /// it must be read (first, again, or after a failure), which ``currentIndex()`` does.
    ///
    /// Two status calls (``/HtpasswdCore/FileStamp/isCurrent()``) in the usual case, a new stamp otherwise,
    /// and never a reading: for a caller that must not wait for a file's reading, such as an event loop, and
    /// hands the request to a thread that may when this is nil.
    public func unchangedIndex() -> AuthenticatorIndex? {
        let last = state.withLock { state -> AuthenticatorIndex? in
            guard let last = state.last, !last.mustReread, case .success(let index) = last.result else { return nil }
            return index
        }
        guard let last else { return nil }
        // Two status calls in the usual case; a full stamp when they cannot tell.
        if last.stamp.isCurrent() || store.stamp() == last.stamp { return last }
        return nil
    }

    /// Whether `user` may in with `password`, with the file as it is now; the hash on the calling thread.
    ///
    /// - Throws: A file error, as ``currentIndex()`` does.
    public func authenticate(
        user: some Collection<UInt8>, password: some Collection<UInt8>
    ) throws(HtpasswdError) -> Authenticator.Decision {
        try currentIndex().authenticate(user: user, password: password)
    }

    /// Why ``authenticate(user:password:on:)-([UInt8],_,_)`` gave no decision.
    public enum Failure: Error, Equatable, Sendable {
        /// The file cannot be read: no one may in.
        case file(HtpasswdError)
        /// Too many checks wait already: answer "busy", and let the client try again.
        case overloaded(HashingQueue.Overloaded)
    }

    /// Whether `user` may in with `password`, with the file as it is now; the hash on `queue`'s executor,
    /// within its limits.
    ///
    /// The file's stamp is compared, and the file read again if it changed, on the calling task.
    ///
    /// - Throws: ``Failure/file(_:)`` when the file cannot be read; ``Failure/overloaded(_:)`` when the queue
    ///   is full, without computing a hash.
    public func authenticate(
        user: [UInt8], password: [UInt8], on queue: HashingQueue
    ) async throws(Failure) -> Authenticator.Decision {
        let candidate: Authenticator.Candidate
        do throws(HtpasswdError) { candidate = try currentIndex().candidate(for: user) } catch {
            throw .file(error)
        }
        do throws(HashingQueue.Overloaded) {
            return try await queue.run { candidate.check(password) }
        } catch {
            throw .overloaded(error)
        }
    }

    /// Whether `user` may in with `password` (their UTF-8 bytes); see ``authenticate(user:password:on:)-([UInt8],_,_)``.
    public func authenticate(
        user: String, password: String, on queue: HashingQueue
    ) async throws(Failure) -> Authenticator.Decision {
        try await authenticate(user: Array(user.utf8), password: Array(password.utf8), on: queue)
    }

    private static func monotonicNow() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec)
    }
}
