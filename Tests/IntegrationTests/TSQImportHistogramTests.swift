import Foundation
import MetricsModel
import ServerTestSupport
import Testing
import TestSupport

extension TSQIntegrationTests {
    /// `tsq import --format protobuf`: native histograms (and floats) from protobuf exposition
    /// messages with timestamps, written into blocks that queries read back.
    @Suite("tsq import of native histograms")
    struct TSQImportHistogramTests {
        static func histogram(_ i: Int) -> FloatHistogram {
            var h = FloatHistogram()
            h.schema = 1
            h.positiveSpans = [HistogramSpan(offset: 0, length: 3)]
            h.positiveBuckets = [Double(i), Double(2 * i), Double(i)]
            h.count = Double(4 * i)
            h.sum = Double(i) * 1.5
            return h
        }

        @Test("histograms and floats imported from protobuf are queried back from the blocks, across block ranges")
        func importThenQuery() async throws {
            let directory = try makeTemporaryDirectory("tsq-import-nh")
            defer { removeTemporaryDirectory(directory) }
            // Three hours of one sample a minute, ending ten minutes ago: two 2 h ranges.
            let end = (Int64(Date().timeIntervalSince1970) / 60 - 10) * 60_000
            var body: [UInt8] = []
            for i in 1...180 {
                let time = end - Int64(180 - i) * 60_000
                let h = Self.histogram(i)
                body += ProtobufExposition.family("latency_seconds", type: .histogram, metrics: [
                    ProtobufExposition.histogram([("job", "api")], native: h, count: h.count, sum: h.sum, timestampMs: time),
                ])
                body += ProtobufExposition.family("requests_total", type: .counter, metrics: [
                    ProtobufExposition.metric([("job", "api")], type: .counter, value: Double(i), timestampMs: time),
                ])
            }
            let file = directory.appendingPathComponent("data.pb")
            try Data(body).write(to: file)
            let data = directory.appendingPathComponent("data").path
            let imported = try await tsq(["import", "--format", "protobuf", file.path, "--data-dir", data, "--max-block-duration", "2h"])
            try #require(imported.status == 0, "tsq import: \(imported.stderr)")
            #expect(imported.stdout.hasPrefix("imported 360 samples of 2 series into "), "\(imported.stdout)")
            #expect(!imported.stdout.contains(" 1 block(s)"), "three hours make two or three 2 h blocks: \(imported.stdout)")

            let at = String(Double(end) / 1000)
            let count = try await tsq(["query", "histogram_count(latency_seconds)", "--time", at, "-o", "json", "--data-dir", data])
            #expect(count.stdout.contains(#""value":[\#(at.replacingOccurrences(of: ".0", with: "")),"720"]"#), "\(count.stdout) \(count.stderr)")
            // A rate across the two blocks' boundary: 4 observations a minute.
            let rate = try await tsq(["query", "histogram_count(rate(latency_seconds[1h]))", "--time", at, "-o", "json", "--data-dir", data])
            #expect(rate.stdout.contains(#""0.06666666666666667""#), "\(rate.stdout) \(rate.stderr)")
            let floats = try await tsq(["query", "requests_total", "--time", at, "-o", "json", "--data-dir", data])
            #expect(floats.stdout.contains(#""180""#), "\(floats.stdout)")
        }
    }
}
