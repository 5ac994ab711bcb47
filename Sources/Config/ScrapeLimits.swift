/// A scrape job's limits, under `scrape_configs:` or `global:` (a job's 0, or a missing key, takes
/// the global value, as in Prometheus). 0 is no limit.
package struct ScrapeLimits: Sendable, Equatable {
    /// `sample_limit`: more samples than this after relabeling fail the scrape.
    package var sampleLimit = 0
    package var labelLimit = 0
    package var labelNameLengthLimit = 0
    package var labelValueLengthLimit = 0
    package var bodySizeLimit = 0
    /// `target_limit`: more targets than this after relabeling fail every target of the job.
    package var targetLimit = 0
    /// `keep_dropped_targets`: how many dropped targets `/api/v1/targets` keeps for the job (0: all).
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

extension ScrapeLimits {
    /// Takes each limit that is 0 (unset) here from `global`.
    mutating func inherit(_ global: ScrapeLimits) {
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
