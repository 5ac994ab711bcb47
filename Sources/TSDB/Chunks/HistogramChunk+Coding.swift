import MetricsModel

/// Builds a histogram chunk's sections sample by sample.
struct HistogramChunkEncoder {
    private var count = 0
    private var times = ByteWriter()
    private var flags: [UInt8] = []
    private var layouts = ByteWriter()
    private var integerSection = ByteWriter()
    private var floats = ByteWriter()
    /// Each sum's bits XOR the previous sum's, written as byte planes at the end.
    private var sums: [UInt64] = []
    private var history = HistogramChunkHistory()
    private var previousTime: Int64 = 0
    private var previousDelta: Int64 = 0

    /// Adds a sample later than the previous one. Its spans must hold its buckets (the head refuses
    /// histograms that are not valid before they get here).
    mutating func append(_ sample: HistogramSample) {
        let histogram = sample.histogram
        precondition(HistogramSpan.mismatch(histogram.positiveSpans, histogram.positiveBuckets.count) == nil
            && HistogramSpan.mismatch(histogram.negativeSpans, histogram.negativeBuckets.count) == nil, "spans do not hold the buckets")
        switch count {
        case 0: times.varint(sample.timestamp)
        case 1:
            previousDelta = sample.timestamp &- previousTime
            times.varint(previousDelta)
        default:
            let delta = sample.timestamp &- previousTime
            times.varint(delta &- previousDelta)
            previousDelta = delta
        }
        previousTime = sample.timestamp
        count += 1

        let newLayout = !history.sameLayout(histogram)
        if newLayout { Self.writeLayout(histogram, into: &layouts) }
        let values = HistogramChunkHistory.counts(of: histogram)
        var flag = histogram.counterResetHint.rawValue & HistogramChunkFlags.hintMask
        if newLayout { flag |= HistogramChunkFlags.newLayout }
        let reference = newLayout ? HistogramChunkHistory() : history
        let integers = HistogramChunkHistory.integers(values)
        if let actual = integers {
            flag |= HistogramChunkFlags.integerCounts
            let predicted = reference.predictedIntegers(values.count)
            // Buckets first, each against its prediction; then the count against the buckets' total,
            // which it equals unless observations were NaN.
            for index in values.indices.dropFirst() { integerSection.varint(actual[index] &- predicted[index]) }
            integerSection.varint(actual[0] &- actual.dropFirst().reduce(0, &+))
        } else {
            let previous = reference.previousBits(values.count)
            for index in values.indices { floats.uint64LE(values[index].bitPattern ^ previous[index]) }
        }
        sums.append(histogram.sum.bitPattern ^ history.sumBits)
        flags.append(flag)
        history.note(histogram, counts: values, integers: integers, newLayout: newLayout)
    }

    /// The chunk's bytes: the sample count, then each section with its length.
    func finish() -> [UInt8] {
        var out = ByteWriter(capacity: 16 + times.bytes.count + flags.count + layouts.bytes.count
                             + integerSection.bytes.count + floats.bytes.count + 8 * sums.count)
        out.uvarint(UInt64(count))
        out.bytes(times.bytes)
        out.bytes(flags)
        out.bytes(layouts.bytes)
        out.bytes(integerSection.bytes)
        out.bytes(floats.bytes)
        // Byte planes, most significant first: a sum's sign, exponent and top mantissa bits change
        // little from sample to sample, and zstd finds them together.
        out.uvarint(UInt64(8 * sums.count))
        for shift in stride(from: 56, through: 0, by: -8) {
            for value in sums { out.bytes.append(UInt8(truncatingIfNeeded: value >> UInt64(shift))) }
        }
        return out.bytes
    }

    private static func writeLayout(_ histogram: FloatHistogram, into writer: inout ByteWriter) {
        writer.varint(Int64(histogram.schema))
        writer.uint64LE(histogram.zeroThreshold.bitPattern)
        writer.uvarint(UInt64(histogram.customValues.count))
        for bound in histogram.customValues { writer.uint64LE(bound.bitPattern) }
        for spans in [histogram.positiveSpans, histogram.negativeSpans] {
            writer.uvarint(UInt64(spans.count))
            for span in spans {
                writer.varint(Int64(span.offset))
                writer.uvarint(UInt64(span.length))
            }
        }
    }
}

