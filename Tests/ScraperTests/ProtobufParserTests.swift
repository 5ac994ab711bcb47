import Config
import MetricsModel
import RemoteProtocol
import ServerTestSupport
import Testing

@testable import Exposition
@testable import Scraper

@Suite("The protobuf exposition format")
struct ProtobufParserTests {
    typealias P = ProtobufExposition

    static func native(_ scale: Double = 1, schema: Int32 = 0) -> FloatHistogram {
        var h = FloatHistogram()
        h.schema = schema
        h.zeroThreshold = 0.001
        h.zeroCount = 1 * scale
        h.positiveSpans = [HistogramSpan(offset: -1, length: 2), HistogramSpan(offset: 1, length: 1)]
        h.positiveBuckets = [2 * scale, 1 * scale, 3 * scale]
        h.negativeSpans = [HistogramSpan(offset: 0, length: 1)]
        h.negativeBuckets = [1 * scale]
        h.count = 8 * scale
        h.sum = 4.5 * scale
        return h
    }

    static let mixed: [UInt8] =
        P.family("requests_total", type: .counter, help: "Requests.", metrics: [
            P.metric([("code", "200")], type: .counter, value: 7),
            P.metric([("code", "500"), ("path", "a\"b\\c\nd")], type: .counter, value: 1, timestampMs: 1234),
        ])
        + P.family("temperature", type: .gauge, metrics: [P.metric(type: .gauge, value: -3.5)])
        + P.family("things", type: .untyped, metrics: [P.metric(type: .untyped, value: 2)])
        + P.family("rpc_seconds", type: .summary, metrics: [P.summary(quantiles: [(0.5, 0.1), (0.99, 2)], count: 10, sum: 3)])
        + P.family("latency_seconds", type: .histogram, metrics: [
            P.histogram([("job", "api")], native: native(), classic: [(0.5, 3), (1, 6)], count: 8, sum: 4.5, createdMs: 1_000_500),
        ])

    static func keys(_ parser: ProtobufParser) -> [String] { parser.entries.map { String(decoding: $0.key, as: UTF8.self) } }

