import MetricsModel

/// A run of one series' native histogram samples, encoded (layout in docs/format/chunks.md,
/// "Histogram chunks"). The head keeps closed chunks in this form; blocks store it under zstd.
///
/// The chunk is columnar: timestamps, per-sample flags, layouts, integer counts, float counts and
/// sums each form a section of their own, so zstd sees like bytes next to like. Buckets are
/// written as their growth since the sample before (same layout only), the count as what the
/// buckets do not account for: a counter histogram's buckets grow by little, and the count is
/// almost always their total (measured choices in docs/format/chunks.md).
struct HistogramChunk: Sendable, Equatable {
    let bytes: [UInt8]

    /// Samples a head chunk holds before a new one is cut.
    static let targetSamples = 120
    /// Most buckets one histogram of a chunk may have, and most samples a chunk may hold: a decoder
    /// allocates no more than these allow, whatever a corrupt chunk claims.
    static let maxBuckets = 1 << 16
    static let maxSamples = 1 << 16

    init(bytes: [UInt8]) { self.bytes = bytes }

    /// Encodes `samples`, time-sorted. Every bit of every value round-trips, stale markers included.
    init<C: Collection>(_ samples: C) where C.Element == HistogramSample {
        precondition(samples.count <= Self.maxSamples, "a histogram chunk holds at most \(Self.maxSamples) samples")
        var encoder = HistogramChunkEncoder()
        for sample in samples { encoder.append(sample) }
        bytes = encoder.finish()
    }

    /// The decoded samples; with `span`, only those inside it.
    func samples(in span: ClosedRange<Int64>? = nil) throws(ChunkError) -> [HistogramSample] {
        do {
            return try bytes.withUnsafeBytes { raw in try HistogramChunkDecoder.decode(raw, in: span) }
        } catch let error as ChunkError {
            throw error
        } catch {
            throw ChunkError.corrupt("histogram chunk: \(error)")
        }
    }
}

/// What the encoder and the decoder both know about the samples before the current one: enough to
/// tell whether its layout is new and to predict its counts.
struct HistogramChunkHistory {
    /// The previous sample's layout (its histogram with counts ignored).
    var layout: FloatHistogram?
    /// Count, zero count, positive then negative buckets of the previous sample; empty after a
    /// layout change is noted for the sample that makes it.
    var previous: [Double] = []
    /// `previous` as exact integers, when every one is.
    var previousIntegers: [Int64]?
    var sumBits: UInt64 = 0

    /// The counts the current sample is predicted to have, as integers: the previous sample's, when
    /// it shares the layout and holds integers; else zero.
    func predictedIntegers(_ width: Int) -> [Int64] {
        guard let previousIntegers, previousIntegers.count == width else { return [Int64](repeating: 0, count: width) }
        return previousIntegers
    }

    /// The counts as exact integers, or nil when one is not (or is beyond 2^53, where doubles skip integers).
    static func integers(_ values: [Double]) -> [Int64]? {
        var out: [Int64] = []
        out.reserveCapacity(values.count)
        for value in values {
            guard value == value.rounded(), abs(value) <= 9_007_199_254_740_992, value.bitPattern != (-0.0).bitPattern else { return nil }
            out.append(Int64(value))
        }
        return out
    }

    /// The previous sample's counts for XOR coding of float counts (zeros after a layout change).
    func previousBits(_ width: Int) -> [UInt64] {
        guard previous.count == width else { return [UInt64](repeating: 0, count: width) }
        return previous.map(\.bitPattern)
    }

    mutating func note(_ histogram: FloatHistogram, counts values: [Double], integers: [Int64]?, newLayout: Bool) {
        if newLayout { layout = histogram }
        previous = values
        previousIntegers = integers
        sumBits = histogram.sum.bitPattern
    }

    /// Whether `histogram` has the previous sample's layout: schema, zero threshold, custom bounds
    /// and spans all equal.
    func sameLayout(_ histogram: FloatHistogram) -> Bool {
        guard let layout else { return false }
        return layout.schema == histogram.schema && layout.zeroThreshold.bitPattern == histogram.zeroThreshold.bitPattern
            && layout.customValues.map(\.bitPattern) == histogram.customValues.map(\.bitPattern)
            && layout.positiveSpans == histogram.positiveSpans && layout.negativeSpans == histogram.negativeSpans
    }

    /// Count, zero count, positive buckets, negative buckets: the order counts are coded in.
    static func counts(of histogram: FloatHistogram) -> [Double] {
        [histogram.count, histogram.zeroCount] + histogram.positiveBuckets + histogram.negativeBuckets
    }
}

/// The per-sample flags byte.
enum HistogramChunkFlags {
    static let hintMask: UInt8 = 0b11
    static let newLayout: UInt8 = 1 << 2
    static let integerCounts: UInt8 = 1 << 3
}
