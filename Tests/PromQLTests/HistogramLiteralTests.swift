import MetricsModel
import PromQL
import PromQLTesting
import Testing

/// The test DSL's `{{…}}` literals and their `+`/`-` series.
@Suite("Histogram literals")
struct HistogramLiteralTests {
    @Test("every item is read; the defaults are those of an empty histogram; hints are remembered as given")
    func parses() throws {
        let literal = try HistogramLiteral.parse("schema:1 sum:-5.5 count:4 z_bucket:1 z_bucket_w:0.001 buckets:[1 2 Inf] offset:-2 n_buckets:[3] n_offset:1 counter_reset_hint:gauge")
        let h = literal.histogram
        #expect(h.schema == 1 && h.sum == -5.5 && h.count == 4 && h.zeroCount == 1 && h.zeroThreshold == 0.001)
        #expect(h.positiveSpans == [HistogramSpan(offset: -2, length: 3)] && h.positiveBuckets == [1, 2, .infinity])
        #expect(h.negativeSpans == [HistogramSpan(offset: 1, length: 1)] && h.negativeBuckets == [3])
        #expect(h.counterResetHint == .gauge && literal.hintGiven)
        let empty = try HistogramLiteral.parse("")
        #expect(empty.histogram == FloatHistogram() && !empty.hintGiven)
        let custom = try HistogramLiteral.parse("schema:-53 custom_values:[-2 3]")
        #expect(custom.histogram.usesCustomBuckets && custom.histogram.customValues == [-2, 3])
        #expect(throws: EvaluationError.self) { try HistogramLiteral.parse("sum:1 sum:2") }
        #expect(throws: EvaluationError.self) { try HistogramLiteral.parse("schema:1.5") }
        #expect(throws: EvaluationError.self) { try HistogramLiteral.parse("bucket:[1]") }
    }

    @Test("h+i xN is N+1 histograms, each the last plus the increment; a coarser increment is refused")
    func series() throws {
        let base = try HistogramLiteral.parse("sum:5 count:4 buckets:[1 2 1]")
        let step = try HistogramLiteral.parse("sum:1 count:1 buckets:[1]")
        let values = try base.series(step, subtracting: false, count: 2)
        #expect(values.map(\.histogram.count) == [4, 5, 6] && values[2].histogram.positiveBuckets == [3, 2, 1])
        #expect(try base.series(step, subtracting: true, count: 1)[1].histogram.positiveBuckets == [0, 2, 1])
        let coarse = try HistogramLiteral.parse("schema:-1 count:1 buckets:[1]")
        #expect(throws: EvaluationError.self) { try base.series(coarse, subtracting: false, count: 1) }
    }

    @Test("the literal printed back, compacted to one span a side")
    func printsBack() throws {
        let text = "schema:1 count:4 sum:5 z_bucket:1 z_bucket_w:0.5 counter_reset_hint:reset offset:-1 buckets:[1 0 2] n_buckets:[3]"
        #expect(try HistogramLiteral.parse(Substring(text)).histogram.testExpression == "{{" + text + "}}")
        #expect(FloatHistogram().testExpression == "{{}}")
    }
}
