/// One name/value pair of a series' identity.
package struct Label: Hashable, Sendable, Comparable, CustomStringConvertible {
    package var name: String
    package var value: String

    package init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }

    /// Orders by name, then by value, as Prometheus's `labels.Compare` does pairwise.
    package static func < (lhs: Label, rhs: Label) -> Bool {
        let byName = utf8Compare(lhs.name, rhs.name)
        if byName != 0 { return byName < 0 }
        return utf8Less(lhs.value, rhs.value)
    }

    package var description: String { "\(name)=\(quoteLabelValue(value))" }
}

/// Reserved label names with a meaning of their own.
package enum LabelNames {
    package static let metricName = "__name__"
    package static let job = "job"
    package static let instance = "instance"
    package static let address = "__address__"
    package static let scheme = "__scheme__"
    package static let metricsPath = "__metrics_path__"
    package static let scrapeInterval = "__scrape_interval__"
    package static let scrapeTimeout = "__scrape_timeout__"
    package static let bucket = "le"
    package static let quantile = "quantile"
    /// Labels with this prefix are dropped after target relabeling.
    package static let reservedPrefix = "__"
    static let metaPrefix = "__meta_"
    package static let paramPrefix = "__param_"
    static let tmpPrefix = "__tmp_"
}

/// Quotes `value` with `"`, escaping `\`, `"` and newline the way PromQL and the text format print it.
package func quoteLabelValue(_ value: String) -> String {
    var out = "\""
    out.reserveCapacity(value.utf8.count + 2)
    for scalar in value.unicodeScalars {
        switch scalar {
        case "\\": out += "\\\\"
        case "\"": out += "\\\""
        case "\n": out += "\\n"
        default: out.unicodeScalars.append(scalar)
        }
    }
    out += "\""
    return out
}

/// Quotes like Go's `%q` for the strings that appear in error messages and PromQL text:
/// `"`, `\`, newline, tab and carriage return escaped, other control characters as `\xNN`.
package func goQuote(_ text: String) -> String {
    var out = "\""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\t": out += "\\t"
        case "\r": out += "\\r"
        default:
            if scalar.value < 0x20 || scalar.value == 0x7f {
                out += "\\x" + scalar.value.hexadecimal(digits: 2)
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
    }
    return out + "\""
}
