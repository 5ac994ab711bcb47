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
        if text.isEmpty { throw RelabelError("relabel action cannot be empty") }
        guard let action = RelabelAction(rawValue: text.lowercased()) else {
            throw RelabelError("unknown relabel action \(goQuote(text))")
        }
        self = action
    }
}

/// An invalid relabel configuration.
package struct RelabelError: Error, Sendable, Equatable, CustomStringConvertible {
    package let message: String
    package init(_ message: String) { self.message = message }
    package var description: String { message }
}
