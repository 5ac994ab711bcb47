import NIOCore

/// Sits before the TLS handler of a TLS listener and answers a client that speaks plain HTTP to it
/// as Go's server does: `400 Bad Request`, "Client sent an HTTP request to an HTTPS server.", and a
/// closed connection (without it the client waits for an answer TLS never gives). Anything else —
/// a TLS handshake — passes on untouched, and the handler leaves the pipeline.
final class PlainHTTPRefusal: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// What a TLS record header can never start with but HTTP requests do (Go's list).
    static let httpStarts: [[UInt8]] = ["GET /", "HEAD ", "POST ", "PUT /", "OPTIO"].map { Array($0.utf8) }
    static let answer = "HTTP/1.0 400 Bad Request\r\n\r\nClient sent an HTTP request to an HTTPS server.\n"
    /// A TLS record of type handshake.
    static let handshake: UInt8 = 0x16

    private var received: ByteBuffer?
    private var refused = false

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !refused else { return }
        var buffer = unwrapInboundIn(data)
        if var earlier = received {
            earlier.writeBuffer(&buffer)
            buffer = earlier
        }
        let head = Array(buffer.readableBytesView.prefix(5))
        let couldBeHTTP = head.first != Self.handshake && Self.httpStarts.contains { $0.starts(with: head) }
        if couldBeHTTP && head.count < 5 {
            received = buffer
            return
        }
        received = nil
        if couldBeHTTP {
            refused = true
            context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: Self.answer))).assumeIsolated().whenComplete { _ in context.close(promise: nil) }
            return
        }
        context.fireChannelRead(wrapInboundOut(buffer))
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
    }
}
