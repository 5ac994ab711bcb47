import Foundation
import ServerTestSupport
import Synchronization
import Testing
import TestSupport

/// metricsd's rules firing and resolving alerts in a real Alertmanager 0.25, and the alert state
/// surviving a restart.
@Suite("Alertmanager notifications", .serialized)
struct AlertmanagerNotificationTests {
    static let rules = """
        groups:
          - name: flags
            interval: 1s
            rules:
              - record: svc:toolbox_flag:max
                expr: max by (svc) (toolbox_flag)
              - alert: FlagRaised
                expr: svc:toolbox_flag:max > 0
                for: 2s
                labels: {severity: page}
                annotations:
                  summary: "{{ $labels.svc }} flag at {{ $value }}"
                  runbook_url: "{{ externalURL }}/runbooks/flag"
        """

    @Test("an alert fired by a rule arrives in Alertmanager with external and relabeled labels, and resolves there", AlertmanagerPeer.required)
    func fireAndResolve() async throws {
        let directory = try makeTemporaryDirectory("am-notify")
        defer { removeTemporaryDirectory(directory) }
        try Self.rules.write(to: directory.appendingPathComponent("flags.yml"), atomically: true, encoding: .utf8)
        let flag = Mutex(0.0)
        let exporterPort = ServerProcess.freePort()
        let exporter = try await startTextExporter(port: exporterPort) { _ in "toolbox_flag{svc=\"api\"} \(flag.withLock { $0 })\n" }
        defer { exporter.cancel() }
        try await AlertmanagerPeer.with(in: directory) { alertmanager in
            let amPort = URL(string: alertmanager)!.port!
            try await withMetricsd("alerts", config: { _ in
                """
                global: {scrape_interval: 1s, evaluation_interval: 1s, external_labels: {cluster: ci}}
                rule_files: [\(directory.path)/flags.yml]
                alerting:
                  alert_relabel_configs:
                    - {target_label: team, replacement: platform}
                  alertmanagers:
                    - static_configs: [{targets: ['127.0.0.1:\(amPort)']}]
                scrape_configs:
                  - job_name: flags
                    static_configs: [{targets: ['127.0.0.1:\(exporterPort)']}]
                """
            }, arguments: ["--web.external-url=http://metrics.example:9090/"]) { server in
                #expect(await eventually(within: underLoad) {
                    await httpGet(server.base + "/api/v1/alertmanagers")?.1.contains("127.0.0.1:\(amPort)/api/v2/alerts") == true
                })
                flag.withLock { $0 = 1 }
                // Pending first: `for: 2s` holds it back from Alertmanager.
                #expect(await eventually(within: underLoad) {
                    await httpGet(server.base + "/api/v1/query?query=ALERTS%7Balertstate%3D%22pending%22%7D")?.1.contains("FlagRaised") == true
                })
                try #require(await eventually(within: underLoad) { await !AlertmanagerPeer.active(alertmanager, named: "FlagRaised").isEmpty },
                             "the alert never reached Alertmanager")
                let received = try #require(await AlertmanagerPeer.active(alertmanager, named: "FlagRaised").first)
                #expect(received["labels"] as? [String: String] == [
                    "alertname": "FlagRaised", "svc": "api", "severity": "page", "cluster": "ci", "team": "platform",
                ])
                #expect(received["annotations"] as? [String: String] == [
                    "summary": "api flag at 1", "runbook_url": "http://metrics.example:9090/runbooks/flag",
                ])
                #expect((received["generatorURL"] as? String)?.hasPrefix("http://metrics.example:9090/graph?g0.expr=svc%3Atoolbox_flag%3Amax+%3E+0") == true)
                let firing = await httpGet(server.base + "/api/v1/alerts")?.1 ?? ""
                #expect(firing.contains(#""state":"firing""#), "\(firing)")
                // tsq reads the same endpoints.
                let alerts = try await tsq(["alerts", "--url", server.base, "-o", "table"])
                #expect(alerts.stdout.contains("FlagRaised") && alerts.stdout.contains("firing"), "\(alerts.stdout)\(alerts.stderr)")
                let rules = try await tsq(["rules", "--url", server.base, "-o", "table"])
                #expect(rules.stdout.contains("svc:toolbox_flag:max") && rules.stdout.contains("ok"), "\(rules.stdout)\(rules.stderr)")
                let metrics = await httpGet(server.base + "/metrics")?.1 ?? ""
                #expect(metrics.contains("prometheus_notifications_alertmanagers_discovered 1"))
                #expect(metrics.contains("prometheus_rule_group_rules{rule_group=\"\(directory.path)/flags.yml;flags\"} 2"))

                flag.withLock { $0 = 0 }
                #expect(await eventually(within: underLoad) { await AlertmanagerPeer.active(alertmanager, named: "FlagRaised").isEmpty },
                        "Alertmanager still holds the alert as active after it resolved")
                let after = await httpGet(server.base + "/api/v1/alerts")?.1 ?? ""
                #expect(after.contains(#""alerts":[]"#), "\(after)")
                let sent = await httpGet(server.base + "/metrics")?.1 ?? ""
                #expect(sent.contains("prometheus_notifications_errors_total{alertmanager=\"http://127.0.0.1:\(amPort)/api/v2/alerts\"} 0"), "\(sent)")
            }
        }
    }

    @Test("a pending alert keeps its pending time across a restart (for-state restore)")
    func restoreAfterRestart() async throws {
        let directory = try makeTemporaryDirectory("am-restore")
        defer { removeTemporaryDirectory(directory) }
        try Self.rules.replacingOccurrences(of: "for: 2s", with: "for: 10m")
            .write(to: directory.appendingPathComponent("flags.yml"), atomically: true, encoding: .utf8)
        let exporterPort = ServerProcess.freePort()
        let clock = directory.appendingPathComponent("clock")
        let exporter = try FlagExporter.start(port: exporterPort, windows: [0...1e9], clockFile: clock)
        defer { exporter.stop() }
        _ = try FlagExporter.startClock(clock)
        let config = directory.appendingPathComponent("prometheus.yml")
        try """
            global: {scrape_interval: 1s, evaluation_interval: 1s}
            rule_files: [flags.yml]
            scrape_configs:
              - job_name: flags
                static_configs: [{targets: ['127.0.0.1:\(exporterPort)']}]
            """.write(to: config, atomically: true, encoding: .utf8)
        let port = ServerProcess.freePort()
        let base = "http://127.0.0.1:\(port)"
        let arguments = [
            "--config.file", config.path, "--web.listen-address", "127.0.0.1:\(port)", "--storage.tsdb.path", directory.path + "/data",
            "--rules.alert.for-grace-period=1s",
        ]
        func activeAt() async -> Date? {
            guard let body = await httpGet(base + "/api/v1/alerts")?.1,
                let object = try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any],
                let alerts = (object["data"] as? [String: Any])?["alerts"] as? [[String: Any]],
                let text = alerts.first?["activeAt"] as? String
            else { return nil }
            return AlertmanagerPeer.parseTime(text)
        }

        let first = try ServerProcess("metricsd", arguments: arguments)
        try #require(await eventually(within: underLoad) { await activeAt() != nil }, "no pending alert: \(first.log().suffix(2000))")
        try await Task.sleep(for: .seconds(6))
        try #require(await eventually(within: underLoad) { await activeAt() != nil }, "the pending alert went away: \(first.log().suffix(2000))")
        let originalActiveAt = try #require(await activeAt())
        let stoppedAt = Date()
        #expect(await first.terminate() == 0)
        try await Task.sleep(for: .seconds(5))

        let second = try ServerProcess("metricsd", arguments: arguments)
        let startedAt = Date()
        // Restored after the second evaluation: activeAt moves from this start back into the past.
        try #require(await eventually(within: underLoad) { await activeAt().map { $0 < startedAt } == true },
                     "the alert's for state was not restored: \(second.log().suffix(2000))")
        try #require(await eventually(within: underLoad) { await activeAt() != nil })
        let restored = try #require(await activeAt())
        let pendingBefore = stoppedAt.timeIntervalSince(originalActiveAt)
        let pendingNow = Date().timeIntervalSince(restored)
        let sinceStart = Date().timeIntervalSince(startedAt)
        // The downtime is not counted as pending time: pending now is what it was, plus the time
        // since this start (within the scrape and evaluation granularity of a second or two).
        #expect(pendingNow > pendingBefore - 2.5 && pendingNow < pendingBefore + sinceStart + 2.5,
                "pending \(pendingBefore)s before the restart, \(pendingNow)s after (\(sinceStart)s since start)")
        #expect(restored > originalActiveAt.addingTimeInterval(3), "activeAt moved on by the ~5 s downtime")
        #expect(await second.terminate() == 0)
    }
}
