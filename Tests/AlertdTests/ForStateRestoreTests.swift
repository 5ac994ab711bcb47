import MetricsModel
import PromQL
import PromQLTesting
import Testing

@testable import alertd
@testable import RuleFiles

@Suite("Restoring alerts' for state after a restart")
struct ForStateRestoreTests {
    static let minute: Int64 = 60_000

    /// A rule with `for: 30m` whose alert has just gone pending again at `now` after a restart, and
    /// the store holding the old process's `ALERTS_FOR_STATE` (activeAt `previousActiveAt`) until `downAt`.
    static func restarted(previousActiveAt: Int64, downAt: Int64, now: Int64, gracePeriod: Int64 = 10 * Self.minute) throws -> Alert {
        let (file, errors) = RuleFile.parse("""
            groups:
              - name: g
                rules:
                  - alert: Slow
                    expr: latency > 1
                    for: 30m
            """, path: "r.yml")
        try #require(errors.isEmpty)
        var rule = try AlertingRule(try #require(file?.groups.first?.rules.first), groupLabels: [:])
        rule.restored = false
        let storage = MemoryStorage()
        let times: [Int64] = Array(Swift.stride(from: previousActiveAt, through: downAt, by: Int(Self.minute)))
        let samples = times.map { time in Sample(timestamp: time, value: Double(previousActiveAt / 1000)) }
        storage.add(["__name__": "ALERTS_FOR_STATE", "alertname": "Slow", "route": "/api"], samples)
        let output = rule.step([(Labels(["__name__": "latency", "route": "/api"]), 2)], at: now)
        #expect(!output.contains { $0.0.get("__name__") == "ALERTS_FOR_STATE" }, "nothing overwrites the old state before it is read")
        try rule.restoreForState(at: now, storage: storage, outageTolerance: 60 * Self.minute, gracePeriod: gracePeriod)
        #expect(rule.restored)
        return try #require(rule.active.values.first)
    }

    @Test("a pending alert keeps the pending time it had: activeAt moves on by the downtime")
    func pendingShiftsByDowntime() throws {
        // Pending for 10 of its 30 minutes, then down for 5: it needs 20 more minutes from now.
        let alert = try Self.restarted(previousActiveAt: 100 * Self.minute, downAt: 110 * Self.minute, now: 115 * Self.minute)
        #expect(alert.activeAt == 105 * Self.minute)
    }

    @Test("an alert with less left than the grace period waits the grace period")
    func gracePeriod() throws {
        // 28 of 30 minutes pending when it went down: 2 left, less than the 10-minute grace.
        let alert = try Self.restarted(previousActiveAt: 100 * Self.minute, downAt: 128 * Self.minute, now: 130 * Self.minute)
        #expect(alert.activeAt == 130 * Self.minute + 10 * Self.minute - 30 * Self.minute)
    }

    @Test("an alert that had fired keeps its old activeAt, so it fires again at the next evaluation")
    func firing() throws {
        let alert = try Self.restarted(previousActiveAt: 100 * Self.minute, downAt: 140 * Self.minute, now: 145 * Self.minute)
        #expect(alert.activeAt == 100 * Self.minute)
    }

    @Test("state older than the outage tolerance is not restored")
    func tooOld() throws {
        let alert = try Self.restarted(previousActiveAt: 0, downAt: 10 * Self.minute, now: 200 * Self.minute)
        #expect(alert.activeAt == 200 * Self.minute)
    }
}
