import Logging
import NIOCore
import NIOHTTP1

/// Connection rules Go's HTTP server gives Prometheus and Hummingbird leaves out, applied between
/// the HTTP/1 codec and the rest of the pipeline, where request versions and parse errors are seen:
///
/// - An HTTP/1.0 request is answered as HTTP/1.0, and the connection is closed after the answer
///   unless the request asked for keep-alive.
/// - A response carrying `Connection: close` (a refused oversized body, say) closes the connection
///   once written, so a client still sending is not left hanging.
/// - A request the parser refuses is answered with a status and a body that say why (an unknown
///   method 405, a request line or headers over the limit 431), then the connection is closed.
/// - Reading a request, from the end of the previous answer (or the connection's start) to the last
///   byte of its body, must finish within `readTimeout` (Prometheus's `--web.read-timeout`), or the
///   connection is closed: a client that trickles its headers or body holds a connection no longer.
final class HTTPGuard: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    /// The request line and headers together may be this long (Go's default, 1 MiB, and its slack).
    static let maxHeaderBytes = (1 << 20) + 4096

    private let readTimeout: TimeAmount?
    private let logger: Logger
    private let counters: HTTPRequestCounter
    /// Per request read but not yet answered: the version to answer in, and whether to close after.
    private var pending: [(version: HTTPVersion, close: Bool)] = []
    private var requestsRead = 0
    private var responsesWritten = 0
    private var closeAfterResponse = false
    private var readDeadline: Scheduled<Void>?
    private var failed = false

    init(readTimeout: TimeAmount?, counters: HTTPRequestCounter, logger: Logger) {
        self.readTimeout = readTimeout
        self.counters = counters
        self.logger = logger
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { armReadDeadline(context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        armReadDeadline(context)
        context.fireChannelActive()
    }

    func handlerRemoved(context: ChannelHandlerContext) { disarmReadDeadline() }

    func channelInactive(context: ChannelHandlerContext) {
        disarmReadDeadline()
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(var head):
            let close = !head.isKeepAlive
            if close && head.version.major == 1 && head.version.minor == 0 {
                // The handler behind this one ends the connection's request loop on `Connection: close`.
                head.headers.replaceOrAdd(name: "connection", value: "close")
            }
            pending.append((head.version, close))
            context.fireChannelRead(wrapInboundOut(.head(head)))
        case .body:
            context.fireChannelRead(data)
        case .end:
            requestsRead += 1
            disarmReadDeadline()
            context.fireChannelRead(data)
        }
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head(var head):
            let request = pending.first
            if let request, request.version.major == 1, request.version.minor == 0 { head.version = request.version }
            if request?.close == true || head.headers[canonicalForm: "connection"].contains(where: { $0.lowercased() == "close" }) {
                closeAfterResponse = true
                head.headers.replaceOrAdd(name: "connection", value: "close")
            }
            context.write(wrapOutboundOut(.head(head)), promise: promise)
        case .body:
            context.write(data, promise: promise)
        case .end:
            if !pending.isEmpty { pending.removeFirst() }
            responsesWritten += 1
            guard !closeAfterResponse else {
                context.writeAndFlush(data).assumeIsolated().whenComplete { _ in context.close(promise: nil) }
                promise?.succeed(())
                return
            }
            if responsesWritten >= requestsRead { armReadDeadline(context) }
            context.write(data, promise: promise)
        }
    }

    /// A request the decoder refused: answered once with why, then the connection is closed. Other
    /// errors go on to the handlers behind.
    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard let parseError = error as? HTTPParserError else { return context.fireErrorCaught(error) }
        guard !failed else { return }
        failed = true
        counters.malformedRequests.add(1, ordering: .relaxed)
        disarmReadDeadline()
        // Mid-answer there is no room for another response; the connection just ends.
        guard responsesWritten >= requestsRead, pending.count <= 1 else { return context.close(promise: nil) }
        let (status, message) = Self.answer(for: parseError)
        var headers = HTTPHeaders()
        headers.add(name: "content-type", value: "text/plain; charset=utf-8")
        headers.add(name: "content-length", value: String(message.utf8.count))
        headers.add(name: "connection", value: "close")
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: message)))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil))).assumeIsolated().whenComplete { _ in context.close(promise: nil) }
    }

    static func answer(for error: HTTPParserError) -> (HTTPResponseStatus, String) {
        switch error {
        case .invalidMethod: (.methodNotAllowed, "method not allowed\n")
        case .headerOverflow: (.requestHeaderFieldsTooLarge, "request line and headers are over \(maxHeaderBytes) bytes\n")
        default: (.badRequest, "malformed HTTP request: \(error)\n")
        }
    }

    private func armReadDeadline(_ context: ChannelHandlerContext) {
        guard let readTimeout else { return }
        disarmReadDeadline()
        readDeadline = context.eventLoop.assumeIsolated().scheduleTask(in: readTimeout) { [weak self] in
            guard let self else { return }
            self.readDeadline = nil
            self.counters.readTimeouts.add(1, ordering: .relaxed)
            self.logger.debug("closing a connection that did not send a whole request in time", metadata: [
                "peer": "\(context.channel.remoteAddress?.description ?? "?")", "timeout": "\(readTimeout)",
            ])
            context.close(promise: nil)
        }
    }

    private func disarmReadDeadline() {
        readDeadline?.cancel()
        readDeadline = nil
    }
}
