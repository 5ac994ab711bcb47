import Hummingbird
import Logging
import ServiceLifecycle
import Testing
import TestSupport

/// Serves Prometheus text on `host:port` (every path), with the body `body` makes for each request's
/// path, until the returned task is cancelled; returns once the exporter answers.
package func startTextExporter(
    host: String = "127.0.0.1", port: Int, body: @escaping @Sendable (_ path: String) async -> String,
    sourceLocation: SourceLocation = #_sourceLocation
) async throws -> TestServer {
    let router = Router()
    router.get("**") { request, _ -> Response in
        let text = await body(request.uri.path)
        return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }
    let app = Application(router: router, configuration: .init(address: .hostname(host, port: port)))
    let server = TestServer(app)
    #expect(await eventually(within: underLoad) { await httpGet("http://\(host):\(port)/metrics") != nil }, "exporter on \(host):\(port)",
            sourceLocation: sourceLocation)
    return server
}

/// An in-process server run for a test. `cancel()` shuts it down gracefully: Hummingbird closes its
/// connections in order. Cancelling the server's task instead crashed the test process once
/// (NIOAsyncWriter deinited without finish, mid-request, 2026-12-03).
package final class TestServer: Sendable {
    private let group: ServiceGroup
    private let task: Task<Void, any Error>

    package init(_ service: some Service) {
        var logger = Logger(label: "test-server")
        logger.logLevel = .warning
        let group = ServiceGroup(configuration: .init(services: [service], logger: logger))
        self.group = group
        task = Task { try await group.run() }
    }

    package func cancel() {
        Task { [group] in await group.triggerGracefulShutdown() }
    }
}
