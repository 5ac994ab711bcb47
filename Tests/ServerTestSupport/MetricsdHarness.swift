import Foundation
import Testing
import TestSupport

/// A running `metricsd` for a test: its port, base URL and data directory.
package struct MetricsdInstance: Sendable {
    package let port: Int
    package let base: String
    package let directory: URL
}

/// Starts the built `metricsd` on a free port with the configuration `config(port)` (written into a
/// fresh temporary directory that also holds the store) and `arguments`, waits until it is ready, and
/// runs `body`; the process is stopped and the directory removed afterwards.
package func withMetricsd(
    _ name: String, config: (Int) -> String, arguments: [String] = [], _ body: (MetricsdInstance) async throws -> Void
) async throws {
    let port = ServerProcess.freePort()
    let directory = try makeTemporaryDirectory("metricsd-\(name)")
    defer { removeTemporaryDirectory(directory) }
    let file = directory.appendingPathComponent("prometheus.yml")
    try config(port).write(to: file, atomically: true, encoding: .utf8)
    let server = try ServerProcess("metricsd", arguments: [
        "--config.file", file.path, "--web.listen-address", "127.0.0.1:\(port)", "--storage.tsdb.path", directory.path + "/data",
    ] + arguments)
    defer { server.stop() }
    let base = "http://127.0.0.1:\(port)"
    try #require(await eventually(within: 15) { await httpGet(base + "/-/ready")?.0 == 200 }, "metricsd did not become ready: \(server.log().suffix(2000))")
    try await body(MetricsdInstance(port: port, base: base, directory: directory))
    #expect(await server.terminate() == 0, "metricsd did not stop cleanly on SIGTERM")
}
