import MetricsModel
import PromQL

/// The test DSL's native histogram literal, `{{schema:0 sum:5 count:4 buckets:[1 2 1]}}`
/// (promqltest-dsl.md §3): space-separated `key:value` items, each key at most once.
package struct HistogramLiteral: Equatable {
    package var histogram: FloatHistogram
    /// Whether the literal named `counter_reset_hint` (only then do comparisons check it).
    package var hintGiven = false

    /// Parses the text between `{{` and `}}`.
    package static func parse(_ body: Substring) throws -> HistogramLiteral {
        var literal = HistogramLiteral(histogram: FloatHistogram())
        var seen = Set<String>()
        var rest = body.drop { $0.isWhitespace }
        var positive: [Double]?
        var negative: [Double]?
        var offset: Int32 = 0
        var negativeOffset: Int32 = 0
        while !rest.isEmpty {
            guard let colon = rest.firstIndex(of: ":") else { throw EvaluationError("bad histogram item \"\(rest)\"") }
            let key = String(rest[..<colon].filter { !$0.isWhitespace })
            guard seen.insert(key).inserted else { throw EvaluationError("duplicate key \"\(key)\" in histogram") }
            rest = rest[rest.index(after: colon)...].drop { $0.isWhitespace }
            let value: Substring
            if rest.first == "[" {
                guard let close = rest.firstIndex(of: "]") else { throw EvaluationError("unclosed [ in histogram item \(key)") }
                value = rest[rest.index(after: rest.startIndex)..<close]
                rest = rest[rest.index(after: close)...]
            } else {
                let end = rest.firstIndex { $0.isWhitespace } ?? rest.endIndex
                value = rest[..<end]
                rest = rest[end...]
            }
            rest = rest.drop { $0.isWhitespace }
            switch key {
            case "schema": literal.histogram.schema = try integer(value, key)
            case "sum": literal.histogram.sum = try number(value, key)
            case "count": literal.histogram.count = try number(value, key)
            case "z_bucket": literal.histogram.zeroCount = try number(value, key)
            case "z_bucket_w": literal.histogram.zeroThreshold = try number(value, key)
            case "buckets": positive = try numbers(value, key)
            case "offset": offset = try integer(value, key)
            case "n_buckets": negative = try numbers(value, key)
            case "n_offset": negativeOffset = try integer(value, key)
            case "custom_values": literal.histogram.customValues = try numbers(value, key)
            case "counter_reset_hint":
                let hints: [String: FloatHistogram.CounterResetHint] = ["unknown": .unknown, "reset": .reset, "not_reset": .notReset, "gauge": .gauge]
                guard let hint = hints[String(value)] else { throw EvaluationError("bad counter_reset_hint \"\(value)\"") }
                literal.histogram.counterResetHint = hint
                literal.hintGiven = true
            default:
                throw EvaluationError("unknown histogram item \"\(key)\"")
            }
        }
        if let positive, !positive.isEmpty {
            literal.histogram.positiveBuckets = positive
            literal.histogram.positiveSpans = [HistogramSpan(offset: offset, length: UInt32(positive.count))]
        }
        if let negative, !negative.isEmpty {
            literal.histogram.negativeBuckets = negative
            literal.histogram.negativeSpans = [HistogramSpan(offset: negativeOffset, length: UInt32(negative.count))]
        }
        return literal
    }

    /// `count` + 1 histograms: `self`, then each one `increment` more (or less) than the one before
    /// (the DSL's `h+i xN` / `h-i xN`). The increment may not be coarser than the running value.
    package func series(_ increment: HistogramLiteral, subtracting: Bool, count: Int) throws -> [HistogramLiteral] {
        var out = [self]
        var current = histogram
        for _ in 0..<count {
            if current.schema > increment.histogram.schema {
                throw EvaluationError("error combining histograms: cannot merge from schema \(increment.histogram.schema) to \(current.schema)")
            }
            do {
                if subtracting { try current.subtract(increment.histogram) } else { try current.add(increment.histogram) }
            } catch {
                throw EvaluationError("error combining histograms: \(error)")
            }
            out.append(HistogramLiteral(histogram: current, hintGiven: increment.hintGiven))
        }
        return out
    }

    static func number(_ text: Substring, _ key: String) throws -> Double {
        if let whole = Int64(text) { return Double(whole) }
        if case .success(let value) = GoFloat.parse(String(text).replacingUnderscores()) { return value }
        throw EvaluationError("error parsing \(key) number: \(text)")
    }

    static func integer(_ text: Substring, _ key: String) throws -> Int32 {
        guard let value = Int32(text) else { throw EvaluationError("error parsing \(key) number: \(text)") }
        return value
    }

    static func numbers(_ text: Substring, _ key: String) throws -> [Double] {
        try text.split(whereSeparator: { $0 == " " || $0 == "\t" }).map { try number($0, key) }
    }
}

extension FloatHistogram {
    /// The test DSL literal of the histogram (Prometheus's `TestExpression`): compacted to one span
    /// a side, items at their defaults left out.
    package var testExpression: String {
        let compact = compacted(maxEmptyBuckets: Int.max)
        var items: [String] = []
        if compact.schema != 0 { items.append("schema:\(compact.schema)") }
        if compact.count != 0 { items.append("count:\(GoFloat.formatG(compact.count))") }
        if compact.sum != 0 { items.append("sum:\(GoFloat.formatG(compact.sum))") }
        if compact.zeroCount != 0 { items.append("z_bucket:\(GoFloat.formatG(compact.zeroCount))") }
        if compact.zeroThreshold != 0 { items.append("z_bucket_w:\(GoFloat.formatG(compact.zeroThreshold))") }
        if compact.usesCustomBuckets { items.append("custom_values:[\(compact.customValues.map(GoFloat.formatG).joined(separator: " "))]") }
        switch compact.counterResetHint {
        case .unknown: break
        case .reset: items.append("counter_reset_hint:reset")
        case .notReset: items.append("counter_reset_hint:not_reset")
        case .gauge: items.append("counter_reset_hint:gauge")
        }
        for (spans, counts, bucketsKey, offsetKey) in [
            (compact.positiveSpans, compact.positiveBuckets, "buckets", "offset"), (compact.negativeSpans, compact.negativeBuckets, "n_buckets", "n_offset"),
        ] {
            if let span = spans.first, span.offset != 0 { items.append("\(offsetKey):\(span.offset)") }
            if !counts.isEmpty { items.append("\(bucketsKey):[\(counts.map(GoFloat.formatG).joined(separator: " "))]") }
        }
        return "{{" + items.joined(separator: " ") + "}}"
    }
}
