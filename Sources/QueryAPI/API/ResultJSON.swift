import MetricsModel
import PromQL

/// Writes query results as Prometheus's API does, byte for byte where clients care: sample values
/// are strings in Go's `'f'` form (`'e'` below 1e-6 or from 1e21), scalars always `'f'`, timestamps
/// JSON numbers of seconds with at most three decimals, label sets with names sorted. Written into
/// a byte buffer: a 24 h dashboard panel is tens of thousands of points.
enum ResultJSON {
    static func encode(_ value: QueryValue) -> String {
        var out = JSONBytes()
        write(value, into: &out)
        return out.string
    }

    /// Writes the `data` object of a query result; `stats`, already encoded, becomes its last member.
    static func write(_ value: QueryValue, into out: inout JSONBytes, stats: [UInt8]? = nil) {
        switch value {
        case .scalar(let t, let v):
            out.append("{\"resultType\":\"scalar\",\"result\":[")
            out.timestamp(t)
            out.append(",")
            out.quoted(GoFloat.formatPlain(v))
            out.append("]")
        case .string(let t, let text):
            out.append("{\"resultType\":\"string\",\"result\":[")
            out.timestamp(t)
            out.append(",")
            out.quoted(text)
            out.append("]")
        case .vector(let t, let samples):
            out.append("{\"resultType\":\"vector\",\"result\":[")
            for (index, (labels, v)) in samples.enumerated() {
                if index > 0 { out.append(",") }
                out.append("{\"metric\":")
                out.metric(labels)
                out.append(",\"value\":[")
                out.timestamp(t)
                out.append(",")
                out.sampleValue(v)
                out.append("]}")
            }
            out.append("]")
        case .matrix(let series):
            out.append("{\"resultType\":\"matrix\",\"result\":[")
            for (index, (labels, samples)) in series.enumerated() {
                if index > 0 { out.append(",") }
                out.append("{\"metric\":")
                out.metric(labels)
                out.floatPoints(samples)
                out.append("}")
            }
            out.append("]")
        case .mixedVector(let t, let elements):
            out.append("{\"resultType\":\"vector\",\"result\":[")
            for (index, (labels, element)) in elements.enumerated() {
                if index > 0 { out.append(",") }
                out.append("{\"metric\":")
                out.metric(labels)
                switch element {
                case .float(let v):
                    out.append(",\"value\":[")
                    out.timestamp(t)
                    out.append(",")
                    out.sampleValue(v)
                case .histogram(let h):
                    out.append(",\"histogram\":[")
                    out.timestamp(t)
                    out.append(",")
                    out.histogram(h)
                }
                out.append("]}")
            }
            out.append("]")
        case .mixedMatrix(let series):
            out.append("{\"resultType\":\"matrix\",\"result\":[")
            for (index, (labels, floats, histograms)) in series.enumerated() {
                if index > 0 { out.append(",") }
                out.append("{\"metric\":")
                out.metric(labels)
                if !floats.isEmpty { out.floatPoints(floats) }
                if !histograms.isEmpty {
                    out.append(",\"histograms\":[")
                    for (position, sample) in histograms.enumerated() {
                        out.append(position > 0 ? ",[" : "[")
                        out.timestamp(sample.timestamp)
                        out.append(",")
                        out.histogram(sample.histogram)
                        out.append("]")
                    }
                    out.append("]")
                }
                out.append("}")
            }
            out.append("]")
        }
        if let stats {
            out.append(",\"stats\":")
            out.raw(stats)
        }
        out.append("}")
    }

    /// Seconds with up to three decimals, trailing zeros dropped (`1795719210`, `1795719210.5`).
    static func timestamp(_ milliseconds: Int64) -> String {
        var out = JSONBytes()
        out.timestamp(milliseconds)
        return out.string
    }

    /// Go's `FormatFloat(v, 'f', -1, 64)`, switching to `'e'` when |v| < 1e-6 or |v| ≥ 1e21.
    static func sampleValue(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value < 0 ? "-Inf" : "+Inf" }
        let magnitude = abs(value)
        if magnitude != 0 && (magnitude < 1e-6 || magnitude >= 1e21) { return GoFloat.formatE(value) }
        // Integers print as such; Swift's shortest description is Go's 'f' digits when it uses no exponent.
        if magnitude < 9.0e15, value == value.rounded(.towardZero), !(value == 0 && value.sign == .minus) {
            return String(Int64(value))
        }
        // Swift writes integral values as `9000000000000000.0`: only fractions take the description.
        if value != value.rounded(.towardZero) {
            let description = value.description
            if !description.utf8.contains(UInt8(ascii: "e")) { return description }
        }
        return GoFloat.formatPlain(value)
    }
}

