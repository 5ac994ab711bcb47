import Config
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

/// Methods, unknown paths, CORS, gzip, status, admin, rules, exemplars and federation.
@Suite("HTTP behaviour of the API", .serialized)
struct HTTPBehaviourTests {
    static let configText = """
        global: {external_labels: {cluster: eu1}}
        scrape_configs:
        - job_name: secured
          basic_auth: {username: admin, password: hunter2}
          static_configs: [{targets: ['127.0.0.1:1']}]
        """

    static func withAPI(
        admin: Bool = false, cors: String? = nil, _ body: @Sendable (any TestClientProtocol, DB) async throws -> Void
    ) async throws {
        var options = APIServer.Options()
        options.enableAdminAPI = admin
        if let cors { options.corsOrigin = try AnchoredRegex(cors) }
        let config = try PrometheusConfig.load(yaml: configText)
        let runtime = ServerRuntime(flags: ["query.timeout": "2m"], storageRetention: "15d", configText: configText)
        try await withTestAPI(seed: { db in
            let now = Int64(Date().timeIntervalSince1970 * 1000)
            var appender = db.appender()
            try appender.append(Labels(["__name__": "up", "job": "api", "instance": "a:1"]), Sample(timestamp: now - 1000, value: 1))
            try appender.append(Labels(["__name__": "up", "job": "ws", "instance": "b:1"]), Sample(timestamp: now - 1000, value: 0))
            try appender.commit()
        }, server: { APIServer(db: $0, config: { config }, options: options, runtime: runtime) }, body)
    }


    @Test("/api/v1/targets writes URLs with plain slashes, as every other endpoint and Prometheus do")
    func targetsUnescapedSlashes() async throws {
        struct OneTarget: TargetRetriever {
            func targets() -> (active: [ActiveTarget], dropped: [DroppedTarget]) {
                ([ActiveTarget(scrapePool: "node", labels: ["job": "node", "instance": "a:9100"], discoveredLabels: ["__address__": "a:9100"],
                               url: "http://a:9100/metrics", interval: .seconds(15), timeout: .seconds(10))], [])
            }
            func sampleRefusals() -> SampleRefusals { SampleRefusals() }
        }
        try await withTestAPI(server: { APIServer(db: $0, targets: OneTarget()) }) { client, _ in
            try await client.execute(uri: "/api/v1/targets", method: .get) { response in
                let body = String(buffer: response.body)
                #expect(body.contains("\"scrapeUrl\":\"http://a:9100/metrics\""), "\(body)")
                #expect(!body.contains("\\/"))
            }
        }
    }

    @Test("every endpoint writes the same envelope: status first, then data or the error, slashes unescaped")
    func oneEnvelope() async throws {
        try await Self.withAPI { client, _ in
            let successes = ["/api/v1/query?query=up", "/api/v1/query_range?query=up&start=0&end=60&step=15", "/api/v1/labels",
                             "/api/v1/label/job/values", "/api/v1/series?match[]=up", "/api/v1/metadata", "/api/v1/targets",
                             "/api/v1/status/buildinfo", "/api/v1/status/flags", "/api/v1/rules", "/api/v1/alerts"]
            for uri in successes {
                try await client.execute(uri: uri, method: .get) { response in
                    let body = String(buffer: response.body)
                    #expect(response.status == .ok, "\(uri)")
                    #expect(body.hasPrefix(#"{"status":"success","data":"#), "\(uri): \(body.prefix(80))")
                    #expect(!body.contains("\\/"), "\(uri)")
                    #expect(response.headers[.contentType] == "application/json", "\(uri)")
                }
            }
            for uri in ["/api/v1/query?query=sum(", "/api/v1/series", "/api/v1/query_range?query=up&start=x"] {
                try await client.execute(uri: uri, method: .get) { response in
                    let body = String(buffer: response.body)
                    #expect(response.status == .badRequest, "\(uri)")
                    #expect(body.hasPrefix(#"{"status":"error","errorType":"bad_data","error":"#), "\(uri): \(body.prefix(80))")
                }
            }
        }
    }

    @Test("a wrong method gets 405 with Allow; an unknown path gets a plain 404")
    func methodsAndPaths() async throws {
        try await Self.withAPI { client, _ in
            try await client.execute(uri: "/api/v1/status/buildinfo", method: .post) { response in
                #expect(response.status == .methodNotAllowed)
                #expect(response.headers[.allow] == "GET, OPTIONS")
            }
            try await client.execute(uri: "/api/v1/label/job/values", method: .post) { response in
                #expect(response.status == .methodNotAllowed)
            }
            try await client.execute(uri: "/api/v1/no-such-endpoint", method: .get) { response in
                #expect(response.status == .notFound)
                #expect(String(buffer: response.body) == "404 page not found\n")
            }
        }
    }

