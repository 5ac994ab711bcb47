import Foundation
import HummingbirdTesting
import NIOCore
import Synchronization
import Testing

@testable import QueryAPI

/// `/api/v1/rules`, `/alerts` and `/alertmanagers` over a fixed rule retriever.
@Suite("Rules endpoints")
struct RulesEndpointTests {
    struct FixedRules: RuleRetriever {
        func ruleGroups() -> [RuleGroupReport] {
            var alerting = RuleReport(
                kind: .alerting, name: "HighLatency", query: "latency > 1", labels: ["severity": "page"], health: "ok", lastError: "",
                evaluationTime: 0.002, lastEvaluation: 1_796_000_000_000)
            alerting.state = "firing"
            alerting.duration = 300
            alerting.annotations = ["summary": "slow"]
            alerting.alerts = [
                AlertReport(labels: ["alertname": "HighLatency", "severity": "page"], annotations: ["summary": "slow"], state: "firing",
                            activeAt: 1_795_999_000_000, keepFiringSince: nil, value: 2.5)
            ]
            let recording = RuleReport(
                kind: .recording, name: "job:latency:p99", query: "histogram_quantile(0.99, x)", labels: [:], health: "err",
                lastError: "boom", evaluationTime: 0.001, lastEvaluation: 0)
            return [
                RuleGroupReport(name: "api", file: "/rules/api.yml", interval: 15, limit: 0, evaluationTime: 0.003, lastEvaluation: 1_796_000_000_000,
                                rules: [recording, alerting]),
                RuleGroupReport(name: "db", file: "/rules/db.yml", interval: 60, limit: 10, evaluationTime: 0, lastEvaluation: 0, rules: [recording]),
            ]
        }

        func alertmanagers() -> (active: [String], dropped: [String]) { (["http://am:9093/api/v2/alerts"], []) }
    }

    static func get(_ path: String) async throws -> [String: Any] {
        let body = Mutex(Data())
        try await withTestAPI(server: { APIServer(db: $0, rules: FixedRules()) }) { client, _ in
            try await client.execute(uri: path, method: .get) { response in
                body.withLock { $0 = Data(buffer: response.body) }
            }
        }
        return try #require(try JSONSerialization.jsonObject(with: body.withLock { $0 }) as? [String: Any])
    }

    static func groups(_ object: [String: Any]) -> [[String: Any]] {
        ((object["data"] as? [String: Any])?["groups"] as? [[String: Any]]) ?? []
    }

    @Test("groups and rules in Prometheus's shape")
    func shape() async throws {
        let groups = Self.groups(try await Self.get("/api/v1/rules"))
        #expect(groups.map { $0["name"] as? String } == ["api", "db"])
        let rules = try #require(groups.first?["rules"] as? [[String: Any]])
        #expect(rules[0]["type"] as? String == "recording" && rules[0]["lastError"] as? String == "boom")
        #expect(rules[0]["lastEvaluation"] as? String == "0001-01-01T00:00:00Z")
        #expect(rules[1]["type"] as? String == "alerting" && rules[1]["state"] as? String == "firing" && rules[1]["duration"] as? Double == 300)
        let alert = try #require((rules[1]["alerts"] as? [[String: Any]])?.first)
        #expect(alert["value"] as? String == "2.5e+00")
        #expect(alert["activeAt"] as? String == "2026-11-30T00:36:40.000Z")
    }

    @Test("type, rule_name[], rule_group[], file[] and exclude_alerts filter; groups left empty are omitted")
    func filters() async throws {
        #expect(Self.groups(try await Self.get("/api/v1/rules?type=alert")).map { $0["name"] as? String } == ["api"])
        let records = Self.groups(try await Self.get("/api/v1/rules?type=record"))
        #expect(records.count == 2 && records.allSatisfy { ($0["rules"] as? [Any])?.count == 1 })
        #expect(Self.groups(try await Self.get("/api/v1/rules?rule_name%5B%5D=HighLatency")).count == 1)
        #expect(Self.groups(try await Self.get("/api/v1/rules?rule_group%5B%5D=db")).map { $0["file"] as? String } == ["/rules/db.yml"])
        #expect(Self.groups(try await Self.get("/api/v1/rules?file%5B%5D=/rules/api.yml")).map { $0["name"] as? String } == ["api"])
        let excluded = Self.groups(try await Self.get("/api/v1/rules?type=alert&exclude_alerts=true"))
        #expect((excluded.first?["rules"] as? [[String: Any]])?.first?["alerts"] == nil)
        let bad = try await Self.get("/api/v1/rules?type=bogus")
        #expect(bad["errorType"] as? String == "bad_data")
        #expect(bad["error"] as? String == "invalid parameter \"type\": not supported value \"bogus\"")
    }

    @Test("alerts and alertmanagers")
    func alertsAndAlertmanagers() async throws {
        let alerts = try #require((try await Self.get("/api/v1/alerts")["data"] as? [String: Any])?["alerts"] as? [[String: Any]])
        #expect(alerts.map { ($0["labels"] as? [String: String])?["alertname"] } == ["HighLatency"])
        let managers = try #require(try await Self.get("/api/v1/alertmanagers")["data"] as? [String: Any])
        #expect((managers["activeAlertmanagers"] as? [[String: String]]) == [["url": "http://am:9093/api/v2/alerts"]])
    }
}
