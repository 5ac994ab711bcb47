import Foundation
import ServerTestSupport
import Testing
import TestSupport

/// metricsd's remote write into real receivers: Debian's VictoriaMetrics and Prometheus 2.42 (with
/// its remote write receiver on). Every sample metricsd stored in a window must arrive in each,
/// with the external label added and nothing else changed.
@Suite("remote write into VictoriaMetrics and Prometheus", .serialized)
struct RemoteWriteReceiversTests {
    static let victoriaMetrics = "/usr/bin/victoria-metrics"
    static let prometheus = "/usr/bin/prometheus"

    @Test("every sample metricsd stores in a 20 s window arrives in VictoriaMetrics and in Prometheus with the same labels and values",
          .enabled(if: FileManager.default.isExecutableFile(atPath: victoriaMetrics), "victoria-metrics is not installed"),
          .enabled(if: FileManager.default.isExecutableFile(atPath: prometheus), "prometheus is not installed"))
    func samplesArriveInRealReceivers() async throws {
        let directory = try makeTemporaryDirectory("rw-receivers")
        defer { removeTemporaryDirectory(directory) }
        let vmPort = ServerProcess.freePort()
        let vm = try ServerProcess(executable: URL(fileURLWithPath: Self.victoriaMetrics), arguments: [
            "-storageDataPath=\(directory.path)/vm", "-httpListenAddr=127.0.0.1:\(vmPort)", "-retentionPeriod=100y", "-loggerLevel=ERROR",
        ])
        defer { vm.stop() }
        let promPort = ServerProcess.freePort()
        let prometheus = try ServerProcess(executable: URL(fileURLWithPath: Self.prometheus), arguments: [
            "--config.file=/dev/null", "--storage.tsdb.path=\(directory.path)/prom", "--web.listen-address=127.0.0.1:\(promPort)",
            "--web.enable-remote-write-receiver", "--log.level=error",
        ])
        defer { prometheus.stop() }
        try #require(await eventually(within: underLoad) { await httpGet("http://127.0.0.1:\(vmPort)/health")?.0 == 200 }, "VictoriaMetrics: \(vm.log().suffix(1000))")
        try #require(await eventually(within: underLoad) { await httpGet("http://127.0.0.1:\(promPort)/-/ready")?.0 == 200 }, "Prometheus: \(prometheus.log().suffix(1000))")

        try await withMetricsd("rw-receivers", config: { port in
            RemoteWriteFixture.config(selfPort: port, remotes: [
                "  - {url: 'http://127.0.0.1:\(vmPort)/api/v1/write', name: vm, queue_config: {batch_send_deadline: 1s}}",
                "  - {url: 'http://127.0.0.1:\(promPort)/api/v1/write', name: prom, queue_config: {batch_send_deadline: 1s, max_samples_per_send: 100}}",
            ])
        }) { metricsd in
            // A window starting after the first scrape, ending well before the last.
            try await Task.sleep(for: .seconds(3))
            let start = RemoteWriteFixture.now()
            try await Task.sleep(for: .seconds(20))
            let end = RemoteWriteFixture.now()
            for remote in ["vm", "prom"] {
                #expect(await RemoteWriteFixture.waitUntilSent(metricsd.base, remote: remote, through: end), "\(remote) did not get samples up to the window's end")
            }
            let local = try #require(await RemoteWriteFixture.queried(metricsd.base, end: end, seconds: 30, addLabels: ["cluster": "rw-test"]))
            let startMS = Int64(start * 1000)
            let endMS = Int64(end * 1000)
            let expected = RemoteWriteFixture.window(local, after: startMS, through: endMS)
            let sampleCount = expected.values.reduce(0) { $0 + $1.count }
            #expect(expected.count > 100 && sampleCount > 2000, "metricsd stored \(expected.count) series, \(sampleCount) samples in the window")

            let fromPrometheus = try #require(await RemoteWriteFixture.queried("http://127.0.0.1:\(promPort)", end: end, seconds: 30))
            let prom = RemoteWriteFixture.differences(expected: expected, actual: RemoteWriteFixture.window(fromPrometheus, after: startMS, through: endMS))
            #expect(prom.count == 0, "\(prom.count) of \(sampleCount) samples differ in Prometheus: \(prom.examples)")
            let extra = RemoteWriteFixture.differences(expected: RemoteWriteFixture.window(fromPrometheus, after: startMS, through: endMS), actual: expected)
            #expect(extra.count == 0, "Prometheus holds \(extra.count) samples metricsd does not: \(extra.examples)")

            // VictoriaMetrics keeps about 12 significant digits of a float, and makes rows it has
            // taken searchable within a few seconds.
            var vmDifferences = (count: -1, examples: [String]())
            _ = await eventually(within: 15) {
                guard let fromVM = await RemoteWriteFixture.exported("http://127.0.0.1:\(vmPort)", start: startMS, end: endMS) else { return false }
                vmDifferences = RemoteWriteFixture.differences(expected: expected, actual: RemoteWriteFixture.window(fromVM, after: startMS, through: endMS), tolerance: 1e-11)
                return vmDifferences.count == 0
            }
            #expect(vmDifferences.count == 0, "\(vmDifferences.count) of \(sampleCount) samples differ in VictoriaMetrics: \(vmDifferences.examples)")

            let metrics = await httpGet(metricsd.base + "/metrics")?.1 ?? ""
            for remote in ["vm", "prom"] {
                #expect(RemoteWriteFixture.metric(metrics, "prometheus_remote_storage_samples_failed_total", remote: remote) ?? 0 == 0)
                #expect((RemoteWriteFixture.metric(metrics, "prometheus_remote_storage_samples_total", remote: remote) ?? 0) >= Double(sampleCount))
            }
        }
    }
}
