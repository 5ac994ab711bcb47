#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import MetricsModel

/// Writes one persisted block: chunk segment files plus the SQLite index and `meta.json`.
/// The block is assembled in `<ulid>.tmp` and renamed into place when complete, so a crash
/// leaves either no block or a whole one.
package struct BlockWriter {
    struct ChunkRef {
        var minTime: Int64
        var maxTime: Int64
        var file: Int
        var offset: Int64
        var length: Int
        var encoding: UInt8
    }

    let parent: String
    let ulid: String
    let temporary: String
    var meta: BlockMeta
    private var series: [(Labels, [ChunkRef])] = []
    private var fileIndex = 0
    private var fd: Int32 = -1
    private var fileOffset: Int64 = 0
    private var buffer: [UInt8] = []
    let encoding: BlockEncoding

    package init(parent: String, minTime: Int64, maxTime: Int64, level: Int = 1, sources: [String] = [], encoding: BlockEncoding = .default) throws {
        self.parent = parent
        ulid = ULID.make()
        temporary = parent + "/" + ulid + ".tmp"
        self.encoding = encoding
        meta = BlockMeta(
            ulid: ulid, minTime: minTime, maxTime: maxTime, stats: .init(),
            compaction: .init(level: level, sources: sources.isEmpty ? [ulid] : sources))
        try FileIO.removeTree(temporary)
        try FileIO.makeDirectory(temporary + "/chunks")
        try openChunkFile()
    }

    private mutating func openChunkFile() throws {
        if fd >= 0 { try closeChunkFile() }
        fileIndex += 1
        let path = temporary + "/chunks/" + ChunkFile.name(fileIndex)
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw StorageError.io("open \(path)", errno) }
        buffer = ChunkFile.magic
        fileOffset = Int64(ChunkFile.magic.count)
    }

    private mutating func flush() throws {
        guard !buffer.isEmpty else { return }
        try FileIO.writeAll(fd, buffer)
        buffer.removeAll(keepingCapacity: true)
    }

    private mutating func closeChunkFile() throws {
        try flush()
        guard fsync(fd) == 0 else { throw StorageError.io("fsync chunk file", errno) }
        Glibc.close(fd)
        fd = -1
    }

    /// Adds a series with its float and histogram samples (each time-sorted, all within the block's
    /// range). Series may come in any order; empty ones are skipped.
    package mutating func add(_ labels: Labels, _ samples: [Sample], histograms: [HistogramSample] = []) throws {
        guard !samples.isEmpty || !histograms.isEmpty else { return }
        var refs: [ChunkRef] = []
        var chunks = try encoding.encode(samples)
        if !histograms.isEmpty { chunks += try BlockEncoding.encodeHistograms(histograms) }
        for chunk in chunks {
            let record = ChunkFile.record(encoding: chunk.encoding, data: chunk.data)
            if fileOffset + Int64(record.count) > Int64(ChunkFile.segmentSize) && fileOffset > Int64(ChunkFile.magic.count) {
                try openChunkFile()
            }
            refs.append(ChunkRef(minTime: chunk.minTime, maxTime: chunk.maxTime, file: fileIndex, offset: fileOffset, length: record.count, encoding: chunk.encoding))
            buffer.append(contentsOf: record)
            fileOffset += Int64(record.count)
            if buffer.count >= 1 << 20 { try flush() }
            meta.stats.numChunks += 1
        }
        meta.stats.numSamples += Int64(samples.count + histograms.count)
        series.append((labels, refs))
    }

    /// Writes the index and metadata and moves the block into place. Returns its directory.
    package mutating func finish() throws -> (path: String, meta: BlockMeta) {
        try closeChunkFile()
        series.sort { $0.0 < $1.0 }
        meta.stats.numSeries = Int64(series.count)
        try BlockIndexWriter.write(path: temporary + "/index.sqlite", series: series, meta: meta)
        try FileIO.syncFile(temporary + "/index.sqlite")
        try meta.write(temporary)
        try FileIO.syncDirectory(temporary + "/chunks")
        try FileIO.syncDirectory(temporary)
        let final = parent + "/" + ulid
        try FileIO.rename(temporary, final)
        try FileIO.syncDirectory(parent)
        return (final, meta)
    }

    /// Removes a half-written block.
    func abandon() {
        if fd >= 0 { Glibc.close(fd) }
        try? FileIO.removeTree(temporary)
    }
}