    @Test("counters, gauges, untyped metrics and summaries become the series Prometheus makes of them")
    func floatFamilies() throws {
        let parser = try ProtobufParser(Self.mixed)
        #expect(Array(Self.keys(parser).prefix(7)) == [
            #"requests_total{code="200"}"#, #"requests_total{code="500",path="a\"b\\c\nd"}"#, "temperature", "things",
            #"rpc_seconds{quantile="0.5"}"#, #"rpc_seconds{quantile="0.99"}"#, "rpc_seconds_sum",
        ])
        #expect(parser.entries.prefix(9).map(\.value) == [7, 1, -3.5, 2, 0.1, 2, 3, 10, 0])
        #expect(parser.entries[1].timestamp == 1234)
        #expect(parser.entries[1].labels == ["__name__": "requests_total", "code": "500", "path": "a\"b\\c\nd"])
        #expect(parser.metadata["requests_total"] == MetricMetadata(type: .counter, help: "Requests."))
        #expect(parser.metadata["rpc_seconds"]?.type == .summary)
        #expect(parser.metadata["latency_seconds"]?.type == .histogram)
    }

    /// An `Exemplar` message: labels, value, and a timestamp in seconds.
    static func exemplar(_ labels: [(String, String)], _ value: Double, seconds: UInt64) -> [UInt8] {
        var message = ProtobufWriter()
        for (name, labelValue) in labels {
            var pair = ProtobufWriter()
            pair.writeStringField(1, name)
            pair.writeStringField(2, labelValue)
            message.writeBytesField(1, pair.bytes)
        }
        message.writeDoubleField(2, value)
        var stamp = ProtobufWriter()
        stamp.writeVarintField(1, seconds)
        message.writeBytesField(3, stamp.bytes)
        return message.bytes
    }

    @Test("exemplars of counters, classic buckets and native histograms are read with their labels, value and time")
    func exemplars() throws {
        // Counter { value 1: 7, exemplar 2 }
        var counter = ProtobufWriter()
        counter.writeDoubleField(1, 7)
        counter.writeBytesField(2, Self.exemplar([("trace_id", "abc")], 0.25, seconds: 1_700_000_000))
        var metric = ProtobufWriter()
        metric.writeBytesField(3, counter.bytes)
        // Histogram { count 1, sum 2, bucket 3 { cumulative 1, bound 2, exemplar 3 }, exemplars 16 }, with a span: native.
        var bucket = ProtobufWriter()
        bucket.writeVarintField(1, 2)
        bucket.writeDoubleField(2, 0.5)
        bucket.writeBytesField(3, Self.exemplar([("trace_id", "b1")], 0.4, seconds: 1_700_000_001))
        var histogram = ProtobufWriter()
        histogram.writeVarintField(1, 3)
        histogram.writeDoubleField(2, 1.5)
        histogram.writeBytesField(3, bucket.bytes)
        var span = ProtobufWriter()
        span.writeVarintField(2, 1)
        histogram.writeBytesField(12, span.bytes)
        histogram.writeBytesField(16, Self.exemplar([("trace_id", "n1")], 0.7, seconds: 1_700_000_002))
        histogram.writeBytesField(16, Self.exemplar([("trace_id", "n2")], 0.9, seconds: 1_700_000_003))
        var histogramMetric = ProtobufWriter()
        histogramMetric.writeBytesField(7, histogram.bytes)
        let body = P.family("requests_total", type: .counter, metrics: [metric.bytes]) + P.family("latency", type: .histogram, metrics: [histogramMetric.bytes])

        let parsed = try ProtobufParser(body, options: .init(alwaysClassic: true))
        let byKey = Dictionary(parsed.entries.map { (String(decoding: $0.key, as: UTF8.self), $0.exemplars) }, uniquingKeysWith: { first, _ in first })
        #expect(byKey["requests_total"] == [Exemplar(labels: [Label("trace_id", "abc")], value: 0.25, timestamp: 1_700_000_000_000)])
        #expect(byKey["latency"]?.map(\.value) == [0.7, 0.9])
        #expect(byKey["latency"]?.last?.timestamp == 1_700_000_003_000)
        #expect(byKey[#"latency_bucket{le="0.5"}"#] == [Exemplar(labels: [Label("trace_id", "b1")], value: 0.4, timestamp: 1_700_000_001_000)])
        #expect(byKey[#"latency_bucket{le="+Inf"}"#] == [])
    }

    @Test("a histogram with native parts is one histogram sample, its classic buckets kept only when asked")
    func nativeHistogram() throws {
        let parser = try ProtobufParser(Self.mixed)
        let entry = try #require(parser.entries.last)
        #expect(String(decoding: entry.key, as: UTF8.self) == #"latency_seconds{job="api"}"#)
        #expect(entry.histogram == Self.native())
        #expect(entry.startTimestamp == 1_000_500)
        #expect(!Self.keys(parser).contains { $0.hasPrefix("latency_seconds_") })

        let both = try ProtobufParser(Self.mixed, options: .init(alwaysClassic: true))
        #expect(both.entries.contains { $0.histogram != nil })
        #expect(Array(Self.keys(both).suffix(5)) == [
            #"latency_seconds_count{job="api"}"#, #"latency_seconds_sum{job="api"}"#, #"latency_seconds_bucket{job="api",le="0.5"}"#,
            #"latency_seconds_bucket{job="api",le="1.0"}"#, #"latency_seconds_bucket{job="api",le="+Inf"}"#,
        ])
        #expect(Array(both.entries.suffix(5).map(\.value)) == [8, 4.5, 3, 6, 8])
    }

    @Test("without native histograms a histogram is its classic series; with NHCB conversion a custom-bucket histogram")
    func classicAndNHCB() throws {
        let classic = try ProtobufParser(Self.mixed, options: .init(nativeHistograms: false))
        #expect(!classic.entries.contains { $0.histogram != nil })
        #expect(Self.keys(classic).last == #"latency_seconds_bucket{job="api",le="+Inf"}"#)

        let body = P.family("d", type: .histogram, metrics: [P.histogram(native: nil, classic: [(0.5, 3), (1, 6)], count: 8, sum: 4.5)])
        let nhcb = try ProtobufParser(body, options: .init(convertClassicToNHCB: true))
        #expect(nhcb.entries.count == 1)
        let h = try #require(nhcb.entries.first?.histogram)
        #expect(h.schema == FloatHistogram.customBucketsSchema)
        #expect(h.customValues == [0.5, 1])
        #expect(h.positiveBuckets == [3, 3, 2])
        #expect(h.count == 8 && h.sum == 4.5)
    }

    @Test("a native histogram with no observations yet (one empty span) is a native histogram with no buckets")
    func emptyNative() throws {
        var empty = FloatHistogram()
        empty.schema = 3
        let body = P.family("e", type: .histogram, metrics: [P.histogram(native: empty, count: 0, sum: 0)])
        let parser = try ProtobufParser(body)
        #expect(parser.entries.count == 1)
        #expect(parser.entries.first?.histogram == empty)
    }

    @Test("a gauge histogram carries the gauge hint; float counts are kept as floats")
    func gaugeAndFloat() throws {
        let h = Self.native(0.25)
        let parser = try ProtobufParser(P.family("g", type: .gaugeHistogram, metrics: [P.histogram(native: h, count: 2, sum: 1.125)]))
        let got = try #require(parser.entries.first?.histogram)
        #expect(got.counterResetHint == .gauge)
        #expect(got.positiveBuckets == [0.5, 0.25, 0.75])
    }

    @Test("native_histogram_bucket_limit and native_histogram_min_bucket_factor reduce the resolution as Prometheus does")
    func resolutionLimits() throws {
        let body = P.family("h", type: .histogram, metrics: [P.histogram(native: Self.native(schema: 3), count: 8, sum: 4.5)])
        // Buckets at schema 3: 1 negative and 3 positive (indices -1, 0, 2); at schema 2 the first
        // two positive ones merge, and no coarser schema merges the last with them.
        let limited = try #require(try ProtobufParser(body, options: .init(bucketLimit: 3)).entries.first?.histogram)
        #expect(limited.schema == 2)
        #expect(limited.positiveBuckets.count + limited.negativeBuckets.count == 3)
        #expect(limited.count == 8 && limited.positiveBuckets.reduce(0, +) == 6)
        let factor = try #require(try ProtobufParser(body, options: .init(minBucketFactor: 1.5)).entries.first?.histogram)
        #expect(factor.schema == 0, "2^(2^-1) ≈ 1.41 < 1.5 ≤ 2^(2^0)")
        #expect(throws: ExpositionError.self) { try ProtobufParser(body, options: .init(bucketLimit: 2)) }
    }

    @Test("every truncation of an exposition is an error naming a byte offset, and flipped bytes never crash")
    func garbage() throws {
        let body = Self.mixed
        for length in 1..<body.count {
            do {
                _ = try ProtobufParser(Array(body[0..<length]))
            } catch {
                #expect(error.description.hasPrefix("protobuf, byte "), "\(error)")
            }
        }
        for index in body.indices {
            var mutated = body
            mutated[index] ^= 0x5a
            _ = try? ProtobufParser(mutated)
        }
        #expect(throws: ExpositionError.self) { try ProtobufParser([0xff, 0xff, 0xff, 0xff, 0x0f]) }
    }

    @Test("labels given twice, named __name__ or empty are refused")
    func badLabels() throws {
        for labels in [[("a", "1"), ("a", "2")], [("__name__", "x")], [("", "v")]] {
            #expect(throws: ExpositionError.self) { try ProtobufParser(P.family("m", type: .gauge, metrics: [P.metric(labels, type: .gauge, value: 1)])) }
        }
    }

    @Test("Accept headers follow scrape_protocols in order, protobuf first by default only with native histograms")
    func acceptHeader() throws {
        #expect(ScrapeProtocol.acceptHeader(ScrapeProtocol.textDefaults)
            == "application/openmetrics-text;version=1.0.0;q=0.6,application/openmetrics-text;version=0.0.1;q=0.5,text/plain;version=1.0.0;q=0.4,text/plain;version=0.0.4;q=0.3,*/*;q=0.2")
        var options = HistogramScrapeOptions()
        #expect(options.effectiveProtocols.first == .openMetricsText100)
        options.nativeHistograms = true
        #expect(options.effectiveProtocols.first == .prometheusProto)
        #expect(ExpositionFormat(contentType: ProtobufExposition.contentType) == .protobuf)
        #expect(ExpositionFormat(contentType: "application/vnd.google.protobuf; proto=other.Message; encoding=delimited") == .prometheusText)
    }
}
