import ArgumentParser
import Foundation
import Logging
import MetricsModel
import TSDB

/// Head memory per series, append throughput and WAL replay time, through the real store.
struct HeadBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "head",
        abstract: "Append N series × M minutes of 15 s samples into a fresh store, then reopen it (WAL replay).")

    @Option(help: "Active series.")
    var series = 100_000

    @Option(help: "Minutes of data at 15 s.")
    var minutes = 120

    @Option(help: "Series per commit (a scrape of one target).")
    var perCommit = 1000

    @Option(name: .customLong("data-dir"), help: "A fresh directory for the store (deleted first).")
    var dataDirectory: String

    func run() throws {
        try? FileManager.default.removeItem(atPath: dataDirectory)
        var logger = Logger(label: "bench")
        logger.logLevel = .warning
        // Label sets are built fresh for each series' first sample and not kept by the benchmark,
        // as a scrape builds them from the exposition: the head owns every byte it reports.
        func labels(_ i: Int) -> Labels {
            [
                "__name__": "http_requests_total", "job": "api", "namespace": "production",
                "instance": "10.\(i / 65536 % 256).\(i / 256 % 256).\(i % 256):8008",
                "route": "/api/v1/resource/\(i % 97)", "status": ["200", "404", "500"][i % 3],
            ]
        }
        var refs = [SeriesRef](repeating: 0, count: series)
        guard minutes >= 1 else { throw ValidationError("--minutes must be at least 1") }
        let steps = minutes * 4
        let baseline = Self.residentBytes()
        var options = DBOptions()
        options.head.chunkRange = Int64(minutes / 60 + 2) * 3_600_000  // keep everything in the head
        let db = try DB(path: dataDirectory, options: options, logger: logger)
        let cpuBefore = Self.cpuSeconds()
        let clock = ContinuousClock()
        let start: Int64 = 1_700_000_000_000
        let elapsed = try clock.measure {
            for step in 0..<steps {
                let timestamp = start + Int64(step) * 15_000
                for first in stride(from: 0, to: series, by: perCommit) {
                    var appender = db.appender()
                    for index in first..<min(first + perCommit, series) {
                        let sample = Sample(timestamp: timestamp, value: Double(step * 3 + index % 5))
                        // The scrape cache's path: by reference once the series exists.
                        refs[index] = try appender.append(refs[index], refs[index] == 0 ? labels(index) : .empty, sample)
                    }
                    try appender.commit()
                }
            }
        }
        let cpu = Self.cpuSeconds() - cpuBefore
        let samples = Double(series * steps)
        let resident = Self.residentBytes()
        let wall = elapsed.inSeconds
        print("appended \(Int(samples)) samples of \(series) series in \(String(format: "%.1f", wall)) s wall, \(String(format: "%.1f", cpu)) s CPU")
        print("append throughput: \(Int(samples / cpu)) samples/s per CPU-second (\(Int(samples / wall)) samples/s wall)")
        print("RSS: \(resident >> 20) MiB, baseline \(baseline >> 20) MiB, per series \((resident - baseline) / series) B (including the benchmark's 8-byte ref per series)")
        try Self.measureSelects(db, start: start, steps: steps, clock: clock)
        let wal = Int(db.stats.walBytes)
        db.close()
        print("WAL on disk: \(wal >> 20) MiB")
        // Replay: reopen the store, which replays the WAL into a new head.
        let replayCPU = Self.cpuSeconds()
        let replay = try clock.measure {
            let reopened = try DB(path: dataDirectory, options: options, logger: logger)
            precondition(reopened.head.seriesCount == series)
            reopened.close()
        }
        let replaySeconds = replay.inSeconds
        print("WAL replay: \(String(format: "%.2f", replaySeconds)) s wall, \(String(format: "%.2f", Self.cpuSeconds() - replayCPU)) s CPU, \(String(format: "%.0f", Double(wal) / replaySeconds / 1e6)) MB/s")
    }

    /// Head-only reads over the last hour, as dashboards make them: the median of 5 runs of each
    /// selector (the first run included, there is no cache to warm).
    static func measureSelects(_ db: DB, start: Int64, steps: Int, clock: ContinuousClock) throws {
        let end = start + Int64(steps - 1) * 15_000
        let selectors: [(String, [Matcher])] = [
            ("one route (1/97 of the series)", [try Matcher(.equal, "__name__", "http_requests_total"), try Matcher(.equal, "route", "/api/v1/resource/5")]),
            ("5xx of routes 1* (regex)", [try Matcher(.equal, "status", "500"), try Matcher(.regexMatch, "route", "/api/v1/resource/1.*")]),
            ("one instance", [try Matcher(.equal, "instance", "10.0.1.7:8008")]),
        ]
        for (name, matchers) in selectors {
            var times: [Double] = []
            var count = 0
            for _ in 0..<5 {
                let elapsed = try clock.measure { count = try db.select(matchers, from: end - 3_600_000, through: end).count }
                times.append(elapsed.inSeconds * 1000)
            }
            times.sort()
            print("select last 1 h, \(name): \(count) series, median \(String(format: "%.2f", times[2])) ms (min \(String(format: "%.2f", times[0])))")
        }
    }

    static func residentBytes() -> Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
        for line in status.split(separator: "\n") where line.hasPrefix("VmRSS:") {
            return (Int(line.split(separator: " ").dropFirst().first ?? "0") ?? 0) * 1024
        }
        return 0
    }

    static func cpuSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
    }
}