    @Test("CORS: OPTIONS answers 204; an Origin gets the headers, restricted by --web.cors.origin")
    func cors() async throws {
        try await Self.withAPI { client, _ in
            try await client.execute(uri: "/api/v1/query", method: .options, headers: [.origin: "https://grafana.example"]) { response in
                #expect(response.status == .noContent)
                #expect(response.headers[.accessControlAllowOrigin] == "*")
                #expect(response.headers[.accessControlAllowMethods] == "GET, POST, OPTIONS")
            }
        }
        try await Self.withAPI(cors: #"https://(grafana|ops)\.example"#) { client, _ in
            try await client.execute(uri: "/api/v1/labels", method: .get, headers: [.origin: "https://ops.example"]) { response in
                #expect(response.headers[.accessControlAllowOrigin] == "https://ops.example")
            }
            try await client.execute(uri: "/api/v1/labels", method: .get, headers: [.origin: "https://evil.example"]) { response in
                #expect(response.headers[.accessControlAllowOrigin] == nil)
            }
        }
    }

    @Test("responses are gzip-compressed when the client accepts gzip")
    func gzip() async throws {
        try await Self.withAPI { client, _ in
            let plain = try await client.execute(uri: "/api/v1/labels", method: .get) { String(buffer: $0.body) }
            try await client.execute(uri: "/api/v1/labels", method: .get, headers: [.acceptEncoding: "deflate, gzip;q=1.0"]) { response in
                #expect(response.headers[.contentEncoding] == "gzip")
                let decoded = try Gzip.decompress(Array(buffer: response.body))
                #expect(String(decoding: decoded, as: UTF8.self) == plain)
            }
        }
        #expect(throws: Gzip.Failure.self) { try Gzip.decompress([0x1f, 0x8b, 0, 1, 2, 3]) }
    }

    @Test("status endpoints: config with secrets redacted, flags, runtime, WAL replay, TSDB cardinality")
    func status() async throws {
        try await Self.withAPI { client, db in
            try await client.execute(uri: "/api/v1/status/config", method: .get) { response in
                let yaml = try #require((try jsonObject(response.body)["data"] as? [String: String])?["yaml"])
                #expect(yaml.contains("<secret>") && !yaml.contains("hunter2") && yaml.contains("admin"))
            }
            try await client.execute(uri: "/api/v1/status/flags", method: .get) { response in
                let body = try jsonObject(response.body)
                #expect((body["data"] as? [String: String])?["query.timeout"] == "2m")
            }
            try await client.execute(uri: "/api/v1/status/runtimeinfo", method: .get) { response in
                let data = try #require(try jsonObject(response.body)["data"] as? [String: Any])
                #expect(data["storageRetention"] as? String == "15d")
                #expect(data["reloadConfigSuccess"] as? Bool == true)
                #expect(data["startTime"] is String && data["CWD"] is String)
            }
            try await client.execute(uri: "/api/v1/status/walreplay", method: .get) { response in
                let data = try #require(try jsonObject(response.body)["data"] as? [String: Int])
                // Replay is done before the server starts: the last segment replayed is current.
                let last = max(0, db.replayReport.segments - 1)
                #expect(data == ["min": 0, "max": last, "current": last])
            }
            try await client.execute(uri: "/api/v1/status/tsdb?limit=1", method: .get) { response in
                let data = try #require(try jsonObject(response.body)["data"] as? [String: Any])
                #expect((data["headStats"] as? [String: Any])?["numSeries"] as? Int == 2)
                let byMetric = try #require(data["seriesCountByMetricName"] as? [[String: Any]])
                #expect(byMetric.count == 1 && byMetric[0]["name"] as? String == "up" && byMetric[0]["value"] as? Int == 2)
            }
            try await client.execute(uri: "/api/v1/status/tsdb?limit=0", method: .get) { response in
                #expect(response.status == .badRequest)
            }
        }
    }

