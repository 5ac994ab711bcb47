import Foundation
import Testing
import ServerTestSupport
import TestSupport

/// Issue 18's hostile scrape targets against the shipped `metricsd`: each costs no more than its
/// limits, fails only its own scrapes with a reason, and never affects a healthy target scraped
/// beside it.
@Suite("metricsd against hostile scrape targets", .serialized)
struct HostileTargetTests {
    static func config(exporter: Int) -> String {
        func job(_ name: String, _ extra: String = "") -> String {
            """
              - job_name: \(name)
                metrics_path: /\(name)
                scrape_interval: 4s
                scrape_timeout: 3s
                static_configs: [{targets: ['127.0.0.1:\(exporter)']}]
            \(extra)
            """
        }
        return "scrape_configs:\n" + [
            job("good").replacingOccurrences(of: "scrape_interval: 4s\n    scrape_timeout: 3s", with: "scrape_interval: 1s\n    scrape_timeout: 1s"),
            job("trickle").replacingOccurrences(of: "scrape_timeout: 3s", with: "scrape_timeout: 1s"),
            job("endless", "    body_size_limit: 1MB"),
            job("gzipbomb"),
            job("biglabel", "    label_value_length_limit: 1024"),
            job("invalidutf8"),
            job("million", "    sample_limit: 10000"),
            job("duplicates"),
        ].joined(separator: "\n") + "\n"
    }

    static func targets(_ base: String) async -> [String: (health: String, error: String)] {
        guard let (_, body) = await httpGet(base + "/api/v1/targets"),
              let json = try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any],
              let active = (json["data"] as? [String: Any])?["activeTargets"] as? [[String: Any]]
        else { return [:] }
        var out: [String: (String, String)] = [:]
        for target in active {
            out[target["scrapePool"] as? String ?? ""] = (target["health"] as? String ?? "", target["lastError"] as? String ?? "")
        }
        return out
    }

    /// The sample times of the one series `matrix` selects.
    static func sampleTimes(_ base: String, _ matrix: String) async -> [Double] {
        guard let (_, body) = await DataSafetyTests.query(base, [("query", matrix)]),
              let result = (body["data"] as? [String: Any])?["result"] as? [[String: Any]],
              let values = result.first?["values"] as? [[Any]]
        else { return [] }
        return values.compactMap { ($0.first as? NSNumber)?.doubleValue }
    }

    static func residentBytes(_ pid: Int32) -> Int {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") })
        else { return 0 }
        return (Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0) * 1024
    }

    @Test("trickle, endless body, gzip bomb, 1 MB labels, invalid UTF-8, a million series, duplicates: each fails alone, the good target never misses")
    func hostileTargets() async throws {
        let store = try DataSafetyTests.Store()
        let exporterPort = ServerProcess.freePort()
        let exporter = try await HostileExporter.start(port: exporterPort, gzipBomb: try HostileExporter.gzipBomb(megabytes: 256, in: store.directory))
        defer { exporter.cancel() }
        let server = try await DataSafetyTests.start(store, config: Self.config(exporter: exporterPort))
        defer { server.process.stop() }

        // Every hostile target has been scraped at least twice once all have a verdict.
        let settled = await eventually(within: 60) {
            let targets = await Self.targets(server.base)
            return targets.count == 8 && targets.values.allSatisfy { $0.health != "unknown" }
        }
        #expect(settled)
        try await Task.sleep(for: .seconds(8))
        var peak = Self.residentBytes(server.pid)
        let targets = await Self.targets(server.base)
        for (job, target) in targets.sorted(by: { $0.key < $1.key }) { print("hostile target \(job): \(target.health) \(target.error)") }

        #expect(targets["good"]?.health == "up")
        #expect(targets["trickle"]?.health == "down")
        #expect(targets["endless"]?.health == "down")
        #expect(targets["endless"]?.error == "body size limit exceeded (1048576 bytes)")
        #expect(targets["gzipbomb"]?.error == "gzip body decompresses to more than 100 times its size; refused as a decompression bomb")
        #expect(targets["trickle"]?.error.contains("deadline") == true, "\(targets["trickle"]?.error ?? "")")
        #expect(targets["biglabel"]?.error.hasPrefix("label_value_length_limit exceeded (metric: big_label_metric, label name: v") == true,
                "\(targets["biglabel"]?.error ?? "")")
        #expect(targets["invalidutf8"]?.error.contains("invalid UTF-8 label value") == true, "a label value that is not UTF-8 fails the scrape, as in Prometheus")
        #expect(targets["million"]?.error == "sample limit exceeded (10000)")
        #expect(targets["duplicates"]?.health == "up", "duplicates and future samples are refused one by one; the rest is stored")
        #expect(await DataSafetyTests.values(server.base, "normal_metric") == [1])
        #expect(await DataSafetyTests.values(server.base, "future_metric") == [])
        #expect(await DataSafetyTests.values(server.base, "count(million_metric)") == [])

        // The good target, scraped every second through all of it, has no gap.
        // The good target, scraped every second through all of it, has no gap: consecutive samples
        // over the last 10 s are 1 s apart (a missed scrape would leave 2 s).
        let times = await Self.sampleTimes(server.base, "good_metric[10s]")
        let gaps = zip(times.dropFirst(), times).map { $0 - $1 }
        let raw = await DataSafetyTests.query(server.base, [("query", "good_metric[10s]")])
        #expect(times.count >= 8 && gaps.allSatisfy { $0 < 1.5 }, "\(times) \(String(describing: raw))")
        #expect(await DataSafetyTests.values(server.base, "min_over_time(up{job=\"good\"}[10s])") == [1])
        peak = max(peak, Self.residentBytes(server.pid))
        print("hostile targets: metricsd RSS \(peak >> 20) MiB")
        #expect(peak < 1 << 30, "RSS \(peak >> 20) MiB")
        #expect(await DataSafetyTests.healthy(server.base))
    }
}
