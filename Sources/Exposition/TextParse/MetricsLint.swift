import MetricsModel

/// Naming lint over exposition text, in the spirit of `promtool check metrics` (client_golang's
/// promlint): each family is checked for help text, the counter suffix, units and name style.
package enum MetricsLint {
    /// A problem with one metric family.
    package struct Problem: Sendable, Equatable, CustomStringConvertible {
        package var metric: String
        package var text: String
        package var description: String { "\(metric) \(text)" }
    }

    /// The problems of every family in `text`, sorted by metric then text; a parse error is thrown
    /// with its line.
    package static func lint(_ text: String, format: ExpositionFormat = .prometheusText) throws(ExpositionError) -> [Problem] {
        var parser = TextParser(text, format: format, options: .init(skipCreatedSeries: false))
        var families: [String: Family] = [:]
        var order: [String] = []
        func family(_ name: String) -> Family {
            if let found = families[name] { return found }
            order.append(name)
            return Family(name: name)
        }
        while let entry = try parser.next() {
            switch entry {
            case .help:
                var found = family(parser.metadataMetric)
                found.hasHelp = true
                families[found.name] = found
            case .type:
                var found = family(parser.metadataMetric)
                found.type = parser.metadataType
                families[found.name] = found
            case .series:
                let name = parser.metricName
                // A sample belongs to the family its name extends (`_total`, `_bucket`, … of a declared one).
                let owner = families[name] != nil ? name
                    : Self.familySuffixes.lazy.compactMap { suffix in name.hasSuffix(suffix) ? String(name.dropLast(suffix.count)) : nil }
                        .first { families[$0] != nil } ?? name
                var found = family(owner)
                found.hasSamples = true
                families[owner] = found
            case .unit, .comment:
                break
            }
        }
        var problems: [Problem] = []
        for name in order {
            guard let entry = families[name] else { continue }
            problems += entry.problems(openMetrics: format == .openMetrics)
        }
        return problems.sorted { ($0.metric, $0.text) < ($1.metric, $1.text) }
    }

    static let familySuffixes = ["_total", "_created", "_bucket", "_count", "_sum", "_gcount", "_gsum", "_info"]

    /// Non-base units and the base unit to use instead.
    static let nonBaseUnits: [String: String] = [
        "milliseconds": "seconds", "microseconds": "seconds", "nanoseconds": "seconds", "minutes": "seconds", "hours": "seconds",
        "days": "seconds", "weeks": "seconds", "kilobytes": "bytes", "megabytes": "bytes", "gigabytes": "bytes", "terabytes": "bytes",
        "kibibytes": "bytes", "mebibytes": "bytes", "gibibytes": "bytes", "bits": "bytes", "millimeters": "meters",
        "centimeters": "meters", "kilometers": "meters", "milligrams": "grams", "kilograms": "grams", "fahrenheit": "celsius",
    ]

    static let abbreviations: Set<String> = ["ms", "us", "ns", "sec", "secs", "mins", "hrs", "kb", "mb", "gb", "kib", "mib", "gib"]

    struct Family {
        var name: String
        var type = MetricType.unknown
        var hasHelp = false
        var hasSamples = false

        func problems(openMetrics: Bool) -> [Problem] {
            var out: [String] = []
            if !hasHelp { out.append("no help text") }
            // OpenMetrics names the family without `_total`; its samples always carry it.
            if type == .counter && !openMetrics && !name.hasSuffix("_total") { out.append("counter metrics should have \"_total\" suffix") }
            if type != .counter && type != .unknown && name.hasSuffix("_total") { out.append("non-counter metrics should not have \"_total\" suffix") }
            let parts = name.lowercased().split(separator: "_").map(String.init)
            for part in parts {
                if let base = nonBaseUnits[part] { out.append("use base unit \"\(base)\" instead of \"\(part)\"") }
                if abbreviations.contains(part) { out.append("metric names should not contain abbreviated units") }
            }
            for kind in ["counter", "gauge", "histogram", "summary"] where parts.contains(kind) {
                out.append("metric name should not include type '\(kind)'")
            }
            if name.contains(where: \.isUppercase) { out.append("metric names should be written in 'snake_case' not 'camelCase'") }
            return out.map { Problem(metric: name, text: $0) }
        }
    }
}
