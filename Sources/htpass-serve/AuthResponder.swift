import Glibc
import HtpasswdCore
import HtpasswdVerifier
import Hummingbird
import Logging
import NIOCore

/// The request context: Hummingbird's, and the connection's peer address.
struct ServeContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    let peer: SocketAddress?

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        peer = source.channel.remoteAddress
    }
}

/// Everything the answers share.
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
}

/// `GET /auth` (any method, any path under it), `GET /healthz`, `GET /metrics`.
struct AuthResponder: HTTPResponder {
    let service: AuthService

    func respond(to request: Request, context: ServeContext) async throws -> Response {
        let path = request.uri.path
        if path == "/auth" || path.hasPrefix("/auth/") { return await authorize(request, context) }
        if path == "/healthz" { return Self.text(.ok, "ok\n") }
        if path == "/metrics" {
            let text = service.metrics.render(
                reloads: service.live.readCount, queueLength: service.queue.queueLength,
                running: service.queue.runningCount, cacheEntries: service.cache.count)
            return Self.text(.ok, text, contentType: "text/plain; version=0.0.4; charset=utf-8")
        }
        return Self.text(.notFound, "not found\n")
    }

    static func text(_ status: HTTPResponse.Status, _ body: String, contentType: String = "text/plain; charset=utf-8")
        -> Response
    {
        var headers = HTTPFields()
        headers[.contentType] = contentType
        headers[.cacheControl] = "no-store"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: body)))
    }

    private static func monotonicSeconds() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }

    /// The decision for one request, answered, counted and logged.
    private func authorize(_ request: Request, _ context: ServeContext) async -> Response {
        let started = Self.monotonicSeconds()
        let client = service.clients.client(
            peer: context.peer, realIP: request.headers[.init("X-Real-IP")!],
            forwardedFor: request.headers[values: .init("X-Forwarded-For")!])
        var user: [UInt8]?
        var cached = false
        let (outcome, response) = await decide(request, client: client, user: &user, cached: &cached)
        service.metrics.count(outcome)
        service.audit.record(
            client: client, user: user, outcome: outcome, status: Int(response.status.code), cached: cached,
            latencySeconds: Self.monotonicSeconds() - started)
        return response
    }

    private func decide(
        _ request: Request, client: String, user: inout [UInt8]?, cached: inout Bool
    ) async -> (Outcome, Response) {
        var credentials: BasicCredentials
        do throws(BasicCredentials.Problem) {
            credentials = try BasicCredentials(authorization: request.headers[.authorization])
        } catch {
            return (.badRequest, unauthorized())
        }
        defer { wipe(&credentials.password) }
        user = credentials.user
        let index: AuthenticatorIndex
        do throws(HtpasswdError) {
            index = try service.live.currentIndex()
        } catch {
            service.problems.report("Cannot read the htpasswd file: \(error)")
            return (.unavailable, unavailable())
        }
        if index.refusesFile {
            service.problems.report(
                "\(index.target.displayName) refuses the whole htpasswd file: every request gets 503")
            return (.unavailable, unavailable())
        }
        service.problems.clear()
        let candidate = index.candidate(for: credentials.user)
        let now = Self.monotonicSeconds()
        var key: SuccessCache.Key?
        if let entry = candidate.entry, service.cache.capacity > 0 {
            let found = service.cache.key(user: credentials.user, password: credentials.password, hash: entry.hash)
            if service.cache.contains(found, now: now) {
                service.metrics.countCacheHit()
                cached = true
                return (.granted, granted(credentials.user))
            }
            key = found
        }
        let keys: [Throttle.Key] = [.client(client), .user(credentials.user)]
        if let wait = service.throttle.retryAfter(keys, now: now) { return (.throttled, throttled(wait)) }
        service.metrics.countCacheMiss()
        let metrics = service.metrics
        let throttle = service.throttle
        let password = credentials.password
        let checked: Authenticator.Decision?
        do throws(HashingQueue.Overloaded) {
            checked = try await service.queue.run {
                // Throttled while it waited for a hashing thread (the guesses queued before the limit was
                // reached): no hash is spent on it, so an attack costs at most the limit's worth of hashes.
                if throttle.retryAfter(keys, now: Self.monotonicSeconds()) != nil { return nil }
                let start = Self.monotonicSeconds()
                let decision = candidate.check(password)
                metrics.observeHash(seconds: Self.monotonicSeconds() - start)
                return decision
            }
        } catch {
            service.logger.warning("Refused a request: \(error)")
            return (.unavailable, unavailable())
        }
        guard let decision = checked else {
            return (.throttled, throttled(service.throttle.retryAfter(keys, now: Self.monotonicSeconds()) ?? 1))
        }
        let finished = Self.monotonicSeconds()
        switch decision {
        case .granted:
            if let key { service.cache.insert(key, now: finished) }
            service.throttle.recordSuccess(user: credentials.user)
            return (.granted, granted(credentials.user))
        case .wrongPassword:
            service.throttle.recordFailure(keys, now: finished)
            return (.denied, unauthorized())
        case .unknownUser:
            service.throttle.recordFailure(keys, now: finished)
            return (.unknownUser, unauthorized())
        case .unverifiable(let line, let format):
            service.logger.warning("Line \(line) of the htpasswd file has a \(format.name) entry no password matches")
            service.throttle.recordFailure(keys, now: finished)
            return (.denied, unauthorized())
        case .notVerifiable(let line, let refusal):
            service.logger.warning("\(index.target.displayName) cannot verify line \(line): \(refusal)")
            service.throttle.recordFailure(keys, now: finished)
            return (.denied, unauthorized())
        case .fileRefused(let line, let refusal):
            service.problems.report(
                "\(index.target.displayName) refuses the whole htpasswd file because of line \(line): \(refusal)")
            return (.unavailable, unavailable())
        }
    }

    private func granted(_ user: [UInt8]) -> Response {
        var headers = HTTPFields()
        // A header value cannot hold every byte: a name that is not printable ASCII goes percent-encoded.
        headers[.init("X-Remote-User")!] = Self.headerValue(user)
        headers[.cacheControl] = "no-store"
        return Response(status: .ok, headers: headers)
    }

    private func unauthorized() -> Response {
        var headers = HTTPFields()
        headers[.wwwAuthenticate] = service.challenge
        headers[.cacheControl] = "no-store"
        return Response(status: .unauthorized, headers: headers)
    }

    /// 429 with `Retry-After`, in whole seconds, at least 1.
    private func throttled(_ wait: Double) -> Response {
        var headers = HTTPFields()
        headers[.retryAfter] = String(max(1, Int(wait.rounded(.up))))
        headers[.cacheControl] = "no-store"
        return Response(status: .tooManyRequests, headers: headers)
    }

    private func unavailable() -> Response {
        var headers = HTTPFields()
        headers[.retryAfter] = "1"
        headers[.cacheControl] = "no-store"
        return Response(status: .serviceUnavailable, headers: headers)
    }

    /// `bytes` as a header value: printable ASCII as is, `%` and every other byte as `%XX`.
    static func headerValue(_ bytes: [UInt8]) -> String {
        var text = ""
        for byte in bytes {
            if byte >= 0x20 && byte < 0x7F && byte != UInt8(ascii: "%") {
                text.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                text += "%" + (byte < 16 ? "0" : "") + String(byte, radix: 16, uppercase: true)
            }
        }
        return text
    }
}
