import Foundation
import MetricsModel
import Testing
import TestSupport

@testable import Exposition
@testable import Scraper

/// Runs Prometheus's own text-parser tables (`../shared/conformance/textparse_cases.json`).
@Suite("Exposition parsing conformance")
struct TextParseConformanceTests {
    static func format(_ name: String?) -> ExpositionFormat {
        name == ExpositionFormat.openMetrics.rawValue ? .openMetrics : .prometheusText
    }

    static func input(_ entry: [String: Any]) -> [UInt8] {
        if let text = entry["input"] as? String { return Array(text.utf8) }
        if let base64 = entry["input_base64"] as? String, let data = Data(base64Encoded: base64) { return Array(data) }
        return []
    }

    /// Reads every entry the way Prometheus's `testParse` harness records them.
    static func entries(_ bytes: [UInt8], format: ExpositionFormat, options: TextParser.Options) throws -> [[String: String]] {
        var parser = TextParser(bytes: bytes, format: format, options: options)
        var out: [[String: String]] = []
        while let entry = try parser.next() {
            switch entry {
            case .help: out.append(["kind": "help", "metric": parser.metadataMetric, "help": parser.helpText])
            case .type: out.append(["kind": "type", "metric": parser.metadataMetric, "type": parser.metadataType.rawValue])
            case .unit: out.append(["kind": "unit", "metric": parser.metadataMetric, "unit": parser.unitText])
            case .comment: out.append(["kind": "comment", "comment": parser.commentText])
            case .series:
                var row = [
                    "kind": "series", "series_text": parser.seriesText, "value": render(parser.value),
                    "labels": render(parser.labels()), "timestamp_ms": parser.timestamp.map(String.init) ?? "null",
                    "start_timestamp_ms": String(parser.startTimestamp()),
                ]
                if let exemplar = parser.exemplar() {
                    row["exemplars"] = "\(render(Labels(exemplar.labels)))=\(render(exemplar.value))@\(exemplar.timestamp.map(String.init) ?? "null")"
                } else {
                    row["exemplars"] = ""
                }
                out.append(row)
            }
        }
        return out
    }

    /// The same shape from the JSON expectation.
    static func expected(_ entry: [String: Any]) -> [String: String] {
        var row: [String: String] = [:]
        for (key, value) in entry {
            switch key {
            case "labels": row[key] = render(Labels(value as? [String: String] ?? [:]))
            case "value": row[key] = render(jsonNumber(value))
            case "timestamp_ms", "start_timestamp_ms": row[key] = (value as? NSNumber).map { String($0.int64Value) } ?? "null"
            case "exemplars":
                let list = value as? [[String: Any]] ?? []
                row[key] = list.map { e in
                    "\(render(Labels(e["labels"] as? [String: String] ?? [:])))=\(render(jsonNumber(e["value"] as Any)))@\((e["timestamp_ms"] as? NSNumber).map { String($0.int64Value) } ?? "null")"
                }.joined(separator: ";")
            default: row[key] = value as? String ?? "\(value)"
            }
        }
        return row
    }

    static func jsonNumber(_ value: Any) -> Double {
        if let text = value as? String {
            switch text {
            case "NaN": return .nan
            case "+Inf": return .infinity
            case "-Inf": return -.infinity
            default: return Double(text) ?? .nan
            }
        }
        return (value as? NSNumber)?.doubleValue ?? .nan
    }

    static func render(_ value: Double) -> String { value.isNaN ? "NaN" : GoFloat.formatG(value) }
    static func render(_ labels: Labels) -> String { labels.map { "\($0.name)=\(quoteForTest($0.value))" }.joined(separator: ",") }
    static func quoteForTest(_ s: String) -> String { "\"" + s.unicodeScalars.map { $0.escaped(asASCII: true) }.joined() + "\"" }

    @Test("every parse_cases entry yields Prometheus's entries", SharedConformance.required)
    func parseCases() throws {
        let cases = try #require(SharedConformance.json("textparse_cases.json")["parse_cases"] as? [[String: Any]])
        var passedEntries = 0
        var totalEntries = 0
        var passedCases = 0
        for entry in cases {
            let name = entry["name"] as? String ?? "?"
            let raw = entry["parser_options"] as? [String: Any] ?? [:]
            let options = TextParser.Options(
                skipCreatedSeries: raw["skip_st_series"] as? Bool ?? true,
                typeAndUnitLabels: raw["type_and_unit_labels"] as? Bool ?? false)
            let expected = (entry["expected_entries"] as? [[String: Any]] ?? []).map(Self.expected)
            let got = try Self.entries(Self.input(entry), format: Self.format(entry["format"] as? String), options: options)
            totalEntries += expected.count
            for (index, want) in expected.enumerated() {
                let have = index < got.count ? got[index] : [:]
                #expect(have == want, "\(name) entry \(index)")
                if have == want { passedEntries += 1 }
            }
            #expect(got.count == expected.count, "\(name): \(got.count) entries, expected \(expected.count)")
            if got.count == expected.count && zip(got, expected).allSatisfy({ $0 == $1 }) { passedCases += 1 }
        }
        SharedConformance.report("textparse parse_cases", passed: passedCases, total: cases.count)
        SharedConformance.report("textparse parse_cases entries", passed: passedEntries, total: totalEntries)
    }

    @Test("every error_cases input fails or succeeds as in Prometheus", SharedConformance.required)
    func errorCases() throws {
        let cases = try #require(SharedConformance.json("textparse_cases.json")["error_cases"] as? [[String: Any]])
        var passed = 0
        for entry in cases {
            let name = entry["name"] as? String ?? "?"
            let bytes = Self.input(entry)
            var failure: ExpositionError?
            do {
                _ = try Self.entries(bytes, format: Self.format(entry["format"] as? String), options: .init())
            } catch let error as ExpositionError {
                failure = error
            }
            let mustFail = entry["expect"] as? String == "error"
            let ok = mustFail == (failure != nil)
            #expect(ok, "\(name) \(goQuoted(bytes)): \(failure.map { "failed: \($0)" } ?? "parsed")")
            if ok { passed += 1 }
        }
        SharedConformance.report("textparse error_cases", passed: passed, total: cases.count)
    }

    @Test("start-timestamp limitation cases match on the compared fields", SharedConformance.required)
    func startTimestampLimitations() throws {
        let cases = try #require(SharedConformance.json("textparse_cases.json")["st_limitation_cases"] as? [[String: Any]])
        var passed = 0
        for entry in cases {
            let got = try Self.entries(Self.input(entry), format: Self.format(entry["format"] as? String), options: .init())
            let expected = (entry["expected_entries"] as? [[String: Any]] ?? []).map(Self.expected)
            let compared = got.map { $0.filter { ["kind", "series_text", "metric", "help", "type", "unit", "start_timestamp_ms", "timestamp_ms", "exemplars"].contains($0.key) } }
            let want = expected.map { $0.filter { $0.key != "labels" && $0.key != "value" } }
            #expect(compared == want, "\(entry["name"] as? String ?? "?")")
            if compared == want { passed += 1 }
        }
        SharedConformance.report("textparse st_limitation_cases", passed: passed, total: cases.count)
    }

    @Test("no_panic inputs never crash", SharedConformance.required)
    func noPanic() throws {
        let cases = try #require(SharedConformance.json("textparse_cases.json")["no_panic_cases"] as? [[String: Any]])
        for entry in cases {
            _ = try? Self.entries(Self.input(entry), format: Self.format(entry["format"] as? String), options: .init())
        }
        SharedConformance.report("textparse no_panic_cases", passed: cases.count, total: cases.count)
    }
}
