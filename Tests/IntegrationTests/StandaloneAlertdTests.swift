import Foundation
import ServerTestSupport
import Testing
import TestSupport

/// The standalone `alertd`: rules queried from metricsd, Prometheus 2.42 or VictoriaMetrics, results
/// and ALERTS written back by remote write, alerts sent to Alertmanager 0.25.
@Suite("alertd over a remote datasource", .serialized)
struct StandaloneAlertdTests {
    enum Datasource: String, CaseIterable, Sendable {
        case metricsd, prometheus, victoriaMetrics = "victoria-metrics"

        var installed: Bool {
            switch self {
            case .metricsd: true
            case .prometheus: TSQPeers.havePrometheus
            case .victoriaMetrics: FileManager.default.isExecutableFile(atPath: TSQPeers.victoriaMetrics)
            }
        }

        /// The server scraping `exporter` every second and accepting remote write, on `port`.
        func start(port: Int, exporter: Int, in directory: URL) throws -> ServerProcess {
            let scrape = """
                global: {scrape_interval: 1s}
                scrape_configs:
                  - job_name: flags
                    static_configs: [{targets: ['127.0.0.1:\(exporter)']}]
                """
            let config = directory.appendingPathComponent("\(rawValue).yml")
            try scrape.write(to: config, atomically: true, encoding: .utf8)
            let data = directory.appendingPathComponent("\(rawValue)-data").path
            switch self {
            case .metricsd:
                return try ServerProcess("metricsd", arguments: [
                    "--config.file", config.path, "--web.listen-address", "127.0.0.1:\(port)", "--storage.tsdb.path", data,
                    "--web.enable-remote-write-receiver",
                ])
            case .prometheus:
                return try ServerProcess(executable: URL(fileURLWithPath: TSQPeers.prometheus), arguments: [
                    "--config.file=\(config.path)", "--storage.tsdb.path=\(data)", "--web.listen-address=127.0.0.1:\(port)",
                    "--web.enable-remote-write-receiver",
                ])
            case .victoriaMetrics:
                return try ServerProcess(executable: URL(fileURLWithPath: TSQPeers.victoriaMetrics), arguments: [
                    "-httpListenAddr=127.0.0.1:\(port)", "-storageDataPath=\(data)", "-promscrape.config=\(config.path)",
                    "-search.latencyOffset=0s", "-search.disableCache",
                ])
            }
        }
    }

    static let rules = """
        groups:
          - name: central
            interval: 1s
            rules:
              - record: svc:toolbox_flag:max
                expr: max by (svc) (toolbox_flag)
              - alert: FlagUp
                expr: max by (svc) (toolbox_flag) > 0
                labels: {severity: page}
                annotations: {summary: "{{ $labels.svc }} flag is {{ $value }}"}
        """

    @Test("recording results and ALERTS are written back, and the alert reaches Alertmanager", arguments: Datasource.allCases)
    func evaluates(_ datasource: Datasource) async throws {
        guard datasource.installed, AlertmanagerPeer.installed else {
            print("skipped: \(datasource.rawValue) or prometheus-alertmanager is not installed")
            return
        }
        let directory = try makeTemporaryDirectory("alertd-\(datasource.rawValue)")
        defer { removeTemporaryDirectory(directory) }
        try Self.rules.write(to: directory.appendingPathComponent("central.yml"), atomically: true, encoding: .utf8)
        let exporterPort = ServerProcess.freePort()
        let exporter = try await startTextExporter(port: exporterPort) { _ in "toolbox_flag{svc=\"api\"} 1\n" }
        defer { exporter.cancel() }
        let dataPort = ServerProcess.freePort()
        let source = try datasource.start(port: dataPort, exporter: exporterPort, in: directory)
        let base = "http://127.0.0.1:\(dataPort)"
        try await runThenTerminate(source) {
            try #require(await eventually(within: underLoad) {
                await httpGet(base + "/api/v1/query?query=toolbox_flag")?.1.contains("\"api\"") == true
            }, "\(datasource.rawValue) did not scrape the exporter: \(source.log().suffix(1500))")
            try await AlertmanagerPeer.with(in: directory) { alertmanager in
                let config = directory.appendingPathComponent("alertd.yml")
                try """
                    global: {evaluation_interval: 1s, external_labels: {tier: central}}
                    rule_files: [central.yml]
                    alerting:
                      alertmanagers: [{static_configs: [{targets: ['\(URL(string: alertmanager)!.host!):\(URL(string: alertmanager)!.port!)']}]}]
                    remote_write:
                      - url: \(base)/api/v1/write
                    """.write(to: config, atomically: true, encoding: .utf8)
                let alertdPort = ServerProcess.freePort()
                let alertd = try ServerProcess("alertd", arguments: [
                    "--config.file", config.path, "--datasource.url", base, "--web.listen-address", "127.0.0.1:\(alertdPort)",
                ])
                try await runThenTerminate(alertd) {
                    #expect(await eventually(within: underLoad) {
                        await httpGet(base + "/api/v1/query?query=svc:toolbox_flag:max")?.1.contains(#""tier":"central""#) == true
                    }, "recording results did not arrive: \(alertd.log().suffix(1500))")
                    #expect(await eventually(within: underLoad) {
                        await httpGet(base + "/api/v1/query?query=ALERTS%7Balertname%3D%22FlagUp%22%7D")?.1.contains(#""alertstate":"firing""#) == true
                    }, "ALERTS did not arrive: \(alertd.log().suffix(1500))")
                    let arrived = await eventually(within: underLoad) {
                        await AlertmanagerPeer.active(alertmanager, named: "FlagUp").first.map {
                            ($0["labels"] as? [String: String]) == ["alertname": "FlagUp", "svc": "api", "severity": "page", "tier": "central"]
                                && ($0["annotations"] as? [String: String]) == ["summary": "api flag is 1"]
                        } == true
                    }
                    let received = await AlertmanagerPeer.alerts(alertmanager) ?? []
                    #expect(arrived, "\(received)")
                    let rules = await httpGet("http://127.0.0.1:\(alertdPort)/api/v1/rules")?.1 ?? ""
                    #expect(rules.contains(#""health":"ok""#) && !rules.contains(#""health":"err""#), "\(rules)")
                    let metrics = await httpGet("http://127.0.0.1:\(alertdPort)/metrics")?.1 ?? ""
                    #expect(metrics.contains("prometheus_remote_storage_samples_failed_total{remote_name=\"\(base)/api/v1/write\",url=\"\(base)/api/v1/write\"} 0"), "\(metrics)")
                }
            }
        }
    }
}
