import MetricsModel

/// The store's decoders of bytes read from disk, behind one seam for the fuzz targets (`Fuzz/`):
/// whatever the bytes, each returns what it read or fails; none may crash or allocate without bound.
package enum UntrustedDecoders {
    /// A block chunk of any encoding: 1 (XOR), 2 (compact floats), 3 (zstd-compressed histograms).
    /// Returns the number of samples read.
    package static func blockChunk(encoding: UInt8, _ data: [UInt8]) throws -> Int {
        if encoding == 3 { return try BlockEncoding.decodeHistograms(data, in: Int64.min...Int64.max).count }
        return try BlockEncoding.decode(encoding: encoding, data: data).count
    }

    /// A head or WAL histogram chunk (uncompressed). Returns the number of samples read.
    package static func histogramChunk(_ data: [UInt8]) throws -> Int {
        try HistogramChunk(bytes: data).samples().count
    }

    /// A WAL record's payload of `kind`. Returns whether it decoded.
    package static func walRecord(kind: UInt8, _ payload: [UInt8]) -> Bool {
        payload.withUnsafeBytes { WALRecord.decode(kind: kind, payload: $0) } != nil
    }
}

extension UntrustedDecoders {
    /// Well-formed inputs for the decoders above, as the fuzz targets take them (a leading byte
    /// naming the encoding or record kind, then the data): the fuzzers' first seeds.
    package static func examples() -> (blockChunks: [[UInt8]], histogramChunks: [[UInt8]], walRecords: [[UInt8]]) {
        let (samples, histograms) = exampleSeries()
        var blockChunks: [[UInt8]] = []
        var xor = XORAppender()
        for sample in samples { try? xor.append(sample.timestamp, sample.value) }
        blockChunks.append([1] + xor.chunk().bytes)
        if let compact = try? CompactChunk.encode(samples[...]) { blockChunks.append([2] + compact) }
        if let chunk = try? BlockEncoding.encodeHistograms(histograms).first { blockChunks.append([3] + chunk.data) }

        let histogramChunk = HistogramChunk(histograms).bytes
        let walRecords = exampleRecords().map { record in
            var writer = ByteWriter()
            record.encodePayload(into: &writer)
            return [record.kind.rawValue] + writer.bytes
        }
        return (blockChunks, [histogramChunk], walRecords)
    }

    /// The floats and native histograms the examples are made of.
    static func exampleSeries() -> (samples: [Sample], histograms: [HistogramSample]) {
        let samples = (0..<30).map { Sample(timestamp: 1_700_000_000_000 + Int64($0) * 15_000, value: Double($0 % 7) * 1.5) }
        let histograms = (0..<20).map { index in
            var h = FloatHistogram()
            h.schema = Int32(index % 3)
            h.count = Double(index * 3)
            h.sum = Double(index) * 0.7
            h.zeroThreshold = 0.001
            h.zeroCount = Double(index)
            h.positiveSpans = [HistogramSpan(offset: -1, length: 2)]
            h.positiveBuckets = [Double(index), Double(index)]
            return HistogramSample(timestamp: 1_700_000_000_000 + Int64(index) * 15_000, histogram: h)
        }
        return (samples, histograms)
    }

    /// One WAL record of each kind, over two series.
    static func exampleRecords() -> [WALRecord] {
        let (samples, histograms) = exampleSeries()
        var xor = XORAppender()
        for sample in samples { try? xor.append(sample.timestamp, sample.value) }
        let (up, latency): (SeriesRef, SeriesRef) = (1, 2)
        return [
            .series([(up, Labels(["__name__": "up", "job": "api"])), (latency, Labels(["__name__": "latency", "le": "0.5"]))]),
            .samples(samples.prefix(5).map { (up, $0) }),
            .tombstones([(up, 0, 1_700_000_000_000)]),
            .chunks([(up, xor.chunk())]),
            .histograms(histograms.prefix(3).map { (latency, $0) }),
            .histogramChunks([(latency, HistogramChunk(histograms))]),
        ]
    }
}
