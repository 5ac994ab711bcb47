import MetricsModel
import Testing
import TestSupport

@testable import Relabel

/// Runs Prometheus's own relabel tables (`../shared/conformance/relabel_cases.json`).
@Suite("Relabel conformance")
struct RelabelConformanceTests {
    @Test("every relabel_cases entry produces Prometheus's labels or drop", SharedConformance.required)
    func relabelCases() throws {
        let cases = try #require(SharedConformance.json("relabel_cases.json")["relabel_cases"] as? [[String: Any]])
        var passed = 0
        for entry in cases {
            let name = entry["name"] as? String ?? "?"
            let input = Labels(entry["input_labels"] as? [String: String] ?? [:])
            let configs = try (entry["configs"] as? [[String: Any]] ?? []).map(Self.config)
            let result = Relabeler.process(input, configs)
            if entry["dropped"] as? Bool == true {
                #expect(result == nil, "\(name): expected drop, got \(String(describing: result))")
                if result == nil { passed += 1 }
            } else {
                let expected = Labels(entry["expected_labels"] as? [String: String] ?? [:])
                #expect(result == expected, "\(name)")
                if result == expected { passed += 1 }
            }
        }
        SharedConformance.report("relabel_cases", passed: passed, total: cases.count)
        #expect(passed == cases.count)
    }

    @Test("every validate_cases entry is accepted or rejected as Prometheus does", SharedConformance.required)
    func validateCases() throws {
        let cases = try #require(SharedConformance.json("relabel_cases.json")["validate_cases"] as? [[String: Any]])
        var passed = 0
        for entry in cases {
            let name = entry["name"] as? String ?? "?"
            let raw = try #require(entry["config"] as? [String: Any])
            let scheme: NameValidationScheme = (entry["name_validation_scheme"] as? String) == "legacy" ? .legacy : .utf8
            let expectedError = entry["expected_error_contains"] as? String
            var message: String?
            do {
                let config = try Self.config(raw)
                try config.validate(scheme: scheme)
            } catch {
                message = "\(error)"
            }
            let ok: Bool
            if let expectedError {
                ok = message?.contains(expectedError) == true
                #expect(ok, "\(name): expected error containing \(expectedError), got \(message ?? "success")")
            } else {
                ok = message == nil
                #expect(ok, "\(name): expected success, got \(message ?? "")")
            }
            if ok { passed += 1 }
        }
        SharedConformance.report("relabel validate_cases", passed: passed, total: cases.count)
        #expect(passed == cases.count)
    }

    @Test("target_label legacy validity matches Prometheus's template rule", SharedConformance.required)
    func legacyTargetLabels() throws {
        let cases = try #require(SharedConformance.json("relabel_cases.json")["target_label_legacy_validity"] as? [[String: Any]])
        var passed = 0
        for entry in cases {
            let label = try #require(entry["target_label"] as? String)
            let valid = try #require(entry["valid"] as? Bool)
            let got = RelabelConfig.isValidTemplateName(label, scheme: .legacy)
            #expect(got == valid, "\(label)")
            if got == valid { passed += 1 }
        }
        SharedConformance.report("relabel target_label_legacy_validity", passed: passed, total: cases.count)
    }

    /// Builds a config from a JSON table row. Fields are given raw, so an empty regex means the empty pattern.
    static func config(_ raw: [String: Any]) throws -> RelabelConfig {
        let actionText = raw["action"] as? String ?? "replace"
        return try RelabelConfig(
            sourceLabels: raw["source_labels"] as? [String] ?? [],
            separator: raw["separator"] as? String ?? ";",
            regex: raw["regex"] as? String ?? "(.*)",
            modulus: UInt64(raw["modulus"] as? Int ?? 0),
            targetLabel: raw["target_label"] as? String ?? "",
            replacement: raw["replacement"] as? String ?? "$1",
            action: RelabelAction(parsing: actionText)
        )
    }
}
