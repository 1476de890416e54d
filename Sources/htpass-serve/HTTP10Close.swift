import NIOCore
import NIOHTTP1
import NIOHTTPTypesHTTP1

/// Closes the connection after the answer of every request that does not keep it alive, as NIO's HTTP/1 head
/// tells (`isKeepAlive`): HTTP/1.0 without `Connection: keep-alive`, and HTTP/1.1 with `Connection: close`
/// however spelled (`Close`, `close, TE`). Such a request gets exactly `Connection: close` before its head
/// becomes an `HTTPRequest`, which has no version, because Hummingbird closes only after a request whose
/// header is exactly `close` (``CacheHitHandler`` hands those on to it). Without this, a bare HTTP/1.0
/// client (ApacheBench without `-k`, a script reading to the end) waited until it gave up itself.
final class HTTP10Close: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart

    /// Puts one in `pipeline` in front of the conversion to `HTTPRequest`.
    static func install(in pipeline: ChannelPipeline.SynchronousOperations) throws {
        let codec = try pipeline.handler(type: HTTP1ToHTTPServerCodec.self)
        try pipeline.addHandler(HTTP10Close(), position: .before(codec))
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case .head(var head) = unwrapInboundIn(data), !head.isKeepAlive else {
            context.fireChannelRead(data)
            return
        }
        head.headers.replaceOrAdd(name: "connection", value: "close")
        context.fireChannelRead(wrapInboundOut(.head(head)))
    }
}
