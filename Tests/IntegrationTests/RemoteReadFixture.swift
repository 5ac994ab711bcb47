import Foundation
import MetricsModel
import RemoteProtocol
import ServerTestSupport
import TestSupport

/// Data and queries for the remote read tests.
enum RemoteReadFixture {
    /// A metricsd configuration that scrapes nothing, with external label `cluster` and `remotes`
    /// (YAML list items) under `remote_read`.
    static func config(external cluster: String, remotes: [String]) -> String {
        var text = """
            global: {scrape_interval: 15s, evaluation_interval: 1m, external_labels: {cluster: \(cluster)}}
            scrape_configs: []

            """
        if !remotes.isEmpty { text += "remote_read:\n" + remotes.joined(separator: "\n") + "\n" }
        return text
    }

    /// The last timestamp of the data: a multiple of 15 s a little before now (ms).
    static func dataEnd() -> Int64 {
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        return now - now % 15_000 - 15_000
    }

    /// `rr_metric{instance="i1"…"i4", kind="remote"}` every 15 s over the 30 minutes up to `end`,
    /// shifted by `offset` ms: counters, i3 resetting halfway.
    static func dataset(end: Int64, offset: Int64 = 0) -> [RemoteTimeSeries] {
        (1...4).map { instance in
            let samples = (0...120).map { step in
                let value = instance == 3 && step >= 60 ? Double(step - 60) : Double(instance * 1000 + step * instance)
                return Sample(timestamp: end - 1_800_000 + Int64(step) * 15_000 + offset, value: value)
            }
            return RemoteTimeSeries(labels: [("__name__", "rr_metric"), ("instance", "i\(instance)"), ("kind", "remote")], samples: samples)
        }
    }

    /// Sends `series` with remote write.
    static func push(_ base: String, _ series: [RemoteTimeSeries]) async -> (Int, String)? {
        let body = Data(Snappy.compress(RemoteWriteRequest(timeseries: series).encode()))
        return await httpPost(base + "/api/v1/write", body: body, headers: [
            "Content-Type": "application/x-protobuf", "Content-Encoding": "snappy", "X-Prometheus-Remote-Write-Version": "0.1.0",
        ])
    }

    /// An answer: its status, its `data.result` as canonical JSON, and its warnings.
    struct Answer {
        let status: String
        let result: String
        let warnings: [String]
    }

    static func answer(_ base: String, _ path: String, _ pairs: [(String, String)]) async -> Answer? {
        guard let (_, body) = await httpPost(base + path, body: Data(formEncode(pairs).utf8), headers: ["Content-Type": "application/x-www-form-urlencoded"], timeout: 30),
            let json = try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any]
        else { return nil }
        let result = (json["data"] as? [String: Any])?["result"] ?? []
        let canonical = (try? JSONSerialization.data(withJSONObject: result, options: [.sortedKeys])).map { String(decoding: $0, as: UTF8.self) } ?? ""
        return Answer(status: json["status"] as? String ?? "", result: canonical, warnings: json["warnings"] as? [String] ?? [])
    }

    /// `expr` over the 25 minutes up to `end` (ms), every 30 s, the steps 7 s off the samples'
    /// timestamps: Prometheus 2.42's windows include their start and 3.x's (metricsd's) do not, which
    /// only matters for a sample exactly on a window's start.
    static func range(_ base: String, _ expr: String, end: Int64) async -> Answer? {
        let last = end - 7_000
        return await answer(base, "/api/v1/query_range", [
            ("query", expr), ("start", String(Double(last - 1_500_000) / 1000)), ("end", String(Double(last) / 1000)), ("step", "30"),
        ])
    }

    static func instant(_ base: String, _ expr: String, at time: Double) async -> Answer? {
        await answer(base, "/api/v1/query", [("query", expr), ("time", String(time))])
    }

    /// The raw samples of a range selector at `time` (ms), by series.
    static func rawSamples(_ base: String, _ selector: String, at time: Int64) async -> [String: [Int64: Double]]? {
        guard let (_, body) = await httpPost(base + "/api/v1/query", body: Data(formEncode([("query", selector), ("time", String(Double(time) / 1000))]).utf8),
                                            headers: ["Content-Type": "application/x-www-form-urlencoded"]),
            let json = try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any],
            let result = (json["data"] as? [String: Any])?["result"] as? [[String: Any]]
        else { return nil }
        var out: [String: [Int64: Double]] = [:]
        for series in result {
            let key = (series["metric"] as? [String: String] ?? [:]).sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
            for pair in series["values"] as? [[Any]] ?? [] {
                guard pair.count == 2, let time = pair[0] as? Double, let text = pair[1] as? String, let value = Double(text) else { continue }
                out[key, default: [:]][Int64((time * 1000).rounded())] = value
            }
        }
        return out
    }

    /// `prometheus_remote_storage_read_queries_total` summed over codes, by `remote_name`.
    static func queries(_ metrics: String) -> [String: Double] {
        var out: [String: Double] = [:]
        for line in metrics.split(separator: "\n") where line.hasPrefix("prometheus_remote_storage_read_queries_total{") {
            guard let nameStart = line.range(of: "remote_name=\""), let nameEnd = line[nameStart.upperBound...].firstIndex(of: "\""),
                let value = line.split(separator: " ").last.flatMap({ Double($0) })
            else { continue }
            out[String(line[nameStart.upperBound..<nameEnd]), default: 0] += value
        }
        return out
    }
}
