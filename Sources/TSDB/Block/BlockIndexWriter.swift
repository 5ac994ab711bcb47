import MetricsModel

/// Writes a block's SQLite index (schema in docs/format/index.md).
enum BlockIndexWriter {
    static let schema = """
        PRAGMA page_size = 4096;
        PRAGMA journal_mode = OFF;
        PRAGMA synchronous = OFF;
        CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
        CREATE TABLE label_pairs(id INTEGER PRIMARY KEY, name TEXT NOT NULL, value TEXT NOT NULL);
        CREATE UNIQUE INDEX label_pairs_by_name ON label_pairs(name, value, id);
        CREATE TABLE postings(pair_id INTEGER PRIMARY KEY, series BLOB NOT NULL);
        CREATE TABLE series(id INTEGER PRIMARY KEY, pairs BLOB NOT NULL, min_time INTEGER NOT NULL, max_time INTEGER NOT NULL);
        CREATE TABLE chunks(
            series_id INTEGER NOT NULL, min_time INTEGER NOT NULL, max_time INTEGER NOT NULL,
            file INTEGER NOT NULL, offset INTEGER NOT NULL, length INTEGER NOT NULL, encoding INTEGER NOT NULL,
            PRIMARY KEY(series_id, min_time)) WITHOUT ROWID;
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
        let insertPair = try db.prepare("INSERT INTO label_pairs(id, name, value) VALUES (?, ?, ?)")
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
        let insertSeries = try db.prepare("INSERT INTO series(id, pairs, min_time, max_time) VALUES (?, ?, ?, ?)")
        let insertChunk = try db.prepare(
            "INSERT INTO chunks(series_id, min_time, max_time, file, offset, length, encoding) VALUES (?, ?, ?, ?, ?, ?, ?)")
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
            insertSeries.bind(3, chunks.first?.minTime ?? 0)
            insertSeries.bind(4, chunks.last?.maxTime ?? 0)
            try insertSeries.run()
            for chunk in chunks {
                insertChunk.bind(1, Int64(id))
                insertChunk.bind(2, chunk.minTime)
                insertChunk.bind(3, chunk.maxTime)
                insertChunk.bind(4, Int64(chunk.file))
                insertChunk.bind(5, chunk.offset)
                insertChunk.bind(6, Int64(chunk.length))
                insertChunk.bind(7, Int64(chunk.encoding))
                try insertChunk.run()
            }
        }
        // 3. Postings as little-endian UInt32 blobs: one row per label pair, fetched whole
        //    (measured 18 µs for two lists against 200 µs for a join over one row per posting).
        let insertPostings = try db.prepare("INSERT INTO postings(pair_id, series) VALUES (?, ?)")
        for pair in 1..<postings.count {
            var blob = ByteWriter(capacity: postings[pair].count * 4)
            for id in postings[pair] { blob.uint32LE(id) }
            insertPostings.bind(1, Int64(pair))
            insertPostings.bind(2, blob.bytes)
            try insertPostings.run()
        }
        let insertMeta = try db.prepare("INSERT INTO meta(key, value) VALUES (?, ?)")
        for (key, value) in [
            ("ulid", meta.ulid), ("min_time", String(meta.minTime)), ("max_time", String(meta.maxTime)),
            ("num_series", String(series.count)), ("format", "1"),
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
