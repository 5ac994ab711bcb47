import Foundation
import Testing

/// Finds the external conformance material in `../shared` beside the project root.
/// It is read in place and never copied into the repository.
package enum SharedConformance {
    /// `../shared/conformance`, or `$TOOLBOX_SHARED/conformance` when that is set.
    package static let directory: URL? = {
        let root: URL
        if let override = ProcessInfo.processInfo.environment["TOOLBOX_SHARED"] {
            root = URL(fileURLWithPath: override)
        } else {
            // Tests/TestSupport/SharedConformance.swift → project root → ../shared
            root = URL(fileURLWithPath: #filePath)
                .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
                .deletingLastPathComponent().appendingPathComponent("shared")
        }
        let conformance = root.appendingPathComponent("conformance")
        return FileManager.default.fileExists(atPath: conformance.path) ? conformance : nil
    }()

    /// Whether the material is present; tests that need it are skipped with `skipReason` otherwise.
    package static var available: Bool { directory != nil }

    package static let skipReason: Comment = "../shared/conformance is absent; conformance cases skipped"

    /// The trait conformance tests carry: enabled only when the material is present.
    package static var required: ConditionTrait { .enabled(if: available, skipReason) }

    /// Loads a JSON file from the conformance folder as a dictionary.
    package static func json(_ name: String) throws -> [String: Any] {
        guard let directory else { throw MissingMaterial(name: name) }
        let data = try Data(contentsOf: directory.appendingPathComponent(name))
        guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw MissingMaterial(name: name)
        }
        return object
    }

    package struct MissingMaterial: Error, CustomStringConvertible {
        package let name: String
        package init(name: String) { self.name = name }
        package var description: String { "conformance file \(name) is missing or not a JSON object" }
    }

    /// Prints a conformance tally in a form CI logs can grep: `conformance <suite>: P/T passed`.
    package static func report(_ suite: String, passed: Int, total: Int, skipped: Int = 0) {
        var line = "conformance \(suite): \(passed)/\(total) passed"
        if skipped > 0 { line += ", \(skipped) skipped" }
        print(line)
    }
}