/// A JSON document under construction, as UTF-8 bytes.
struct JSONBytes {
    private(set) var bytes: [UInt8] = []

    init() {
        bytes.reserveCapacity(4096)
    }

    var string: String { String(decoding: bytes, as: UTF8.self) }

    mutating func append(_ text: StaticString) {
        text.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    /// Bytes that are JSON already.
    mutating func raw(_ json: [UInt8]) {
        bytes.append(contentsOf: json)
    }

    /// A JSON array of strings.
    mutating func strings(_ items: [String]) {
        bytes.append(UInt8(ascii: "["))
        for (index, item) in items.enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: ",")) }
            quoted(item)
        }
        bytes.append(UInt8(ascii: "]"))
    }

    mutating func metric(_ labels: Labels) {
        bytes.append(UInt8(ascii: "{"))
        for (index, label) in labels.enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: ",")) }
            quoted(label.name)
            bytes.append(UInt8(ascii: ":"))
            quoted(label.value)
        }
        bytes.append(UInt8(ascii: "}"))
    }

    /// A JSON string; quotes, backslashes and control characters escaped.
    mutating func quoted(_ text: String) {
        bytes.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
            case UInt8(ascii: "\\"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case 0x0a: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case 0x0d: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case 0x09: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case 0..<0x20:
                let hex: [UInt8] = Array("0123456789abcdef".utf8)
                bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"), hex[Int(byte >> 4)], hex[Int(byte & 15)]])
            default: bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    mutating func sampleValue(_ value: Double) {
        bytes.append(UInt8(ascii: "\""))
        let magnitude = abs(value)
        if value.isFinite, magnitude < 9.0e15, value == value.rounded(.towardZero), !(value == 0 && value.sign == .minus) {
            integer(Int64(value))
        } else {
            bytes.append(contentsOf: ResultJSON.sampleValue(value).utf8)
        }
        bytes.append(UInt8(ascii: "\""))
    }

    /// `,"values":[[t,"v"],…]`.
    mutating func floatPoints(_ samples: [Sample]) {
        append(",\"values\":[")
        for (position, sample) in samples.enumerated() {
            append(position > 0 ? ",[" : "[")
            timestamp(sample.timestamp)
            append(",")
            sampleValue(sample.value)
            append("]")
        }
        append("]")
    }

    /// A native histogram as Prometheus writes one: count and sum as sample values, then each
    /// populated bucket as `[boundary rule, lower, upper, count]`, the rule 0 for (a,b], 1 for
    /// [a,b), 2 for (a,b) and 3 for [a,b].
    mutating func histogram(_ h: FloatHistogram) {
        append("{\"count\":")
        sampleValue(h.count)
        append(",\"sum\":")
        sampleValue(h.sum)
        let buckets = h.allBuckets.filter { $0.count != 0 }
        if !buckets.isEmpty {
            append(",\"buckets\":[")
            for (index, bucket) in buckets.enumerated() {
                append(index > 0 ? ",[" : "[")
                let rule: Int64 = bucket.lowerInclusive ? (bucket.upperInclusive ? 3 : 1) : (bucket.upperInclusive ? 0 : 2)
                integer(rule)
                append(",")
                sampleValue(bucket.lower)
                append(",")
                sampleValue(bucket.upper)
                append(",")
                sampleValue(bucket.count)
                append("]")
            }
            append("]")
        }
        append("}")
    }

    /// Seconds with up to three decimals, trailing zeros dropped.
    mutating func timestamp(_ milliseconds: Int64) {
        if milliseconds < 0 { bytes.append(UInt8(ascii: "-")) }
        let magnitude = milliseconds.magnitude
        unsigned(magnitude / 1000)
        var fraction = Int(magnitude % 1000)
        guard fraction != 0 else { return }
        bytes.append(UInt8(ascii: "."))
        var digits = 3
        while fraction % 10 == 0 {
            fraction /= 10
            digits -= 1
        }
        var divisor = [1, 10, 100][digits - 1]
        while divisor > 0 {
            bytes.append(UInt8(ascii: "0") + UInt8(fraction / divisor % 10))
            divisor /= 10
        }
    }

    mutating func integer(_ value: Int64) {
        if value < 0 { bytes.append(UInt8(ascii: "-")) }
        unsigned(value.magnitude)
    }

    private mutating func unsigned(_ value: UInt64) {
        if value < 10 {
            bytes.append(UInt8(ascii: "0") + UInt8(value))
            return
        }
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { digits in
            var rest = value
            var start = 20
            while rest > 0 {
                start -= 1
                digits[start] = UInt8(ascii: "0") + UInt8(rest % 10)
                rest /= 10
            }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: digits[start..<20]))
        }
    }
}
