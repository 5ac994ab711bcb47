import MetricsModel

/// Builds a remote write 1.0 `WriteRequest` in one buffer, for the sender's hot path: a series'
/// labels are encoded once (`labelFields`) and reused for every request that carries it.
package struct WriteRequestEncoder {
    package private(set) var bytes: [UInt8] = []

    package init(capacity: Int = 1 << 16) {
        bytes.reserveCapacity(capacity)
    }

    /// Empties the buffer, keeping its storage.
    package mutating func reset() { bytes.removeAll(keepingCapacity: true) }

    /// A series' `Label` fields (field 1 of `TimeSeries`), to pass to `appendSeries`.
    package static func labelFields(_ labels: Labels) -> [UInt8] {
        var writer = ProtobufWriter()
        for label in labels {
            var message = ProtobufWriter()
            message.writeStringField(1, label.name)
            message.writeStringField(2, label.value)
            writer.writeBytesField(1, message.bytes)
        }
        return writer.bytes
    }

    /// Appends one `TimeSeries` (field 1 of `WriteRequest`): the pre-encoded labels and `samples`.
    package mutating func appendSeries(labelFields: [UInt8], samples: ArraySlice<Sample>) {
        // 1. Each `Sample` is `value` (field 1, fixed64) then `timestamp` (field 2, varint).
        var seriesLength = labelFields.count
        for sample in samples {
            let sampleLength = 9 + 1 + Self.varintLength(UInt64(bitPattern: sample.timestamp))
            seriesLength += 1 + Self.varintLength(UInt64(sampleLength)) + sampleLength
        }
        // 2. The series as a length-delimited field, then its content.
        bytes.append(0x0a)
        appendVarint(UInt64(seriesLength))
        bytes.append(contentsOf: labelFields)
        for sample in samples {
            let timestamp = UInt64(bitPattern: sample.timestamp)
            bytes.append(0x12)
            appendVarint(UInt64(9 + 1 + Self.varintLength(timestamp)))
            bytes.append(0x09)
            let bits = sample.value.bitPattern
            for index in 0..<8 { bytes.append(UInt8(truncatingIfNeeded: bits >> (8 * UInt64(index)))) }
            bytes.append(0x10)
            appendVarint(timestamp)
        }
    }

    /// Appends one `TimeSeries` with native histogram samples (field 4 of `TimeSeries`), and float
    /// samples if it has any (a series may hold both).
    package mutating func appendSeries(labelFields: [UInt8], samples: ArraySlice<Sample>, histograms: [HistogramSample]) {
        guard !histograms.isEmpty else { return appendSeries(labelFields: labelFields, samples: samples) }
        var series = ProtobufWriter()
        series.appendRaw(labelFields)
        for sample in samples {
            var message = ProtobufWriter()
            message.writeDoubleField(1, sample.value)
            message.writeVarintField(2, UInt64(bitPattern: sample.timestamp))
            series.writeBytesField(2, message.bytes)
        }
        for histogram in histograms {
            var message = ProtobufWriter()
            RemoteHistogram.encode(histogram, into: &message)
            series.writeBytesField(4, message.bytes)
        }
        bytes.append(0x0a)
        appendVarint(UInt64(series.bytes.count))
        bytes.append(contentsOf: series.bytes)
    }

    /// Appends one `MetricMetadata` (field 3 of `WriteRequest`).
    package mutating func appendMetadata(family: String, _ metadata: MetricMetadata) {
        var message = ProtobufWriter()
        message.writeVarintField(1, Self.typeNumber(metadata.type))
        message.writeStringField(2, family)
        if !metadata.help.isEmpty { message.writeStringField(4, metadata.help) }
        if !metadata.unit.isEmpty { message.writeStringField(5, metadata.unit) }
        bytes.append(0x1a)
        appendVarint(UInt64(message.bytes.count))
        bytes.append(contentsOf: message.bytes)
    }

    /// `MetricMetadata.MetricType`'s numbers in prompb.
    static func typeNumber(_ type: MetricType) -> UInt64 {
        switch type {
        case .unknown: 0
        case .counter: 1
        case .gauge: 2
        case .histogram: 3
        case .gaugehistogram: 4
        case .summary: 5
        case .info: 6
        case .stateset: 7
        }
    }

    private mutating func appendVarint(_ value: UInt64) {
        var value = value
        while value >= 0x80 {
            bytes.append(UInt8(value & 0x7f) | 0x80)
            value >>= 7
        }
        bytes.append(UInt8(value))
    }

    static func varintLength(_ value: UInt64) -> Int {
        value == 0 ? 1 : (64 - value.leadingZeroBitCount + 6) / 7
    }
}
