import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import MetricsModel
import Scraper
import Testing
import TestSupport
import TSDB

@testable import QueryAPI

/// Grafana's Prometheus data source, replayed from the HTTP API contract (§2.8): save & test, the
/// dashboard's variables, its panels' POSTs, Explore's metric browser. Every request must succeed
/// with the shape Grafana reads.
@Suite("Grafana request sequence", .serialized)
struct GrafanaSequenceTests {
    /// Six hours of 15 s samples for the platform's dashboard metrics.
    static func populate(_ db: DB, now: Int64) throws {
        let les = ["0.05", "0.1", "0.5", "1", "+Inf"]
        var appender = db.appender()
        for step in stride(from: now - 6 * 3_600_000, through: now, by: 15_000) {
            let n = Double((step - now) / 15_000 + 1441)
            for route in ["a", "b"] {
                try appender.append(["__name__": "http_requests_total", "job": "api", "route": route, "instance": "p1:8008"], Sample(timestamp: step, value: n * 3))
                for (index, le) in les.enumerated() {
                    try appender.append(
                        ["__name__": "http_request_duration_seconds_bucket", "job": "api", "route": route, "le": le, "instance": "p1:8008"],
                        Sample(timestamp: step, value: n * Double(index + 1)))
                }
            }
            for result in ["hit", "miss"] {
                try appender.append(["__name__": "cache_requests_total", "job": "redis", "result": result], Sample(timestamp: step, value: n * (result == "hit" ? 9 : 1)))
            }
            for le in les {
                try appender.append(["__name__": "agent_processing_seconds_bucket", "job": "agents", "le": le], Sample(timestamp: step, value: n))
            }
            try appender.append(["__name__": "up", "job": "api", "instance": "p1:8008"], Sample(timestamp: step, value: 1))
        }
        try appender.commit()
    }

    struct Step: Sendable {
        let method: HTTPRequest.Method
        let path: String
        let body: String?
        /// The `data` shape Grafana reads: a resultType, a list, an object, or 405 (to fall back to GET).
        let expect: Expectation
    }

    enum Expectation: Sendable {
        case resultType(String, nonEmpty: Bool)
        case list(nonEmpty: Bool)
        case object(keys: [String])
        case methodNotAllowed
    }

