import Glibc
import HTTPTypes
import HtpasswdCore
import HtpasswdVerifier
import Hummingbird
import Logging
import NIOCore
import NIOPosix

/// Whether `path` is `/auth` or under it.
func isAuthPath(_ path: some StringProtocol) -> Bool {
    path == "/auth" || path.hasPrefix("/auth/")
}

/// The request context: Hummingbird's, and the connection's peer address.
struct ServeContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    let peer: SocketAddress?

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        peer = source.channel.remoteAddress
    }
}

/// `GET /auth` (any method, any path under it), `GET /healthz`, `GET /metrics`. Most `/auth` requests never
/// get here: ``CacheHitHandler`` answers on the event loop those that need no hash.
struct AuthResponder: HTTPResponder {
    let service: AuthService

    func respond(to request: Request, context: ServeContext) async throws -> Response {
        let path = request.uri.path
        if isAuthPath(path) { return await authorize(request, context) }
        if path == "/healthz" { return Self.text(.ok, "ok\n") }
        if path == "/metrics" {
            let audit = service.audit.counts
            let text = service.metrics.render(
                reloads: service.live.readCount, queueLength: service.queue.queueLength,
                running: service.queue.runningCount, cacheEntries: service.cache.count,
                hashes: PasswordHash.recomputeCount, audit: audit)
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

    /// The decision for one request, answered, counted and logged.
    private func authorize(_ request: Request, _ context: ServeContext) async -> Response {
        let started = AuthService.monotonicSeconds()
        let client = service.client(request.headers, peer: context.peer)
        var user: [UInt8]?
        var cached = false
        let (outcome, head) = await decide(request, client: client, user: &user, cached: &cached)
        service.record(
            client: client, user: user, outcome: outcome, status: head.status, cached: cached, started: started)
        return Response(status: head.status, headers: head.headerFields)
    }

    private func decide(
        _ request: Request, client: String, user: inout [UInt8]?, cached: inout Bool
    ) async -> (Outcome, HTTPResponse) {
        var pending: AuthService.Pending
        let authorization = request.headers[.authorization]
        var preliminary = service.prepare(authorization: authorization, client: client, mayReadFile: false)
        if case .mustReadFile = preliminary {
            // This task runs on an event loop, which must not wait for a disk: the file is read on NIO's pool of
            // threads for blocking work (not a hashing thread, where it would wait behind the hashes).
            let service = service
            do {
                preliminary = try await NIOThreadPool.singleton.runIfActive {
                    service.prepare(authorization: authorization, client: client, mayReadFile: true)
                }
            } catch {
                return (.unavailable, service.unavailable())
            }
        }
        switch preliminary {
        case .answer(let outcome, let response, let answerUser, let answerCached):
            user = answerUser
            cached = answerCached
            return (outcome, response)
        case .mustReadFile:
            // Not with mayReadFile: the file was read.
            return (.unavailable, service.unavailable())
        case .hash(let found):
            pending = found
        }
        defer { wipe(&pending.credentials.password) }
        user = pending.credentials.user
        service.metrics.countCacheMiss()
        let metrics = service.metrics
        let throttle = service.throttle
        let keys = pending.keys
        let candidate = pending.candidate
        let password = pending.credentials.password
        let checked: Authenticator.Decision?
        do throws(HashingQueue.Overloaded) {
            checked = try await service.queue.run {
                // Throttled while it waited for a hashing thread (the guesses queued before the limit was
                // reached): no hash is spent on it, so an attack costs at most the limit's worth of hashes.
                if throttle.retryAfter(keys, now: AuthService.monotonicSeconds()) != nil { return nil }
                let start = AuthService.monotonicSeconds()
                let decision = candidate.check(password)
                metrics.observeHash(seconds: AuthService.monotonicSeconds() - start)
                return decision
            }
        } catch {
            service.logger.warning("Refused a request: \(error)")
            return (.unavailable, service.unavailable())
        }
        guard let decision = checked else {
            return (
                .throttled,
                service.throttled(service.throttle.retryAfter(keys, now: AuthService.monotonicSeconds()) ?? 1)
            )
        }
        let finished = AuthService.monotonicSeconds()
        let index = pending.index
        let name = pending.credentials.user
        switch decision {
        case .granted:
            if let key = pending.cacheKey { service.cache.insert(key, now: finished) }
            service.throttle.recordSuccess(user: name)
            return (.granted, service.granted(name))
        case .wrongPassword:
            service.throttle.recordFailure(keys, now: finished)
            return (.denied, service.unauthorized())
        case .unknownUser:
            service.throttle.recordFailure(keys, now: finished)
            return (.unknownUser, service.unauthorized())
        case .unverifiable(let line, let format):
            service.logger.warning("Line \(line) of the htpasswd file has a \(format.name) entry no password matches")
            service.throttle.recordFailure(keys, now: finished)
            return (.denied, service.unauthorized())
        case .notVerifiable(let line, let refusal):
            service.logger.warning("\(index.target.displayName) cannot verify line \(line): \(refusal)")
            service.throttle.recordFailure(keys, now: finished)
            return (.denied, service.unauthorized())
        case .fileRefused(let line, let refusal):
            service.problems.report(
                "\(index.target.displayName) refuses the whole htpasswd file because of line \(line): \(refusal)")
            return (.unavailable, service.unavailable())
        }
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
