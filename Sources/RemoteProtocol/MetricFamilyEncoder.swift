import MetricsModel

/// Writes the Prometheus protobuf exposition format: delimited `io.prometheus.client.MetricFamily`
/// messages (`/federate` answers with it, and tests' exporters serve it). Field numbers are the ones
/// `ProtobufParser` reads (Sources/Scraper/ProtobufParse).
package enum MetricFamilyEncoder {
    /// The protobuf `MetricType` numbers.
    package enum FamilyType: UInt64 {
        case counter = 0, gauge = 1, summary = 2, untyped = 3, histogram = 4, gaugeHistogram = 5
    }

    package static let contentType = "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited"

    /// One family, length-prefixed.
    package static func family(_ name: String, type: FamilyType, help: String = "", metrics: [[UInt8]]) -> [UInt8] {
        var message = ProtobufWriter()
        message.writeStringField(1, name)
        if !help.isEmpty { message.writeStringField(2, help) }
        message.writeVarintField(3, type.rawValue)
        for metric in metrics { message.writeBytesField(4, metric) }
        var out = ProtobufWriter()
        out.writeVarint(UInt64(message.bytes.count))
        return out.bytes + message.bytes
    }

    /// A counter, gauge or untyped `Metric`.
    package static func metric(_ labels: [(String, String)] = [], type: FamilyType, value: Double, timestampMs: Int64? = nil) -> [UInt8] {
        var inner = ProtobufWriter()
        inner.writeDoubleField(1, value)
        var message = labelFields(labels)
        message.writeBytesField(type == .counter ? 3 : type == .gauge ? 2 : 5, inner.bytes)
        if let timestampMs { message.writeVarintField(6, UInt64(bitPattern: timestampMs)) }
        return message.bytes
    }

    /// A histogram `Metric`: native parts from `native` (integer counts as bucket deltas when every
    /// count is whole, float counts otherwise), classic cumulative buckets from `classic`.
    package static func histogram(
        _ labels: [(String, String)] = [], native: FloatHistogram?, classic: [(bound: Double, count: UInt64)] = [],
        count: Double, sum: Double, createdMs: Int64? = nil, timestampMs: Int64? = nil
    ) -> [UInt8] {
        var h = ProtobufWriter()
        let nativeCounts = native.map { $0.positiveBuckets + $0.negativeBuckets + [$0.zeroCount] } ?? []
        let integral = ([count] + nativeCounts).allSatisfy { $0 >= 0 && $0 == $0.rounded() && $0 < 1.8e19 }
        if integral { h.writeVarintField(1, UInt64(count)) } else { h.writeDoubleField(4, count) }
        h.writeDoubleField(2, sum)
        for bucket in classic {
            var b = ProtobufWriter()
            b.writeVarintField(1, bucket.count)
            b.writeDoubleField(2, bucket.bound)
            h.writeBytesField(3, b.bytes)
        }
        if let native {
            h.writeSignedVarintField(5, Int64(native.schema))
            h.writeDoubleField(6, native.zeroThreshold)
            if integral { h.writeVarintField(7, UInt64(native.zeroCount)) } else { h.writeDoubleField(8, native.zeroCount) }
            for (field, spans) in [(9, native.negativeSpans), (12, native.positiveSpans)] {
                for span in spans {
                    var s = ProtobufWriter()
                    s.writeSignedVarintField(1, Int64(span.offset))
                    s.writeVarintField(2, UInt64(span.length))
                    h.writeBytesField(field, s.bytes)
                }
            }
            // A native histogram without buckets is marked by one empty span, as client_golang does.
            if native.positiveSpans.isEmpty && native.negativeSpans.isEmpty && native.zeroThreshold == 0 && native.zeroCount == 0 {
                h.writeBytesField(12, [])
            }
            if integral {
                h.writePackedSignedVarints(10, HistogramBuckets.deltas(native.negativeBuckets) ?? [])
                h.writePackedSignedVarints(13, HistogramBuckets.deltas(native.positiveBuckets) ?? [])
            } else {
                h.writePackedDoubles(11, native.negativeBuckets)
                h.writePackedDoubles(14, native.positiveBuckets)
            }
        }
        if let createdMs {
            var stamp = ProtobufWriter()
            stamp.writeVarintField(1, UInt64(bitPattern: createdMs / 1000))
            stamp.writeVarintField(2, UInt64((createdMs % 1000) * 1_000_000))
            h.writeBytesField(15, stamp.bytes)
        }
        var message = labelFields(labels)
        message.writeBytesField(7, h.bytes)
        if let timestampMs { message.writeVarintField(6, UInt64(bitPattern: timestampMs)) }
        return message.bytes
    }

    /// A summary `Metric`.
    package static func summary(_ labels: [(String, String)] = [], quantiles: [(Double, Double)], count: UInt64, sum: Double) -> [UInt8] {
        var s = ProtobufWriter()
        s.writeVarintField(1, count)
        s.writeDoubleField(2, sum)
        for (q, value) in quantiles {
            var entry = ProtobufWriter()
            entry.writeDoubleField(1, q)
            entry.writeDoubleField(2, value)
            s.writeBytesField(3, entry.bytes)
        }
        var message = labelFields(labels)
        message.writeBytesField(4, s.bytes)
        return message.bytes
    }

    static func labelFields(_ labels: [(String, String)]) -> ProtobufWriter {
        var message = ProtobufWriter()
        for (name, value) in labels {
            var pair = ProtobufWriter()
            pair.writeStringField(1, name)
            pair.writeStringField(2, value)
            message.writeBytesField(1, pair.bytes)
        }
        return message
    }
}
