import Foundation
import ServerTestSupport
import Testing
import TestSupport

/// The tsq suites, one at a time: each starts servers and runs tsq, promtool and peers dozens of
/// times, and together beside the rest of the tests they starved in-process servers on 2 cores.
@Suite("tsq integration", .serialized)
struct TSQIntegrationTests {}

/// The data the tsq tests query: three hours of counters, a histogram and a gauge at 15 s, as
/// OpenMetrics with timestamps (the backfill format both `tsq import` and promtool read), ending
/// about five minutes ago.
///
/// Samples lie 7 s off the whole minute, and queries are evaluated on whole minutes, so no sample
/// sits exactly on a range's start: there Prometheus 3, whose semantics metricsd and the
/// conformance suite follow, leaves it out ((t-r, t]) and Debian's 2.42 counts it ([t-r, t]).
/// Bucket bounds are written as Prometheus 3 normalises them (`1.0`, not `1`), which 2.42 keeps as
/// written. `TSQIntegrationTests.TSQDifferentialTests.rangeStartDiffers` pins the first difference.
struct TSQDataset {
    let end: Int64
    var start: Int64 { end - 3 * 3600 }
    /// Seconds past the minute of every sample.
    static let offset: Int64 = 7
    /// A fixed instant inside the data, for instant queries.
    var instant: Int64 { start + 2 * 3600 }

    init(now: Date = Date()) {
        end = (Int64(now.timeIntervalSince1970) - 300) / 60 * 60
    }

