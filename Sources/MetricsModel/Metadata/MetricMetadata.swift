/// What a target's exposition says about a metric family: `# TYPE`, `# HELP` and `# UNIT`.
public struct MetricMetadata: Sendable, Equatable, Hashable {
    public var type: MetricType = .unknown
    public var help = ""
    public var unit = ""

    public init(type: MetricType = .unknown, help: String = "", unit: String = "") {
        self.type = type
        self.help = help
        self.unit = unit
    }
}

/// A metric family's type, from `# TYPE`. Raw values are the OpenMetrics spellings.
public enum MetricType: String, Sendable, CaseIterable {
    case counter, gauge, histogram, gaugehistogram, summary, info, stateset, unknown
}
