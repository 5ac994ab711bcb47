import Foundation
import Hummingbird
import MetricsModel
import ServerTestSupport
import Testing
import TestSupport

/// Native histograms end to end against Debian's Prometheus 2.42 (`--enable-feature=native-histograms`):
/// both scrape one protobuf exporter made in the test and must answer the same; metricsd also
/// remote-writes what it scraped into that Prometheus, and Prometheus federates it from metricsd's
/// `/federate` over protobuf, so Prometheus must hold the same histograms three times (its own
/// scrape, metricsd's under `via="metricsd"`, the federated ones under `path="federate"`).
///
/// For both scrapers to store the very same samples, the test moves the exporter to its next
/// state only once both stores answer with the current one, and every state carries its own
/// timestamp: a scrape that timed out on a loaded machine is made up by a later one.
@Suite("native histograms against Prometheus 2.42", .serialized)
struct NativeHistogramDifferentialTests {
    static let prometheus = "/usr/bin/prometheus"

    /// The exporter's histograms: each state adds observations in fixed proportions (half in the
    /// zero bucket and the first, a quarter in each of two more), so quantiles 0.5 and 0.75 fall on
    /// bucket bounds, where Prometheus 2.42's linear interpolation and the exponential
    /// one of 3.x agree.
    actor Exporter {
        private(set) var generation = 1
        /// Each state's timestamp: the second it began (or a second after the one before).
        private(set) var timestamps = [Exporter.currentSecond()]

        func advance() {
            generation += 1
            timestamps.append(max(Self.currentSecond(), timestamps[timestamps.count - 1] + 1000))
        }

        var body: [UInt8] { Self.exposition(generation, timestamp: timestamps[timestamps.count - 1]) }

        static func currentSecond() -> Int64 { Int64(Date().timeIntervalSince1970) * 1000 }

        static func histogram(_ g: Int, scale: Int) -> FloatHistogram {
            var h = FloatHistogram()
            h.schema = 2
            h.zeroThreshold = 1e-4
            h.zeroCount = Double(g)
            // Indices 1, 2, 3 at schema 2: (1.19, 1.41], (1.41, 1.68], (1.68, 2]. With the zero bucket,
            // a quarter of the observations lie up to the first bound and half up to the second.
            h.positiveSpans = [HistogramSpan(offset: 1, length: 3)]
            h.positiveBuckets = [Double(4 * g * scale - g), Double(4 * g * scale), Double(8 * g * scale)]
            h.negativeSpans = [HistogramSpan(offset: 0, length: 1)]
            h.negativeBuckets = [0]
            h.count = h.zeroCount + h.positiveBuckets.reduce(0, +)
            h.sum = Double(g) * (Double(scale) * 26.5 + 0.25)
            return h
        }

        static func exposition(_ g: Int, timestamp: Int64) -> [UInt8] {
            var metrics: [[UInt8]] = []
            for (pod, scale) in [("a", 1), ("b", 3)] {
                let h = histogram(g, scale: scale)
                metrics.append(ProtobufExposition.histogram([("pod", pod)], native: h, count: h.count, sum: h.sum, timestampMs: timestamp))
            }
            return ProtobufExposition.family("rpc_latency_seconds", type: .histogram, help: "RPC latency.", metrics: metrics)
        }
    }

