import MetricsModel

/// Applies relabel steps to label sets, with Prometheus's semantics (`model/relabel`).
package enum Relabeler {
    /// Runs every step over `labels`. Returns nil when a step drops the set.
    package static func process(_ labels: Labels, _ configs: [RelabelConfig], scheme: NameValidationScheme = .utf8) -> Labels? {
        var builder = LabelsBuilder(labels)
        return process(&builder, configs, scheme: scheme) ? builder.labels() : nil
    }

    /// Runs every step over `builder` in place. Returns false when a step drops the set.
    package static func process(_ builder: inout LabelsBuilder, _ configs: [RelabelConfig], scheme: NameValidationScheme = .utf8) -> Bool {
        var scratch = Scratch()
        for config in configs where !apply(config, to: &builder, scheme: scheme, scratch: &scratch) {
            return false
        }
        return true
    }

    /// Reused buffers, so a run of steps allocates only for the labels it writes.
    package struct Scratch {
        var offsets: [Int64] = []
        package init() {}
    }

    /// Applies one step. Returns false when it drops the set. Callers that explain a target's
    /// relabeling call this step by step.
    package static func apply(
        _ config: RelabelConfig, to builder: inout LabelsBuilder, scheme: NameValidationScheme = .utf8, scratch: inout Scratch
    ) -> Bool {
        let value = sourceValue(config, builder)
        switch config.action {
        case .drop:
            if config.regex.matches(value) { return false }
        case .keep:
            if !config.regex.matches(value) { return false }
        case .dropEqual:
            if builder.get(config.targetLabel) == value { return false }
        case .keepEqual:
            if builder.get(config.targetLabel) != value { return false }
        case .replace:
            replace(config, value, &builder, scheme, &scratch.offsets)
        case .lowercase:
            builder.set(config.targetLabel, value.lowercased())
        case .uppercase:
            builder.set(config.targetLabel, value.uppercased())
        case .hashMod:
            let digest = MD5.digest(value.utf8)
            var high: UInt64 = 0
            for byte in digest[8..<16] { high = high << 8 | UInt64(byte) }
            builder.set(config.targetLabel, String(high % config.modulus))
        case .labelMap:
            for label in builder.current where config.regex.matches(label.name) {
                guard config.regex.match(label.name, groupOffsets: &scratch.offsets) else { continue }
                let name = config.replacementTemplate.expand(source: label.name, offsets: scratch.offsets)
                builder.set(name, label.value)
            }
        case .labelDrop:
            builder.removeAll { config.regex.matches($0.name) }
        case .labelKeep:
            builder.removeAll { !config.regex.matches($0.name) }
        }
        return true
    }

    private static func replace(
        _ config: RelabelConfig, _ value: String, _ builder: inout LabelsBuilder, _ scheme: NameValidationScheme, _ offsets: inout [Int64]
    ) {
        // Prometheus's fast path: with nothing to capture and no variables, set the target directly.
        if value.isEmpty && config.regex.pattern == RelabelConfig.defaultRegex && config.targetTemplate.isLiteral
            && config.replacementTemplate.isLiteral && !config.targetLabel.contains("$") && !config.replacement.contains("$")
        {
            builder.set(config.targetLabel, config.replacement)
            return
        }
        guard config.regex.match(value, groupOffsets: &offsets) else { return }
        let target = config.targetTemplate.expand(source: value, offsets: offsets)
        guard LabelName.isValid(target, scheme: scheme) else { return }
        let result = config.replacementTemplate.expand(source: value, offsets: offsets)
        if result.isEmpty {
            builder.delete(target)
        } else {
            builder.set(target, result)
        }
    }

    /// The source label values, "" for absent ones, joined by the separator.
    @inline(__always)
    static func sourceValue(_ config: RelabelConfig, _ builder: LabelsBuilder) -> String {
        switch config.sourceLabels.count {
        case 0: return ""
        case 1: return builder.get(config.sourceLabels[0])
        default: return config.sourceLabels.map { builder.get($0) }.joined(separator: config.separator)
        }
    }
}
