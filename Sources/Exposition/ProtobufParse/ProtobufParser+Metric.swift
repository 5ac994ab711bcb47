import MetricsModel
import RemoteProtocol

extension ProtobufParser {
    /// A `Metric`: `label` 1 (repeated `LabelPair`: name 1, value 2), `gauge` 2, `counter` 3,
    /// `summary` 4, `untyped` 5 (each with its `value` as field 1), `timestamp_ms` 6, `histogram` 7.
    mutating func parseMetric(_ reader: inout ProtobufReader, family: String, type: MetricType) throws {
        var pairs: [(name: String, value: String)] = []
        var valueMessage: ProtobufReader?
        var summary: ProtobufReader?
        var histogram: ProtobufReader?
        var timestamp: Int64?
        // The message the family's type reads its value from.
        let valueField = switch type {
        case .counter: 3
        case .gauge: 2
        default: 5
        }
        while !reader.isAtEnd {
            let (field, wire) = try reader.readTag()
            switch (field, wire) {
            case (1, 2):
                var pair = try reader.readMessage()
                pairs.append(try Self.labelPair(&pair))
            case (valueField, 2): valueMessage = try reader.readMessage()
            case (4, 2): summary = try reader.readMessage()
            case (6, 0): timestamp = Int64(bitPattern: try reader.readVarint())
            case (7, 2): histogram = try reader.readMessage()
            default: try reader.skip(wireType: wire)
            }
        }
        let series = try SeriesName(family: family, pairs: pairs)
        switch type {
        case .summary:
            var message = summary ?? ProtobufReader([])
            try emitSummary(&message, series, timestamp: timestamp)
        case .histogram, .gaugehistogram:
            var message = histogram ?? ProtobufReader([])
            try emitHistogram(try ParsedHistogram(&message), series, gauge: type == .gaugehistogram, timestamp: timestamp)
        default:
            // Counter 3 and gauge/untyped 1: `value` 1; a counter's `created_timestamp` 3.
            var message = valueMessage ?? ProtobufReader([])
            var value = 0.0
            var created: Int64?
            var exemplars: [Exemplar] = []
            while !message.isAtEnd {
                let (field, wire) = try message.readTag()
                switch (field, wire) {
                case (1, 1): value = try message.readDouble()
                case (2, 2) where type == .counter:
                    var exemplar = try message.readMessage()
                    exemplars.append(try Self.exemplar(&exemplar))
                case (3, 2) where type == .counter:
                    var stamp = try message.readMessage()
                    created = try Self.milliseconds(&stamp)
                default: try message.skip(wireType: wire)
                }
            }
            var entry = series.entry(value: value, timestamp: timestamp, start: created)
            entry.exemplars = exemplars
            append(entry)
        }
    }

    /// `Summary`: `sample_count` 1, `sample_sum` 2, `quantile` 3 (quantile 1, value 2), `created_timestamp` 4.
    private mutating func emitSummary(_ reader: inout ProtobufReader, _ series: SeriesName, timestamp: Int64?) throws {
        var count = 0.0
        var sum = 0.0
        var quantiles: [(Double, Double)] = []
        var created: Int64?
        while !reader.isAtEnd {
            let (field, wire) = try reader.readTag()
            switch (field, wire) {
            case (1, 0): count = Double(try reader.readVarint())
            case (2, 1): sum = try reader.readDouble()
            case (3, 2):
                var quantile = try reader.readMessage()
                var q = 0.0
                var value = 0.0
                while !quantile.isAtEnd {
                    let (qField, qWire) = try quantile.readTag()
                    switch (qField, qWire) {
                    case (1, 1): q = try quantile.readDouble()
                    case (2, 1): value = try quantile.readDouble()
                    default: try quantile.skip(wireType: qWire)
                    }
                }
                quantiles.append((q, value))
            case (4, 2):
                var stamp = try reader.readMessage()
                created = try Self.milliseconds(&stamp)
            default: try reader.skip(wireType: wire)
            }
        }
        for (q, value) in quantiles {
            append(series.with(label: LabelNames.quantile, GoFloat.formatOpenMetrics(q)).entry(value: value, timestamp: timestamp, start: created))
        }
        append(series.suffixed("_sum").entry(value: sum, timestamp: timestamp, start: created))
        append(series.suffixed("_count").entry(value: count, timestamp: timestamp, start: created))
    }

    /// A histogram's samples: the native one, the classic series, or both, per the options.
    private mutating func emitHistogram(_ parsed: ParsedHistogram, _ series: SeriesName, gauge: Bool, timestamp: Int64?) throws {
        let native = parsed.isNative && options.nativeHistograms
        if native {
            var entry = series.entry(value: 0, timestamp: timestamp, start: parsed.created)
            var h = try parsed.native()
            if gauge { h.counterResetHint = .gauge }
            entry.histogram = try reduce(h)
            entry.exemplars = parsed.exemplars
            append(entry)
        }
        guard !native || options.alwaysClassic else { return }
        var buckets = parsed.classicBuckets
        if buckets.last?.bound != .infinity { buckets.append((.infinity, parsed.count)) }
        if options.convertClassicToNHCB && !native {
            var entry = series.entry(value: 0, timestamp: timestamp, start: parsed.created)
            var h = FloatHistogram.customBuckets(cumulative: buckets, count: parsed.count, sum: parsed.sum)
            if gauge { h.counterResetHint = .gauge }
            entry.histogram = h
            append(entry)
            if !options.alwaysClassic { return }
        }
        append(series.suffixed("_count").entry(value: parsed.count, timestamp: timestamp, start: parsed.created))
        append(series.suffixed("_sum").entry(value: parsed.sum, timestamp: timestamp, start: parsed.created))
        for (index, bucket) in buckets.enumerated() {
            let le = series.suffixed("_bucket").with(label: LabelNames.bucket, GoFloat.formatOpenMetrics(bucket.bound))
            var entry = le.entry(value: bucket.count, timestamp: timestamp, start: parsed.created)
            if index < parsed.bucketExemplars.count, let exemplar = parsed.bucketExemplars[index] { entry.exemplars = [exemplar] }
            append(entry)
        }
    }

