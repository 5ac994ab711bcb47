import Foundation
import Testing
import ServerTestSupport
import TestSupport

/// A query stops when its client goes away or its deadline passes, so an abandoned dashboard
/// refresh does not keep a core busy.
@Suite("query cancellation", .serialized)
struct QueryCancellationTests {
    /// Costly however fast the machine: every one of 11,000 steps takes the maximum over a day of
    /// one-second inner points (about 10⁹ window samples), all without touching storage.
    static let costlyQuery = "max_over_time(max_over_time(vector(1)[1d:1s])[1h:1s])"

    /// Runs `body` with the base URL of a ready metricsd that scrapes nothing (query timeout 10 minutes).
    static func withMetricsd(_ name: String, _ body: (String) async throws -> Void) async throws {
        try await ServerTestSupport.withMetricsd(name, config: { _ in "scrape_configs: []\n" }, arguments: ["--query.timeout", "10m"]) { server in
            try await body(server.base)
        }
    }

    /// `prometheus_engine_queries` from the self-metrics.
    static func runningQueries(_ base: String) async -> Int? {
        guard let (_, text) = await httpGet(base + "/metrics") else { return nil }
        let line = text.split(separator: "\n").first { $0.hasPrefix("prometheus_engine_queries ") }
        return line.flatMap { Int($0.split(separator: " ")[1]) }
    }

    @Test("closing the connection mid-query stops the evaluation")
    func clientDisconnect() async throws {
        try await Self.withMetricsd("disconnect") { base in
            let port = Int(base.split(separator: ":").last!)!
            let body = formEncode([("query", Self.costlyQuery), ("start", "0"), ("end", "11000"), ("step", "1")])
            let client = try RawHTTPClient(port: port)
            try client.send("POST /api/v1/query_range HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)")

            #expect(await eventually(within: 10) { await Self.runningQueries(base) == 1 })
            // Still evaluating a second later: the query is far from done on its own.
            try await Task.sleep(for: .seconds(1))
            #expect(await Self.runningQueries(base) == 1)

            client.close()
            let stopped = await eventually(within: 5) { await Self.runningQueries(base) == 0 }
            #expect(stopped, "the query kept running after its client closed the connection")
            #expect(await httpGet(base + "/api/v1/query?query=vector(1)")?.0 == 200)
        }
    }

    @Test("a request's timeout stops a costly evaluation with 503 timeout")
    func deadline() async throws {
        try await Self.withMetricsd("deadline") { base in
            let query = formEncode([("query", Self.costlyQuery), ("start", "0"), ("end", "11000"), ("step", "1"), ("timeout", "1s")])
            let started = Date()
            let (status, body) = try #require(await httpGet(base + "/api/v1/query_range?" + query, timeout: 60))
            #expect(status == 503)
            #expect(body.contains(#""errorType":"timeout""#))
            #expect(Date().timeIntervalSince(started) < 10)
            #expect(await Self.runningQueries(base) == 0)
        }
    }
}
