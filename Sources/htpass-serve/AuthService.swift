import Glibc
import HTTPTypes
import HtpasswdCore
import HtpasswdVerifier
import Hummingbird
import Logging
import NIOCore
import NIOPosix

/// Everything the answers share, and the part of a decision that needs no hash.
struct AuthService: Sendable {
    let live: LiveAuthenticator
    let queue: HashingQueue
    let cache: SuccessCache
    let throttle: Throttle
    let metrics: Metrics
    let audit: AuditLog
    let clients: ClientResolver
    let challenge: String
    let logger: Logger
    let problems: ProblemReporter

    /// What a request gets before any hash: its answer, or what the hash needs.
    enum Preliminary: Sendable {
        /// Answered without a hash: no or malformed credentials, the file unusable, a cached credential, a
        /// throttled client or user.
        case answer(Outcome, HTTPResponse, user: [UInt8]?, cached: Bool)
        /// A hash decides; the password is in `Pending`, which the caller wipes.
        case hash(Pending)
        /// The file must be read first (only when the caller may not read it).
        case mustReadFile
    }

    /// What the hash of a request needs.
    struct Pending: Sendable {
        var credentials: BasicCredentials
        var candidate: Authenticator.Candidate
        var keys: [Throttle.Key]
        var cacheKey: SuccessCache.Key?
        var index: AuthenticatorIndex
    }

    static func monotonicSeconds() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }

    /// The client of a request: its peer, or the address a trusted proxy names.
    func client(_ headers: HTTPFields, peer: SocketAddress?) -> String {
        clients.client(
            peer: peer, realIP: headers[Self.realIP], forwardedFor: headers[values: Self.forwardedFor])
    }

    static let realIP = HTTPField.Name("X-Real-IP")!
    static let forwardedFor = HTTPField.Name("X-Forwarded-For")!
    static let remoteUser = HTTPField.Name("X-Remote-User")!

    /// Everything that needs no hash: the credentials read, the file's index (read again only if
    /// `mayReadFile`), the success cache, the throttle.
    func prepare(authorization: String?, client: String, mayReadFile: Bool) -> Preliminary {
        var credentials: BasicCredentials
        do throws(BasicCredentials.Problem) {
            credentials = try BasicCredentials(authorization: authorization)
        } catch {
            return .answer(.badRequest, unauthorized(), user: nil, cached: false)
        }
        let user = credentials.user
        let index: AuthenticatorIndex
        if mayReadFile {
            do throws(HtpasswdError) {
                index = try live.currentIndex()
            } catch {
                wipe(&credentials.password)
                problems.report("Cannot read the htpasswd file: \(error)")
                return .answer(.unavailable, unavailable(), user: user, cached: false)
            }
        } else {
            guard let unchanged = live.unchangedIndex() else {
                wipe(&credentials.password)
                return .mustReadFile
            }
            index = unchanged
        }
        if index.refusesFile {
            wipe(&credentials.password)
            problems.report("\(index.target.displayName) refuses the whole htpasswd file: every request gets 503")
            return .answer(.unavailable, unavailable(), user: user, cached: false)
        }
        problems.clear()
        let candidate = index.candidate(for: user)
        var cacheKey: SuccessCache.Key?
        if let entry = candidate.entry, cache.capacity > 0 {
            let found = cache.key(user: user, password: credentials.password, hash: entry.hash)
            if cache.contains(found, now: Self.monotonicSeconds()) {
                wipe(&credentials.password)
                metrics.countCacheHit()
                return .answer(.granted, granted(user), user: user, cached: true)
            }
            cacheKey = found
        }
        let keys: [Throttle.Key] = [.client(client), .user(named: user)]
        if let wait = throttle.retryAfter(keys, now: Self.monotonicSeconds()) {
            wipe(&credentials.password)
            return .answer(.throttled, throttled(wait), user: user, cached: false)
        }
        return .hash(
            Pending(credentials: credentials, candidate: candidate, keys: keys, cacheKey: cacheKey, index: index))
    }

    /// Counts and logs a decision.
    func record(
        client: String, user: [UInt8]?, outcome: Outcome, status: HTTPResponse.Status, cached: Bool, started: Double
    ) {
        metrics.count(outcome)
        audit.record(
            client: client, user: user, outcome: outcome, status: status.code, cached: cached,
            latencySeconds: Self.monotonicSeconds() - started)
    }

    func granted(_ user: [UInt8]) -> HTTPResponse {
        var headers = HTTPFields()
        // A header value cannot hold every byte: a name that is not printable ASCII goes percent-encoded.
        headers[Self.remoteUser] = AuthResponder.headerValue(user)
        headers[.cacheControl] = "no-store"
        return HTTPResponse(status: .ok, headerFields: headers)
    }

    func unauthorized() -> HTTPResponse {
        var headers = HTTPFields()
        headers[.wwwAuthenticate] = challenge
        headers[.cacheControl] = "no-store"
        return HTTPResponse(status: .unauthorized, headerFields: headers)
    }

    /// 429 with `Retry-After`, in whole seconds, at least 1.
    func throttled(_ wait: Double) -> HTTPResponse {
        var headers = HTTPFields()
        headers[.retryAfter] = String(max(1, Int(wait.rounded(.up))))
        headers[.cacheControl] = "no-store"
        return HTTPResponse(status: .tooManyRequests, headerFields: headers)
    }

    func unavailable() -> HTTPResponse {
        var headers = HTTPFields()
        headers[.retryAfter] = "1"
        headers[.cacheControl] = "no-store"
        return HTTPResponse(status: .serviceUnavailable, headerFields: headers)
    }
}