    /// A `LabelPair`: `name` 1, `value` 2.
    static func labelPair(_ reader: inout ProtobufReader) throws -> (name: String, value: String) {
        var name = ""
        var value = ""
        while !reader.isAtEnd {
            let (field, wire) = try reader.readTag()
            switch (field, wire) {
            case (1, 2): name = try reader.readText()
            case (2, 2): value = try reader.readText()
            default: try reader.skip(wireType: wire)
            }
        }
        return (name, value)
    }

    /// An `Exemplar`: `label` 1 (repeated `LabelPair`), `value` 2, `timestamp` 3 (optional).
    static func exemplar(_ reader: inout ProtobufReader) throws -> Exemplar {
        var exemplar = Exemplar(labels: [], value: 0, timestamp: nil)
        while !reader.isAtEnd {
            let (field, wire) = try reader.readTag()
            switch (field, wire) {
            case (1, 2):
                var pair = try reader.readMessage()
                let (name, value) = try labelPair(&pair)
                exemplar.labels.append(Label(name, value))
            case (2, 1): exemplar.value = try reader.readDouble()
            case (3, 2):
                var stamp = try reader.readMessage()
                exemplar.timestamp = try milliseconds(&stamp)
            default: try reader.skip(wireType: wire)
            }
        }
        return exemplar
    }

    /// A `google.protobuf.Timestamp` (seconds 1, nanos 2) in milliseconds.
    static func milliseconds(_ reader: inout ProtobufReader) throws -> Int64 {
        var seconds: Int64 = 0
        var nanos: Int64 = 0
        while !reader.isAtEnd {
            let (field, wire) = try reader.readTag()
            switch (field, wire) {
            case (1, 0): seconds = Int64(bitPattern: try reader.readVarint())
            case (2, 0): nanos = Int64(Int32(truncatingIfNeeded: try reader.readVarint()))
            default: try reader.skip(wireType: wire)
            }
        }
        return seconds.multipliedReportingOverflow(by: 1000).partialValue &+ nanos / 1_000_000
    }
}

/// A series' name and labels as the exposition gave them, before a suffix or `le`/`quantile`.
struct SeriesName {
    var name: String
    var pairs: [(name: String, value: String)]

    /// Checks the labels as Prometheus does: names non-empty, none twice, none `__name__`.
    init(family: String, pairs: [(name: String, value: String)]) throws {
        var seen = Set<String>()
        for pair in pairs {
            guard !pair.name.isEmpty else { throw ExpositionError(line: 0, column: 0, message: "\(family): a label has an empty name") }
            guard pair.name != LabelNames.metricName else { throw ExpositionError(line: 0, column: 0, message: "\(family): a label is named __name__") }
            guard seen.insert(pair.name).inserted else { throw ExpositionError(line: 0, column: 0, message: "\(family): label \(pair.name) is given twice") }
        }
        name = family
        self.pairs = pairs
    }

    func suffixed(_ suffix: String) -> SeriesName {
        var copy = self
        copy.name += suffix
        return copy
    }

    func with(label name: String, _ value: String) -> SeriesName {
        var copy = self
        copy.pairs.removeAll { $0.name == name }
        copy.pairs.append((name, value))
        return copy
    }

    /// The entry, with its key written as Prometheus text (`name{a="v",…}`, values escaped).
    func entry(value: Double, timestamp: Int64?, start: Int64?) -> ProtobufParser.Entry {
        var key = Array(name.utf8)
        if !pairs.isEmpty {
            key.append(UInt8(ascii: "{"))
            for (index, pair) in pairs.enumerated() {
                if index > 0 { key.append(UInt8(ascii: ",")) }
                key.append(contentsOf: pair.name.utf8)
                key.append(contentsOf: "=\"".utf8)
                for byte in pair.value.utf8 {
                    switch byte {
                    case UInt8(ascii: "\\"): key.append(contentsOf: "\\\\".utf8)
                    case UInt8(ascii: "\""): key.append(contentsOf: "\\\"".utf8)
                    case UInt8(ascii: "\n"): key.append(contentsOf: "\\n".utf8)
                    default: key.append(byte)
                    }
                }
                key.append(UInt8(ascii: "\""))
            }
            key.append(UInt8(ascii: "}"))
        }
        let labels = Labels([Label(LabelNames.metricName, name)] + pairs.map { Label($0.name, $0.value) })
        return ProtobufParser.Entry(key: key, labels: labels, value: value, histogram: nil, timestamp: timestamp, startTimestamp: start)
    }
}
