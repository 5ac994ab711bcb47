import MetricsModel

/// One series a template's `query` returned: its labels and value.
package struct TemplateSample: Sendable, Equatable {
    package var labels: [String: String]
    package var value: Double

    package init(labels: [String: String], value: Double) {
        self.labels = labels
        self.value = value
    }
}

/// A value while a template runs, with Go's kinds where they show: printing, truth and comparison.
indirect enum TemplateValue: Sendable, Equatable {
    case string(String)
    case float(Double)
    case int(Int)
    case bool(Bool)
    /// `map[string]string`: labels; a missing key reads as "" (Prometheus runs with missingkey=zero).
    case labels([String: String])
    /// `args` builds one.
    case map([String: TemplateValue])
    case list([TemplateValue])
    case sample(TemplateSample)
    /// The data a template starts with: `.Labels`, `.ExternalLabels`, `.ExternalURL`, `.Value`.
    case record([String: TemplateValue])
    /// `toTime`: Unix seconds, printed as Go prints a `time.Time`.
    case time(Double)
    /// `toDuration`: seconds, printed as Go prints a `time.Duration`.
    case duration(Double)
    case null

    /// As `fmt.Sprint` prints it.
    var printed: String {
        switch self {
        case .string(let text): return text
        case .float(let value): return GoFloat.formatG(value)
        case .int(let value): return String(value)
        case .bool(let value): return value ? "true" : "false"
        case .labels(let labels): return "map[" + labels.sorted { $0.key < $1.key }.map { "\($0.key):\($0.value)" }.joined(separator: " ") + "]"
        case .map(let map): return "map[" + map.sorted { $0.key < $1.key }.map { "\($0.key):\($0.value.printed)" }.joined(separator: " ") + "]"
        case .list(let items): return "[" + items.map(\.printed).joined(separator: " ") + "]"
        case .sample(let sample): return "{\(TemplateValue.labels(sample.labels).printed) \(GoFloat.formatG(sample.value))}"
        case .record: return "{...}"
        case .time(let seconds): return GoTime.string(seconds)
        case .duration(let seconds): return GoTime.durationString(seconds)
        case .null: return "<no value>"
        }
    }

    /// Go's truth: false, zero, empty and nil are false.
    var isTrue: Bool {
        switch self {
        case .string(let text): return !text.isEmpty
        case .float(let value): return value != 0
        case .int(let value): return value != 0
        case .bool(let value): return value
        case .labels(let labels): return !labels.isEmpty
        case .map(let map): return !map.isEmpty
        case .list(let items): return !items.isEmpty
        case .sample, .record, .time: return true
        case .duration(let seconds): return seconds != 0
        case .null: return false
        }
    }

    /// A number for the humanize family, which takes numbers and numeric strings.
    func number() throws(TemplateRunError) -> Double {
        switch self {
        case .float(let value): return value
        case .int(let value): return Double(value)
        case .string(let text):
            guard case .success(let value) = GoFloat.parse(text) else { throw TemplateRunError("strconv.ParseFloat: parsing \"\(text)\": invalid syntax") }
            return value
        case .time(let seconds), .duration(let seconds): return seconds
        default: throw TemplateRunError("can't convert \(printed) to float")
        }
    }

    func string(for function: String) throws(TemplateRunError) -> String {
        guard case .string(let text) = self else { throw TemplateRunError("wrong type for value; expected string; got \(kindName)") }
        return text
    }

    var kindName: String {
        switch self {
        case .string: return "string"
        case .float: return "float64"
        case .int: return "int"
        case .bool: return "bool"
        case .labels: return "map[string]string"
        case .map: return "map[string]interface {}"
        case .list: return "template.queryResult"
        case .sample: return "*template.sample"
        case .record: return "struct"
        case .time: return "time.Time"
        case .duration: return "time.Duration"
        case .null: return "<nil>"
        }
    }
}

/// A failure while a template runs, in Go's words.
struct TemplateRunError: Error, Equatable {
    let message: String
    init(_ message: String) { self.message = message }
}
