import Foundation

/// A Kubernetes label selector (`app=web,tier!=db,env in (a,b),!canary`), parsed to validate a
/// configuration at load time and to filter objects where the API server is not the filter.
package struct LabelSelector: Sendable, Equatable {
    enum Requirement: Sendable, Equatable {
        case equals(String, String)
        case notEquals(String, String)
        case `in`(String, Set<String>)
        case notIn(String, Set<String>)
        case exists(String)
        case doesNotExist(String)
    }

    var requirements: [Requirement]

    package struct ParseError: Error, CustomStringConvertible {
        package let description: String
    }

    package init(parsing text: String) throws(ParseError) {
        requirements = []
        for part in Self.splitTopLevel(text) {
            let item = part.trimmingCharacters(in: .whitespaces)
            if item.isEmpty { continue }
            requirements.append(try Self.requirement(item, selector: text))
        }
    }

    package func matches(_ labels: [String: String]) -> Bool {
        requirements.allSatisfy { requirement in
            switch requirement {
            case .equals(let key, let value): return labels[key] == value
            case .notEquals(let key, let value): return labels[key] != value
            case .in(let key, let values): return labels[key].map(values.contains) ?? false
            case .notIn(let key, let values): return !(labels[key].map(values.contains) ?? false)
            case .exists(let key): return labels[key] != nil
            case .doesNotExist(let key): return labels[key] == nil
            }
        }
    }

    private static func requirement(_ item: String, selector: String) throws(ParseError) -> Requirement {
        if item.hasPrefix("!") {
            let key = String(item.dropFirst()).trimmingCharacters(in: .whitespaces)
            try checkKey(key, selector: selector)
            return .doesNotExist(key)
        }
        for (op, make) in [("!=", Requirement.notEquals), ("==", Requirement.equals), ("=", Requirement.equals)] {
            if let range = item.range(of: op) {
                let key = item[..<range.lowerBound].trimmingCharacters(in: .whitespaces)
                let value = item[range.upperBound...].trimmingCharacters(in: .whitespaces)
                try checkKey(key, selector: selector)
                try checkValue(value, selector: selector)
                return make(key, value)
            }
        }
        let words = item.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        if words.count == 2 {
            let key = String(words[0])
            let rest = words[1].trimmingCharacters(in: .whitespaces)
            for (op, isIn) in [("notin", false), ("in", true)] where rest.hasPrefix(op) {
                let list = rest.dropFirst(op.count).trimmingCharacters(in: .whitespaces)
                guard list.hasPrefix("("), list.hasSuffix(")") else { break }
                let values = Set(list.dropFirst().dropLast().split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
                try checkKey(key, selector: selector)
                for value in values { try checkValue(value, selector: selector) }
                return isIn ? .in(key, values) : .notIn(key, values)
            }
            throw ParseError(description: "unable to parse requirement \"\(item)\" in label selector \"\(selector)\"")
        }
        try checkKey(item, selector: selector)
        return .exists(item)
    }

    /// Qualified names: an optional DNS prefix and `/`, then `[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?`.
    private static func checkKey(_ key: String, selector: String) throws(ParseError) {
        let name = key.split(separator: "/", maxSplits: 1).last.map(String.init) ?? ""
        guard !key.isEmpty, !name.isEmpty, name.count <= 63, isQualifiedPart(name) else {
            throw ParseError(description: "invalid label key \"\(key)\" in label selector \"\(selector)\"")
        }
    }

    private static func checkValue(_ value: String, selector: String) throws(ParseError) {
        guard value.isEmpty || (value.count <= 63 && isQualifiedPart(value)) else {
            throw ParseError(description: "invalid label value \"\(value)\" in label selector \"\(selector)\"")
        }
    }

    private static func isQualifiedPart(_ text: String) -> Bool {
        let scalars = Array(text.unicodeScalars)
        func alnum(_ s: Unicode.Scalar) -> Bool { s.isASCII && (s.properties.isAlphabetic || ("0"..."9").contains(s)) }
        guard let first = scalars.first, let last = scalars.last, alnum(first), alnum(last) else { return false }
        return scalars.allSatisfy { alnum($0) || $0 == "-" || $0 == "_" || $0 == "." }
    }

    /// Splits on commas outside parentheses.
    static func splitTopLevel(_ text: String) -> [String] {
        var parts: [String] = []
        var current = ""
        var depth = 0
        for character in text {
            switch character {
            case "(": depth += 1; current.append(character)
            case ")": depth -= 1; current.append(character)
            case "," where depth == 0: parts.append(current); current = ""
            default: current.append(character)
            }
        }
        parts.append(current)
        return parts
    }
}

/// A Kubernetes field selector (`spec.nodeName=worker-2,status.phase!=Succeeded`).
package struct FieldSelector: Sendable, Equatable {
    struct Requirement: Sendable, Equatable {
        package var field: String
        package var value: String
        package var equals: Bool
    }

    var requirements: [Requirement]

    package init(parsing text: String) throws(LabelSelector.ParseError) {
        requirements = []
        for part in text.split(separator: ",") {
            let item = part.trimmingCharacters(in: .whitespaces)
            if item.isEmpty { continue }
            var matched = false
            for (op, equals) in [("!=", false), ("==", true), ("=", true)] {
                if let range = item.range(of: op) {
                    let field = item[..<range.lowerBound].trimmingCharacters(in: .whitespaces)
                    guard !field.isEmpty else { break }
                    requirements.append(Requirement(field: field, value: String(item[range.upperBound...]), equals: equals))
                    matched = true
                    break
                }
            }
            if !matched {
                throw LabelSelector.ParseError(description: "invalid field selector \"\(text)\": \"\(item)\" is not field=value or field!=value")
            }
        }
    }

    /// Whether `fields` (an object's selectable fields) satisfy every requirement; unknown fields never match.
    package func matches(_ fields: [String: String]) -> Bool {
        requirements.allSatisfy { requirement in
            guard let value = fields[requirement.field] else { return false }
            return (value == requirement.value) == requirement.equals
        }
    }
}