    /// `query_range` results as series labels → [time: value].
    static func rangeQuery(_ base: String, _ query: String, start: Double, end: Double) async -> [String: [Double: Double]]? {
        let params = formEncode([("query", query), ("start", String(start)), ("end", String(end)), ("step", "1")])
        guard let (status, body) = await httpGet(base + "/api/v1/query_range?" + params, timeout: 10), status == 200,
              let json = try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any],
              let data = json["data"] as? [String: Any], let result = data["result"] as? [[String: Any]]
        else { return nil }
        var out: [String: [Double: Double]] = [:]
        for series in result {
            var metric = series["metric"] as? [String: String] ?? [:]
            // Where a series came by (remote write, federation) is not part of what is compared.
            metric["via"] = nil
            metric["path"] = nil
            let key = metric.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
            for pair in series["values"] as? [[Any]] ?? [] {
                guard let time = pair[0] as? Double, let text = pair[1] as? String, let value = Double(text) else { continue }
                out[key, default: [:]][time] = value
            }
        }
        return out
    }

    /// What differs between two answers (relative tolerance 1e-9, for the last bits of interpolation).
    static func differences(_ a: [String: [Double: Double]], _ b: [String: [Double: Double]]) -> [String] {
        var out: [String] = []
        for key in Set(a.keys).union(b.keys).sorted() {
            let x = a[key] ?? [:]
            let y = b[key] ?? [:]
            for time in Set(x.keys).union(y.keys).sorted() {
                guard let u = x[time], let v = y[time] else {
                    let left = x[time].map { "\($0)" } ?? "absent"
                    let right = y[time].map { "\($0)" } ?? "absent"
                    out.append("\(key) @\(time): \(left) vs \(right)")
                    continue
                }
                if u == v || (u.isNaN && v.isNaN) || abs(u - v) <= 1e-9 * max(abs(u), abs(v)) { continue }
                out.append("\(key) @\(time): \(u) vs \(v)")
            }
        }
        return out
    }

    /// Whether a store's newest sample of pod a at the stamp's time is the exporter's state `generation`
    /// (pod a's count is 16 × generation).
    static func holds(_ base: String, generation: Int, at stamp: Int64, selector: String = "") async -> Bool {
        let time = Double(stamp) / 1000
        guard let answer = await rangeQuery(base, "histogram_count(rpc_latency_seconds\(selector.isEmpty ? "{pod=\"a\"}" : selector.dropLast() + ", pod=\"a\"}"))",
                                            start: time, end: time)
        else { return false }
        return answer.values.first?[time] == Double(16 * generation)
    }

    static func startPrometheus(config: String, directory: URL, port: Int) throws -> ServerProcess {
        try config.write(to: directory.appendingPathComponent("prometheus.yml"), atomically: true, encoding: .utf8)
        return try ServerProcess(executable: URL(fileURLWithPath: Self.prometheus), arguments: [
            "--config.file=\(directory.path)/prometheus.yml", "--storage.tsdb.path=\(directory.path)/prom",
            "--web.listen-address=127.0.0.1:\(port)", "--web.enable-remote-write-receiver", "--enable-feature=native-histograms",
            "--log.level=error",
        ])
    }

    /// How the histograms Prometheus federated from metricsd differ from those it scraped itself, at
    /// the newest state's time (waiting up to 20 s for them to arrive).
    static func federationDifferences(_ base: String, newest stamp: Int64) async -> [String] {
        let time = Double(stamp) / 1000 - 1.5
        var differences = ["not compared"]
        _ = await eventually(within: 20) {
            guard let got = await rangeQuery(base, "histogram_sum(rpc_latency_seconds{path=\"federate\"})", start: time, end: time),
                  let own = await rangeQuery(base, "histogram_sum(rpc_latency_seconds{via=\"\", path=\"\"})", start: time, end: time)
            else { return false }
            differences = got.isEmpty ? ["nothing federated"] : Self.differences(got, own)
            return differences.isEmpty
        }
        return differences
    }

    @Test("histogram_quantile, histogram_count, histogram_sum and rate agree with Prometheus; remote write and federation carry the histograms",
          .enabled(if: FileManager.default.isExecutableFile(atPath: prometheus), "prometheus is not installed"))
    func sameAnswers() async throws {
        let exporter = Exporter()
        let exporterPort = ServerProcess.freePort()
        let router = Router()
        router.get("**") { request, _ -> Response in
            guard request.headers[.accept]?.contains("application/vnd.google.protobuf") == true else { return Response(status: .notAcceptable) }
            let bytes = await exporter.body
            return Response(status: .ok, headers: [.contentType: ProtobufExposition.contentType], body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
        }
        let server = TestServer(Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: exporterPort))))
        defer { server.cancel() }

        let directory = try makeTemporaryDirectory("nh-diff")
        defer { removeTemporaryDirectory(directory) }
        let promPort = ServerProcess.freePort()
        let promBase = "http://127.0.0.1:\(promPort)"
        let scrape = "scrape_configs:\n  - job_name: rpc\n    scrape_interval: 1s\n    static_configs: [{targets: ['127.0.0.1:\(exporterPort)']}]\n"
        try await withMetricsd("nh-diff", config: { _ in
            """
            global:
              external_labels: {via: metricsd}
            \(scrape)    scrape_native_histograms: true
            remote_write:
              - url: \(promBase)/api/v1/write
                send_native_histograms: true
                queue_config: {batch_send_deadline: 1s}
            """
        }) { metricsd in
            // Prometheus scrapes the exporter, and federates metricsd's histograms (over protobuf,
            // marked path="federate").
            let federate = """
                  - job_name: federate
                    scrape_interval: 1s
                    honor_labels: true
                    metrics_path: /federate
                    params: {'match[]': ['rpc_latency_seconds']}
                    static_configs: [{targets: ['127.0.0.1:\(metricsd.port)']}]
                    metric_relabel_configs: [{target_label: path, replacement: federate}]

                """
            let prometheus = try Self.startPrometheus(config: scrape + federate, directory: directory, port: promPort)
            let stopPrometheus = { prometheus.stop() }
            defer { stopPrometheus() }
            try #require(await eventually(within: underLoad) { await httpGet(promBase + "/-/ready")?.0 == 200 }, "Prometheus: \(prometheus.log().suffix(1000))")
            // Twenty-two states, each stored by both.
            for _ in 0..<22 {
                let generation = await exporter.generation
                let stamp = await exporter.timestamps[generation - 1]
                let stored = await eventually(within: underLoad) {
                    guard await Self.holds(metricsd.base, generation: generation, at: stamp) else { return false }
                    return await Self.holds(promBase, generation: generation, at: stamp, selector: "{via=\"\", path=\"\"}")
                }
                try #require(stored, "state \(generation) was not stored by both: \(prometheus.log().suffix(1000))")
                await exporter.advance()
            }
            let stamps = await exporter.timestamps
            // Steps half a second off the samples' timestamps: Prometheus 2.42's range windows include
            // their start, 3.x's (and ours) do not.
            let start = Double(stamps[11]) / 1000 + 0.5
            let end = Double(stamps[20]) / 1000 + 0.5
            try await Task.sleep(for: .seconds(3))
            let queries = [
                "histogram_count(rpc_latency_seconds)", "histogram_sum(rpc_latency_seconds)",
                "histogram_quantile(0.25, rpc_latency_seconds)", "histogram_quantile(0.5, rpc_latency_seconds)",
                "histogram_count(rate(rpc_latency_seconds[5s]))", "histogram_sum(rate(rpc_latency_seconds[5s]))",
                "histogram_quantile(0.5, sum by (job) (rate(rpc_latency_seconds[5s])))", "histogram_count(increase(rpc_latency_seconds[5s]))",
            ]
            for query in queries {
                let ours = try #require(await Self.rangeQuery(metricsd.base, query, start: start, end: end), "metricsd: \(query)")
                let theirs = try #require(await Self.rangeQuery(promBase, query.replacingOccurrences(of: "rpc_latency_seconds", with: "rpc_latency_seconds{via=\"\", path=\"\"}"),
                                                                start: start, end: end), "Prometheus: \(query)")
                // Not vacuous: every series answers at most steps (a 5 s rate needs two states in its
                // window, which a loaded machine's slower scrapes do not always give at the first steps).
                let stepCount = Int((end - start).rounded()) + 1
                #expect(!ours.isEmpty && ours.values.allSatisfy { $0.count * 2 >= stepCount }, "\(query): \(ours)")
                let differ = Self.differences(ours, theirs)
                #expect(differ.isEmpty, "\(query) differs from Prometheus 2.42: \(differ.prefix(5))")
            }
            // What metricsd sent by remote write is what Prometheus scraped itself.
            var sentDiffer: [String] = ["not compared"]
            _ = await eventually(within: 20) {
                guard let sent = await Self.rangeQuery(promBase, "histogram_count(rpc_latency_seconds{via=\"metricsd\", path=\"\"})", start: start, end: end),
                      let own = await Self.rangeQuery(promBase, "histogram_count(rpc_latency_seconds{via=\"\", path=\"\"})", start: start, end: end)
                else { return false }
                sentDiffer = sent.isEmpty ? ["nothing arrived"] : Self.differences(sent, own)
                return sentDiffer.isEmpty
            }
            #expect(sentDiffer.isEmpty, "remote-written histograms differ in Prometheus: \(sentDiffer.prefix(5))")

            // The newest histograms federated over protobuf are the ones Prometheus scraped itself.
            let latest = await exporter.timestamps
            let federated = await Self.federationDifferences(promBase, newest: latest.last ?? 0)
            #expect(federated.isEmpty, "federated histograms differ: \(federated.prefix(5))")
        }
    }
}
