import Foundation
import Logging
import MetricsModel
import Testing

@testable import TSDB

/// A small tmpfs makes the disk really fill up. Mounting needs root; without it the test is skipped.
enum SmallDisk {
    static func mount(_ path: String, size: String) -> Bool {
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return run("/bin/mount", ["-t", "tmpfs", "-o", "size=\(size)", "tmpfs", path])
    }

    static func unmount(_ path: String) {
        _ = run("/bin/umount", [path])
        try? FileManager.default.removeItem(atPath: path)
    }

    static let available: Bool = {
        let probe = FileManager.default.temporaryDirectory.appendingPathComponent("tmpfs-probe-\(getpid())").path
        defer { unmount(probe) }
        return getuid() == 0 && mount(probe, size: "64k")
    }()

    private static func run(_ tool: String, _ arguments: [String]) -> Bool {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return false }
        process.waitUntilExit()
        return process.terminationStatus == 0
    }
}

@Suite("Full disk", .serialized)
struct DiskFullTests {
    @Test("appends fail with a clear error and a metric, data stays readable, nothing is deleted",
          .enabled(if: SmallDisk.available, "needs root to mount a small tmpfs"))
    func fullDisk() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("full-\(UUID().uuidString)").path
        #expect(SmallDisk.mount(path, size: "256k"))
        defer { SmallDisk.unmount(path) }
        // Filler the test deletes later to make room again.
        try Data(count: 64 << 10).write(to: URL(fileURLWithPath: path + "/filler"))
        let db = try DB(path: path + "/data", logger: Logger(label: "test"))
        defer { db.close() }
        var committed = 0
        var failure: (any Error)?
        for i in 0..<10_000 {
            var appender = db.appender()
            for s in 0..<20 { try appender.append(["__name__": "m", "s": "\(s)"], Sample(timestamp: Int64(i) * 1000, value: Double(i))) }
            do {
                try appender.commit()
                committed += 1
            } catch {
                failure = error
                break
            }
        }
        let error = try #require(failure as? StorageError, "the disk never filled")
        #expect(error.isDiskFull)
        #expect(error.description.contains("disk full"))
        #expect(db.head.stats.commitFailures == 1)
        // Everything committed before is readable, and no block or WAL file was removed to make room.
        let result = try db.select([], from: 0, through: Int64.max)
        #expect(result.count == 20)
        #expect(result.allSatisfy { $0.1.count == committed })
        // Once there is room again, appends go on; the failed write left no torn record behind.
        try FileManager.default.removeItem(atPath: path + "/filler")
        var again = db.appender()
        for s in 0..<20 { try again.append(["__name__": "m", "s": "\(s)"], Sample(timestamp: 99_999_999, value: 1)) }
        try again.commit()
        db.close()
        let reopened = try DB(path: path + "/data", logger: Logger(label: "test"))
        defer { reopened.close() }
        #expect(try reopened.select([], from: 0, through: Int64.max).allSatisfy { $0.1.count == committed + 1 })
        #expect(reopened.replayReport.repaired == nil)
    }
}
