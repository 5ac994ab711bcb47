import Foundation
import Logging
import MetricsModel
import Testing
import TestSupport

@testable import TSDB

/// `DB.openReadOnly`: how tsq reads a store metricsd may hold (DB+ReadOnly.swift).
@Suite("Read-only store")
struct ReadOnlyTests {
    static let logger = Logger(label: "test")

    @Test("a reader opens a store its writer holds, sees the committed samples, and the writer keeps writing")
    func besideTheWriter() throws {
        let dir = TemporaryDirectory()
        let writer = try DB(path: dir.path, logger: Self.logger)
        defer { writer.close() }
        try WALTests.write(writer, series: 4, samples: 20)
        let reader = try DB.openReadOnly(path: dir.path, logger: Self.logger)
        let seen = try reader.select([try Matcher(.equal, "s", "3")], from: 0, through: Int64.max)
        #expect(seen.first?.1.count == 20)
        // The reader holds no lock and writes nothing: the writer appends on, and a second writer
        // after the first closes is not refused because of the reader.
        try WALTests.write(writer, series: 4, samples: 5, start: 20 * 15_000)
        reader.close()
        writer.close()
        let reopened = try DB(path: dir.path, logger: Self.logger)
        #expect(try reopened.select([try Matcher(.equal, "s", "3")], from: 0, through: Int64.max).first?.1.count == 25)
        reopened.close()
    }

    @Test("a torn WAL tail is read up to the tear and left on disk as it was")
    func tornTailUntouched() throws {
        let dir = TemporaryDirectory()
        do {
            let db = try DB(path: dir.path, logger: Self.logger)
            try WALTests.write(db, series: 3, samples: 50)
            db.close()
        }
        let segments = try FileManager.default.contentsOfDirectory(atPath: dir.path + "/wal").filter { $0.count == 8 }.sorted()
        let last = try #require(segments.last { ((try? FileManager.default.attributesOfItem(atPath: dir.path + "/wal/" + $0)[.size]) as? Int ?? 0) > 0 })
        let url = URL(fileURLWithPath: dir.path + "/wal/" + last)
        var bytes = try Data(contentsOf: url)
        bytes.append(contentsOf: [0x02, 0x40, 0x00, 0x00, 0x00, 0xde, 0xad])
        try bytes.write(to: url)
        let before = try fileContents(under: dir.path)
        let reader = try DB.openReadOnly(path: dir.path, logger: Self.logger)
        #expect(try reader.select([try Matcher(.equal, "s", "2")], from: 0, through: Int64.max).first?.1.count == 50)
        reader.close()
        #expect(try fileContents(under: dir.path) == before, "a read-only open changed files")
    }

    @Test("a missing directory and a directory without a store are refused with what is wrong")
    func notAStore() throws {
        let dir = TemporaryDirectory()
        #expect(throws: StorageError.notAStore("\(dir.path)/absent: no such data directory")) {
            try DB.openReadOnly(path: dir.path + "/absent", logger: Self.logger)
        }
        try Data("x".utf8).write(to: URL(fileURLWithPath: dir.path + "/notes.txt"))
        #expect(throws: StorageError.notAStore("\(dir.path) is not a ToolboxMetrics data directory: it has no wal/ and no blocks")) {
            try DB.openReadOnly(path: dir.path, logger: Self.logger)
        }
        #expect(!FileManager.default.fileExists(atPath: dir.path + "/wal"), "a refused open created files")
    }

    @Test("a read stands only if no block came or went, the checkpoint held and no segment it read was deleted", arguments: [
        (["A"], ["c.1"], ["00000002"], ["A"], ["c.1"], ["00000002", "00000003"], true),
        (["A"], ["c.1"], ["00000002"], ["A", "B"], ["c.1"], ["00000002"], false),
        (["A", "B"], ["c.1"], ["00000002"], ["B"], ["c.1"], ["00000002"], false),
        (["A"], ["c.1"], ["00000002"], ["A"], ["c.2"], ["00000003"], false),
        (["A"], [], ["00000001", "00000002"], ["A"], [], ["00000002"], false),
    ])
    func layoutComparison(
        blocks: [String], checkpoints: [String], segments: [String],
        laterBlocks: [String], laterCheckpoints: [String], laterSegments: [String], same: Bool
    ) {
        let before = StoreLayout(blocks: Set(blocks), checkpoints: Set(checkpoints), segments: Set(segments))
        let after = StoreLayout(blocks: Set(laterBlocks), checkpoints: Set(laterCheckpoints), segments: Set(laterSegments))
        #expect(before.isSameRead(as: after) == same)
    }
}
