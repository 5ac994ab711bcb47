import ArgumentParser
import Config
import Exposition
import Foundation
import Logging
import MetricsModel
import Scraper
import TSDB

/// The scrape ingest path without HTTP: parse an exposition like the bench simulator's, attach target
/// labels, track staleness and append to a real store, target after target, scrape after scrape.
struct IngestBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "CPU per sample of ScrapeIngester into a fresh store (no HTTP), and the parse share of it.")

    @Option(help: "Targets (each with its own ingester, as scrape loops have).")
    var targets = 100

    @Option(help: "Series per target.")
    var series = 1000

    @Option(help: "Scrapes per target.")
    var scrapes = 20

    @Option(name: .customLong("data-dir"), help: "A fresh directory for the store (deleted first).")
    var dataDirectory: String

    /// A web-app-like exposition: histograms (12 buckets + sum + count), counters, gauges.
    static func body(series: Int, scrape: Int) -> [UInt8] {
        var text = ""
        let groups = Int(Double(series) * 0.56) / 14
        let gauges = Int(Double(series) * 0.15)
        let counters = series - groups * 14 - gauges
        let le = ["0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1.0", "2.5", "5.0", "10.0", "+Inf"]
        text += "# HELP app_request_duration_seconds Request latency.\n# TYPE app_request_duration_seconds histogram\n"
        for group in 0..<groups {
            let labels = "route=\"/api/v1/r\(group % 40)\",method=\"\(["GET", "POST"][group % 2])\",code=\"\(group % 3 == 0 ? 500 : 200)\""
            var cumulative = 0
            for (index, bound) in le.enumerated() {
                cumulative += (index + 1) * (scrape + 1)
                text += "app_request_duration_seconds_bucket{\(labels),le=\"\(bound)\"} \(cumulative)\n"
            }
            text += "app_request_duration_seconds_sum{\(labels)} \(Double(cumulative) * 0.137)\n"
            text += "app_request_duration_seconds_count{\(labels)} \(cumulative)\n"
        }
        text += "# TYPE app_events_total counter\n"
        for index in 0..<counters { text += "app_events_total{kind=\"k\(index)\",shard=\"\(index % 8)\"} \(index * 7 + scrape * 13)\n" }
        text += "# TYPE app_queue_depth gauge\n"
        for index in 0..<gauges { text += "app_queue_depth{queue=\"q\(index)\"} \(Double((index * 31 + scrape * 17) % 1000) / 10)\n" }
        return Array(text.utf8)
    }

    func run() throws {
        try? FileManager.default.removeItem(atPath: dataDirectory)
        var logger = Logger(label: "bench")
        logger.logLevel = .warning
        let db = try DB(path: dataDirectory, logger: logger)
        defer { db.close() }
        let bodies = (0..<scrapes).map { Self.body(series: series, scrape: $0) }
        let config = ScrapeConfig(jobName: "sim")
        var ingesters = try (0..<targets).map { index -> ScrapeIngester in
            let target = try Target.populate(["__address__": "127.0.0.1:\(21000 + index)"], config: config, global: GlobalConfig())!
            return ScrapeIngester(target: target, config: config)
        }
        let start = Timestamps.now()
        var samples = 0
        var cpuStart = Self.cpuSeconds()
        var firstScrapeCPU = 0.0
        for scrape in 0..<scrapes {
            if scrape == 1 {
                // Steady state from here: the first scrape created every series.
                firstScrapeCPU = Self.cpuSeconds() - cpuStart
                cpuStart = Self.cpuSeconds()
                samples = 0
            }
            for index in ingesters.indices {
                var appender = db.appender()
                let report = try ingesters[index].ingest(bodies[scrape], format: .prometheusText, timestamp: start + Int64(scrape) * 15_000, into: &appender)
                try appender.commit()
                samples += report.samplesPostRelabel
            }
        }
        let ingestCPU = Self.cpuSeconds() - cpuStart
        // The parse share: the same bodies through the parser alone.
        let parseStart = Self.cpuSeconds()
        var parsed = 0
        for scrape in 0..<scrapes {
            for _ in 0..<targets {
                var parser = TextParser(bytes: bodies[scrape], format: .prometheusText)
                while let entry = try parser.next() {
                    if entry == .series { parsed += 1 }
                }
            }
        }
        let parseCPU = Self.cpuSeconds() - parseStart
        // The ingester alone: the same scrapes into an appender that keeps nothing.
        var fresh = ingesters.map { ScrapeIngester(target: $0.target, config: config) }
        let nullStart = Self.cpuSeconds()
        var nullSamples = 0
        for scrape in 0..<scrapes {
            for index in fresh.indices {
                var appender = NullAppender()
                nullSamples += try fresh[index].ingest(bodies[scrape], format: .prometheusText, timestamp: start + Int64(scrape) * 15_000, into: &appender).samplesPostRelabel
            }
        }
        let nullCPU = Self.cpuSeconds() - nullStart
        ingesters = fresh
        print("first scrape (creates \(targets * series) series): \(String(format: "%.2f", firstScrapeCPU * 1e6 / Double(targets * series))) µs CPU/sample")
        print("ingest, steady state: \(samples) samples, \(String(format: "%.3f", ingestCPU * 1e6 / Double(samples))) µs CPU/sample")
        print("ingester without a store: \(String(format: "%.3f", nullCPU * 1e6 / Double(max(nullSamples, 1)))) µs CPU/sample")
        print("parse only: \(String(format: "%.3f", parseCPU * 1e6 / Double(max(parsed, 1)))) µs CPU/sample")
        print("head series: \(db.head.seriesCount)")
    }

    /// Keeps nothing: isolates the ingester's own cost.
    struct NullAppender: Appender {
        mutating func append(_ ref: SeriesRef, _ labels: Labels, _ sample: Sample) throws -> SeriesRef { 0 }
        mutating func commit() throws {}
        mutating func rollback() {}
    }

    /// User + system CPU seconds of this process.
    static func cpuSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
    }
}
