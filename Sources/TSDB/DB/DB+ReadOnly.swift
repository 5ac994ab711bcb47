#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Logging

/// Reading a store that its writer (metricsd) may hold open.
///
/// A read-only open takes no lock and writes nothing: it opens the finished blocks and replays the
/// WAL up to the last whole record. What it must not do is mix two states of the store: blocks
/// listed before a compaction with a WAL already checkpointed after it would lose the samples that
/// moved. So the directory's layout (block names, the checkpoint, the segments) is taken before
/// and after the read; the read stands if no block came or went, the checkpoint is the same and
/// every segment read is still there. Segments may have grown (the read is then of an earlier
/// instant) and new ones may have started. Otherwise it is read again, a few times, then refused.
extension DB {
    package static func openReadOnly(path: String, options: DBOptions = DBOptions(), attempts: Int = 3, logger: Logger) throws -> DB {
        try checkIsStore(path)
        for attempt in 1...max(attempts, 1) {
            let before = try StoreLayout(path)
            let db: DB
            do {
                db = try DB(path: path, options: options, access: .readOnly, logger: logger)
            } catch StorageError.io(let what, ENOENT) where attempt < attempts {
                // A file listed a moment ago was deleted by the writer: read again.
                logger.debug("store changed while opening; reading again", metadata: ["file": "\(what)"])
                continue
            }
            let after = try StoreLayout(path)
            if before.isSameRead(as: after) { return db }
            db.close()
            logger.debug("store changed while reading; reading again", metadata: ["attempt": "\(attempt)"])
        }
        throw StorageError.changing(
            "\(path) changed under every read (metricsd was compacting or checkpointing its WAL); try again, or query the server with --url")
    }

    /// Refuses a path that is missing or holds neither a WAL nor a block.
    static func checkIsStore(_ path: String) throws(StorageError) {
        guard FileIO.isDirectory(path) else { throw .notAStore("\(path): no such data directory") }
        let names = try FileIO.list(path)
        let hasBlock = names.contains { $0.count == 26 && FileIO.exists(path + "/" + $0 + "/meta.json") }
        guard hasBlock || FileIO.isDirectory(path + "/wal") else {
            throw .notAStore("\(path) is not a ToolboxMetrics data directory: it has no wal/ and no blocks")
        }
    }
}

/// The names that fix what a read of the store sees.
struct StoreLayout: Equatable {
    var blocks: Set<String>
    var checkpoints: Set<String>
    var segments: Set<String>

    init(blocks: Set<String>, checkpoints: Set<String>, segments: Set<String>) {
        self.blocks = blocks
        self.checkpoints = checkpoints
        self.segments = segments
    }

    init(_ path: String) throws {
        blocks = Set(try FileIO.list(path).filter { $0.count == 26 })
        let wal = FileIO.isDirectory(path + "/wal") ? try FileIO.list(path + "/wal") : []
        checkpoints = Set(wal.filter { $0.hasPrefix("checkpoint.") && !$0.hasSuffix(".tmp") })
        segments = Set(wal.filter { $0.count == 8 && Int($0) != nil })
    }

    /// Whether a read between `self` and `later` saw one state of the store.
    func isSameRead(as later: StoreLayout) -> Bool {
        blocks == later.blocks && checkpoints == later.checkpoints && segments.isSubset(of: later.segments)
    }
}
