import MetricsModel
import PromQL

/// Writes query results as Prometheus's API does, byte for byte where clients care: sample values
/// are strings in Go's `'f'` form (`'e'` below 1e-6 or from 1e21), scalars always `'f'`, timestamps
/// JSON numbers of seconds with at most three decimals, label sets with names sorted.
enum ResultJSON {
    static func encode(_ value: QueryValue) -> String {
        var out = ""
        switch value {
        case .scalar(let t, let v):
            out += "{\"resultType\":\"scalar\",\"result\":[" + timestamp(t) + "," + quote(GoFloat.formatPlain(v)) + "]}"
        case .string(let t, let text):
            out += "{\"resultType\":\"string\",\"result\":[" + timestamp(t) + "," + quote(text) + "]}"
        case .vector(let t, let samples):
            out += "{\"resultType\":\"vector\",\"result\":["
            for (index, (labels, v)) in samples.enumerated() {
                if index > 0 { out += "," }
                out += "{\"metric\":" + metric(labels) + ",\"value\":[" + timestamp(t) + "," + quote(sampleValue(v)) + "]}"
            }
            out += "]}"
        case .matrix(let series):
            out += "{\"resultType\":\"matrix\",\"result\":["
            for (index, (labels, samples)) in series.enumerated() {
                if index > 0 { out += "," }
                out += "{\"metric\":" + metric(labels) + ",\"values\":["
                for (position, sample) in samples.enumerated() {
                    if position > 0 { out += "," }
                    out += "[" + timestamp(sample.timestamp) + "," + quote(sampleValue(sample.value)) + "]"
                }
                out += "]}"
            }
            out += "]}"
        }
        return out
    }

    static func metric(_ labels: Labels) -> String {
        "{" + labels.map { quote($0.name) + ":" + quote($0.value) }.joined(separator: ",") + "}"
    }

    /// Seconds with up to three decimals, trailing zeros dropped (`1795719210`, `1795719210.5`).
    static func timestamp(_ milliseconds: Int64) -> String {
        let sign = milliseconds < 0 ? "-" : ""
        let magnitude = milliseconds.magnitude
        var text = sign + String(magnitude / 1000)
        let fraction = magnitude % 1000
        if fraction != 0 {
            var digits = String(fraction)
            digits = String(repeating: "0", count: 3 - digits.count) + digits
            while digits.hasSuffix("0") { digits.removeLast() }
            text += "." + digits
        }
        return text
    }

    /// Go's `FormatFloat(v, 'f', -1, 64)`, switching to `'e'` when |v| < 1e-6 or |v| ≥ 1e21.
    static func sampleValue(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value < 0 ? "-Inf" : "+Inf" }
        let magnitude = abs(value)
        if magnitude != 0 && (magnitude < 1e-6 || magnitude >= 1e21) { return GoFloat.formatE(value) }
        return GoFloat.formatPlain(value)
    }

    static func quote(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}
