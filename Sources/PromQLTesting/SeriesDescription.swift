import MetricsModel
import PromQL

/// The test DSL's series descriptions: `metric{labels} 1+2x3 _ stale …` (promqltest-dsl.md §3).
package enum SeriesDescription {
    package enum Item: Equatable {
        case value(Double)
        case omitted
        /// A native histogram literal.
        case histogram(HistogramLiteral)
    }

    /// Splits a line into its label set and its values.
    package static func parse(_ line: String) throws -> (Labels, [Item]) {
        let (metric, rest) = try splitMetric(line)
        if metric.filter({ !$0.isWhitespace }) == "{}" { return (.empty, try parseValues(rest)) }
        let expr: Expr
        do { expr = try Parser.parse(metric) } catch { throw EvaluationError("bad series description \"\(metric)\": \(error)") }
        guard case .vector(let selector) = expr else { throw EvaluationError("bad series description \"\(metric)\"") }
        var pairs: [Label] = []
        for matcher in selector.allMatchers {
            guard matcher.type == .equal else { throw EvaluationError("only = is allowed in series descriptions") }
            pairs.append(Label(matcher.name, matcher.value))
        }
        return (Labels(pairs), try parseValues(rest))
    }

    static func splitMetric(_ line: String) throws -> (String, Substring) {
        let chars = Array(line)
        var index = 0
        while index < chars.count && chars[index] != "{" && !chars[index].isWhitespace { index += 1 }
        if index < chars.count && chars[index] == "{" {
            var quote: Character?
            while index < chars.count {
                let c = chars[index]
                if let q = quote {
                    if c == "\\" { index += 1 } else if c == q { quote = nil }
                } else if c == "\"" || c == "'" || c == "`" {
                    quote = c
                } else if c == "}" {
                    index += 1
                    break
                }
                index += 1
            }
        }
        let metric = String(chars[0..<index])
        return (metric, Substring(String(chars[index...])))
    }

    static func parseValues(_ text: Substring) throws -> [Item] {
        var items: [Item] = []
        for token in try tokens(text) {
            if token.hasPrefix("{{") {
                items += try histogramItems(token)
                continue
            }
            let word = String(token)
            if word == "_" { items.append(.omitted); continue }
            if word.hasPrefix("_x"), let n = Int(word.dropFirst(2)) {
                items.append(contentsOf: repeatElement(.omitted, count: n))
                continue
            }
            if word == "stale" { items.append(.value(StaleMarker.value)); continue }
            // value, valueXn, value(+|-)deltaXn
            if let xIndex = word.lastIndex(of: "x"), let count = Int(word[word.index(after: xIndex)...]) {
                let body = String(word[..<xIndex])
                var split: String.Index?
                var i = body.index(after: body.startIndex)
                while i < body.endIndex {
                    if (body[i] == "+" || body[i] == "-") && body[body.index(before: i)].lowercased() != "e" { split = i }
                    i = body.index(after: i)
                }
                let start = try number(split.map { String(body[..<$0]) } ?? body)
                let delta = try split.map { try number(String(body[$0...])) } ?? 0
                for k in 0...count { items.append(.value(start + Double(k) * delta)) }
                continue
            }
            items.append(.value(try number(word)))
        }
        return items
    }

    /// The items of a line, split at spaces and tabs except inside a `{{…}}` literal (which keeps its
    /// `+{{…}}xN` or `xN` suffix).
    static func tokens(_ text: Substring) throws -> [Substring] {
        var out: [Substring] = []
        var index = text.startIndex
        var start: Substring.Index?
        var depth = 0
        while index < text.endIndex {
            let rest = text[index...]
            if rest.hasPrefix("{{") {
                if start == nil { start = index }
                depth += 1
                index = text.index(index, offsetBy: 2)
                continue
            }
            if rest.hasPrefix("}}") && depth > 0 {
                depth -= 1
                index = text.index(index, offsetBy: 2)
                continue
            }
            let c = text[index]
            if (c == " " || c == "\t") && depth == 0 {
                if let begun = start { out.append(text[begun..<index]) }
                start = nil
            } else if start == nil {
                start = index
            }
            index = text.index(after: index)
        }
        guard depth == 0 else { throw EvaluationError("unclosed {{ in series description") }
        if let begun = start { out.append(text[begun...]) }
        return out
    }

    /// `{{h}}`, `{{h}}xN`, `{{h}}+{{i}}xN` or `{{h}}-{{i}}xN`.
    static func histogramItems(_ token: Substring) throws -> [Item] {
        guard let close = token.range(of: "}}") else { throw EvaluationError("bad histogram \"\(token)\"") }
        let base = try HistogramLiteral.parse(token[token.index(token.startIndex, offsetBy: 2)..<close.lowerBound])
        var rest = token[close.upperBound...]
        if rest.isEmpty { return [.histogram(base)] }
        if rest.first == "x" {
            guard let count = Int(rest.dropFirst()) else { throw EvaluationError("bad histogram repetition \"\(token)\"") }
            return Array(repeating: .histogram(base), count: count + 1)
        }
        guard let sign = rest.first, sign == "+" || sign == "-" else { throw EvaluationError("bad histogram item \"\(token)\"") }
        rest = rest.dropFirst()
        guard rest.hasPrefix("{{"), let end = rest.range(of: "}}"), rest[end.upperBound...].first == "x",
            let count = Int(rest[end.upperBound...].dropFirst())
        else { throw EvaluationError("bad histogram series \"\(token)\"") }
        let increment = try HistogramLiteral.parse(rest[rest.index(rest.startIndex, offsetBy: 2)..<end.lowerBound])
        return try base.series(increment, subtracting: sign == "-", count: count).map { .histogram($0) }
    }

    static func number(_ text: String) throws -> Double {
        let cleaned = text.replacingUnderscores()
        if case .success(let value) = GoFloat.parse(cleaned) { return value }
        throw EvaluationError("bad number \"\(text)\" in series description")
    }
}


