import Foundation
import Hummingbird
import Testing
import ServerTestSupport
import TestSupport
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Replays every request recorded from Prometheus 2.42 (`../shared/conformance/api-samples/INDEX.md`)
/// against metricsd scraping an equivalent app and itself, and compares what clients depend on: the
/// status code, the content type, and the JSON's structure, types and number/timestamp formatting
/// (values differ: the data is not the same data).
@Suite("Recorded Prometheus API samples", .serialized)
struct APISamplesReplayTests {
    /// Recorded requests metricsd does not answer as Prometheus did, with why (none at present).
    static let knownGaps: [String: String] = [:]

    struct Sample {
        var name: String
        var method: String
        var path: String
        var query: [(String, String)] = []
        var form: [(String, String)]?
        var rawBody: String?
        var headers: [(String, String)] = []
        var status: Int
        var contentType: String
    }

    /// Parses INDEX.md's table rows.
    static func samples() throws -> [Sample] {
        guard let directory = SharedConformance.directory else { return [] }
        let index = try String(contentsOf: directory.appendingPathComponent("api-samples/INDEX.md"), encoding: .utf8)
        var out: [Sample] = []
        for line in index.split(separator: "\n") where line.hasPrefix("| ") && line.contains("`") {
            let cells = line.split(separator: "|", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            guard cells.count >= 5, let status = Int(cells[3]) else { continue }
            var request = cells[2].trimmingCharacters(in: CharacterSet(charactersIn: "`"))
            var sample = Sample(name: cells[1], method: "", path: "", status: status, contentType: cells[4])
            if let range = request.range(of: " hdr: ") {
                let headerText = String(request[range.upperBound...])
                request = String(request[..<range.lowerBound])
                for part in headerText.components(separatedBy: "] [") {
                    let cleaned = part.trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
                    guard let colon = cleaned.firstIndex(of: ":") else { continue }
                    sample.headers.append((String(cleaned[..<colon]), cleaned[cleaned.index(after: colon)...].trimmingCharacters(in: .whitespaces)))
                }
            }
            let words = request.split(separator: " ", maxSplits: 2)
            sample.method = String(words[0])
            sample.path = String(words[1])
            if words.count == 3 {
                var detail = String(words[2])
                if detail.hasPrefix("("), detail.hasSuffix(")") { detail = String(detail.dropFirst().dropLast()) }
                if detail.hasPrefix("URL query: ") {
                    sample.query = pairs(String(detail.dropFirst("URL query: ".count)))
                } else if detail.hasPrefix("form body: ") {
                    let body = String(detail.dropFirst("form body: ".count))
                    if body.contains("=") { sample.form = pairs(body) } else { sample.rawBody = body }
                }
            }
            out.append(sample)
        }
        return out
    }

    static func pairs(_ text: String) -> [(String, String)] {
        text.components(separatedBy: "&").map { pair in
            guard let equals = pair.firstIndex(of: "=") else { return (pair, "") }
            return (String(pair[..<equals]), String(pair[pair.index(after: equals)...]))
        }
    }

    /// Moves the recording's absolute times (unix seconds, milliseconds and RFC 3339) by `delta` seconds.
    static func shift(_ value: String, by delta: Int64) -> String {
        var out = value
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let plain = ISO8601DateFormatter()
        for match in value.matches(of: /2026-11-26T\d\d:\d\d:\d\d(\.\d+)?Z/).reversed() {
            let text = String(value[match.range])
            guard let date = formatter.date(from: text) ?? plain.date(from: text) else { continue }
            out.replaceSubrange(match.range, with: formatter.string(from: date.addingTimeInterval(Double(delta))))
        }
        var result = ""
        var rest = Substring(out)
        while let match = rest.firstMatch(of: /1795\d{6}(\d{3})?(\.\d+)?/) {
            result += rest[..<match.range.lowerBound]
            let text = String(rest[match.range])
            let isMillis = match.output.1 != nil
            if let number = Double(text) {
                let shifted = number + Double(delta) * (isMillis ? 1000 : 1)
                result += text.contains(".") ? String(format: "%.3f", shifted) : String(Int64(shifted))
            } else {
                result += text
            }
            rest = rest[match.range.upperBound...]
        }
        return result + rest
    }

    /// A web app's metrics like the recorded one's: counters, a histogram, a gauge and special values.
    static func startApp(port: Int) async throws -> TestServer {
        let router = Router()
        let started = Date()
        router.get("/metrics") { _, _ -> Response in
            let n = Int(Date().timeIntervalSince(started) * 10) + 1
            var text = "# HELP app_http_requests_total API requests\n# TYPE app_http_requests_total counter\n"
            for (route, method) in [("/api/items", "GET"), ("/api/items", "POST"), ("/api/users", "GET")] {
                for status in ["200", "500"] {
                    text += "app_http_requests_total{method=\"\(method)\",route=\"\(route)\",status=\"\(status)\"} \(n * (status == "200" ? 9 : 1))\n"
                }
            }
            text += "# HELP app_http_request_duration_seconds API latency\n# TYPE app_http_request_duration_seconds histogram\n"
            for (route, method) in [("/api/items", "GET"), ("/api/users", "GET"), ("/api/items", "POST")] {
                var cumulative = 0
                for (index, le) in ["0.05", "0.1", "0.25", "0.5", "1.0", "+Inf"].enumerated() {
                    cumulative += n * (index + 1)
                    text += "app_http_request_duration_seconds_bucket{le=\"\(le)\",method=\"\(method)\",route=\"\(route)\"} \(cumulative)\n"
                }
                text += "app_http_request_duration_seconds_sum{method=\"\(method)\",route=\"\(route)\"} \(Double(cumulative) * 0.21)\n"
                text += "app_http_request_duration_seconds_count{method=\"\(method)\",route=\"\(route)\"} \(cumulative)\n"
            }
            text += "# HELP app_cache_requests_total cache lookups\n# TYPE app_cache_requests_total counter\n"
            text += "app_cache_requests_total{result=\"hit\"} \(n * 8)\napp_cache_requests_total{result=\"miss\"} \(n)\n"
            text += "# HELP app_websocket_connections Open WebSocket connections\n# TYPE app_websocket_connections gauge\napp_websocket_connections \(40 + n % 7)\n"
            text += "# HELP app_weird_value NaN/Inf test gauge\n# TYPE app_weird_value gauge\n"
            for (kind, value) in [("huge", "1.5e+300"), ("nan", "NaN"), ("neginf", "-Inf"), ("posinf", "+Inf"), ("tiny", "1e-09"), ("negzero", "-0")] {
                text += "app_weird_value{kind=\"\(kind)\"} \(value)\n"
            }
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"], body: .init(byteBuffer: ByteBuffer(string: text)))
        }
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)))
        let server = TestServer(app)
        #expect(await eventually(within: underLoad) { await httpGet("http://127.0.0.1:\(port)/metrics") != nil })
        return server
    }

    @Test("every recorded request gets the recorded status, content type and JSON shape", SharedConformance.required)
    func replay() async throws {
        let samples = try Self.samples()
        #expect(samples.count == 77)
        let appPort = ServerProcess.freePort()
        let app = try await Self.startApp(port: appPort)
        defer { app.cancel() }
        // The lab's rule file, so the rules and alerts samples are compared with live groups.
        let rules = try #require(SharedConformance.directory).appendingPathComponent("api-samples/lab/rules.yml").path
        try await withMetricsd("samples", config: { port in
            """
            global: {scrape_interval: 1s, scrape_timeout: 1s, evaluation_interval: 1s}
            rule_files: ['\(rules)']
            scrape_configs:
              - job_name: prometheus
                static_configs: [{targets: ['127.0.0.1:\(port)'], labels: {env: lab}}]
              - job_name: app
                static_configs: [{targets: ['127.0.0.1:\(appPort)']}]
            """
        }, arguments: ["--web.enable-admin-api", "--web.enable-lifecycle", "--web.enable-remote-write-receiver"]) { server in
            let base = server.base
            // Enough scrapes for 1m rates, and the self-metrics' request counters populated.
            // At least five: a poll on a busy machine can miss the moment the count is exactly five.
            #expect(await eventually(within: underLoad) {
                await httpGet(base + "/api/v1/query?query=count_over_time(app_websocket_connections%5B1m%5D)%20%3E%3D%205")?.1.contains(#""value""#) == true
            })
            #expect(await eventually(within: 30) { await httpGet(base + "/api/v1/alerts")?.1.contains("AlwaysFiring") == true })
            let delta = Int64(Date().timeIntervalSince1970) - 1_795_719_298
            var compared = 0
            var failures: [String] = []
            for sample in samples {
                if Self.knownGaps[sample.name] != nil { continue }
                var url = base + sample.path
                let query = sample.query.map { ($0.0, Self.shift($0.1, by: delta)) }
                if !query.isEmpty { url += "?" + formEncode(query) }
                var request = URLRequest(url: URL(string: url)!)
                request.httpMethod = sample.method
                request.timeoutInterval = 10
                for (name, value) in sample.headers { request.setValue(value, forHTTPHeaderField: name) }
                if let form = sample.form {
                    request.httpBody = Data(formEncode(form.map { ($0.0, Self.shift($0.1, by: delta)) }).utf8)
                    request.setValue("application/x-www-form-urlencoded", forHTTPHeaderField: "Content-Type")
                } else if let raw = sample.rawBody {
                    request.httpBody = Data(raw.utf8)
                }
                guard let (data, response) = try? await URLSession.shared.data(for: request), let http = response as? HTTPURLResponse else {
                    failures.append("\(sample.name): no response")
                    continue
                }
                compared += 1
                var problems: [String] = []
                if http.statusCode != sample.status { problems.append("status \(http.statusCode), recorded \(sample.status)") }
                let contentType = http.value(forHTTPHeaderField: "Content-Type") ?? ""
                let recordedType = sample.contentType.split(separator: ";").first.map(String.init) ?? ""
                if !recordedType.isEmpty && !contentType.hasPrefix(recordedType) { problems.append("content type \(contentType), recorded \(sample.contentType)") }
                // 72's body was recorded compressed (.body.gz); its gzip is checked by the in-process API tests.
                if recordedType == "application/json", let directory = SharedConformance.directory,
                    let recorded = try? Data(contentsOf: directory.appendingPathComponent("api-samples/\(sample.name).json"))
                {
                    if let expected = try? JSONSerialization.jsonObject(with: recorded), let got = try? JSONSerialization.jsonObject(with: data) {
                        let nameKeyed = sample.path.hasSuffix("/status/flags") || sample.path.hasSuffix("/metadata") && !sample.path.contains("targets")
                        problems += JSONShape.compare(expected: expected, got: got, path: "$", nameKeyedData: nameKeyed)
                        problems += JSONShape.checkFormatting(String(decoding: data, as: UTF8.self))
                    } else {
                        problems.append("body is not JSON: \(String(decoding: data.prefix(200), as: UTF8.self))")
                    }
                }
                if !problems.isEmpty { failures.append("\(sample.name): \(problems.joined(separator: "; "))") }
            }
            SharedConformance.report("api-samples", passed: compared - failures.count, total: samples.count, skipped: Self.knownGaps.count)
            #expect(failures.isEmpty, "\(failures.joined(separator: "\n"))")
        }
    }
}