    @Test("status/tsdb narrows by match[], counts a UTC day's series with date, and ranks a focusLabel's values")
    func tsdbCardinalityParameters() async throws {
        try await Self.withAPI { client, _ in
            func data(_ query: String) async throws -> [String: Any] {
                try await client.execute(uri: "/api/v1/status/tsdb?" + query, method: .get) { response in
                    #expect(response.status == .ok, "\(query): \(String(buffer: response.body))")
                    return try #require(try jsonObject(response.body)["data"] as? [String: Any])
                }
            }
            let matched = try await data("match[]=%7Bjob%3D%22api%22%7D")
            #expect(matched["totalSeries"] as? Int == 1)
            #expect((matched["headStats"] as? [String: Any])?["numSeries"] as? Int == 1)
            let focused = try await data("focusLabel=job")
            let byJob = try #require(focused["seriesCountByFocusLabelValue"] as? [[String: Any]])
            #expect(Set(byJob.compactMap { $0["name"] as? String }) == ["api", "ws"])
            let formatter = DateFormatter()
            formatter.dateFormat = "yyyy-MM-dd"
            formatter.timeZone = TimeZone(identifier: "UTC")
            // The samples are a second old: today (UTC), unless the test runs across midnight.
            let today = formatter.string(from: Date().addingTimeInterval(-1))
            #expect(try await data("date=\(today)")["totalSeries"] as? Int == 2)
            #expect(try await data("date=2001-01-01")["totalSeries"] as? Int == 0)
            for bad in ["date=2026-02-30", "date=yesterday", "match[]=rate(up%5B5m%5D)"] {
                try await client.execute(uri: "/api/v1/status/tsdb?" + bad, method: .get) { response in
                    #expect(response.status == .badRequest, "\(bad)")
                }
            }
        }
    }

    @Test("admin endpoints are refused unless enabled; enabled, they delete, clean and snapshot")
    func admin() async throws {
        try await Self.withAPI { client, _ in
            try await client.execute(uri: "/api/v1/admin/tsdb/delete_series?match[]=up", method: .post) { response in
                #expect(response.status == .internalServerError)
                let body = try jsonObject(response.body)
                #expect(body["errorType"] as? String == "unavailable")
            }
        }
        try await Self.withAPI(admin: true) { client, db in
            try await client.execute(uri: "/api/v1/admin/tsdb/snapshot", method: .post) { response in
                let name = try #require((try jsonObject(response.body)["data"] as? [String: String])?["name"])
                let blocks = try FileManager.default.contentsOfDirectory(atPath: "\(db.path)/snapshots/\(name)")
                #expect(blocks.count == 1)
                // The snapshot opens as a store and holds the head's series.
                let copy = try DB(path: "\(db.path)/snapshots/\(name)", logger: Logger(label: "test"))
                #expect(try copy.series([try Matcher(.equal, "__name__", "up")]).count == 2)
                copy.close()
            }
            try await client.execute(uri: "/api/v1/admin/tsdb/delete_series?match[]=up%7Bjob%3D%22ws%22%7D", method: .post) { response in
                #expect(response.status == .noContent)
            }
            #expect(try db.select([try Matcher(.equal, "job", "ws")], from: 0, through: .max).isEmpty)
            try await client.execute(uri: "/api/v1/admin/tsdb/clean_tombstones", method: .put) { response in
                #expect(response.status == .noContent)
            }
            try await client.execute(uri: "/api/v1/admin/tsdb/delete_series", method: .post) { response in
                #expect(response.status == .badRequest)
            }
        }
    }

    @Test("rules, alerts, alertmanagers and exemplars answer in Prometheus's shapes")
    func rulesAndExemplars() async throws {
        try await Self.withAPI { client, _ in
            try await client.execute(uri: "/api/v1/rules?type=alert", method: .get) { response in
                let body = try jsonObject(response.body)
                #expect((body["data"] as? [String: Any])?["groups"] as? [Any] != nil)
            }
            try await client.execute(uri: "/api/v1/rules?type=nonsense", method: .get) { response in
                #expect(response.status == .badRequest)
            }
            try await client.execute(uri: "/api/v1/alerts", method: .get) { response in
                let body = try jsonObject(response.body)
                #expect((body["data"] as? [String: Any])?["alerts"] as? [Any] != nil)
            }
            try await client.execute(uri: "/api/v1/alertmanagers", method: .get) { response in
                let data = try #require(try jsonObject(response.body)["data"] as? [String: Any])
                #expect(data["activeAlertmanagers"] as? [Any] != nil && data["droppedAlertmanagers"] as? [Any] != nil)
            }
            try await client.execute(uri: "/api/v1/query_exemplars?query=rate(up%5B5m%5D)&start=1&end=2", method: .get) { response in
                #expect(response.status == .ok)
                let body = try jsonObject(response.body)
                #expect((body["data"] as? [Any])?.isEmpty == true)
            }
            try await client.execute(uri: "/api/v1/query_exemplars?query=1", method: .get) { response in
                #expect(response.status == .noContent)
            }
        }
    }

