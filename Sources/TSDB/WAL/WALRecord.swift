import MetricsModel

/// One logical WAL record. Layout in docs/format/wal.md.
enum WALRecord {
    /// New series and their references.
    case series([(ref: SeriesRef, labels: Labels)])
    /// Samples of series logged earlier.
    case samples([(ref: SeriesRef, sample: Sample)])
    /// Deleted ranges of series.
    case tombstones([(ref: SeriesRef, mint: Int64, maxt: Int64)])
    /// Whole encoded chunks of a series (written by checkpoints only).
    case chunks([(ref: SeriesRef, chunk: XORChunk)])
    /// Native histogram samples of series logged earlier.
    case histograms([(ref: SeriesRef, sample: HistogramSample)])
    /// Whole histogram chunks of a series (written by checkpoints only).
    case histogramChunks([(ref: SeriesRef, chunk: HistogramChunk)])

    enum Kind: UInt8 {
        case series = 1, samples = 2, tombstones = 3, chunks = 4, histograms = 5, histogramChunks = 6
    }

    var kind: Kind {
        switch self {
        case .series: return .series
        case .samples: return .samples
        case .tombstones: return .tombstones
        case .chunks: return .chunks
        case .histograms: return .histograms
        case .histogramChunks: return .histogramChunks
        }
    }

    /// The payload, without the frame.
    func encodePayload(into writer: inout ByteWriter) {
        switch self {
        case .series(let entries):
            writer.uvarint(UInt64(entries.count))
            for (ref, labels) in entries {
                writer.uvarint(ref)
                writer.uvarint(UInt64(labels.count))
                for label in labels {
                    writer.string(label.name)
                    writer.string(label.value)
                }
            }
        case .samples(let entries):
            writer.uvarint(UInt64(entries.count))
            let base = entries.first?.sample.timestamp ?? 0
            writer.varint(base)
            for (ref, sample) in entries {
                writer.uvarint(ref)
                writer.varint(sample.timestamp &- base)
                writer.uint64LE(sample.value.bitPattern)
            }
        case .tombstones(let entries):
            writer.uvarint(UInt64(entries.count))
            for (ref, mint, maxt) in entries {
                writer.uvarint(ref)
                writer.varint(mint)
                writer.varint(maxt)
            }
        case .chunks(let entries):
            writer.uvarint(UInt64(entries.count))
            for (ref, chunk) in entries {
                writer.uvarint(ref)
                writer.bytes(chunk.bytes)
            }
        case .histograms(let entries):
            // Each sample as a chunk of one: the chunk coding is the one histogram coding there is.
            writer.uvarint(UInt64(entries.count))
            for (ref, sample) in entries {
                writer.uvarint(ref)
                writer.bytes(HistogramChunk(CollectionOfOne(sample)).bytes)
            }
        case .histogramChunks(let entries):
            writer.uvarint(UInt64(entries.count))
            for (ref, chunk) in entries {
                writer.uvarint(ref)
                writer.bytes(chunk.bytes)
            }
        }
    }

    /// Decodes a payload of `kind`; nil when it is malformed.
    static func decode(kind: UInt8, payload: UnsafeRawBufferPointer) -> WALRecord? {
        var reader = ByteReader(payload)
        guard let kind = Kind(rawValue: kind), let count = reader.uvarint(), count <= UInt64(payload.count) else { return nil }
        switch kind {
        case .series:
            var entries: [(ref: SeriesRef, labels: Labels)] = []
            entries.reserveCapacity(Int(count))
            for _ in 0..<count {
                guard let ref = reader.uvarint(), let pairs = reader.uvarint(), pairs <= UInt64(payload.count) else { return nil }
                var labels: [Label] = []
                labels.reserveCapacity(Int(pairs))
                for _ in 0..<pairs {
                    guard let name = reader.string(), let value = reader.string() else { return nil }
                    labels.append(Label(name, value))
                }
                entries.append((ref, Labels(labels)))
            }
            return .series(entries)
        case .samples:
            guard let base = reader.varint() else { return nil }
            var entries: [(ref: SeriesRef, sample: Sample)] = []
            entries.reserveCapacity(Int(count))
            for _ in 0..<count {
                guard let ref = reader.uvarint(), let delta = reader.varint(), let bits = reader.uint64LE() else { return nil }
                entries.append((ref, Sample(timestamp: base &+ delta, value: Double(bitPattern: bits))))
            }
            return .samples(entries)
        case .tombstones:
            var entries: [(ref: SeriesRef, mint: Int64, maxt: Int64)] = []
            for _ in 0..<count {
                guard let ref = reader.uvarint(), let mint = reader.varint(), let maxt = reader.varint() else { return nil }
                entries.append((ref, mint, maxt))
            }
            return .tombstones(entries)
        case .chunks:
            var entries: [(ref: SeriesRef, chunk: XORChunk)] = []
            for _ in 0..<count {
                guard let ref = reader.uvarint(), let bytes = reader.byteSlice() else { return nil }
                entries.append((ref, XORChunk(bytes: Array(bytes))))
            }
            return .chunks(entries)
        case .histograms:
            var entries: [(ref: SeriesRef, sample: HistogramSample)] = []
            for _ in 0..<count {
                guard let ref = reader.uvarint(), let bytes = reader.byteSlice(),
                      let samples = try? HistogramChunkDecoder.decode(bytes, in: nil), samples.count == 1
                else { return nil }
                entries.append((ref, samples[0]))
            }
            return .histograms(entries)
        case .histogramChunks:
            var entries: [(ref: SeriesRef, chunk: HistogramChunk)] = []
            for _ in 0..<count {
                guard let ref = reader.uvarint(), let bytes = reader.byteSlice() else { return nil }
                entries.append((ref, HistogramChunk(bytes: Array(bytes))))
            }
            return .histogramChunks(entries)
        }
    }
}
