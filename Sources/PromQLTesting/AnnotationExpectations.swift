import Foundation
import PromQL

/// What an eval's `expect warn|info|no_warn|no_info` lines (and the older `eval_warn`/`eval_info`
/// headers) ask of the warnings and infos a query returns (DSL §4.5).
struct AnnotationExpectations {
    /// One `expect warn` or `expect info` line: any annotation of its kind, one text exactly, or a
    /// regular expression found anywhere in the text.
    enum Pattern {
        case any
        case message(String)
        case regex(String)

        func matches(_ text: String) -> Bool {
            switch self {
            case .any: return true
            case .message(let message): return text == message
            case .regex(let pattern): return (try? Regex(pattern)).map { text.contains($0) } ?? false
            }
        }
    }

    var warnings: [Pattern] = []
    var infos: [Pattern] = []
    var noWarnings = false
    var noInfos = false
    /// `eval_warn` / `eval_info`: at least one of the kind.
    var someWarning = false
    var someInfo = false

    /// Reads an `expect` line's words after `expect`; false when they are not about annotations.
    mutating func read(_ rest: String) -> Bool {
        let words = rest.split(separator: " ", maxSplits: 1).map(String.init)
        guard let kind = words.first else { return false }
        switch kind {
        case "no_warn": noWarnings = true
        case "no_info": noInfos = true
        case "warn", "info":
            let pattern = words.count > 1 ? Self.pattern(words[1]) : .any
            if kind == "warn" { warnings.append(pattern) } else { infos.append(pattern) }
        default: return false
        }
        return true
    }

    private static func pattern(_ text: String) -> Pattern {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if trimmed.hasPrefix("msg:") { return .message(trimmed.dropFirst(4).trimmingCharacters(in: .whitespaces)) }
        if trimmed.hasPrefix("regex:") { return .regex(trimmed.dropFirst(6).trimmingCharacters(in: .whitespaces)) }
        return .any
    }

    /// Why the returned annotations do not meet the expectations; nil when they do.
    func mismatch(warnings got: [String], infos gotInfos: [String]) -> String? {
        if let problem = Self.mismatch("warning", lines: warnings, none: noWarnings, some: someWarning, got: got) { return problem }
        return Self.mismatch("info", lines: infos, none: noInfos, some: someInfo, got: gotInfos)
    }

    private static func mismatch(_ kind: String, lines: [Pattern], none: Bool, some: Bool, got: [String]) -> String? {
        if none && !got.isEmpty { return "expected no \(kind) annotations, got \(got)" }
        if some && got.isEmpty { return "expected at least one \(kind) annotation, got none" }
        for line in lines where !got.contains(where: line.matches) {
            return "expected a \(kind) annotation matching \(line), got \(got.isEmpty ? "none" : "\(got)")"
        }
        if !lines.isEmpty, let stray = got.first(where: { text in !lines.contains { $0.matches(text) } }) {
            return "unexpected \(kind) annotation: \(stray)"
        }
        return nil
    }
}
