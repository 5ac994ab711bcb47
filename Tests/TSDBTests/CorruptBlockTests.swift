import Foundation
import Logging
import MetricsModel
import Synchronization
import Testing
import TestSupport

@testable import TSDB

/// A logger whose messages (with their metadata) a test can read.
final class CapturedLog: Sendable {
    private let lines = Mutex<[String]>([])

    var logger: Logger {
        Logger(label: "test") { _ in Handler(log: self) }
    }

    var all: [String] { lines.withLock { $0 } }

    fileprivate func add(_ line: String) { lines.withLock { $0.append(line) } }

    private struct Handler: LogHandler {
        let log: CapturedLog
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(level: Logger.Level, message: Logger.Message, metadata: Logger.Metadata?, source: String, file: String, function: String, line: UInt) {
            let fields = (metadata ?? [:]).sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
            log.add("\(level) \(message) \(fields)")
        }
    }
}

@Suite("Corrupt blocks and WAL segments: moved aside, isolated, reported")
struct CorruptBlockTests {
    static let hour: Int64 = 3_600_000

    /// Two blocks in `dir`: one (the victim) with series `a` and `b`, each its own chunks, and a
    /// healthy one after it with series `c`. Returns the victim's directory.
    static func makeBlocks(_ dir: String) throws -> String {
        var victim = try BlockWriter(parent: dir, minTime: 0, maxTime: 2 * hour)
        for name in ["a", "b"] {
            try victim.add(["__name__": name], (0..<100).map { Sample(timestamp: Int64($0) * 15_000, value: Double($0)) })
        }
        let (path, _) = try victim.finish()
        var healthy = try BlockWriter(parent: dir, minTime: 2 * hour, maxTime: 4 * hour)
        try healthy.add(["__name__": "c"], (0..<100).map { Sample(timestamp: 2 * hour + Int64($0) * 15_000, value: 1) })
        _ = try healthy.finish()
        return path
    }

    static func names(_ db: DB) throws -> [String] {
        try db.select([], from: 0, through: Int64.max).compactMap { $0.0["__name__"] }
    }

    static func damage(_ file: String, _ change: (inout Data) -> Void) throws {
        var bytes = try Data(contentsOf: URL(fileURLWithPath: file))
        change(&bytes)
        try bytes.write(to: URL(fileURLWithPath: file))
    }

    /// Each way a block can be unusable: what is done, and what the log must say about it.
    enum Damage: String, CaseIterable {
        case truncatedChunkFile = "truncated", missingChunkFile = "missing", missingIndex = "index.sqlite missing"
        case indexOverwritten = "malformed", indexNotSQLite = "sqlite", metaUnparsable = "meta.json", metaMissing = "meta.json of"

        func apply(to path: String) throws {
            switch self {
            case .truncatedChunkFile: try damage(path + "/chunks/000001") { $0 = $0.prefix($0.count - 40) }
            case .missingChunkFile: try FileManager.default.removeItem(atPath: path + "/chunks/000001")
            case .missingIndex: try FileManager.default.removeItem(atPath: path + "/index.sqlite")
            case .indexOverwritten: try damage(path + "/index.sqlite") { bytes in for i in stride(from: 1024, to: bytes.count, by: 7) { bytes[i] ^= 0xa5 } }
            case .indexNotSQLite: try Data("not a database".utf8).write(to: URL(fileURLWithPath: path + "/index.sqlite"))
            case .metaUnparsable: try Data("{\"ulid\": ".utf8).write(to: URL(fileURLWithPath: path + "/meta.json"))
            case .metaMissing: try FileManager.default.removeItem(atPath: path + "/meta.json")
            }
        }
    }

    @Test("a damaged block is moved to corrupted/, logged with why, counted, and the rest is served", arguments: Damage.allCases)
    func quarantine(damage: Damage) throws {
        let (what, reason) = ("\(damage)", damage.rawValue)
        let dir = TemporaryDirectory()
        let victim = try Self.makeBlocks(dir.path)
        try damage.apply(to: victim)
        let log = CapturedLog()
        let db = try DB(path: dir.path, logger: log.logger)
        defer { db.close() }
        let ulid = String(victim.split(separator: "/").last!)
        #expect(try Self.names(db) == ["c"], "\(what)")
        #expect(db.blocks.count == 1)
        #expect(FileManager.default.fileExists(atPath: dir.path + "/corrupted/" + ulid), "\(what)")
        #expect(!FileManager.default.fileExists(atPath: victim))
        #expect(db.stats.quarantinedBlocks == 1)
        let line = log.all.first { $0.contains("moved it aside") }
        #expect(line?.contains(ulid) == true && line?.contains(reason) == true, "\(what): \(log.all)")
        // New samples still go in, and a restart does not move anything again.
        var appender = db.appender()
        try appender.append(["__name__": "d"], Sample(timestamp: 5 * Self.hour, value: 1))
        try appender.commit()
        db.close()
        let reopened = try DB(path: dir.path, logger: log.logger)
        defer { reopened.close() }
        #expect(try Self.names(reopened) == ["c", "d"])
        #expect(reopened.stats.quarantinedBlocks == 0)
    }

