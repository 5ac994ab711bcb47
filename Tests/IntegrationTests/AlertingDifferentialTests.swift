import Foundation
import ServerTestSupport
import Synchronization
import Testing
import TestSupport

/// metricsd and Debian's Prometheus 2.42 run the same rule file over the same exporter, whose value
/// follows a schedule that takes an alert through pending, firing, a gap bridged by
/// `keep_firing_for`, and resolution; each notifies its own Alertmanager 0.25. The alert states over
/// time, the ALERTS series and what the Alertmanagers received must agree.
@Suite("Alerting against Prometheus 2.42", .serialized)
struct AlertingDifferentialTests {
    static let rules = """
        groups:
          - name: flags
            interval: 1s
            rules:
              - alert: FlagUp
                expr: toolbox_flag > 0
                for: 3s
                keep_firing_for: 4s
                labels: {severity: warn}
                annotations: {summary: "{{ $labels.svc }} flag is {{ $value }}"}
        """

    /// The exporter's value after the start: up at 4 s, a 2 s dip at 14 s (kept firing), up again
    /// at 16 s, down for good at 20 s.
    static let windows: [ClosedRange<Double>] = [4...14, 16...20]

    static let length = 32.0

    @Test("alert states, ALERTS series and Alertmanager's alerts match Prometheus's",
          .enabled(if: TSQPeers.havePrometheus && AlertmanagerPeer.installed, "needs Debian's prometheus and prometheus-alertmanager"))
    func sameAlerts() async throws {
        let directory = try makeTemporaryDirectory("alert-diff")
        defer { removeTemporaryDirectory(directory) }
        try Self.rules.write(to: directory.appendingPathComponent("flags.yml"), atomically: true, encoding: .utf8)
        // The schedule starts once both servers scrape (a busy machine can take seconds to start
        // one), so neither misses a flip the other sees.
        let clock = directory.appendingPathComponent("clock")
        let exporterPort = ServerProcess.freePort()
        let exporter = try FlagExporter.start(port: exporterPort, windows: Self.windows, clockFile: clock)
        defer { exporter.stop() }
        let ours = directory.appendingPathComponent("ours")
        let theirs = directory.appendingPathComponent("theirs")
        for path in [ours, theirs] { try FileManager.default.createDirectory(at: path, withIntermediateDirectories: true) }
        try await AlertmanagerPeer.with(in: ours) { ourAlertmanager in
            try await AlertmanagerPeer.with(in: theirs) { theirAlertmanager in
                func config(_ alertmanager: String) -> String {
                    """
                    global: {scrape_interval: 200ms, scrape_timeout: 200ms, evaluation_interval: 1s, external_labels: {cluster: ci}}
                    rule_files: [\(directory.path)/flags.yml]
                    alerting:
                      alertmanagers: [{static_configs: [{targets: ['\(URL(string: alertmanager)!.host!):\(URL(string: alertmanager)!.port!)']}]}]
                    scrape_configs:
                      - job_name: flags
                        static_configs: [{targets: ['127.0.0.1:\(exporterPort)']}]
                    """
                }
                try config(ourAlertmanager).write(to: ours.appendingPathComponent("prometheus.yml"), atomically: true, encoding: .utf8)
                try config(theirAlertmanager).write(to: theirs.appendingPathComponent("prometheus.yml"), atomically: true, encoding: .utf8)
                let ourPort = ServerProcess.freePort()
                let theirPort = ServerProcess.freePort()
                let metricsd = try ServerProcess("metricsd", arguments: [
                    "--config.file", ours.appendingPathComponent("prometheus.yml").path, "--web.listen-address", "127.0.0.1:\(ourPort)",
                    "--storage.tsdb.path", ours.path + "/data",
                ])
                let prometheus = try ServerProcess(executable: URL(fileURLWithPath: TSQPeers.prometheus), arguments: [
                    "--config.file=\(theirs.appendingPathComponent("prometheus.yml").path)", "--storage.tsdb.path=\(theirs.path)/data",
                    "--web.listen-address=127.0.0.1:\(theirPort)",
                ])
                try await runThenTerminate(metricsd) {
                    try await runThenTerminate(prometheus) {
                        try await Self.compare(
                            ours: (base: "http://127.0.0.1:\(ourPort)", alertmanager: ourAlertmanager),
                            theirs: (base: "http://127.0.0.1:\(theirPort)", alertmanager: theirAlertmanager),
                            startSchedule: { try FlagExporter.startClock(clock) },
                            logs: { "metricsd:\n\(metricsd.log().suffix(1500))\nprometheus:\n\(prometheus.log().suffix(1500))" })
                    }
                }
            }
        }
    }

