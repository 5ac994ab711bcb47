#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import MetricsModel
import Synchronization

/// A persisted, immutable block opened for queries.
///
/// The label-pair dictionary is loaded at open (it decodes every series' labels); postings, series
/// rows and chunk references are read from SQLite per query with prepared statements, and chunks
/// with `pread` from the segment files, so a query decodes only the chunks it needs.
package final class Block: Sendable {
    package let directory: String
    /// The block's `meta.json`, its time range widened to the chunks' when the file contradicts
    /// them (see `inconsistency`).
    package let meta: BlockMeta
    /// How `meta.json` contradicts the index, if it does: the block is served with the index's range.
    package let inconsistency: String?
    /// Label pairs by id (index 0 unused).
    let pairs: [Label]
    /// Label names to their pairs' (value, id), values sorted.
    let byName: [String: [(value: String, id: Int64)]]
    let chunkFiles: [Int: Int32]
    let numSeries: UInt32

    final class Statements: @unchecked Sendable {
        let db: SQLiteDatabase
        let postings: SQLiteStatement
        let series: SQLiteStatement
        init(_ db: SQLiteDatabase) throws {
            self.db = db
            postings = try db.prepare("SELECT series FROM postings WHERE pair_id = ?")
            series = try db.prepare("SELECT pairs, chunks FROM series WHERE id = ?")
        }
    }

    /// SQLite connections are not shared between threads; queries take this lock.
    private let statements: Mutex<Statements>
    /// Deleted ranges not yet compacted away.
    let tombstones: Mutex<Tombstones>

    /// Opens a block, checking what can be checked without reading every chunk: `meta.json` parses,
    /// the index opens, and every chunk a series refers to lies inside a chunk file that exists.
    /// Throws `StorageError.corrupt` (or `.sqlite`) naming the first problem.
    package init(directory: String) throws {
        self.directory = directory
        let written: BlockMeta
        do {
            written = try BlockMeta.read(directory)
        } catch {
            throw StorageError.corrupt("meta.json of \(directory): \(error)")
        }
        guard FileIO.exists(directory + "/index.sqlite") else { throw StorageError.corrupt("index.sqlite missing in \(directory)") }
        let db = try SQLiteDatabase(path: directory + "/index.sqlite", readOnly: true)
        var pairs: [Label] = [Label("", "")]
        var byName: [String: [(value: String, id: Int64)]] = [:]
        // Ids were given in (name, value) order, the table's key order, so this scan is in id order.
        let all = try db.prepare("SELECT id, name, value FROM label_pairs")
        while try all.step() {
            let id = all.int64(0)
            let pair = Label(all.string(1), all.string(2))
            guard id == Int64(pairs.count) else { throw StorageError.corrupt("label pair ids not dense in \(directory)") }
            pairs.append(pair)
            byName[pair.name, default: []].append((pair.value, id))
        }
        self.pairs = pairs
        self.byName = byName
        let count = try db.prepare("SELECT count(*) FROM series")
        _ = try count.step()
        numSeries = UInt32(count.int64(0))
        var files: [Int: Int32] = [:]
        for name in try FileIO.list(directory + "/chunks") {
            guard let index = Int(name) else { continue }
            let fd = open(directory + "/chunks/" + name, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { throw StorageError.io("open chunk file \(name)", errno) }
            files[index] = fd
        }
        chunkFiles = files
        let extent = try ChunkExtent.scan(db, files: files, directory: directory)
        (meta, inconsistency) = extent.reconcile(written, numSeries: Int64(numSeries))
        statements = Mutex(try Statements(db))
        let tombstonePath = directory + "/tombstones"
        tombstones = Mutex(FileIO.exists(tombstonePath) ? try Tombstones.decode(try FileIO.readAll(tombstonePath)) : Tombstones())
        sizeOnDisk = FileIO.directorySize(directory)
    }

    deinit {
        for fd in chunkFiles.values { close(fd) }
        // Another block may reuse this one's identity once it is gone.
        ChunkCache.shared.remove(block: ObjectIdentifier(self))
    }

    package var minTime: Int64 { meta.minTime }
    package var maxTime: Int64 { meta.maxTime }

    /// Bytes on disk, measured at open (blocks never change).
    let sizeOnDisk: Int64

    // MARK: Postings

    private func postings(pairID: Int64, _ s: Statements) throws -> [UInt32] {
        s.postings.bind(1, pairID)
        defer { s.postings.reset() }
        guard try s.postings.step() else { return [] }
        var reader = ByteReader(s.postings.blob(0))
        var out: [UInt32] = []
        var id: UInt64 = 0
        while !reader.isAtEnd {
            guard let delta = reader.uvarint(), delta > 0 || out.isEmpty else { throw StorageError.corrupt("postings of pair \(pairID)") }
            id += delta
            guard id <= UInt64(numSeries) else { throw StorageError.corrupt("postings of pair \(pairID)") }
            out.append(UInt32(id))
        }
        return out
    }

    /// Series ids satisfying every matcher, following Prometheus's rules: a matcher that accepts ""
    /// also selects series without the label, so it is applied by subtracting what it rejects.
    func postings(for matchers: [Matcher], _ s: Statements) throws -> [UInt32] {
        var result: [UInt32]?
        var subtractions: [[UInt32]] = []
        for matcher in matchers {
            let values = byName[matcher.name] ?? []
            if matcher.matchesEmpty {
                // Subtract the series whose value for this label is rejected.
                let rejected = values.filter { !matcher.matches($0.value) }.map(\.id)
                if !rejected.isEmpty { subtractions.append(Postings.union(try rejected.map { try postings(pairID: $0, s) })) }
            } else {
                let accepted: [Int64]
                if let set = matcher.setMatches {
                    let wanted = Set(set)
                    accepted = values.filter { wanted.contains($0.value) }.map(\.id)
                } else {
                    accepted = values.filter { matcher.matches($0.value) }.map(\.id)
                }
                let list = Postings.union(try accepted.map { try postings(pairID: $0, s) })
                result = result.map { Postings.intersect($0, list) } ?? list
                if result?.isEmpty == true { return [] }
            }
        }
        var ids = result ?? Array(1...max(numSeries, 1)).filter { $0 <= numSeries }
        for list in subtractions { ids = Postings.subtract(ids, list) }
        return ids
    }

    // MARK: Reading

    /// Series matching `matchers` with their samples in `mint...maxt`, sorted by labels. With
    /// `damage`, a chunk that does not decode is left out and noted there; without, it fails the read.
    package func select(_ matchers: [Matcher], from mint: Int64, through maxt: Int64, damage: ReadDamage? = nil) throws -> [(Labels, [Sample])] {
        let refs = try seriesRefs(matchers, from: mint, through: maxt)
        // Chunk reads run outside the SQLite lock (pread is safe to call concurrently), spread over
        // the cores: reading and decompressing chunks is most of a long query's storage time.
        let deleted = tombstones.withLock { $0 }
        let decoded = try ParallelWork.map(refs, cost: Self.decodeCost(refs)) { ref -> (Labels, [Sample])? in
            let samples = try self.samples(of: ref, from: mint, through: maxt, deleted: deleted, damage: damage)
            return samples.isEmpty ? nil : (ref.labels, samples)
        }
        return decoded.compactMap { $0 }
    }

    /// A matching series and its chunks that reach into a query's span, read from the index
    /// before any chunk is (so a caller can decode and use one series at a time).
    struct SeriesRef {
        let id: UInt32
        let labels: Labels
        let chunks: [BlockWriter.ChunkRef]
    }

    /// The series matching `matchers` that have chunks in `mint...maxt`, in id order (sorted by labels).
    func seriesRefs(_ matchers: [Matcher], from mint: Int64, through maxt: Int64) throws -> [SeriesRef] {
        guard maxt >= meta.minTime && mint < meta.maxTime else { return [] }
        return try statements.withLock { s in
            var out: [SeriesRef] = []
            for id in try postings(for: matchers, s) {
                let (labels, all) = try seriesRow(Int64(id), s)
                let chunks = all.filter { $0.maxTime >= mint && $0.minTime <= maxt }
                if !chunks.isEmpty { out.append(SeriesRef(id: id, labels: labels, chunks: chunks)) }
            }
            return out
        }
    }

    /// The samples of one series in `mint...maxt` (its tombstones applied); see `select` for `damage`.
    func samples(of ref: SeriesRef, from mint: Int64, through maxt: Int64, damage: ReadDamage?) throws -> [Sample] {
        try samples(of: ref, from: mint, through: maxt, deleted: tombstones.withLock { $0 }, damage: damage)
    }

    /// A chunk's samples in `span`; with `cached`, a compact chunk's decompressed bytes come from, or
    /// go to, the shared cache.
    private func decode(_ chunk: BlockWriter.ChunkRef, fd: Int32, in span: ClosedRange<Int64>, cached: Bool) throws -> [Sample] {
        let key = ChunkCache.Key(block: ObjectIdentifier(self), file: chunk.file, offset: chunk.offset)
        if cached, let raw = ChunkCache.shared.get(key) { return try CompactChunk.decode(decompressed: raw, in: span) }
        let (encoding, data) = try ChunkFile.read(fd: fd, offset: chunk.offset, length: chunk.length)
        guard cached, encoding == BlockEncoding.compactByte else { return try BlockEncoding.decode(encoding: encoding, data: data, in: span) }
        let raw = try CompactChunk.decompress(data)
        ChunkCache.shared.put(key, raw)
        return try CompactChunk.decode(decompressed: raw, in: span)
    }

    /// What decoding `refs` weighs against `ParallelWork.minimumCost`.
    static func decodeCost(_ refs: [SeriesRef]) -> Int {
        refs.reduce(0) { $0 + $1.chunks.count } * chunkDecodeCost
    }

    /// What decoding one chunk weighs against `ParallelWork.minimumCost` (a few hundred samples).
    static let chunkDecodeCost = 200

    /// The samples of a series in `mint...maxt` from its chunks, without deleted ones.
    private func samples(of ref: SeriesRef, from mint: Int64, through maxt: Int64, deleted: Tombstones, cached: Bool = true,
                         damage: ReadDamage?) throws -> [Sample] {
        let id = ref.id, chunks = ref.chunks
        var samples: [Sample] = []
        let hasTombstones = deleted.ranges[id] != nil
        for chunk in chunks where chunk.encoding != BlockEncoding.histogramByte {
            guard let decoded = try readChunk(chunk, of: ref, damage: damage, { fd in try decode(chunk, fd: fd, in: mint...maxt, cached: cached) })
            else { continue }
            if !hasTombstones {
                if samples.isEmpty { samples = decoded } else { samples.append(contentsOf: decoded) }
                continue
            }
            for sample in decoded where !deleted.isDeleted(id, sample.timestamp) { samples.append(sample) }
        }
        return samples
    }

    /// The histogram samples of a series in `mint...maxt`, without deleted ones.
    func histograms(of ref: SeriesRef, from mint: Int64, through maxt: Int64, damage: ReadDamage?) throws -> [HistogramSample] {
        try histograms(of: ref, from: mint, through: maxt, deleted: tombstones.withLock { $0 }, damage: damage)
    }

    private func histograms(of ref: SeriesRef, from mint: Int64, through maxt: Int64, deleted: Tombstones,
                            damage: ReadDamage?) throws -> [HistogramSample] {
        var out: [HistogramSample] = []
        for chunk in ref.chunks where chunk.encoding == BlockEncoding.histogramByte {
            let decoded = try readChunk(chunk, of: ref, damage: damage) { fd in
                let (_, data) = try ChunkFile.read(fd: fd, offset: chunk.offset, length: chunk.length)
                return try BlockEncoding.decodeHistograms(data, in: mint...maxt)
            }
            out.append(contentsOf: decoded ?? [])
        }
        if deleted.ranges[ref.id] != nil { out.removeAll { deleted.isDeleted(ref.id, $0.timestamp) } }
        return out
    }

    /// Runs `decode` on the chunk's file; with `damage`, a chunk that fails to read or decode (a
    /// corrupt byte, a torn record, a bad sector) is noted there and yields nil, so only what it holds is lost.
    private func readChunk<T>(_ chunk: BlockWriter.ChunkRef, of ref: SeriesRef, damage: ReadDamage?,
                              _ decode: (Int32) throws -> T) throws -> T? {
        do {
            guard let fd = chunkFiles[chunk.file] else { throw StorageError.corrupt("missing chunk file \(chunk.file) in \(directory)") }
            return try decode(fd)
        } catch {
            guard let damage else { throw error }
            damage.record(block: self, series: ref.labels, chunk: chunk, error: error)
            return nil
        }
    }

    /// Whether any of the series' chunks holds histograms.
    static func hasHistograms(_ ref: SeriesRef) -> Bool {
        ref.chunks.contains { $0.encoding == BlockEncoding.histogramByte }
    }

    /// Runs `body` with the block's prepared statements, under their lock.
    func withStatements<R>(_ body: (Statements) throws -> R) throws -> R {
        try statements.withLock { try body($0) }
    }

    /// One series by id with its samples in `mint...maxt`; nil when it has none there. For compaction,
    /// which reads each chunk once: it bypasses the chunk cache so as not to push queries' chunks out.
    func series(id: UInt32, from mint: Int64, through maxt: Int64) throws -> SeriesData? {
        let (labels, all) = try withStatements { s in try seriesRow(Int64(id), s) }
        let ref = SeriesRef(id: id, labels: labels, chunks: all.filter { $0.maxTime >= mint && $0.minTime <= maxt })
        let deleted = tombstones.withLock { $0 }
        let samples = try samples(of: ref, from: mint, through: maxt, deleted: deleted, cached: false, damage: nil)
        let histograms = Self.hasHistograms(ref) ? try histograms(of: ref, from: mint, through: maxt, deleted: deleted, damage: nil) : []
        return samples.isEmpty && histograms.isEmpty ? nil : SeriesData(labels: labels, samples: samples, histograms: histograms)
    }

    /// One series' labels with its float and histogram samples.
    struct SeriesData {
        let labels: Labels
        var samples: [Sample]
        var histograms: [HistogramSample]
    }

    /// A series' labels and chunk references, from its one row.
    func seriesRow(_ id: Int64, _ s: Statements) throws -> (Labels, [BlockWriter.ChunkRef]) {
        s.series.bind(1, id)
        defer { s.series.reset() }
        guard try s.series.step() else { throw StorageError.corrupt("series \(id) missing in \(directory)") }
        var reader = ByteReader(s.series.blob(0))
        var labels: [Label] = []
        while !reader.isAtEnd {
            guard let pair = reader.uvarint(), pair > 0, Int(pair) < pairs.count else { throw StorageError.corrupt("series \(id) labels") }
            let label = pairs[Int(pair)]
            // A damaged row can name pairs out of order or twice; a label set must be sorted and unique.
            if let last = labels.last, !utf8Less(last.name, label.name) { throw StorageError.corrupt("series \(id) labels out of order") }
            labels.append(label)
        }
        return (Labels(sortedUnique: labels), try ChunkRefs.decode(s.series.blob(1)))
    }

    /// Label sets of the series matching `matchers`.
    package func series(_ matchers: [Matcher]) throws -> [Labels] {
        try statements.withLock { s in try postings(for: matchers, s).map { try seriesRow(Int64($0), s).0 } }
    }

    /// Marks the samples of matching series in `mint...maxt` deleted, persisting the tombstones
    /// (written to a temporary file and renamed, so a crash keeps the old or the new set).
    func delete(_ matchers: [Matcher], from mint: Int64, through maxt: Int64) throws -> Int {
        let ids = try statements.withLock { s in try postings(for: matchers, s) }
        guard !ids.isEmpty, maxt >= meta.minTime, mint < meta.maxTime else { return 0 }
        let updated = tombstones.withLock { stones -> Tombstones in
            for id in ids { stones.add(id, mint...maxt) }
            return stones
        }
        try FileIO.writeFile(directory + "/tombstones.tmp", updated.encode())
        try FileIO.rename(directory + "/tombstones.tmp", directory + "/tombstones")
        return ids.count
    }

    /// All label names in the block, sorted.
    package var labelNames: [String] { byName.keys.sorted() }

    /// Values of `name` in the block, sorted.
    package func labelValues(_ name: String) -> [String] {
        (byName[name] ?? []).map(\.value)
    }
}
