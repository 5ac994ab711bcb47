import Foundation
import Logging
import MetricsModel
import Testing
import TestSupport

@testable import TSDB

@Suite("Deletion with tombstones")
struct DeletionTests {
    static let hour: Int64 = 3_600_000

    static func fill(_ db: DB, hours: Int) throws {
        for i in 0..<(hours * 60) {
            var appender = db.appender()
            for job in ["a", "b"] { try appender.append(["__name__": "m", "job": job], Sample(timestamp: Int64(i) * 60_000, value: Double(i))) }
            try appender.commit()
        }
    }

    @Test("deleted ranges vanish from blocks and head, survive restart, and clean_tombstones rewrites blocks")
    func deleteAcrossBlocksAndHead() throws {
        let dir = TemporaryDirectory()
        do {
            let db = try DB(path: dir.path, logger: Logger(label: "test"))
            try Self.fill(db, hours: 5)
            db.runMaintenance()
            #expect(!db.blocks.isEmpty)
            // Delete job a from 1 h to 4 h: half in the 0–2 h block, half in the head.
            let affected = try db.delete([try Matcher(.equal, "job", "a")], from: Self.hour, through: 4 * Self.hour)
            #expect(affected >= 2)
            let a = try #require(try db.select([try Matcher(.equal, "job", "a")], from: 0, through: Int64.max).first?.1)
            #expect(a.allSatisfy { $0.timestamp < Self.hour || $0.timestamp > 4 * Self.hour })
            #expect(a.count == 300 - 181)
            let b = try #require(try db.select([try Matcher(.equal, "job", "b")], from: 0, through: Int64.max).first?.1)
            #expect(b.count == 300)
            db.close()
        }
        let reopened = try DB(path: dir.path, logger: Logger(label: "test"))
        defer { reopened.close() }
        #expect(try reopened.select([try Matcher(.equal, "job", "a")], from: 0, through: Int64.max).first?.1.count == 119)
        let before = reopened.blocks.map(\.meta.ulid)
        try reopened.cleanTombstones()
        #expect(reopened.blocks.map(\.meta.ulid) != before)
        #expect(reopened.blocks.allSatisfy { $0.tombstones.withLock { $0.isEmpty } })
        #expect(try reopened.select([try Matcher(.equal, "job", "a")], from: 0, through: Int64.max).first?.1.count == 119)
    }

    @Test("tombstone files round-trip and reject damage")
    func tombstoneFile() throws {
        var stones = Tombstones()
        stones.add(3, 10...20)
        stones.add(3, 40...50)
        stones.add(7, -5...5)
        let bytes = stones.encode()
        #expect(try Tombstones.decode(bytes) == stones)
        var broken = bytes
        broken[7] ^= 1
        #expect(throws: StorageError.self) { try Tombstones.decode(broken) }
    }
}
