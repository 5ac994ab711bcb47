import MetricsModel

/// How a block stores its samples. Each chunk record carries its encoding byte, so blocks of
/// different encodings (and a block mixing them) read the same way.
package enum BlockEncoding: Sendable, Equatable {
    /// Prometheus-compatible XOR chunks of 120 samples (encoding byte 1).
    case xor
    /// Scaled-integer/XOR values and delta-of-delta timestamps under zstd, up to `samplesPerChunk`
    /// samples a chunk (encoding byte 2).
    case compact(samplesPerChunk: Int)

    package static let `default` = BlockEncoding.compact(samplesPerChunk: 1440)

    /// The encoding byte of compact chunks.
    static let compactByte: UInt8 = 2
    /// The encoding byte of histogram chunks (docs/format/chunks.md): a `HistogramChunk` under zstd,
    /// whatever the block's float encoding.
    static let histogramByte: UInt8 = 3
    /// Samples per histogram chunk in a block: a chunk is read whole, and a histogram sample decodes
    /// to many numbers, so fewer than the float chunks' 1,440.
    static let histogramSamplesPerChunk = 240

    /// `histograms` (time-sorted) as block chunks.
    static func encodeHistograms(_ histograms: [HistogramSample]) throws -> [Chunk] {
        var chunks: [Chunk] = []
        var index = 0
        while index < histograms.count {
            let end = min(index + histogramSamplesPerChunk, histograms.count)
            let data = try CompactChunk.compress(HistogramChunk(histograms[index..<end]).bytes)
            chunks.append(Chunk(minTime: histograms[index].timestamp, maxTime: histograms[end - 1].timestamp, encoding: histogramByte, data: data))
            index = end
        }
        return chunks
    }

    /// Bytes `histograms` take as block chunks of `samplesPerChunk` (for `tsq bench histograms`).
    package static func histogramChunkBytes(_ histograms: [HistogramSample], samplesPerChunk: Int) throws -> Int {
        var bytes = 0
        for start in stride(from: 0, to: histograms.count, by: max(1, samplesPerChunk)) {
            bytes += try CompactChunk.compress(HistogramChunk(histograms[start..<min(start + samplesPerChunk, histograms.count)]).bytes).count
        }
        return bytes
    }

    /// A histogram chunk's samples in `span`.
    static func decodeHistograms(_ data: [UInt8], in span: ClosedRange<Int64>) throws -> [HistogramSample] {
        try HistogramChunk(bytes: CompactChunk.decompress(data)).samples(in: span)
    }

    /// An encoded chunk with its time range.
    struct Chunk {
        var minTime: Int64
        var maxTime: Int64
        var encoding: UInt8
        var data: [UInt8]
    }

    func encode(_ samples: [Sample]) throws -> [Chunk] {
        if case .compact(let size) = self {
            var chunks: [Chunk] = []
            var index = 0
            while index < samples.count {
                let end = min(index + max(size, 1), samples.count)
                let data = try CompactChunk.encode(samples[index..<end])
                chunks.append(Chunk(minTime: samples[index].timestamp, maxTime: samples[end - 1].timestamp, encoding: 2, data: data))
                index = end
            }
            return chunks
        }
        var chunks: [Chunk] = []
        var index = 0
        while index < samples.count {
            let end = min(index + XORAppender.targetSamples, samples.count)
            var appender = XORAppender()
            for sample in samples[index..<end] { try appender.append(sample.timestamp, sample.value) }
            chunks.append(Chunk(minTime: samples[index].timestamp, maxTime: samples[end - 1].timestamp, encoding: 1, data: appender.chunk().bytes))
            index = end
        }
        return chunks
    }

    /// Decodes a chunk of any known encoding.
    /// A chunk's samples; with `span`, only those inside it.
    static func decode(encoding: UInt8, data: [UInt8], in span: ClosedRange<Int64>? = nil) throws -> [Sample] {
        switch encoding {
        case 1:
            let samples = try XORChunk(bytes: data).samples()
            guard let span else { return samples }
            return samples.filter { span.contains($0.timestamp) }
        case 2: return try CompactChunk.decode(data, in: span)
        case histogramByte: return []
        default: throw StorageError.corrupt("unknown chunk encoding \(encoding)")
        }
    }
}
