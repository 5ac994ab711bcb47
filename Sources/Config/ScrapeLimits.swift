/// The per-scrape limits `global:` sets for every job that does not set its own (a job's 0, or a
/// missing key, takes the global value, as in Prometheus).
package struct ScrapeLimits: Sendable, Equatable {
    package var sampleLimit = 0
    package var labelLimit = 0
    package var labelNameLengthLimit = 0
    package var labelValueLengthLimit = 0
    package var bodySizeLimit = 0
    package var targetLimit = 0
    package var keepDroppedTargets = 0

    package init() {}

    enum CodingKeys: String, CodingKey, CaseIterable {
        case sampleLimit = "sample_limit"
        case labelLimit = "label_limit"
        case labelNameLengthLimit = "label_name_length_limit"
        case labelValueLengthLimit = "label_value_length_limit"
        case bodySizeLimit = "body_size_limit"
        case targetLimit = "target_limit"
        case keepDroppedTargets = "keep_dropped_targets"
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        sampleLimit = try container.decodeIfPresent(Int.self, forKey: .sampleLimit) ?? 0
        labelLimit = try container.decodeIfPresent(Int.self, forKey: .labelLimit) ?? 0
        labelNameLengthLimit = try container.decodeIfPresent(Int.self, forKey: .labelNameLengthLimit) ?? 0
        labelValueLengthLimit = try container.decodeIfPresent(Int.self, forKey: .labelValueLengthLimit) ?? 0
        bodySizeLimit = try ByteSize.decode(container, .bodySizeLimit) ?? 0
        targetLimit = try container.decodeIfPresent(Int.self, forKey: .targetLimit) ?? 0
        keepDroppedTargets = try container.decodeIfPresent(Int.self, forKey: .keepDroppedTargets) ?? 0
    }
}

extension ScrapeConfig {
    /// The job's limits, each 0 (unset) one taken from `global`.
    mutating func inheritLimits(_ global: ScrapeLimits) {
        func inherit(_ own: inout Int, _ global: Int) { if own == 0 { own = global } }
        inherit(&sampleLimit, global.sampleLimit)
        inherit(&labelLimit, global.labelLimit)
        inherit(&labelNameLengthLimit, global.labelNameLengthLimit)
        inherit(&labelValueLengthLimit, global.labelValueLengthLimit)
        inherit(&bodySizeLimit, global.bodySizeLimit)
        inherit(&targetLimit, global.targetLimit)
        inherit(&keepDroppedTargets, global.keepDroppedTargets)
    }
}