/// Structural comparison of two JSON documents: the recorded one's keys must be present with the
/// same kinds of values; label maps and other name-keyed objects are compared by value kinds only;
/// arrays by their first elements when both have any.
enum JSONShape {
    /// Objects whose keys are data (label names, metric names, flag names), not schema.
    static let nameKeyed: Set<String> = [
        "metric", "labels", "discoveredLabels", "target", "seriesLabels", "droppedTargetCounts", "annotations",
    ]

    /// `nameKeyedData`: the whole `data` object is keyed by names (flags, metadata by metric).
    static func compare(expected: Any, got: Any, path: String, nameKeyedData: Bool = false) -> [String] {
        switch (expected, got) {
        case (let e as [String: Any], let g as [String: Any]):
            let last = path.split(separator: ".").last.map(String.init) ?? ""
            if nameKeyedData && path == "$.data" {
                // Compare one entry's shape, whatever its name.
                guard let first = e.values.first, let mine = g.values.first else { return [] }
                return compare(expected: first, got: mine, path: path + ".<name>")
            }
            if nameKeyed.contains(last) {
                return g.values.allSatisfy { $0 is String } || e.values.contains(where: { !($0 is String) })
                    ? [] : ["\(path): values must be strings"]
            }
            var problems: [String] = []
            for (key, value) in e {
                guard let mine = g[key] else {
                    problems.append("\(path).\(key) missing")
                    continue
                }
                problems += compare(expected: value, got: mine, path: "\(path).\(key)", nameKeyedData: nameKeyedData)
            }
            return problems
        case (let e as [Any], let g as [Any]):
            guard let first = e.first, let mine = g.first else { return [] }
            return compare(expected: first, got: mine, path: path + "[0]")
        case (is String, is String), (is NSNull, is NSNull), (is NSNumber, is NSNumber):
            return []
        default:
            return ["\(path): recorded \(type(of: expected)), got \(type(of: got))"]
        }
    }

    /// Sample values are strings in Go's format; timestamps carry at most three decimals.
    static func checkFormatting(_ body: String) -> [String] {
        var problems: [String] = []
        for match in body.matches(of: /\[(-?\d+(\.\d+)?),"([^"]*)"\]/) {
            if let decimals = match.output.2, decimals.count > 4 { problems.append("timestamp \(match.output.1) has more than 3 decimals") }
            let value = String(match.output.3)
            let isNumber = Double(value) != nil || ["NaN", "+Inf", "-Inf"].contains(value)
            if !isNumber && !value.isEmpty { continue }  // string results
            if value == "inf" || value == "nan" || value.hasSuffix(".0") { problems.append("value \(value) is not in Go's format") }
        }
        return problems
    }
}
