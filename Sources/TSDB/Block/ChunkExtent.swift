#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What a block's index says of its chunks, read once at open: the time they span and whether each
/// lies inside its chunk file. A block cut short (a truncated chunk file, a missing one) is refused
/// here rather than failing queries later; a `meta.json` that contradicts the index is found here.
struct ChunkExtent {
    /// The earliest chunk's first and the latest chunk's last timestamp; nil without chunks.
    var minTime: Int64?
    var maxTime: Int64?

    /// Reads every series' chunk references; throws `StorageError.corrupt` for a reference to a chunk
    /// file that does not exist or past its end, and for an index SQLite finds damaged.
    static func scan(_ db: SQLiteDatabase, files: [Int: Int32], directory: String) throws -> ChunkExtent {
        let check = try db.prepare("PRAGMA quick_check")
        while try check.step() {
            let verdict = check.string(0)
            guard verdict == "ok" else { throw StorageError.corrupt("index.sqlite of \(directory): \(verdict)") }
        }
        var sizes: [Int: Int64] = [:]
        for (index, fd) in files {
            var status = stat()
            guard fstat(fd, &status) == 0 else { throw StorageError.io("stat chunk file \(index) of \(directory)", errno) }
            sizes[index] = Int64(status.st_size)
        }
        var extent = ChunkExtent()
        let rows = try db.prepare("SELECT id, chunks FROM series")
        while try rows.step() {
            for chunk in try ChunkRefs.decode(rows.blob(1)) {
                guard let size = sizes[chunk.file] else {
                    throw StorageError.corrupt("series \(rows.int64(0)) refers to chunk file \(ChunkFile.name(chunk.file)), missing in \(directory)")
                }
                guard chunk.offset + Int64(chunk.length) <= size else {
                    throw StorageError.corrupt("chunk file \(ChunkFile.name(chunk.file)) of \(directory) ends at byte \(size), "
                                               + "before a chunk at \(chunk.offset)+\(chunk.length) (truncated)")
                }
                extent.minTime = min(extent.minTime ?? chunk.minTime, chunk.minTime)
                extent.maxTime = max(extent.maxTime ?? chunk.maxTime, chunk.maxTime)
            }
        }
        return extent
    }

    /// `meta` as the block is served, and what contradicts the index if anything: a range that is
    /// empty or reversed, chunks outside it, or a series count that differs. The range is widened
    /// to the chunks' (maxTime exclusive), so no sample is hidden by a bad `meta.json`.
    func reconcile(_ meta: BlockMeta, numSeries: Int64) -> (BlockMeta, String?) {
        var problems: [String] = []
        var served = meta
        if meta.minTime >= meta.maxTime { problems.append("minTime \(meta.minTime) is not before maxTime \(meta.maxTime)") }
        if let minTime, let maxTime {
            if minTime < meta.minTime || maxTime >= meta.maxTime {
                problems.append("chunks span \(minTime)…\(maxTime), outside [\(meta.minTime), \(meta.maxTime))")
            }
            if !problems.isEmpty {
                served.minTime = meta.minTime < meta.maxTime ? min(meta.minTime, minTime) : minTime
                served.maxTime = meta.minTime < meta.maxTime ? max(meta.maxTime, maxTime &+ 1) : maxTime &+ 1
            }
        }
        if meta.stats.numSeries != numSeries { problems.append("stats.numSeries \(meta.stats.numSeries) but the index holds \(numSeries)") }
        return (served, problems.isEmpty ? nil : problems.joined(separator: "; "))
    }
}