    @Test("save & test, variables, panels and Explore all succeed with the shapes Grafana reads")
    func sequence() async throws {
        let nowMs = Int64(Date().timeIntervalSince1970) * 1000
        let now = nowMs / 1000
        let (start, end) = (now - 6 * 3600, now)
        let form = formEncode
        func query(_ path: String, _ pairs: [(String, String)]) -> String { path + "?" + form(pairs) }
        let p95 = #"histogram_quantile(0.95, sum by (le, route) (rate(http_request_duration_seconds_bucket{route=~"(a|b)"}[1m0s])))"#
        let steps: [Step] = [
            // A. Save & test
            Step(method: .post, path: "/api/v1/query", body: "query=1%2B1&time=4", expect: .resultType("scalar", nonEmpty: true)),
            Step(method: .post, path: "/api/v1/status/buildinfo", body: "", expect: .methodNotAllowed),
            Step(method: .get, path: "/api/v1/status/buildinfo", body: nil, expect: .object(keys: ["version"])),
            // B. Dashboard load and variables
            Step(method: .get, path: "/api/v1/rules", body: nil, expect: .object(keys: ["groups"])),
            Step(method: .post, path: "/api/v1/query_exemplars", body: form([("query", "test"), ("start", "\(start * 1000)"), ("end", "\(end * 1000)")]), expect: .list(nonEmpty: false)),
            Step(method: .get, path: query("/api/v1/label/job/values", [("match[]", "up"), ("start", "\(start)"), ("end", "\(end)")]), body: nil, expect: .list(nonEmpty: true)),
            Step(method: .get, path: query("/api/v1/label/route/values", [("match[]", #"http_requests_total{job="api"}"#), ("start", "\(start)"), ("end", "\(end)")]), body: nil, expect: .list(nonEmpty: true)),
            // C. Panels
            Step(method: .post, path: "/api/v1/query_range", body: form([("query", p95), ("start", "\(start)"), ("end", "\(end)"), ("step", "20")]), expect: .resultType("matrix", nonEmpty: true)),
            Step(method: .post, path: "/api/v1/query_exemplars", body: form([("query", p95), ("start", "\(start)"), ("end", "\(end)")]), expect: .list(nonEmpty: false)),
            Step(method: .post, path: "/api/v1/query_range", body: form([("query", #"sum by (route) (rate(http_requests_total{route=~"(a|b)"}[1m0s]))"#), ("start", "\(start)"), ("end", "\(end)"), ("step", "20")]), expect: .resultType("matrix", nonEmpty: true)),
            Step(method: .post, path: "/api/v1/query", body: form([("query", #"sum(rate(cache_requests_total{result="hit"}[1m0s])) / sum(rate(cache_requests_total[1m0s]))"#), ("time", "\(now).512")]), expect: .resultType("vector", nonEmpty: true)),
            Step(method: .post, path: "/api/v1/query_range", body: form([("query", "sum by (le) (increase(agent_processing_seconds_bucket[1m0s]))"), ("start", "\(start)"), ("end", "\(end)"), ("step", "20")]), expect: .resultType("matrix", nonEmpty: true)),
            // D. Explore and the metrics browser
            Step(method: .get, path: query("/api/v1/label/__name__/values", [("limit", "40000"), ("start", "\(now - 3600)"), ("end", "\(now)")]), body: nil, expect: .list(nonEmpty: true)),
            Step(method: .post, path: "/api/v1/labels", body: form([("limit", "40000"), ("start", "\(now - 3600)"), ("end", "\(now)")]), expect: .list(nonEmpty: true)),
            Step(method: .get, path: query("/api/v1/metadata", [("limit", "40000")]), body: nil, expect: .object(keys: [])),
            Step(method: .get, path: query("/api/v1/label/instance/values", [("match[]", #"{__name__="http_requests_total"}"#), ("limit", "40000"), ("start", "\(now - 3600)"), ("end", "\(now)")]), body: nil, expect: .list(nonEmpty: true)),
            Step(method: .post, path: "/api/v1/labels", body: form([("match[]", #"{__name__="http_requests_total"}"#), ("limit", "40000"), ("start", "\(now - 3600)"), ("end", "\(now)")]), expect: .list(nonEmpty: true)),
        ]
        try await withTestAPI(seed: { try Self.populate($0, now: nowMs) }) { client, _ in
            for step in steps {
                let headers: HTTPFields = step.body == nil ? [:] : [.contentType: "application/x-www-form-urlencoded"]
                try await client.execute(uri: step.path, method: step.method, headers: headers, body: step.body.map { ByteBuffer(string: $0) }) { response in
                    let label = "\(step.method) \(step.path)"
                    if case .methodNotAllowed = step.expect {
                        #expect(response.status == .methodNotAllowed, "\(label)")
                        #expect(response.headers[.allow]?.contains("GET") == true, "\(label)")
                        return
                    }
                    #expect(response.status == .ok, "\(label): \(String(buffer: response.body))")
                    let body = try #require(try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any], "\(label)")
                    #expect(body["status"] as? String == "success", "\(label)")
                    switch step.expect {
                    case .resultType(let type, let nonEmpty):
                        let data = try #require(body["data"] as? [String: Any], "\(label)")
                        #expect(data["resultType"] as? String == type, "\(label)")
                        if nonEmpty, type != "scalar" { #expect((data["result"] as? [Any])?.isEmpty == false, "\(label)") }
                    case .list(let nonEmpty):
                        let list = try #require(body["data"] as? [Any], "\(label)")
                        if nonEmpty { #expect(!list.isEmpty, "\(label)") }
                    case .object(let keys):
                        let data = try #require(body["data"] as? [String: Any], "\(label)")
                        for key in keys { #expect(data[key] != nil, "\(label): \(key)") }
                        if step.path.hasSuffix("buildinfo") {
                            #expect(data["features"] == nil)
                            let version = (data["version"] as? String ?? "").split(separator: ".").compactMap { Int($0) }
                            #expect(version.count == 3 && (version[0], version[1]) >= (2, 24))
                        }
                    case .methodNotAllowed:
                        break
                    }
                }
            }
        }
    }
}
