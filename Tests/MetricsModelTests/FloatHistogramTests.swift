import Testing

@testable import MetricsModel

/// The native histogram model: bucket bounds, arithmetic across schemas and zero buckets, custom
/// bucket reconciliation, compaction and counter reset detection, as Prometheus's `FloatHistogram`.
@Suite("FloatHistogram")
struct FloatHistogramTests {
    static func histogram(
        schema: Int32 = 0, count: Double = 0, sum: Double = 0, zeroThreshold: Double = 0, zeroCount: Double = 0,
        offset: Int32 = 0, buckets: [Double] = [], negativeOffset: Int32 = 0, negative: [Double] = [], custom: [Double] = []
    ) -> FloatHistogram {
        var h = FloatHistogram()
        h.schema = schema
        h.count = count
        h.sum = sum
        h.zeroThreshold = zeroThreshold
        h.zeroCount = zeroCount
        if !buckets.isEmpty { (h.positiveSpans, h.positiveBuckets) = ([HistogramSpan(offset: offset, length: UInt32(buckets.count))], buckets) }
        if !negative.isEmpty { (h.negativeSpans, h.negativeBuckets) = ([HistogramSpan(offset: negativeOffset, length: UInt32(negative.count))], negative) }
        h.customValues = custom
        return h
    }

    static func pairs(_ h: FloatHistogram, positive: Bool = true) -> [String] {
        h.indexedBuckets(positive: positive).map { "\($0.index):\($0.count)" }
    }

    @Test("bucket bounds: powers of 2^(2^-schema), the last finite bucket ending at the largest float, custom bounds with ±Inf outside")
    func bounds() {
        #expect(FloatHistogram.bound(1, schema: 0) == 2 && FloatHistogram.bound(0, schema: 0) == 1 && FloatHistogram.bound(-1, schema: 0) == 0.5)
        #expect(abs(FloatHistogram.bound(1, schema: 1) - 2.0.squareRoot()) < 1e-15)
        #expect(FloatHistogram.bound(1, schema: -1) == 4 && FloatHistogram.bound(-2, schema: -2) == 1.0 / 256)
        #expect(FloatHistogram.bound(1024, schema: 0) == .greatestFiniteMagnitude && FloatHistogram.bound(1025, schema: 0) == .infinity)
        #expect(FloatHistogram.bound(256, schema: -2) == .greatestFiniteMagnitude)
        #expect(FloatHistogram.bound(1, schema: -53, customValues: [1, 5]) == 5 && FloatHistogram.bound(2, schema: -53, customValues: [1, 5]) == .infinity)
        #expect(FloatHistogram.bound(-1, schema: -53, customValues: [1, 5]) == -.infinity)
        let all = Self.histogram(zeroThreshold: 0.25, zeroCount: 1, buckets: [1, 2], negative: [3]).allBuckets
        #expect(all.map { "\($0.lower)..\($0.upper):\($0.count)" } == ["-1.0..-0.5:3.0", "-0.25..0.25:1.0", "0.5..1.0:1.0", "1.0..2.0:2.0"])
        #expect(all.map(\.lowerInclusive) == [true, true, false, false] && all.map(\.upperInclusive) == [false, true, true, true])
    }

    @Test("the text Prometheus writes: count, sum, the populated buckets ascending with their bounds, the zero bucket between the sides")
    func prometheusText() {
        let h = Self.histogram(count: 20, sum: 10, zeroThreshold: 0.001, zeroCount: 2, buckets: [1, 0, 2], negative: [1, 2])
        #expect(h.prometheusText == "{count:20, sum:10, [-2,-1):2, [-1,-0.5):1, [-0.001,0.001]:2, (0.5,1]:1, (2,4]:2}")
        let custom = Self.histogram(schema: FloatHistogram.customBucketsSchema, count: 3, sum: 1e-7, buckets: [1, 2], custom: [0.5])
        #expect(custom.prometheusText == "{count:3, sum:1e-07, [-Inf,0.5]:1, (0.5,+Inf]:2}")
    }

    @Test("adding: buckets summed index by index, the finer histogram merged into the coarser schema, count and sum added")
    func addsAcrossSchemas() throws {
        var a = Self.histogram(count: 4, sum: 5, buckets: [1, 2, 1])
        try a.add(a)
        #expect(Self.pairs(a) == ["0:2.0", "1:4.0", "2:2.0"] && a.count == 8 && a.sum == 10)
        var coarse = Self.histogram(count: 2, buckets: [1, 1])
        try coarse.add(Self.histogram(schema: 1, count: 4, buckets: [1, 1, 1, 1]))
        #expect(coarse.schema == 0 && Self.pairs(coarse) == ["0:2.0", "1:3.0", "2:1.0"] && coarse.count == 6)
        // The receiver is the finer one: it is merged down first.
        var fine = Self.histogram(schema: 1, count: 4, buckets: [1, 1, 1, 1])
        try fine.subtract(Self.histogram(count: 2, buckets: [1, 1]))
        #expect(fine.schema == 0 && Self.pairs(fine) == ["0:0.0", "1:1.0", "2:1.0"] && fine.count == 2)
    }

    @Test("adding widens the zero bucket to the larger threshold, moving the buckets inside it into the zero count")
    func reconcilesZeroBuckets() throws {
        var narrow = Self.histogram(count: 4, zeroThreshold: 0.5, zeroCount: 1, buckets: [3])
        try narrow.add(Self.histogram(count: 2, zeroThreshold: 1, zeroCount: 2))
        #expect(narrow.zeroThreshold == 1 && narrow.zeroCount == 6 && narrow.positiveBuckets.isEmpty && narrow.count == 6)
        // A threshold cutting through a populated bucket moves to that bucket's end.
        let cut = Self.histogram(count: 5, zeroThreshold: 0.5, zeroCount: 1, offset: 1, buckets: [4])
        #expect(cut.zeroCount(forLargerThreshold: 1.5) == (5, 2))
    }

