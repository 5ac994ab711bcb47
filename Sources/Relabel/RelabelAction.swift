import MetricsModel

/// What a relabel step does. Raw values are the YAML spellings.
package enum RelabelAction: String, Sendable, CaseIterable, Codable {
    case replace
    case keep
    case drop
    case keepEqual = "keepequal"
    case dropEqual = "dropequal"
    case hashMod = "hashmod"
    case labelMap = "labelmap"
    case labelDrop = "labeldrop"
    case labelKeep = "labelkeep"
    case lowercase
    case uppercase

    /// Parses an action name case-insensitively, as Prometheus's YAML does.
    package init(parsing text: String) throws(RelabelError) {
        if text.isEmpty { throw RelabelError("relabel action cannot be empty", key: "action") }
        guard let action = RelabelAction(rawValue: text.lowercased()) else {
            throw RelabelError("unknown relabel action \(goQuote(text))", key: "action")
        }
        self = action
    }
}

/// An invalid relabel configuration.
package struct RelabelError: Error, Sendable, Equatable, CustomStringConvertible {
    package let message: String
    /// The YAML key at fault, when it is one key (`regex`, `action`).
    package let key: String?
    package init(_ message: String, key: String? = nil) {
        self.message = message
        self.key = key
    }
    package var description: String { message }
}
