/// Prometheus text exposition being written: `# HELP`/`# TYPE` headers and samples.
package struct MetricsText: Sendable {
    package private(set) var text = ""

    package init() {}

    package mutating func header(_ name: String, _ type: String, _ help: String) {
        text += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
    }

    /// One sample line; label values are escaped.
    package mutating func sample(_ name: String, _ labelNames: [String], _ labelValues: [String], _ value: Double) {
        text += name
        if !labelNames.isEmpty {
            text += "{"
            for (index, (label, value)) in zip(labelNames, labelValues).enumerated() {
                if index > 0 { text += "," }
                text += label + "=" + quoteLabelValue(value)
            }
            text += "}"
        }
        text += " " + GoFloat.formatG(value) + "\n"
    }

    /// A whole single-sample family.
    package mutating func single(_ name: String, _ type: String, _ help: String, _ value: Double) {
        header(name, type, help)
        sample(name, [], [], value)
    }

    /// Text already in exposition format.
    package mutating func append(_ rendered: String) {
        text += rendered
    }
}