    var openMetrics: String {
        var lines = ["# HELP http_requests Requests served.", "# TYPE http_requests counter"]
        for code in ["200", "500"] {
            for instance in ["api-0:8008", "api-1:8008"] {
                var value = 0
                for (step, t) in stride(from: start + Self.offset, to: end, by: 15).enumerated() {
                    value += (code == "200" ? 7 : 1) + step % 4
                    lines.append(#"http_requests_total{code="\#(code)",instance="\#(instance)",job="api"} \#(value) \#(t)"#)
                }
            }
        }
        lines += ["# HELP db_query_duration_seconds Query latency.", "# TYPE db_query_duration_seconds histogram"]
        var buckets = [0, 0, 0, 0]
        var sum = 0.0
        for (step, t) in stride(from: start + Self.offset, to: end, by: 15).enumerated() {
            let added = [3, 5 + step % 3, 2, 1]
            var cumulative = 0
            for (index, le) in ["0.01", "0.1", "1.0", "+Inf"].enumerated() {
                buckets[index] += added[index]
                cumulative = buckets[...index].reduce(0, +)
                lines.append(#"db_query_duration_seconds_bucket{le="\#(le)"} \#(cumulative) \#(t)"#)
            }
            sum += 0.05 * Double(step % 7 + 1)
            lines.append("db_query_duration_seconds_count \(cumulative) \(t)")
            lines.append("db_query_duration_seconds_sum \(sum) \(t)")
        }
        lines += ["# HELP temperature_celsius Room temperature.", "# TYPE temperature_celsius gauge"]
        for (step, t) in stride(from: start + Self.offset, to: end, by: 15).enumerated() {
            lines.append(#"temperature_celsius{room="lab"} \#(20 + Double((step * 37) % 11) / 2) \#(t)"#)
        }
        return lines.joined(separator: "\n") + "\n# EOF\n"
    }

    /// Writes the data to `directory/data.om` and returns its path.
    func write(to directory: URL) throws -> String {
        let file = directory.appendingPathComponent("data.om")
        try openMetrics.write(to: file, atomically: true, encoding: .utf8)
        return file.path
    }
}

/// The built `tsq`, run as a user runs it.
func tsq(_ arguments: [String], stdin: String? = nil, environment: [String: String] = [:], directory: URL? = nil) async throws -> CommandResult {
    try await runCommandDetached(ServerTestSupport.ServerProcess.binary("tsq"), arguments, stdin: stdin, environment: environment, directory: directory)
}

/// metricsd on `data` (imported before), scraping nothing, for as long as `body` runs.
func withStoreServer(data: String, _ body: (String) async throws -> Void) async throws {
    let port = ServerProcess.freePort()
    let config = URL(fileURLWithPath: data).deletingLastPathComponent().appendingPathComponent("idle.yml")
    try "global: {scrape_interval: 15s}\n".write(to: config, atomically: true, encoding: .utf8)
    let server = try ServerProcess("metricsd", arguments: [
        "--config.file", config.path, "--web.listen-address", "127.0.0.1:\(port)", "--storage.tsdb.path", data,
    ])
    try await runThenTerminate(server) {
        let base = "http://127.0.0.1:\(port)"
        try #require(await eventually(within: 15) { await httpGet(base + "/-/ready")?.0 == 200 }, "metricsd did not become ready: \(server.log().suffix(2000))")
        try await body(base)
    }
}

/// Runs `body`, then stops `server` off the cooperative pool, whether `body` threw or not.
func runThenTerminate(_ server: ServerProcess, _ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch {
        await server.terminate()
        throw error
    }
    await server.terminate()
}

/// Debian's Prometheus 2.42 over blocks promtool backfilled from `file`, for as long as `body` runs.
func withPrometheus(file: String, in directory: URL, _ body: (String) async throws -> Void) async throws {
    let data = directory.appendingPathComponent("prometheus-data").path
    let backfill = try await runCommandDetached(URL(fileURLWithPath: TSQPeers.promtool), ["tsdb", "create-blocks-from", "openmetrics", file, data])
    try #require(backfill.status == 0, "promtool backfill failed: \(backfill.stderr)")
    let config = directory.appendingPathComponent("prometheus.yml")
    try "global: {scrape_interval: 15s}\n".write(to: config, atomically: true, encoding: .utf8)
    let port = ServerProcess.freePort()
    let server = try ServerProcess(executable: URL(fileURLWithPath: TSQPeers.prometheus), arguments: [
        "--config.file=\(config.path)", "--storage.tsdb.path=\(data)", "--web.listen-address=127.0.0.1:\(port)",
    ])
    try await runThenTerminate(server) {
        let base = "http://127.0.0.1:\(port)"
        try #require(await eventually(within: 30) { await httpGet(base + "/-/ready")?.0 == 200 }, "prometheus did not become ready: \(server.log().suffix(2000))")
        try await body(base)
    }
}

enum TSQPeers {
    static let promtool = "/usr/bin/promtool"
    static let prometheus = "/usr/bin/prometheus"
    static let victoriaMetrics = "/usr/bin/victoria-metrics"
    static var havePrometheus: Bool {
        FileManager.default.isExecutableFile(atPath: promtool) && FileManager.default.isExecutableFile(atPath: prometheus)
    }
}

/// JSON results compared as Prometheus's clients read them: label sets exactly, sample values as
/// numbers within a relative 1e-9 (two engines may round the last bit apart), series in any order.
enum ResultComparison {
    static func parse(_ text: String) -> Any? {
        try? JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])
    }

    /// The result list or pair from tsq's `data` object, or promtool's bare result.
    static func result(_ value: Any?) -> Any? {
        (value as? [String: Any])?["result"] ?? value
    }

    static func equal(_ left: Any?, _ right: Any?) -> Bool {
        switch (left, right) {
        case (let l as [String: Any], let r as [String: Any]):
            return Set(l.keys) == Set(r.keys) && l.keys.allSatisfy { equal(l[$0], r[$0]) }
        case (let l as [Any], let r as [Any]):
            guard l.count == r.count else { return false }
            // A list of series is compared in label order; anything else in order.
            if l.first is [String: Any] {
                return zip(sorted(l), sorted(r)).allSatisfy { equal($0, $1) }
            }
            return zip(l, r).allSatisfy { equal($0, $1) }
        case (let l as String, let r as String):
            if l == r { return true }
            guard let a = Double(l), let b = Double(r) else { return false }
            return a == b || abs(a - b) <= 1e-9 * max(abs(a), abs(b))
        case (let l as NSNumber, let r as NSNumber):
            return l.doubleValue == r.doubleValue
        case (is NSNull, is NSNull), (nil, nil):
            return true
        default:
            return false
        }
    }

    static func sorted(_ list: [Any]) -> [Any] {
        list.sorted { key($0) < key($1) }
    }

    static func key(_ item: Any) -> String {
        let object = item as? [String: Any] ?? [:]
        let labels = object["metric"] as? [String: String] ?? object as? [String: String] ?? [:]
        return labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
    }
}