extension SeriesDescription {
    /// An `@st` line's items (DSL §2.2): per sample, its start time as an offset (ms) from the sample's
    /// timestamp, or nil for none. `_`, `_xN` (N × none), `<d>`, `<d>xN` (N+1 × d), `<d>+<e>xN` and
    /// `<d>-<e>xN` (N+1 offsets from d, rising or falling by e); durations may carry a sign.
    static func startOffsets(_ text: Substring) throws -> [Int64?] {
        var offsets: [Int64?] = []
        for token in text.split(whereSeparator: { $0 == " " || $0 == "\t" }) {
            let word = String(token)
            if word == "_" { offsets.append(nil); continue }
            if word.hasPrefix("_x"), let n = Int(word.dropFirst(2)) {
                offsets.append(contentsOf: repeatElement(nil, count: n))
                continue
            }
            offsets.append(contentsOf: try expandOffset(word))
        }
        return offsets
    }

    private static func expandOffset(_ word: String) throws -> [Int64?] {
        let units = Set("0123456789smhdwy")
        var rest = Substring(word)
        func signedDuration() throws -> Int64 {
            var sign: Int64 = 1
            if let first = rest.first, first == "+" || first == "-" {
                sign = first == "-" ? -1 : 1
                rest = rest.dropFirst()
            }
            let digits = rest.prefix { units.contains($0) }
            rest = rest.dropFirst(digits.count)
            guard let duration = PromDuration(parsing: String(digits)) else { throw EvaluationError("bad start timestamp item \"\(word)\"") }
            return sign * duration.milliseconds
        }
        let base = try signedDuration()
        var increment: Int64 = 0
        if let first = rest.first, first == "+" || first == "-" { increment = try signedDuration() }
        var repeats = 0
        if rest.first == "x" {
            guard let n = Int(rest.dropFirst()) else { throw EvaluationError("bad start timestamp item \"\(word)\"") }
            repeats = n
            rest = ""
        }
        guard rest.isEmpty else { throw EvaluationError("bad start timestamp item \"\(word)\"") }
        return (0...repeats).map { base + Int64($0) * increment }
    }
}
