import MetricsModel

/// prompb's `Histogram` message, a native histogram sample in remote write and read:
///
/// ```
/// count_int 1 / count_float 2, sum 3 (double), schema 4 (sint32), zero_threshold 5 (double),
/// zero_count_int 6 / zero_count_float 7, negative_spans 8, negative_deltas 9 (sint64, packed),
/// negative_counts 10 (double, packed), positive_spans 11, positive_deltas 12, positive_counts 13,
/// reset_hint 14 (0 unknown, 1 yes, 2 no, 3 gauge), timestamp 15 (int64), custom_values 16 (double, packed)
/// ```
/// Integer histograms (every count a whole number) are written with the `_int` and `_deltas`
/// fields, as Prometheus sends them; anything else with the float ones.
package enum RemoteHistogram {
    package static func decode(_ reader: inout ProtobufReader) throws(ProtobufReader.Failure) -> HistogramSample {
        var h = FloatHistogram()
        var timestamp: Int64 = 0
        var positiveDeltas: [Int64] = []
        var negativeDeltas: [Int64] = []
        var positiveCounts: [Double] = []
        var negativeCounts: [Double] = []
        while !reader.isAtEnd {
            let (field, wire) = try reader.readTag()
            switch (field, wire) {
            case (1, 0): h.count = Double(try reader.readVarint())
            case (2, 1): h.count = try reader.readDouble()
            case (3, 1): h.sum = try reader.readDouble()
            case (4, 0):
                guard let schema = Int32(exactly: try reader.readSignedVarint()) else { throw .init(description: "histogram schema out of range") }
                h.schema = schema
            case (5, 1): h.zeroThreshold = try reader.readDouble()
            case (6, 0): h.zeroCount = Double(try reader.readVarint())
            case (7, 1): h.zeroCount = try reader.readDouble()
            case (8, 2):
                var span = try reader.readMessage()
                h.negativeSpans.append(try HistogramBuckets.readSpan(&span))
            case (9, _): try reader.readSignedVarints(wireType: wire, into: &negativeDeltas)
            case (10, _): try reader.readDoubles(wireType: wire, into: &negativeCounts)
            case (11, 2):
                var span = try reader.readMessage()
                h.positiveSpans.append(try HistogramBuckets.readSpan(&span))
            case (12, _): try reader.readSignedVarints(wireType: wire, into: &positiveDeltas)
            case (13, _): try reader.readDoubles(wireType: wire, into: &positiveCounts)
            case (14, 0): h.counterResetHint = FloatHistogram.CounterResetHint(rawValue: UInt8(truncatingIfNeeded: min(try reader.readVarint(), 255))) ?? .unknown
            case (15, 0): timestamp = Int64(bitPattern: try reader.readVarint())
            case (16, _): try reader.readDoubles(wireType: wire, into: &h.customValues)
            default: try reader.skip(wireType: wire)
            }
            if positiveDeltas.count + positiveCounts.count > HistogramBuckets.limit || negativeDeltas.count + negativeCounts.count > HistogramBuckets.limit
                || h.positiveSpans.count > HistogramBuckets.limit || h.negativeSpans.count > HistogramBuckets.limit {
                throw .init(description: "histogram has more than \(HistogramBuckets.limit) buckets on one side")
            }
        }
        try HistogramBuckets.checkSize(h.positiveSpans)
        try HistogramBuckets.checkSize(h.negativeSpans)
        h.positiveBuckets = positiveCounts.isEmpty ? HistogramBuckets.counts(fromDeltas: positiveDeltas) : positiveCounts
        h.negativeBuckets = negativeCounts.isEmpty ? HistogramBuckets.counts(fromDeltas: negativeDeltas) : negativeCounts
        return HistogramSample(timestamp: timestamp, histogram: h)
    }

    package static func encode(_ sample: HistogramSample, into writer: inout ProtobufWriter) {
        let h = sample.histogram
        let positive = HistogramBuckets.deltas(h.positiveBuckets)
        let negative = HistogramBuckets.deltas(h.negativeBuckets)
        let integral = positive != nil && negative != nil && [h.count, h.zeroCount].allSatisfy { $0 >= 0 && $0 == $0.rounded() && $0 < 1.8e19 }
            && !StaleMarker.isStale(h.sum)
        if integral { writer.writeVarintField(1, UInt64(h.count)) } else { writer.writeDoubleField(2, h.count) }
        writer.writeDoubleField(3, h.sum)
        writer.writeSignedVarintField(4, Int64(h.schema))
        writer.writeDoubleField(5, h.zeroThreshold)
        if integral { writer.writeVarintField(6, UInt64(h.zeroCount)) } else { writer.writeDoubleField(7, h.zeroCount) }
        HistogramBuckets.writeSpans(8, h.negativeSpans, into: &writer)
        if integral { writer.writePackedSignedVarints(9, negative!) } else { writer.writePackedDoubles(10, h.negativeBuckets) }
        HistogramBuckets.writeSpans(11, h.positiveSpans, into: &writer)
        if integral { writer.writePackedSignedVarints(12, positive!) } else { writer.writePackedDoubles(13, h.positiveBuckets) }
        if h.counterResetHint != .unknown { writer.writeVarintField(14, UInt64(h.counterResetHint.rawValue)) }
        writer.writeVarintField(15, UInt64(bitPattern: sample.timestamp))
        writer.writePackedDoubles(16, h.customValues)
    }
}
