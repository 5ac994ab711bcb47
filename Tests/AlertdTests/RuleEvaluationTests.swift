import MetricsModel
import PromQL
import PromQLTesting
import Testing

@testable import alertd
@testable import RuleFiles

@Suite("Rule evaluation")
struct RuleEvaluationTests {
    static let minute: Int64 = 60_000

    static func group(_ yaml: String) throws -> RuleGroupRun {
        let (file, errors) = RuleFile.parse(yaml, path: "r.yml")
        try #require(errors.isEmpty, "\(errors)")
        return try RuleGroupRun(try #require(file?.groups.first))
    }

    /// Runs `run` every minute from 0 through `minutes`, writing its output into `storage`; returns
    /// each step's written samples.
    static func evaluate(_ run: inout RuleGroupRun, _ storage: MemoryStorage, minutes: Int) -> [[(Labels, Sample)]] {
        var steps: [[(Labels, Sample)]] = []
        for minute in 0...minutes {
            var written: [(Labels, Sample)] = []
            let failures = run.evaluate(at: Int64(minute) * Self.minute, engine: Engine(), storage: storage) { samples in
                for (labels, sample) in samples { storage.add(labels, [sample]) }
                written += samples
            }
            #expect(failures.isEmpty, "\(failures)")
            steps.append(written)
        }
        return steps
    }

    @Test("an alert goes pending, fires after `for`, keeps firing for keep_firing_for, then resolves")
    func lifecycle() throws {
        let storage = MemoryStorage()
        // up is 0 for minutes 0–10, then 1.
        storage.add(["__name__": "up", "job": "db"], (0...20).map { Sample(timestamp: Int64($0) * Self.minute, value: $0 <= 10 ? 0 : 1) })
        var run = try Self.group("""
            groups:
              - name: g
                rules:
                  - alert: Down
                    expr: up == 0
                    for: 5m
                    keep_firing_for: 2m
                    labels: {severity: page}
                    annotations: {summary: "{{ $labels.job }} down, value {{ $value }}"}
            """)
        let steps = Self.evaluate(&run, storage, minutes: 16)
        func state(_ step: Int) -> String? {
            steps[step].first { $0.0.get("__name__") == "ALERTS" && !StaleMarker.isStale($0.1.value) }?.0.get("alertstate")
        }
        #expect((0...4).map(state) == Array(repeating: "pending", count: 5))
        #expect((5...12).map(state) == Array(repeating: "firing", count: 8), "minutes 11 and 12 keep firing")
        #expect(state(13) == nil, "resolved once keep_firing_for has passed")
        let alert = try #require(run.alertingRules[0]?.active.values.first)
        #expect(alert.state == .inactive && alert.resolvedAt == 13 * Self.minute && alert.firedAt == 5 * Self.minute)
        #expect(alert.labels == ["alertname": "Down", "job": "db", "severity": "page"])
        #expect(alert.annotations == ["summary": "db down, value 0"])
        // ALERTS_FOR_STATE carries activeAt in seconds; the pending series went stale when it fired.
        #expect(steps[3].contains { $0.0.get("__name__") == "ALERTS_FOR_STATE" && $0.1.value == 0 })
        #expect(steps[5].contains { $0.0.get("alertstate") == "pending" && StaleMarker.isStale($0.1.value) })
        #expect(steps[13].contains { $0.0.get("alertstate") == "firing" && StaleMarker.isStale($0.1.value) })
    }

    @Test("a pending alert whose expression stops is forgotten; `for: 0` fires at once")
    func pendingForgotten() throws {
        let storage = MemoryStorage()
        storage.add(["__name__": "x"], [Sample(timestamp: 0, value: 1)])
        var run = try Self.group("""
            groups:
              - name: g
                rules:
                  - {alert: Slow, expr: x > 0, for: 10m}
                  - {alert: Always, expr: vector(1)}
            """)
        let steps = Self.evaluate(&run, storage, minutes: 6)
        #expect(steps[0].contains { $0.0.get("alertname") == "Always" && $0.0.get("alertstate") == "firing" })
        #expect(run.alertingRules[0]?.active.isEmpty == true, "x went stale after 5m; the pending alert is dropped")
    }

    @Test("recording rules rename, relabel, are seen by later rules of the group, and go stale when their series goes")
    func recording() throws {
        let storage = MemoryStorage()
        storage.add(["__name__": "requests", "job": "api", "instance": "a"], (0...2).map { Sample(timestamp: Int64($0) * Self.minute, value: 10) })
        storage.add(["__name__": "requests", "job": "web", "instance": "b"], (0...6).map { Sample(timestamp: Int64($0) * Self.minute, value: 5) })
        var run = try Self.group("""
            groups:
              - name: g
                labels: {team: platform}
                rules:
                  - record: job:requests:sum
                    expr: sum by (job) (requests)
                    labels: {env: prod}
                  - alert: Busy
                    expr: job:requests:sum > 8
            """)
        let steps = Self.evaluate(&run, storage, minutes: 9)
        #expect(steps[0].contains { $0.0 == ["__name__": "job:requests:sum", "job": "api", "env": "prod", "team": "platform"] && $0.1.value == 10 })
        // The alert read the recording rule's output from the same evaluation.
        #expect(steps[0].contains { $0.0.get("alertname") == "Busy" && $0.0.get("job") == "api" })
        // api's last sample is at 2m; at 7m it is out of the 5m lookback ((t-5m, t]) and its recorded series goes stale.
        let stale = steps.firstIndex { $0.contains { $0.0.get("job") == "api" && $0.0.get("__name__") == "job:requests:sum" && StaleMarker.isStale($0.1.value) } }
        #expect(stale == 7)
        #expect(steps[6].contains { $0.0.get("job") == "api" && $0.1.value == 10 })
    }

    @Test("a rule whose output repeats a label set, or passes the group's limit, fails and the others still run")
    func failures() throws {
        let storage = MemoryStorage()
        storage.add(["__name__": "m", "a": "1"], [Sample(timestamp: 0, value: 1)])
        storage.add(["__name__": "m", "a": "2"], [Sample(timestamp: 0, value: 2)])
        var run = try Self.group("""
            groups:
              - name: g
                limit: 1
                rules:
                  - {record: dup, expr: m, labels: {a: same}}
                  - {record: many, expr: m}
                  - {record: one, expr: sum(m)}
            """)
        var written: [Labels] = []
        let failures = run.evaluate(at: 0, engine: Engine(), storage: storage) { written += $0.map(\.0) }
        #expect(failures.map(\.description) == [
            "rule \"dup\": vector contains metrics with the same labelset after applying rule labels",
            "rule \"many\": exceeded limit of 1 with 2 series",
        ])
        #expect(written == [["__name__": "one"]])
    }
}

@Suite("Rule group reload")
struct RuleGroupReloadTests {
    @Test("a reloaded group keeps the alerts and last series of the rules it still has")
    func copyState() throws {
        let storage = MemoryStorage()
        storage.add(["__name__": "up", "job": "db"], [Sample(timestamp: 0, value: 0)])
        let yaml = """
            groups:
              - name: g
                rules:
                  - record: job:up
                    expr: up
                  - alert: Down
                    expr: up == 0
                    for: 5m
            """
        var old = try RuleEvaluationTests.group(yaml)
        _ = old.evaluate(at: 0, engine: Engine(), storage: storage) { _ in }
        var reloaded = try RuleEvaluationTests.group("""
            groups:
              - name: g
                rules:
                  - alert: Down
                    expr: up == 0
                    for: 5m
            """)
        reloaded.copyState(from: old)
        let alert = try #require(reloaded.alertingRules[0]?.active.values.first)
        #expect(alert.state == .pending && alert.activeAt == 0)
        #expect(reloaded.health[0].status == .ok)
        #expect(reloaded.lastSeries.map { $0.get("__name__") }.sorted() == ["ALERTS", "ALERTS_FOR_STATE"])
    }
}