    typealias Side = (base: String, alertmanager: String)

    static func compare(ours: Side, theirs: Side, startSchedule: () throws -> Date, logs: () -> String) async throws {
        for side in [ours, theirs] {
            try #require(await eventually(within: underLoad) {
                await httpGet(side.base + "/api/v1/query?query=toolbox_flag")?.1.contains("\"api\"") == true
            }, "\(side.base) does not scrape: \(logs())")
        }
        let start = try startSchedule()
        // While firing (8–20 s), both Alertmanagers hold the same alert.
        for side in [ours, theirs] {
            _ = await eventually(within: max(1, 20 - Date().timeIntervalSince(start))) {
                await !AlertmanagerPeer.active(side.alertmanager, named: "FlagUp").isEmpty
            }
        }
        let ourAlert = await AlertmanagerPeer.active(ours.alertmanager, named: "FlagUp").first
        let theirAlert = await AlertmanagerPeer.active(theirs.alertmanager, named: "FlagUp").first
        let mine = try #require(ourAlert, "metricsd's alert did not reach its Alertmanager: \(logs())")
        let peer = try #require(theirAlert, "Prometheus's alert did not reach its Alertmanager: \(logs())")
        #expect(mine["labels"] as? [String: String] == peer["labels"] as? [String: String])
        #expect(mine["annotations"] as? [String: String] == peer["annotations"] as? [String: String])
        let startsAt = [mine, peer].compactMap { ($0["startsAt"] as? String).flatMap(AlertmanagerPeer.parseTime) }
        try #require(startsAt.count == 2)
        // Within one evaluation interval, plus the two servers scraping the flip up to one scrape
        // interval (200 ms) apart.
        #expect(abs(startsAt[0].timeIntervalSince(startsAt[1])) <= 1.2, "startsAt \(startsAt)")

        // After the run both have resolved it.
        try await Task.sleep(for: .seconds(max(0, length - Date().timeIntervalSince(start))))
        #expect(await eventually(within: underLoad) { await AlertmanagerPeer.active(ours.alertmanager, named: "FlagUp").isEmpty })
        #expect(await eventually(within: underLoad) { await AlertmanagerPeer.active(theirs.alertmanager, named: "FlagUp").isEmpty })

        // The ALERTS series and the state each second, from each server's own store.
        let from = Int(start.timeIntervalSince1970)
        let ourStates = try await states(ours.base, from: from)
        let theirStates = try await states(theirs.base, from: from)
        #expect(ourStates.labels == theirStates.labels)
        let ourRuns = runs(ourStates.perSecond)
        let theirRuns = runs(theirStates.perSecond)
        #expect(ourRuns.map(\.state) == ["inactive", "pending", "firing", "inactive"], "metricsd: \(ourRuns)")
        #expect(ourRuns.map(\.state) == theirRuns.map(\.state), "metricsd \(ourRuns), Prometheus \(theirRuns)")
        for (mine, peer) in zip(ourRuns, theirRuns) {
            #expect(abs(mine.start - peer.start) <= 2, "state \(mine.state) starts at \(mine.start) s here, \(peer.start) s in Prometheus")
        }
    }

    /// Each second's alert state (from `ALERTS`), and the ALERTS label sets without `alertstate`.
    static func states(_ base: String, from: Int) async throws -> (perSecond: [String], labels: Set<[String: String]>) {
        let url = base + "/api/v1/query_range?query=ALERTS&start=\(from)&end=\(from + Int(length))&step=1"
        let body = try #require(await httpGet(url)?.1)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])
        let result = try #require((object["data"] as? [String: Any])?["result"] as? [[String: Any]], "\(body)")
        var perSecond = Array(repeating: "inactive", count: Int(length) + 1)
        var labels = Set<[String: String]>()
        for series in result {
            var metric = try #require(series["metric"] as? [String: String])
            let state = metric.removeValue(forKey: "alertstate") ?? ""
            labels.insert(metric)
            for point in series["values"] as? [[Any]] ?? [] {
                guard let time = point.first as? Double else { continue }
                let index = Int(time) - from
                if perSecond.indices.contains(index) && perSecond[index] != "firing" { perSecond[index] = state }
            }
        }
        return (perSecond, labels)
    }

    /// Consecutive seconds in one state, with the second each run starts.
    static func runs(_ states: [String]) -> [(state: String, start: Int)] {
        var out: [(state: String, start: Int)] = []
        for (second, state) in states.enumerated() where out.last?.state != state {
            out.append((state, second))
        }
        return out
    }
}
