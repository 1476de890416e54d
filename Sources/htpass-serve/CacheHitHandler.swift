import HTTPTypes
import Hummingbird
import NIOCore
import NIOHTTPTypes

/// Answers, on the connection's event loop, the `/auth` requests that need no hash — a credential in the
/// success cache (what nearly every request of a logged-in user is), no or malformed credentials, a throttled
/// client or user — and hands every other request on to ``AuthResponder``.
///
/// Why: through Hummingbird's responder a request crosses from the event loop to a task on Swift's global
/// executor and its answer crosses back, two thread switches that cost several times the decision itself
/// (measured: Benchmarks/README.md, "htpass serve"). Here such an answer costs no switch at all. A request
/// that needs a hash, or a file that must be read first (`LiveAuthenticator.unchangedIndex()` is nil: the
/// file changed, could not be read, or changed too recently to trust its stamp), still goes to the
/// responder, so that neither a hash nor a file's reading ever runs on an event loop.
///
/// Order: while a request handed on has not been answered, the requests after it on the same connection are
/// handed on too (HTTP/1.1 pipelining), so that answers go out in the order of the requests.
///
/// Memory: an answer made here is written at once, so a client that pipelines requests and never reads the
/// answers would make them pile up in memory. While the connection cannot take more (`isWritable` false:
/// SwiftNIO's write buffer is over its high-water mark), requests are handed on instead, where Hummingbird's
/// channel stops reading until the client reads.
///
/// Stalled connections: one on which, for ``idleTimeout``, no request has begun (its header complete) and no
/// answer has ended is closed: an idle connection, a client that trickles its header to hold the connection,
/// or one that stopped reading its answers (the answer waiting for room never ends). Every connection's
/// requests and answers pass here, made here or not, so the clock sees them all. A hash never takes that
/// long (``HtpassServe``'s default is 75 s); one still waiting then is abandoned with its connection.
final class CacheHitHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    let service: AuthService
    let serverName: String
    /// How long a connection may stay without a request beginning or an answer ending (nil: forever).
    let idleTimeout: TimeAmount?
    /// When the last request began (its header complete) or the last answer ended.
    private var lastActivity = NIODeadline.now()
    private var idleCheck: Scheduled<Void>?
    /// The answer of the request being read, sent once its end has arrived (its body is ignored).
    private var answer: Answer?
    /// Requests handed on whose answer has not ended yet.
    private var handedOn = 0

    private struct Answer {
        var response: HTTPResponse
        var client: String
        var user: [UInt8]?
        var outcome: Outcome
        var cached: Bool
        var started: Double
    }

    init(service: AuthService, serverName: String, idleTimeout: TimeAmount?) {
        self.service = service
        self.serverName = serverName
        self.idleTimeout = idleTimeout
    }

    func handlerAdded(context: ChannelHandlerContext) {
        do {
            try HTTP10Close.install(in: context.pipeline.syncOperations)
        } catch {
            // Hummingbird's HTTP/1 pipeline always has the codec; a pipeline without it is not served.
            context.close(promise: nil)
        }
        if context.channel.isActive { scheduleIdleCheck(context) }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        idleCheck?.cancel()
        idleCheck = nil
    }

    func channelActive(context: ChannelHandlerContext) {
        scheduleIdleCheck(context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        idleCheck?.cancel()
        idleCheck = nil
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let request):
            lastActivity = .now()
            if handedOn == 0, context.channel.isWritable,
                let answer = answer(request, peer: context.channel.remoteAddress)
            {
                self.answer = answer
                return
            }
            handedOn += 1
            context.fireChannelRead(data)
        case .body:
            if answer == nil { context.fireChannelRead(data) }
        case .end:
            guard let answer else {
                context.fireChannelRead(data)
                return
            }
            self.answer = nil
            var response = answer.response
            response.headerFields[.contentLength] = "0"
            response.headerFields[.server] = serverName
            response.headerFields[.date] = HTTPDate.now
            context.write(wrapOutboundOut(.head(response)), promise: nil)
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
            lastActivity = .now()
            service.record(
                client: answer.client, user: answer.user, outcome: answer.outcome, status: response.status,
                cached: answer.cached, started: answer.started)
        }
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) {
            if handedOn > 0 { handedOn -= 1 }
            lastActivity = .now()
        }
        context.write(data, promise: promise)
    }

    /// Checks, when the connection may have stalled, whether it has; closes it if so, else looks again when
    /// it next may have.
    private func scheduleIdleCheck(_ context: ChannelHandlerContext) {
        guard let idleTimeout, idleCheck == nil else { return }
        idleCheck = context.eventLoop.assumeIsolated().scheduleTask(deadline: lastActivity + idleTimeout) {
            self.idleCheck = nil
            if self.lastActivity + idleTimeout <= .now() {
                context.close(promise: nil)
            } else {
                self.scheduleIdleCheck(context)
            }
        }
    }

    /// The answer of `request` if it needs neither a hash nor a reading of the file.
    private func answer(_ request: HTTPRequest, peer: SocketAddress?) -> Answer? {
        guard let path = request.path, isAuthPath(path.prefix { $0 != "?" }) else { return nil }
        // Hummingbird closes the connection after a request that asks so; it answers those.
        if request.headerFields[.connection] != nil { return nil }
        let started = AuthService.monotonicSeconds()
        let client = service.client(request.headerFields, peer: peer)
        switch service.prepare(authorization: request.headerFields[.authorization], client: client, mayReadFile: false)
        {
        case .answer(let outcome, let response, let user, let cached):
            return Answer(
                response: response, client: client, user: user, outcome: outcome, cached: cached, started: started)
        case .hash(var pending):
            wipe(&pending.credentials.password)
            return nil
        case .mustReadFile:
            return nil
        }
    }
}
