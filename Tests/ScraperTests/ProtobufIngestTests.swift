import Config
import Logging
import MetricsModel
import ServerTestSupport
import Testing
import TestSupport
import TSDB

@testable import Exposition
@testable import Scraper

@Suite("Ingesting protobuf scrapes")
struct ProtobufIngestTests {
    typealias P = ProtobufExposition

    @Test("native histograms are stored under the target's labels; a vanished one gets a histogram stale marker")
    func storesHistograms() throws {
        let dir = TemporaryDirectory()
        let db = try DB(path: dir.path, logger: Logger(label: "test"))
        defer { db.close() }
        var config = ScrapeConfig(jobName: "api")
        config.histograms.nativeHistograms = true
        let target = try #require(try Target.populate(["__address__": "host:8008"], config: config, global: GlobalConfig()))
        var ingester = ScrapeIngester(target: target, config: config)
        let first = P.family("latency_seconds", type: .histogram, metrics: [P.histogram(native: ProtobufParserTests.native(), count: 8, sum: 4.5)])
            + P.family("up_total", type: .counter, metrics: [P.metric(type: .counter, value: 1)])
        var appender = db.appender()
        let report = try ingester.ingest(first, format: .protobuf, timestamp: 1_000, into: &appender)
        try appender.commit()
        #expect(report.samplesPostRelabel == 2)
        let second = P.family("up_total", type: .counter, metrics: [P.metric(type: .counter, value: 2)])
        _ = try ingester.ingest(second, format: .protobuf, timestamp: 16_000, into: &appender)
        try appender.commit()

        let stored = try db.selectHistograms([try Matcher(.equal, "__name__", "latency_seconds")], from: 0, through: 20_000)
        #expect(stored.first?.0 == ["__name__": "latency_seconds", "job": "api", "instance": "host:8008"])
        let samples = try #require(stored.first?.1)
        #expect(samples.map(\.timestamp) == [1_000, 16_000])
        #expect(samples.first?.histogram == ProtobufParserTests.native())
        #expect(samples.last?.isStale == true)
        #expect(try db.select([try Matcher(.equal, "__name__", "latency_seconds")], from: 0, through: 20_000).isEmpty)
    }

    @Test("a malformed protobuf body fails the scrape with where and why")
    func malformed() throws {
        let config = ScrapeConfig(jobName: "api")
        let target = try #require(try Target.populate(["__address__": "host:8008"], config: config, global: GlobalConfig()))
        var ingester = ScrapeIngester(target: target, config: config)
        var appender = ScrapeIngesterTests.RecordingAppender()
        let body = P.family("m", type: .gauge, metrics: [P.metric(type: .gauge, value: 1)])
        #expect {
            try ingester.ingest(Array(body.dropLast(3)), format: .protobuf, timestamp: 1, into: &appender)
        } throws: { error in
            "\(error)".hasPrefix("parse error: protobuf, byte 1: metric family 1:")
        }
    }
}