    @Test("custom buckets with other bounds are combined on the bounds both share; mixing with exponential fails")
    func customBounds() throws {
        var a = Self.histogram(schema: -53, count: 4, buckets: [1, 1, 1, 1], custom: [1, 2, 4])
        let notes = try a.add(Self.histogram(schema: -53, count: 4, buckets: [1, 1, 1, 1], custom: [2, 4, 8]))
        #expect(notes.customBoundsReconciled && a.customValues == [2, 4] && a.positiveBuckets == [3, 2, 3] && a.count == 8)
        var same = Self.histogram(schema: -53, count: 2, buckets: [1, 1], custom: [1])
        #expect(try same.add(same) == HistogramCombination())
        #expect(same.positiveBuckets == [2, 2])
        #expect(throws: HistogramError.mixedSchemas) { try same.add(Self.histogram(count: 1, buckets: [1])) }
    }

    @Test("counter reset hints combine as Prometheus combines them, a reset meeting a not-reset collides")
    func counterResetHints() throws {
        var reset = Self.histogram()
        reset.counterResetHint = .reset
        var notReset = Self.histogram()
        notReset.counterResetHint = .notReset
        var sum = reset
        #expect(try sum.add(notReset).counterResetCollision && sum.counterResetHint == .unknown)
        var gauge = Self.histogram()
        gauge.counterResetHint = .gauge
        var mixed = reset
        try mixed.add(gauge)
        #expect(mixed.counterResetHint == .gauge)
        var scaled = notReset
        scaled.multiply(by: -2)
        #expect(scaled.counterResetHint == .gauge)
        var divided = Self.histogram(count: 2, buckets: [1, 1])
        divided.divide(by: 0)
        #expect(divided.count == .infinity && divided.positiveSpans.isEmpty && divided.positiveBuckets.isEmpty)
    }

    @Test("compaction drops empty buckets and joins runs at most maxEmptyBuckets apart; NaN counts stay")
    func compaction() {
        let h = Self.histogram(offset: -1, buckets: [0, 1, 0, 0, 2, 0, .nan])
        #expect(h.compacted().positiveSpans == [HistogramSpan(offset: 0, length: 1), HistogramSpan(offset: 2, length: 1), HistogramSpan(offset: 1, length: 1)])
        #expect(h.compacted(maxEmptyBuckets: 2).positiveSpans == [HistogramSpan(offset: 0, length: 6)])
        #expect(h.compacted(maxEmptyBuckets: 2).positiveBuckets.map { $0.isNaN ? -1 : $0 } == [1, 0, 0, 2, 0, -1])
        #expect(h.compacted() == Self.histogram(buckets: [1, 0, 0, 2, 0, .nan]).compacted(), "equal layouts compare equal however spanned")
        let reduced = Self.histogram(schema: 2, buckets: [1, 1, 1, 1, 1]).reduced(to: 0)
        #expect(reduced.schema == 0 && Self.pairs(reduced) == ["0:1.0", "1:4.0"])
    }

    @Test("a counter reset: smaller count, a shrunk or vanished bucket, a finer schema, a narrower zero bucket; hints decide first")
    func resets() {
        let before = Self.histogram(count: 4, sum: 5, buckets: [1, 2, 1])
        #expect(!Self.histogram(count: 5, sum: 1, buckets: [1, 2, 2]).isCounterReset(after: before), "the sum may fall")
        #expect(Self.histogram(count: 3, buckets: [1, 2, 0]).isCounterReset(after: before))
        #expect(Self.histogram(count: 5, buckets: [1, 1, 3]).isCounterReset(after: before))
        #expect(Self.histogram(count: 5, offset: 1, buckets: [3, 2]).isCounterReset(after: before), "bucket 0 went away")
        #expect(Self.histogram(schema: 1, count: 9, buckets: [9]).isCounterReset(after: before))
        #expect(!Self.histogram(schema: -1, count: 5, buckets: [1, 4]).isCounterReset(after: before), "a coarser schema is compared merged")
        #expect(Self.histogram(schema: -1, count: 5, buckets: [3, 2]).isCounterReset(after: before), "merged, bucket 1 held 3")
        #expect(Self.histogram(count: 4, zeroThreshold: 0.1).isCounterReset(after: Self.histogram(count: 4, zeroThreshold: 0.2)))
        var hinted = Self.histogram(count: 9, buckets: [1, 2, 6])
        hinted.counterResetHint = .reset
        #expect(hinted.isCounterReset(after: before))
        var notReset = Self.histogram(count: 0)
        notReset.counterResetHint = .notReset
        #expect(!notReset.isCounterReset(after: before))
    }

    @Test("validity: spans must match the buckets, counts must not be negative, custom bounds must increase")
    func validity() {
        #expect(Self.histogram(count: 4, buckets: [1, 2, 1]).invalidity == nil)
        var broken = Self.histogram(count: 1, buckets: [1])
        broken.positiveSpans = [HistogramSpan(offset: 0, length: 2)]
        #expect(broken.invalidity == "positive side: spans need 2 buckets, have 1 buckets")
        #expect(Self.histogram(count: 1, buckets: [-1]).invalidity?.contains("negative observation count") == true)
        #expect(Self.histogram(schema: -53, custom: [2, 1]).invalidity?.contains("strictly increasing") == true)
        #expect(Self.histogram(schema: 9).invalidity?.contains("invalid schema") == true)
    }
}
