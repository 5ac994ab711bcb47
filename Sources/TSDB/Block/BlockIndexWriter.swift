import MetricsModel

/// Writes a block's SQLite index (schema in docs/format/index.md).
enum BlockIndexWriter {
    static let schema = """
        PRAGMA page_size = 4096;
        PRAGMA journal_mode = OFF;
        PRAGMA synchronous = OFF;
        CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
        CREATE TABLE label_pairs(name TEXT NOT NULL, value TEXT NOT NULL, id INTEGER NOT NULL, PRIMARY KEY(name, value)) WITHOUT ROWID;
        CREATE TABLE postings(pair_id INTEGER PRIMARY KEY, series BLOB NOT NULL);
        CREATE TABLE series(id INTEGER PRIMARY KEY, pairs BLOB NOT NULL, chunks BLOB NOT NULL);
        """

    /// `series` must be sorted by labels: ids follow that order, so postings (sorted by id) list
    /// series in label order and a query's result needs no sort.
    static func write(path: String, series: [(Labels, [BlockWriter.ChunkRef])], meta: BlockMeta) throws {
        let db = try SQLiteDatabase(path: path)
        try db.execute(schema)
        try db.execute("BEGIN")
        // 1. Label pairs, numbered in (name, value) order.
        var pairIDs: [Label: Int64] = [:]
        var allPairs: [Label] = []
        for (labels, _) in series {
            for label in labels where pairIDs[label] == nil {
                pairIDs[label] = 0
                allPairs.append(label)
            }
        }
        allPairs.sort()
        let insertPair = try db.prepare("INSERT INTO label_pairs(id, name, value) VALUES (?, ?, ?)")  // in (name, value) order
        for (index, pair) in allPairs.enumerated() {
            let id = Int64(index + 1)
            pairIDs[pair] = id
            insertPair.bind(1, id)
            insertPair.bind(2, pair.name)
            insertPair.bind(3, pair.value)
            try insertPair.run()
        }
        // 2. Series and chunk references; postings gathered on the way.
        var postings = [[UInt32]](repeating: [], count: allPairs.count + 1)
        let insertSeries = try db.prepare("INSERT INTO series(id, pairs, chunks) VALUES (?, ?, ?)")
        for (index, (labels, chunks)) in series.enumerated() {
            let id = UInt32(index + 1)
            var encoded = ByteWriter(capacity: labels.count * 3)
            for label in labels {
                let pair = pairIDs[label]!
                encoded.uvarint(UInt64(pair))
                postings[Int(pair)].append(id)
            }
            insertSeries.bind(1, Int64(id))
            insertSeries.bind(2, encoded.bytes)
            insertSeries.bind(3, ChunkRefs.encode(chunks))
            try insertSeries.run()
        }
        // 3. Postings as blobs, one row per label pair, fetched whole (measured 18 µs for two lists
        //    against 200 µs for a join over one row per posting): the ids' differences as uvarints.
        let insertPostings = try db.prepare("INSERT INTO postings(pair_id, series) VALUES (?, ?)")
        for pair in 1..<postings.count {
            var blob = ByteWriter(capacity: postings[pair].count * 2)
            var previous: UInt32 = 0
            for id in postings[pair] {
                blob.uvarint(UInt64(id - previous))
                previous = id
            }
            insertPostings.bind(1, Int64(pair))
            insertPostings.bind(2, blob.bytes)
            try insertPostings.run()
        }
        let insertMeta = try db.prepare("INSERT INTO meta(key, value) VALUES (?, ?)")
        for (key, value) in [
            ("ulid", meta.ulid), ("min_time", String(meta.minTime)), ("max_time", String(meta.maxTime)),
            ("num_series", String(series.count)), ("format", "2"),
        ] {
            insertMeta.bind(1, key)
            insertMeta.bind(2, value)
            try insertMeta.run()
        }
        try db.execute("COMMIT")
        // The block is renamed into place only after this, so the index itself needs no journal.
        try db.execute("PRAGMA journal_mode = DELETE")
    }
}

/// A series' chunk references packed in its row: `count`, then per chunk `minTime` (varint, the first
/// absolute, later ones from the previous chunk's maxTime), `maxTime − minTime`, `file`, `offset`
/// (the first absolute, later ones from the end of the previous chunk in the same file), `length`,
/// `encoding` — all uvarints unless noted. A query reads one row per series and filters by time here.
enum ChunkRefs {
    static func encode(_ chunks: [BlockWriter.ChunkRef]) -> [UInt8] {
        var writer = ByteWriter(capacity: 4 + chunks.count * 12)
        writer.uvarint(UInt64(chunks.count))
        var previousMax: Int64 = 0
        var previousFile = -1
        var previousEnd: Int64 = 0
        for (index, chunk) in chunks.enumerated() {
            writer.varint(index == 0 ? chunk.minTime : chunk.minTime &- previousMax)
            writer.uvarint(UInt64(bitPattern: chunk.maxTime &- chunk.minTime))
            writer.uvarint(UInt64(chunk.file))
            writer.uvarint(UInt64(chunk.file == previousFile ? chunk.offset - previousEnd : chunk.offset))
            writer.uvarint(UInt64(chunk.length))
            writer.bytes.append(chunk.encoding)
            previousMax = chunk.maxTime
            previousFile = chunk.file
            previousEnd = chunk.offset + Int64(chunk.length)
        }
        return writer.bytes
    }

    static func decode(_ blob: UnsafeRawBufferPointer) throws -> [BlockWriter.ChunkRef] {
        var reader = ByteReader(blob)
        guard let count = reader.uvarint(), count <= UInt64(blob.count) else { throw StorageError.corrupt("chunk refs count") }
        var out: [BlockWriter.ChunkRef] = []
        out.reserveCapacity(Int(count))
        var previousMax: Int64 = 0
        var previousFile = -1
        var previousEnd: Int64 = 0
        for index in 0..<Int(count) {
            guard let start = reader.varint(), let span = reader.uvarint(), let file = reader.uvarint(), let offset = reader.uvarint(),
                  let length = reader.uvarint(), !reader.isAtEnd, file < 1 << 20, length < 1 << 31, offset < 1 << 40
            else { throw StorageError.corrupt("chunk refs") }
            let encoding = blob[reader.offset]
            reader.offset += 1
            let minTime = index == 0 ? start : previousMax &+ start
            let maxTime = minTime &+ Int64(bitPattern: span)
            let absolute = Int(file) == previousFile ? previousEnd + Int64(offset) : Int64(offset)
            out.append(.init(minTime: minTime, maxTime: maxTime, file: Int(file), offset: absolute, length: Int(length), encoding: encoding))
            previousMax = maxTime
            previousFile = Int(file)
            previousEnd = absolute + Int64(length)
        }
        return out
    }
}
