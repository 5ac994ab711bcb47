import Foundation
import MetricsModel
import RemoteProtocol

/// The exposition format's `Histogram` message:
///
/// ```
/// sample_count 1 (uint64) / sample_count_float 4, sample_sum 2, bucket 3 (cumulative_count 1 /
/// cumulative_count_float 4, upper_bound 2, exemplar 3), created_timestamp 15, schema 5 (sint32),
/// zero_threshold 6, zero_count 7 / zero_count_float 8, negative_span 9, negative_delta 10 (sint64),
/// negative_count 11 (double), positive_span 12, positive_delta 13, positive_count 14, exemplars 16
/// ```
/// An `Exemplar` is `label` 1 (repeated `LabelPair`), `value` 2, `timestamp` 3.
struct ParsedHistogram {
    var count = 0.0
    var sum = 0.0
    var classicBuckets: [(bound: Double, count: Double)] = []
    /// Each classic bucket's exemplar, by position.
    var bucketExemplars: [Exemplar?] = []
    /// The native histogram's exemplars.
    var exemplars: [Exemplar] = []
    var created: Int64?
    var schema: Int32 = 0
    var zeroThreshold = 0.0
    var zeroCount = 0.0
    var positiveSpans: [HistogramSpan] = []
    var negativeSpans: [HistogramSpan] = []
    var positiveDeltas: [Int64] = []
    var negativeDeltas: [Int64] = []
    var positiveCounts: [Double] = []
    var negativeCounts: [Double] = []

    init(_ reader: inout ProtobufReader) throws {
        while !reader.isAtEnd {
            let (field, wire) = try reader.readTag()
            switch (field, wire) {
            case (1, 0): count = Double(try reader.readVarint())
            case (4, 1): count = try reader.readDouble()
            case (2, 1): sum = try reader.readDouble()
            case (3, 2):
                var bucket = try reader.readMessage()
                var bound = 0.0
                var cumulative = 0.0
                var exemplar: Exemplar?
                while !bucket.isAtEnd {
                    let (bucketField, bucketWire) = try bucket.readTag()
                    switch (bucketField, bucketWire) {
                    case (1, 0): cumulative = Double(try bucket.readVarint())
                    case (4, 1): cumulative = try bucket.readDouble()
                    case (2, 1): bound = try bucket.readDouble()
                    case (3, 2):
                        var message = try bucket.readMessage()
                        exemplar = try ProtobufParser.exemplar(&message)
                    default: try bucket.skip(wireType: bucketWire)
                    }
                }
                guard !bound.isNaN else { throw ExpositionError(line: 0, column: 0, message: "histogram bucket with a NaN upper bound") }
                if let last = classicBuckets.last, !(bound > last.bound) {
                    throw ExpositionError(line: 0, column: 0, message: "histogram bucket bounds are not increasing")
                }
                classicBuckets.append((bound, cumulative))
                bucketExemplars.append(exemplar)
            case (15, 2):
                var stamp = try reader.readMessage()
                created = try ProtobufParser.milliseconds(&stamp)
            case (5, 0):
                guard let value = Int32(exactly: try reader.readSignedVarint()) else { throw ExpositionError(line: 0, column: 0, message: "histogram schema out of range") }
                schema = value
            case (6, 1): zeroThreshold = try reader.readDouble()
            case (7, 0): zeroCount = Double(try reader.readVarint())
            case (8, 1): zeroCount = try reader.readDouble()
            case (9, 2):
                var span = try reader.readMessage()
                negativeSpans.append(try HistogramBuckets.readSpan(&span))
            case (10, _): try reader.readSignedVarints(wireType: wire, into: &negativeDeltas)
            case (11, _): try reader.readDoubles(wireType: wire, into: &negativeCounts)
            case (12, 2):
                var span = try reader.readMessage()
                positiveSpans.append(try HistogramBuckets.readSpan(&span))
            case (13, _): try reader.readSignedVarints(wireType: wire, into: &positiveDeltas)
            case (14, _): try reader.readDoubles(wireType: wire, into: &positiveCounts)
            case (16, 2):
                var message = try reader.readMessage()
                exemplars.append(try ProtobufParser.exemplar(&message))
            default: try reader.skip(wireType: wire)
            }
        }
        try HistogramBuckets.checkSize(positiveSpans)
        try HistogramBuckets.checkSize(negativeSpans)
    }

    /// Whether the message has native parts: Prometheus's test (a span, or a zero bucket). A client
    /// marks a native histogram with no observations yet by one empty span.
    var isNative: Bool {
        !positiveSpans.isEmpty || !negativeSpans.isEmpty || zeroThreshold > 0 || zeroCount > 0
    }

    /// The native histogram; its spans and buckets are checked when it is stored.
    func native() throws -> FloatHistogram {
        var h = FloatHistogram()
        h.schema = schema
        h.count = count
        h.sum = sum
        h.zeroThreshold = zeroThreshold
        h.zeroCount = zeroCount
        // A client's "no observations yet" span (offset 0, length 0) holds no bucket.
        h.positiveSpans = positiveSpans.filter { $0.length > 0 || $0.offset != 0 }
        h.negativeSpans = negativeSpans.filter { $0.length > 0 || $0.offset != 0 }
        h.positiveBuckets = positiveCounts.isEmpty ? HistogramBuckets.counts(fromDeltas: positiveDeltas) : positiveCounts
        h.negativeBuckets = negativeCounts.isEmpty ? HistogramBuckets.counts(fromDeltas: negativeDeltas) : negativeCounts
        return h
    }
}

extension ProtobufParser {
    mutating func append(_ entry: Entry) {
        entries.append(entry)
    }

    /// The histogram at a resolution within `native_histogram_bucket_limit` and
    /// `native_histogram_min_bucket_factor`, as Prometheus reduces it: one schema step at a time,
    /// merging neighbouring buckets; a histogram still over the limit at schema −4 (or one with
    /// custom buckets) fails the scrape.
    func reduce(_ histogram: FloatHistogram) throws -> FloatHistogram {
        var h = histogram
        guard !h.usesCustomBuckets, FloatHistogram.exponentialSchemas.contains(h.schema) else { return h }
        if options.minBucketFactor > 1 {
            while h.schema > FloatHistogram.exponentialSchemas.lowerBound && Self.growthFactor(h.schema) < options.minBucketFactor {
                h = h.reduced(to: h.schema - 1)
            }
        }
        if options.bucketLimit > 0 {
            while h.positiveBuckets.count + h.negativeBuckets.count > options.bucketLimit {
                guard h.schema > FloatHistogram.exponentialSchemas.lowerBound else {
                    throw ExpositionError(line: 0, column: 0, message: "histogram has more than native_histogram_bucket_limit (\(options.bucketLimit)) buckets even at schema -4")
                }
                h = h.reduced(to: h.schema - 1)
            }
        }
        return h
    }

    /// How much wider each bucket is than the one before at `schema`: 2^(2^−schema).
    static func growthFactor(_ schema: Int32) -> Double {
        pow(2, pow(2, -Double(schema)))
    }
}