    @Test("/federate serves the newest samples with external labels in the text format")
    func federate() async throws {
        try await Self.withAPI { client, _ in
            try await client.execute(uri: "/federate?match[]=up%7Bjob%3D%22api%22%7D", method: .get) { response in
                let text = String(buffer: response.body)
                let lines = text.split(separator: "\n")
                #expect(lines.first == "# TYPE up untyped")
                #expect(lines.count == 2)
                #expect(lines.last?.hasPrefix(#"up{cluster="eu1",instance="a:1",job="api"} 1 "#) == true)
            }
            try await client.execute(uri: "/federate?match[]=up%2B", method: .get) { response in
                #expect(response.status == .badRequest)
            }
        }
    }

    @Test("warnings and infos come back beside the data, positioned in the query as sent")
    func annotations() async throws {
        try await Self.withAPI { client, db in
            let now = Int64(Date().timeIntervalSince1970 * 1000)
            var appender = db.appender()
            for age in [60_000, 30_000] as [Int64] {
                try appender.append(Labels(["__name__": "queue_depth", "job": "api"]), Sample(timestamp: now - age, value: Double(age)))
            }
            try appender.commit()
            let query = "histogram_quantile(1.5, up)".addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
            try await client.execute(uri: "/api/v1/query?query=\(query)", method: .get) { response in
                #expect(response.status == .ok)
                let body = try jsonObject(response.body)
                #expect(body["status"] as? String == "success")
                let warnings = try #require(body["warnings"] as? [String])
                #expect(warnings.contains("PromQL warning: quantile value should be between 0 and 1, got 1.5 (1:20)"))
                #expect(warnings.contains { $0.hasPrefix("PromQL warning: bucket label \"le\" is missing") && $0.hasSuffix("for metric name \"up\" (1:25)") })
                #expect(body["infos"] == nil)
            }
            let rate = "rate(queue_depth[5m])".addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
            try await client.execute(uri: "/api/v1/query?query=\(rate)", method: .get) { response in
                let body = try jsonObject(response.body)
                #expect(body["warnings"] == nil)
                #expect(body["infos"] as? [String] == ["PromQL info: metric might not be a counter, name does not end in _total/_sum/_count/_bucket: \"queue_depth\" (1:6)"])
            }
            try await client.execute(uri: "/api/v1/query?query=up", method: .get) { response in
                let body = try jsonObject(response.body)
                #expect(body["warnings"] == nil && body["infos"] == nil)
            }
        }
    }

    @Test("bad input gets bad_data, never a crash: garbage, deep nesting, a 10 MB body")
    func badInput() async throws {
        try await Self.withAPI { client, _ in
            let deep = String(repeating: "(", count: 5000) + "1" + String(repeating: ")", count: 5000)
            for query in ["%ZZ", "sum(", deep.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!] {
                try await client.execute(uri: "/api/v1/query?query=\(query)", method: .get) { response in
                    #expect(response.status == .badRequest)
                    let body = try jsonObject(response.body)
                    #expect(body["errorType"] as? String == "bad_data")
                }
            }
            let big = "query=" + String(repeating: "a", count: 10 << 20) + "%7B"
            try await client.execute(
                uri: "/api/v1/query", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"], body: ByteBuffer(string: big)
            ) { response in
                #expect(response.status == .badRequest)
            }
            try await client.execute(uri: "/api/v1/query?query=up&timeout=soon", method: .get) { response in
                #expect(response.status == .badRequest)
            }
        }
    }
}

@Suite("Query limits")
struct QueryLimitTests {
    @Test("the gate admits up to its limit, queues the rest, and times a waiter out at its deadline")
    func gate() async throws {
        let gate = QueryGate(limit: 1)
        #expect(await gate.acquire(deadline: .now + .seconds(5)))
        #expect(await gate.acquire(deadline: .now + .milliseconds(50)) == false)
        async let waiter = gate.acquire(deadline: .now + .seconds(5))
        #expect(await eventually(within: 5) { gate.load.waiting == 1 })
        gate.release()
        #expect(await waiter)
        gate.release()
        #expect(gate.load.running == 0 && gate.load.waiting == 0)
    }
}
