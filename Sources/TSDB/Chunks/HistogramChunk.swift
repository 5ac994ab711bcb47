import MetricsModel

/// A run of one series' native histogram samples, encoded (layout in docs/format/chunks.md,
/// "Histogram chunks"). The head keeps closed chunks in this form; blocks store it under zstd.
///
/// The chunk is columnar: timestamps, per-sample flags, layouts, integer counts, float counts and
/// sums each form a section of their own, so zstd sees like bytes next to like. Counts are
/// predicted from the two samples before (same layout only) and only the error is written: a
/// counter histogram's buckets grow at a steady rate, and the error is then mostly zero.
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
    /// Count, zero count, positive then negative buckets of the last two samples sharing `layout`,
    /// newest last; empty after a layout change.
    var counts: [[Double]] = []
    var sumBits: UInt64 = 0

    /// The counts `current` is predicted to have, as integers: the previous sample's plus its
    /// increase over the one before, when both share the layout and hold integers; else zero.
    func predictedIntegers(_ width: Int) -> [Int64] {
        guard let last = counts.last, last.count == width, let lastInts = Self.integers(last) else {
            return [Int64](repeating: 0, count: width)
        }
        guard counts.count == 2, let earlier = Self.integers(counts[0]), earlier.count == width else { return lastInts }
        return (0..<width).map { lastInts[$0] &+ (lastInts[$0] &- earlier[$0]) }
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
        guard let last = counts.last, last.count == width else { return [UInt64](repeating: 0, count: width) }
        return last.map(\.bitPattern)
    }

    mutating func note(_ histogram: FloatHistogram, counts values: [Double], newLayout: Bool) {
        if newLayout {
            layout = histogram
            counts = []
        }
        counts.append(values)
        if counts.count > 2 { counts.removeFirst() }
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
