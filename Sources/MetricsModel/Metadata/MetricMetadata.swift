/// What a target's exposition says about a metric family: `# TYPE`, `# HELP` and `# UNIT`.
package struct MetricMetadata: Sendable, Equatable, Hashable {
    package var type: MetricType = .unknown
    package var help = ""
    package var unit = ""

    package init(type: MetricType = .unknown, help: String = "", unit: String = "") {
        self.type = type
        self.help = help
        self.unit = unit
    }
}

/// A metric family's type, from `# TYPE`. Raw values are the OpenMetrics spellings.
package enum MetricType: String, Sendable, CaseIterable {
    case counter, gauge, histogram, gaugehistogram, summary, info, stateset, unknown
}
