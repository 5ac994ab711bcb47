import Exposition
import MetricsModel
import RemoteProtocol

/// The scrape parsers: Prometheus text, OpenMetrics and the protobuf format, each read to its end
/// (or its first error) with every accessor of every entry called.
enum ExpositionTargets {
    static let text = FuzzTarget(name: "text", summary: "Prometheus text 0.0.4 exposition", seeds: { [Array(textSeed.utf8)] }) { bytes in
        readText(bytes, format: .prometheusText)
    }

    static let openMetrics = FuzzTarget(name: "openmetrics", summary: "OpenMetrics 1.0 text exposition", seeds: { [Array(openMetricsSeed.utf8)] }) { bytes in
        readText(bytes, format: .openMetrics)
    }

    static let protobuf = FuzzTarget(name: "protobuf", summary: "delimited protobuf MetricFamily exposition, native histograms included",
                                     seeds: { [0, 4, 9].map { [UInt8($0)] + protobufSeed() } }) { bytes in
        // The first byte picks the options, the rest is the body.
        guard let first = bytes.first else { return }
        let options = ProtobufParser.Options(
            nativeHistograms: first & 1 == 0, alwaysClassic: first & 2 != 0, convertClassicToNHCB: first & 4 != 0,
            bucketLimit: first & 8 != 0 ? 4 : 0, minBucketFactor: first & 16 != 0 ? 1.5 : 0)
        guard let parsed = try? ProtobufParser(Array(bytes.dropFirst()), options: options) else { return }
        for entry in parsed.entries {
            _ = entry.labels.count
            _ = entry.histogram?.count
            _ = entry.exemplars.map(\.labels.count)
        }
    }

    static let textSeed = """
        # HELP http_requests_total Requests served.
        # TYPE http_requests_total counter
        http_requests_total{method="post",code="200"} 1027 1395066363000
        http_requests_total{method="post",code="400"}    3 1395066363000
        # TYPE latency histogram
        latency_bucket{le="0.05"} 24054
        latency_bucket{le="+Inf"} 144320
        latency_sum 53423
        latency_count 144320
        {"my.dotted.metric", "quoted label"="x\\n\\"y\\""} -Inf
        # A comment
        rpc_duration_seconds{quantile="0.5"} NaN

        """

    static let openMetricsSeed = """
        # TYPE requests counter
        # UNIT requests requests
        # HELP requests Requests served.
        requests_total{path="/"} 17 1520879607.789 # {trace_id="KOO5S4vxi0o"} 0.67
        requests_created{path="/"} 1520872607.123
        # TYPE latency histogram
        latency_bucket{le="1.0"} 0 # {trace_id="a"} 0.5 123.4
        latency_bucket{le="+Inf"} 3
        latency_count 3
        latency_sum 2.5
        # TYPE info_metric info
        info_metric_info{version="1.2"} 1
        # EOF

        """

    /// Two families: a counter, and a histogram with native and classic parts.
    static func protobufSeed() -> [UInt8] {
        var h = FloatHistogram()
        h.schema = 3
        h.count = 12
        h.sum = 4.5
        h.zeroThreshold = 0.001
        h.zeroCount = 2
        h.positiveSpans = [HistogramSpan(offset: -2, length: 3), HistogramSpan(offset: 4, length: 1)]
        h.positiveBuckets = [1, 2, 3, 1]
        h.negativeSpans = [HistogramSpan(offset: 0, length: 1)]
        h.negativeBuckets = [3]
        let counter = MetricFamilyEncoder.family("requests_total", type: .counter, help: "Requests.",
                                                 metrics: [MetricFamilyEncoder.metric([("code", "200")], type: .counter, value: 7, timestampMs: 1_700_000_000_000)])
        let histogram = MetricFamilyEncoder.family("latency_seconds", type: .histogram, metrics: [
            MetricFamilyEncoder.histogram([("pod", "a")], native: h, classic: [(0.5, 4), (1, 9)], count: 12, sum: 4.5, createdMs: 1_699_999_000_000),
        ])
        return counter + histogram
    }

    private static func readText(_ bytes: [UInt8], format: ExpositionFormat) {
        var parser = TextParser(bytes: bytes, format: format)
        // An entry takes at least one byte: the loop is bounded by the input.
        for _ in 0...bytes.count {
            guard let entry = try? parser.next() else { return }
            switch entry {
            case .series:
                _ = parser.labels()
                _ = parser.exemplar()
                _ = parser.startTimestamp()
            case .help: _ = parser.helpText
            case .type: _ = parser.metadataType
            case .unit: _ = parser.unitText
            case .comment: break
            }
        }
    }
}