    @Test("a flipped byte in one chunk fails only that series' chunk: the rest answers, with a warning, a metric and a log line")
    func chunkIsolation() throws {
        let dir = TemporaryDirectory()
        let victim = try Self.makeBlocks(dir.path)
        // The first series' chunk comes first in the file, just past the 8-byte header.
        try Self.damage(victim + "/chunks/000001") { $0[20] ^= 0xff }
        let log = CapturedLog()
        let db = try DB(path: dir.path, logger: log.logger)
        defer { db.close() }
        #expect(db.blocks.count == 2, "the damage is inside a chunk: the block opens")
        try db.withReader { reader in
            let result = try reader.select([], from: 0, through: Int64.max)
            #expect(result.compactMap { $0.0["__name__"] } == ["b", "c"])
            #expect(result.first?.1.count == 100)
            let warnings = reader.damage.warnings
            #expect(warnings.count == 1)
            #expect(warnings.first?.contains("series a ") == true && warnings.first?.contains("checksum") == true, "\(warnings)")
        }
        // A second query warns again; the log says it once.
        try db.withReader { reader in
            _ = try reader.select([try Matcher(.equal, "__name__", "a")], from: 0, through: Int64.max)
            #expect(reader.damage.warnings.count == 1)
        }
        #expect(db.stats.chunkReadFailures == 2)
        #expect(log.all.filter { $0.contains("unreadable chunk") }.count == 1, "\(log.all)")
        // Without a reader to hold the damage (compaction), the read fails as before.
        #expect(throws: StorageError.self) { try db.blocks[0].select([], from: 0, through: Int64.max) }
    }

    @Test("a meta.json contradicting the index is reported and served with the index's range", arguments: [
        (7_200_000 as Int64, 0 as Int64), (3_600_000, 3_600_000), (1_000_000, 7_200_000),
    ])
    func inconsistentMeta(minTime: Int64, maxTime: Int64) throws {
        let dir = TemporaryDirectory()
        let victim = try Self.makeBlocks(dir.path)
        var meta = try BlockMeta.read(victim)
        meta.minTime = minTime
        meta.maxTime = maxTime
        try meta.write(victim)
        let log = CapturedLog()
        let db = try DB(path: dir.path, logger: log.logger)
        defer { db.close() }
        #expect(try Self.names(db) == ["a", "b", "c"])
        #expect(try db.select([try Matcher(.equal, "__name__", "a")], from: 0, through: Int64.max).first?.1.count == 100)
        #expect(db.stats.inconsistentBlocks == 1)
        #expect(db.stats.quarantinedBlocks == 0)
        #expect(log.all.contains { $0.contains("contradicts its index") && $0.contains("0…1485000") }, "\(log.all)")
    }

    @Test("a missing WAL segment is reported, counted, and the segments around it are replayed")
    func missingSegment() throws {
        let dir = TemporaryDirectory()
        var options = DBOptions()
        options.wal.segmentSize = 4096
        do {
            let db = try DB(path: dir.path, options: options, logger: Logger(label: "test"))
            try WALTests.write(db, series: 5, samples: 200)
            db.close()
        }
        let segments = try FileManager.default.contentsOfDirectory(atPath: dir.path + "/wal").filter { $0.count == 8 }.sorted()
        try #require(segments.count > 3)
        let lost = segments[segments.count / 2]
        try FileManager.default.removeItem(atPath: dir.path + "/wal/" + lost)
        let log = CapturedLog()
        let db = try DB(path: dir.path, options: options, logger: log.logger)
        defer { db.close() }
        #expect(db.replayReport.missingSegments == [Int(lost)!])
        #expect(log.all.contains { $0.contains("WAL segments are missing") && $0.contains(lost) }, "\(log.all)")
        let counts = try db.select([], from: 0, through: Int64.max).map(\.1.count)
        // Both sides of the gap were read: the last sample is there, the lost ones are not.
        #expect(counts.count == 5 && counts.allSatisfy { $0 < 200 && $0 > 100 }, "\(counts)")
        #expect(try db.select([], from: 0, through: Int64.max).allSatisfy { $0.1.last?.timestamp == 199 * 15_000 })
        var text = MetricsText()
        db.writeInstruments(to: &text)
        #expect(text.text.contains("metricsd_tsdb_wal_missing_segments_total 1"))
    }

    @Test("starts that write nothing do not leave a new empty WAL segment each")
    func noEmptySegmentPerStart() throws {
        let dir = TemporaryDirectory()
        do {
            let db = try DB(path: dir.path, logger: Logger(label: "test"))
            try WALTests.write(db, series: 1, samples: 3)
            db.close()
        }
        for _ in 0..<5 { try DB(path: dir.path, logger: Logger(label: "test")).close() }
        let segments = try FileManager.default.contentsOfDirectory(atPath: dir.path + "/wal").filter { $0.count == 8 }.sorted()
        #expect(segments.count == 2, "\(segments)")
        let db = try DB(path: dir.path, logger: Logger(label: "test"))
        defer { db.close() }
        #expect(try db.select([], from: 0, through: Int64.max).first?.1.count == 3)
    }
}
