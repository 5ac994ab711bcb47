import Foundation
import ServerTestSupport
import Testing
import TestSupport

/// Reading samples back from metricsd, Prometheus and VictoriaMetrics for the remote write tests:
/// each as `series key` → timestamp → value, stale markers left out.
enum RemoteWriteFixture {
    typealias Samples = [String: [Int64: Double]]

    /// A metricsd configuration that scrapes metricsd itself every `interval` and ships to `remotes`
    /// (YAML list items, indented for `remote_write:`), with `cluster: <cluster>` as external label.
    static func config(selfPort: Int, interval: String = "1s", cluster: String = "rw-test", remotes: [String]) -> String {
        """
        global:
          scrape_interval: \(interval)
          scrape_timeout: \(interval)
          external_labels: {cluster: \(cluster)}
        scrape_configs:
          - job_name: self
            static_configs: [{targets: ['127.0.0.1:\(selfPort)']}]
        remote_write:
        \(remotes.joined(separator: "\n"))
        """
    }

    /// Every raw sample a Prometheus-compatible query API holds in (end − seconds, end], through a
    /// range selector; `addLabels` are added to each series (metricsd's external labels).
    static func queried(_ base: String, end: Double, seconds: Int, addLabels: [String: String] = [:]) async -> Samples? {
        let query = "{__name__=~\".+\"}[\(seconds)s]"
        guard let (status, body) = await httpPost(base + "/api/v1/query", body: Data(formEncode([("query", query), ("time", String(end))]).utf8),
                                                  headers: ["Content-Type": "application/x-www-form-urlencoded"], timeout: 30),
            status == 200,
            let json = try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any],
            let data = json["data"] as? [String: Any], let result = data["result"] as? [[String: Any]]
        else { return nil }
        var out: Samples = [:]
        for series in result {
            var labels = series["metric"] as? [String: String] ?? [:]
            labels.merge(addLabels) { own, _ in own }
            let key = RemoteWriteReceiver.key(labels.map { ($0.key, $0.value) })
            for pair in series["values"] as? [[Any]] ?? [] {
                guard pair.count == 2, let time = pair[0] as? Double, let text = pair[1] as? String, let value = Double(text) else { continue }
                out[key, default: [:]][Int64((time * 1000).rounded())] = value
            }
        }
        return out
    }

    /// Every raw sample VictoriaMetrics holds in [start, end] (milliseconds), through `/api/v1/export`.
    static func exported(_ base: String, start: Int64, end: Int64) async -> Samples? {
        let url = base + "/api/v1/export?match%5B%5D=%7B__name__%3D~%22.%2B%22%7D&start=\(Double(start) / 1000)&end=\(Double(end) / 1000)"
        guard let (status, body) = await httpGet(url, timeout: 30), status == 200 else { return nil }
        var out: Samples = [:]
        for line in body.split(separator: "\n") {
            guard let json = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                let labels = json["metric"] as? [String: String], let values = json["values"] as? [Any], let times = json["timestamps"] as? [Int64]
            else { continue }
            let key = RemoteWriteReceiver.key(labels.map { ($0.key, $0.value) })
            for (value, time) in zip(values, times) {
                guard let number = (value as? Double) ?? (value as? NSNumber)?.doubleValue, !number.isNaN else { continue }
                out[key, default: [:]][time] = number
            }
        }
        return out
    }

    /// The samples of `samples` in (start, end], stale markers (NaN) left out.
    static func window(_ samples: Samples, after start: Int64, through end: Int64) -> Samples {
        var out: Samples = [:]
        for (key, points) in samples {
            let kept = points.filter { $0.key > start && $0.key <= end && !$0.value.isNaN }
            if !kept.isEmpty { out[key] = kept }
        }
        return out
    }

    /// What `expected` has that `actual` lacks or holds with another value (relative tolerance
    /// `tolerance`), as readable lines, at most `limit`.
    static func differences(expected: Samples, actual: Samples, tolerance: Double = 0, limit: Int = 5) -> (count: Int, examples: [String]) {
        var count = 0
        var examples: [String] = []
        for (key, points) in expected {
            for (time, value) in points {
                let other = actual[key]?[time]
                let same = other.map { $0 == value || abs($0 - value) <= tolerance * max(abs(value), abs($0)) } ?? false
                guard !same else { continue }
                count += 1
                if examples.count < limit { examples.append("\(key) @\(time): \(value) vs \(other.map { "\($0)" } ?? "missing")") }
            }
        }
        return (count, examples)
    }

    /// `prometheus_remote_storage_queue_highest_sent_timestamp_seconds` of `remote` in metricsd's self-metrics.
    static func highestSent(_ base: String, remote: String) async -> Double? {
        guard let (_, body) = await httpGet(base + "/metrics") else { return nil }
        return metric(body, "prometheus_remote_storage_queue_highest_sent_timestamp_seconds", remote: remote)
    }

    /// The value of `name{remote_name="<remote>",…}` in an exposition.
    static func metric(_ text: String, _ name: String, remote: String) -> Double? {
        for line in text.split(separator: "\n") where line.hasPrefix(name + "{") && line.contains("remote_name=\"\(remote)\"") {
            return line.split(separator: " ").last.flatMap { Double($0) }
        }
        return nil
    }

    /// Waits until `remote` has sent samples up to `time` (seconds).
    static func waitUntilSent(_ base: String, remote: String, through time: Double, within seconds: Double = 60) async -> Bool {
        await eventually(within: seconds) { (await highestSent(base, remote: remote) ?? 0) >= time }
    }

    static func now() -> Double { (Date().timeIntervalSince1970 * 1000).rounded() / 1000 }
}
