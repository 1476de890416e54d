import NIOCore
import NIOHTTP1
import NIOHTTPTypesHTTP1

/// Keeps HTTP/1.0's rule that a connection closes after the response unless the request asked to keep it
/// (`Connection: keep-alive`): it adds `Connection: close` to such a request before the HTTP/1 head becomes
/// an `HTTPRequest`, which has no version. Hummingbird then closes the connection after answering, as it does
/// for any request that asks so (``CacheHitHandler`` hands those on to it). Without this, a bare HTTP/1.0
/// client (ApacheBench without `-k`, a script reading to the end) waited for the idle timeout.
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
