import MetricsModel

/// One relabel step, `relabel_configs` / `metric_relabel_configs` entry.
///
/// Decoding fills Prometheus's defaults only for keys that are absent, so an explicit
/// `replacement: ""` or `separator: ""` is kept (Prometheus ≥ 3.14 behaviour).
package struct RelabelConfig: Sendable, Equatable {
    static let defaultSeparator = ";"
    static let defaultRegex = "(.*)"
    static let defaultReplacement = "$1"

    package var sourceLabels: [String]
    package var separator: String
    package var regex: AnchoredRegex
    var modulus: UInt64
    package var targetLabel: String
    package var replacement: String
    package var action: RelabelAction

    /// Parsed `target_label` and `replacement` templates, so each step expands without re-scanning.
    let targetTemplate: Template
    let replacementTemplate: Template

    package init(
        sourceLabels: [String] = [],
        separator: String = RelabelConfig.defaultSeparator,
        regex: String = RelabelConfig.defaultRegex,
        modulus: UInt64 = 0,
        targetLabel: String = "",
        replacement: String = RelabelConfig.defaultReplacement,
        action: RelabelAction = .replace
    ) throws(RelabelError) {
        let compiled: AnchoredRegex
        do {
            compiled = try AnchoredRegex(regex)
        } catch {
            throw RelabelError("\(error)", key: CodingKeys.regex.rawValue)
        }
        self.sourceLabels = sourceLabels
        self.separator = separator
        self.regex = compiled
        self.modulus = modulus
        self.targetLabel = targetLabel
        self.replacement = replacement
        self.action = action
        targetTemplate = Template(targetLabel, regex: compiled.compiled)
        replacementTemplate = Template(replacement, regex: compiled.compiled)
    }

    package static func == (lhs: RelabelConfig, rhs: RelabelConfig) -> Bool {
        lhs.sourceLabels == rhs.sourceLabels && lhs.separator == rhs.separator && lhs.regex == rhs.regex
            && lhs.modulus == rhs.modulus && lhs.targetLabel == rhs.targetLabel && lhs.replacement == rhs.replacement
            && lhs.action == rhs.action
    }

    /// Checks the step as Prometheus's `Config.Validate` does; `scheme` governs which label names are valid.
    package func validate(scheme: NameValidationScheme = .utf8) throws(RelabelError) {
        let name = action.rawValue
        if modulus == 0 && action == .hashMod {
            throw RelabelError("relabel configuration for hashmod requires non-zero modulus")
        }
        let needsTarget: Set<RelabelAction> = [.replace, .hashMod, .lowercase, .uppercase, .keepEqual, .dropEqual]
        if needsTarget.contains(action) && targetLabel.isEmpty {
            throw RelabelError("relabel configuration for \(name) action requires 'target_label' value")
        }
        let hasVariable = targetLabel.contains("$")
        if action == .replace && !hasVariable && !LabelName.isValid(targetLabel, scheme: scheme) {
            throw RelabelError("\(goQuote(targetLabel)) is invalid 'target_label' for \(name) action")
        }
        if action == .replace && hasVariable && !Self.isValidTemplateName(targetLabel, scheme: scheme) {
            throw RelabelError("\(goQuote(targetLabel)) is invalid 'target_label' for \(name) action")
        }
        let singleTarget: Set<RelabelAction> = [.lowercase, .uppercase, .keepEqual, .dropEqual]
        if singleTarget.contains(action) && !LabelName.isValid(targetLabel, scheme: scheme) {
            throw RelabelError("\(goQuote(targetLabel)) is invalid 'target_label' for \(name) action")
        }
        if singleTarget.contains(action) && replacement != Self.defaultReplacement {
            throw RelabelError("'replacement' can not be set for \(name) action")
        }
        if action == .labelMap && !Self.isValidTemplateName(replacement, scheme: scheme) {
            throw RelabelError("\(goQuote(replacement)) is invalid 'replacement' for \(name) action")
        }
        if action == .hashMod && !LabelName.isValid(targetLabel, scheme: scheme) {
            throw RelabelError("\(goQuote(targetLabel)) is invalid 'target_label' for \(name) action")
        }
        if action == .dropEqual || action == .keepEqual {
            if regex.pattern != Self.defaultRegex || modulus != 0 || separator != Self.defaultSeparator
                || replacement != Self.defaultReplacement
            {
                throw RelabelError("\(name) action requires only 'source_labels' and `target_label`, and no other fields")
            }
        }
        if action == .labelDrop || action == .labelKeep {
            if !sourceLabels.isEmpty || !targetLabel.isEmpty || modulus != 0 || separator != Self.defaultSeparator
                || replacement != Self.defaultReplacement
            {
                throw RelabelError("\(name) action requires only 'regex', and no other fields")
            }
        }
    }

    /// Whether a name that may hold `$1`/`${name}` variables is acceptable: under the legacy scheme it must
    /// look like `^(?:(?:[a-zA-Z_]|\$(?:\{\w+\}|\w+))+\w*)+$` (Prometheus's relabelTarget); under UTF-8 anything goes.
    static func isValidTemplateName(_ name: String, scheme: NameValidationScheme) -> Bool {
        switch scheme {
        case .utf8: return true
        case .legacy: return legacyTemplateName.matches(name)
        }
    }

    private static let legacyTemplateName = try! AnchoredRegex(#"(?:(?:[a-zA-Z_]|\$(?:\{\w+\}|\w+))+\w*)+"#)
}

extension RelabelConfig: Decodable {
    package enum CodingKeys: String, CodingKey, CaseIterable {
        case sourceLabels = "source_labels"
        case separator, regex, modulus
        case targetLabel = "target_label"
        case replacement, action
    }

    package init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let actionText = try container.decodeIfPresent(String.self, forKey: .action) ?? RelabelAction.replace.rawValue
        do {
            let action = try RelabelAction(parsing: actionText)
            try self.init(
                sourceLabels: container.decodeIfPresent([String].self, forKey: .sourceLabels) ?? [],
                separator: container.decodeIfPresent(String.self, forKey: .separator) ?? Self.defaultSeparator,
                regex: container.decodeIfPresent(String.self, forKey: .regex) ?? Self.defaultRegex,
                modulus: container.decodeIfPresent(UInt64.self, forKey: .modulus) ?? 0,
                targetLabel: container.decodeIfPresent(String.self, forKey: .targetLabel) ?? "",
                replacement: container.decodeIfPresent(String.self, forKey: .replacement) ?? Self.defaultReplacement,
                action: action
            )
            try validate()
        } catch let error as DecodingError {
            throw error
        } catch {
            // Our own errors get the path of what they concern, so a config error can name its line.
            let key = (error as? RelabelError)?.key.flatMap(CodingKeys.init(rawValue:))
            let path = decoder.codingPath + (key.map { [$0] } ?? [])
            throw DecodingError.dataCorrupted(.init(codingPath: path, debugDescription: "\(error)", underlyingError: error))
        }
    }
}

extension RelabelConfig: Encodable {
    package func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        if !sourceLabels.isEmpty { try container.encode(sourceLabels, forKey: .sourceLabels) }
        try container.encode(separator, forKey: .separator)
        try container.encode(regex.pattern, forKey: .regex)
        if modulus != 0 { try container.encode(modulus, forKey: .modulus) }
        if !targetLabel.isEmpty { try container.encode(targetLabel, forKey: .targetLabel) }
        try container.encode(replacement, forKey: .replacement)
        try container.encode(action.rawValue, forKey: .action)
    }
}
