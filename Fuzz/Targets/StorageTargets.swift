import TSDB

/// What the store reads back from disk: block chunks of every encoding, histogram chunks and WAL
/// records. The first byte picks the encoding or record kind, the rest is the data.
enum StorageTargets {
    static let blockChunk = FuzzTarget(name: "block-chunk", summary: "block chunk decoders: XOR, compact floats, zstd histograms",
                                       seeds: { UntrustedDecoders.examples().blockChunks }) { bytes in
        guard let first = bytes.first else { return }
        _ = try? UntrustedDecoders.blockChunk(encoding: first % 4, Array(bytes.dropFirst()))
    }

    static let histogramChunk = FuzzTarget(name: "histogram-chunk", summary: "the histogram chunk decoder",
                                           seeds: { UntrustedDecoders.examples().histogramChunks }) { bytes in
        _ = try? UntrustedDecoders.histogramChunk(bytes)
    }

    static let walRecord = FuzzTarget(name: "wal-record", summary: "WAL record decoders (series, samples, tombstones, chunks, histograms)",
                                      seeds: { UntrustedDecoders.examples().walRecords }) { bytes in
        guard let first = bytes.first else { return }
        _ = UntrustedDecoders.walRecord(kind: first % 8, Array(bytes.dropFirst()))
    }
}
