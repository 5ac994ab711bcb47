import Hummingbird
import Testing
import TestSupport

/// Serves Prometheus text on `host:port` (every path), with the body `body` makes for each request's
/// path, until the returned task is cancelled; returns once the exporter answers.
package func startTextExporter(
    host: String = "127.0.0.1", port: Int, body: @escaping @Sendable (_ path: String) async -> String,
    sourceLocation: SourceLocation = #_sourceLocation
) async throws -> Task<Void, any Error> {
    let router = Router()
    router.get("**") { request, _ -> Response in
        let text = await body(request.uri.path)
        return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }
    let app = Application(router: router, configuration: .init(address: .hostname(host, port: port)))
    let task = Task { try await app.runService() }
    #expect(await eventually(within: 10) { await httpGet("http://\(host):\(port)/metrics") != nil }, "exporter on \(host):\(port)",
            sourceLocation: sourceLocation)
    return task
}
