import MetricsModel

/// The bucket coding protobuf histograms share (prompb's `Histogram` and the exposition format's):
/// spans, then either integer counts as deltas from the previous bucket or absolute float counts.
package enum HistogramBuckets {
    /// Most buckets one side of a histogram may have: a message claiming more is refused before
    /// anything is allocated for it.
    package static let limit = 1 << 16

    /// A `BucketSpan` message: `sint32 offset = 1`, `uint32 length = 2`.
    package static func readSpan(_ reader: inout ProtobufReader) throws(ProtobufReader.Failure) -> HistogramSpan {
        var span = HistogramSpan(offset: 0, length: 0)
        while !reader.isAtEnd {
            let (field, wire) = try reader.readTag()
            switch (field, wire) {
            case (1, 0):
                guard let offset = Int32(exactly: try reader.readSignedVarint()) else { throw .init(description: "span offset out of range") }
                span.offset = offset
            case (2, 0):
                guard let length = UInt32(exactly: try reader.readVarint()), length <= limit else { throw .init(description: "span length out of range") }
                span.length = length
            default: try reader.skip(wireType: wire)
            }
        }
        return span
    }

    static func writeSpans(_ field: Int, _ spans: [HistogramSpan], into writer: inout ProtobufWriter) {
        for span in spans {
            var message = ProtobufWriter()
            if span.offset != 0 { message.writeSignedVarintField(1, Int64(span.offset)) }
            if span.length != 0 { message.writeVarintField(2, UInt64(span.length)) }
            writer.writeBytesField(field, message.bytes)
        }
    }

    /// Absolute counts from integer deltas (each bucket's count minus the previous bucket's).
    package static func counts(fromDeltas deltas: [Int64]) -> [Double] {
        var running: Int64 = 0
        return deltas.map { delta in
            running = running &+ delta
            return Double(running)
        }
    }

    /// Deltas of integer counts; nil when a count is not an exact integer.
    package static func deltas(_ counts: [Double]) -> [Int64]? {
        var out: [Int64] = []
        out.reserveCapacity(counts.count)
        var previous: Int64 = 0
        for count in counts {
            guard count >= 0, count == count.rounded(), count <= 9_007_199_254_740_992 else { return nil }
            let value = Int64(count)
            out.append(value &- previous)
            previous = value
        }
        return out
    }

    /// Checks that the spans of one side need no more buckets than `limit` (a hostile message
    /// cannot make a reader allocate more).
    package static func checkSize(_ spans: [HistogramSpan]) throws(ProtobufReader.Failure) {
        if spans.reduce(0, { $0 + Int($1.length) }) > limit { throw .init(description: "histogram has more than \(limit) buckets on one side") }
    }
}
