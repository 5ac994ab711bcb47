import Hummingbird
import MetricsModel
import RemoteProtocol
import Testing
import TestSupport

/// The protobuf exposition format for tests: the product's encoder, under a shorter name.
package typealias ProtobufExposition = MetricFamilyEncoder

/// Serves the protobuf exposition `body` makes for each request, on every path, until cancelled;
/// a request whose Accept header does not offer protobuf gets 406, so a test sees what was asked.
package func startProtobufExporter(
    host: String = "127.0.0.1", port: Int, body: @escaping @Sendable () async -> [UInt8], sourceLocation: SourceLocation = #_sourceLocation
) async throws -> TestServer {
    let router = Router()
    router.get("**") { request, _ -> Response in
        guard request.headers[.accept]?.contains("application/vnd.google.protobuf") == true else {
            return Response(status: .notAcceptable, body: .init(byteBuffer: ByteBuffer(string: "this exporter serves protobuf only\n")))
        }
        let bytes = await body()
        return Response(status: .ok, headers: [.contentType: ProtobufExposition.contentType], body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }
    let app = Application(router: router, configuration: .init(address: .hostname(host, port: port)))
    let server = TestServer(app)
    #expect(await eventually(within: underLoad) { await httpGet("http://\(host):\(port)/metrics") != nil }, "exporter on \(host):\(port)",
            sourceLocation: sourceLocation)
    return server
}