/// Reads a histogram chunk. Every read is bounds-checked: a corrupt chunk is an error, never a crash
/// or an allocation larger than the chunk's limits.
enum HistogramChunkDecoder {
    static func decode(_ raw: UnsafeRawBufferPointer, in span: ClosedRange<Int64>?) throws(ChunkError) -> [HistogramSample] {
        var reader = ByteReader(raw)
        guard let count = reader.uvarint(), count <= UInt64(HistogramChunk.maxSamples), count <= UInt64(raw.count),
              let timesRaw = reader.byteSlice(), let flags = reader.byteSlice(), let layoutsRaw = reader.byteSlice(),
              let integersRaw = reader.byteSlice(), let floatsRaw = reader.byteSlice(), let sumsRaw = reader.byteSlice(),
              flags.count == Int(count)
        else { throw ChunkError.corrupt("histogram chunk") }
        var times = ByteReader(timesRaw)
        var layouts = ByteReader(layoutsRaw)
        var integers = ByteReader(integersRaw)
        var floats = ByteReader(floatsRaw)
        guard sumsRaw.count == 8 * Int(count) else { throw ChunkError.corrupt("histogram chunk") }
        var history = HistogramChunkHistory()
        var previousTime: Int64 = 0
        var previousDelta: Int64 = 0
        var out: [HistogramSample] = []
        out.reserveCapacity(Int(count))
        for index in 0..<Int(count) {
            guard let field = times.varint() else { throw ChunkError.corrupt("histogram chunk") }
            let timestamp: Int64
            switch index {
            case 0: timestamp = field
            case 1:
                previousDelta = field
                timestamp = previousTime &+ field
            default:
                previousDelta = previousDelta &+ field
                timestamp = previousTime &+ previousDelta
            }
            previousTime = timestamp

            let flag = flags[index]
            let newLayout = flag & HistogramChunkFlags.newLayout != 0
            var histogram: FloatHistogram
            if newLayout {
                histogram = try readLayout(&layouts)
            } else {
                guard let layout = history.layout else { throw ChunkError.corrupt("histogram chunk") }
                histogram = layout
            }
            guard let hint = FloatHistogram.CounterResetHint(rawValue: flag & HistogramChunkFlags.hintMask) else { throw ChunkError.corrupt("histogram chunk") }
            histogram.counterResetHint = hint
            let positive = histogram.positiveSpans.reduce(0) { $0 + Int($1.length) }
            let width = 2 + positive + histogram.negativeSpans.reduce(0) { $0 + Int($1.length) }
            let reference = newLayout ? HistogramChunkHistory() : history
            var values = [Double](repeating: 0, count: width)
            if flag & HistogramChunkFlags.integerCounts != 0 {
                let predicted = reference.predictedIntegers(width)
                var total: Int64 = 0
                for slot in 1..<width {
                    guard let error = integers.varint() else { throw ChunkError.corrupt("histogram chunk") }
                    let value = predicted[slot] &+ error
                    total = total &+ value
                    values[slot] = Double(value)
                }
                guard let residual = integers.varint() else { throw ChunkError.corrupt("histogram chunk") }
                values[0] = Double(total &+ residual)
            } else {
                let previous = reference.previousBits(width)
                for slot in 0..<width {
                    guard let bits = floats.uint64LE() else { throw ChunkError.corrupt("histogram chunk") }
                    values[slot] = Double(bitPattern: bits ^ previous[slot])
                }
            }
            var sumBits: UInt64 = 0
            for plane in 0..<8 { sumBits = sumBits << 8 | UInt64(sumsRaw[plane * Int(count) + index]) }
            histogram.sum = Double(bitPattern: sumBits ^ history.sumBits)
            histogram.count = values[0]
            histogram.zeroCount = values[1]
            histogram.positiveBuckets = Array(values[2..<(2 + positive)])
            histogram.negativeBuckets = Array(values[(2 + positive)...])
            history.note(histogram, counts: values, integers: flag & HistogramChunkFlags.integerCounts != 0 ? HistogramChunkHistory.integers(values) : nil,
                         newLayout: newLayout)
            if span?.contains(timestamp) ?? true { out.append(HistogramSample(timestamp: timestamp, histogram: histogram)) }
        }
        return out
    }

    private static func readLayout(_ reader: inout ByteReader) throws(ChunkError) -> FloatHistogram {
        var histogram = FloatHistogram()
        guard let schema = reader.varint(), let schema32 = Int32(exactly: schema), let threshold = reader.uint64LE(),
              let customCount = reader.uvarint(), customCount <= UInt64(HistogramChunk.maxBuckets)
        else { throw ChunkError.corrupt("histogram chunk") }
        histogram.schema = schema32
        histogram.zeroThreshold = Double(bitPattern: threshold)
        histogram.customValues.reserveCapacity(Int(customCount))
        for _ in 0..<customCount {
            guard let bits = reader.uint64LE() else { throw ChunkError.corrupt("histogram chunk") }
            histogram.customValues.append(Double(bitPattern: bits))
        }
        var buckets = 0
        for positive in [true, false] {
            guard let spanCount = reader.uvarint(), spanCount <= UInt64(HistogramChunk.maxBuckets) else { throw ChunkError.corrupt("histogram chunk") }
            var spans: [HistogramSpan] = []
            for _ in 0..<spanCount {
                guard let offset = reader.varint(), let offset32 = Int32(exactly: offset), let length = reader.uvarint(),
                      length <= UInt64(HistogramChunk.maxBuckets - buckets)
                else { throw ChunkError.corrupt("histogram chunk") }
                buckets += Int(length)
                spans.append(HistogramSpan(offset: offset32, length: UInt32(length)))
            }
            if positive { histogram.positiveSpans = spans } else { histogram.negativeSpans = spans }
        }
        return histogram
    }
}
