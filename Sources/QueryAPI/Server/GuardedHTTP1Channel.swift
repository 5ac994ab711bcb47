import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP1
import NIOHTTPTypes
import NIOHTTPTypesHTTP1
import NIOSSL

/// Hummingbird's HTTP/1 child channel with `HTTPGuard` between the codec and the rest, and request
/// lines and headers allowed up to Go's 1 MiB (Prometheus accepts a 1 MB GET URL; Hummingbird's
/// default is 80 KiB).
struct GuardedHTTP1Channel: ServerChildChannel, HTTPChannelHandler {
    typealias Value = NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>

    let responder: HTTPChannelHandler.Responder
    let readTimeout: TimeAmount?
    let counters: HTTPRequestCounter
    /// TLS for the listener (`--web.config.file`), when configured.
    let security: WebSecurity?

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        channel.eventLoop.makeCompletedFuture {
            let tls = try security?.tlsHandler()
            if let tls { try channel.pipeline.syncOperations.addHandlers(PlainHTTPRefusal(), tls) }
            var limits = NIOHTTPDecoderLimitConfiguration()
            limits.maxHeaderFieldSize = HTTPGuard.maxHeaderBytes
            limits.maxHeaderListSize = HTTPGuard.maxHeaderBytes
            try channel.pipeline.syncOperations.configureHTTPServerPipeline(
                withPipeliningAssistance: false, withErrorHandling: false, withOutboundHeaderValidation: false,
                withEncoderConfiguration: .init(), withDecoderLimitConfiguration: limits)
            try channel.pipeline.syncOperations.addHandler(HTTPGuard(readTimeout: readTimeout, counters: counters, logger: logger))
            try channel.pipeline.syncOperations.addHandler(HTTP1ToHTTPServerCodec(secure: tls != nil))
            // Closes idle connections when the server shuts down (its quiesce event), as Hummingbird's own channel does.
            try channel.pipeline.syncOperations.addHandler(HTTPConnectionStateHandler(idleTimeout: nil, logger: logger))
            return try NIOAsyncChannel(wrappingChannelSynchronously: channel, configuration: .init(isOutboundHalfClosureEnabled: true))
        }
    }

    func handle(value asyncChannel: Value, logger: Logger) async {
        await handleHTTP(asyncChannel: asyncChannel, logger: logger)
    }
}
