import Foundation
import Testing
import ServerTestSupport
import TestSupport

/// Issue 18's damaged blocks against the shipped `metricsd`: a flipped byte in a chunk costs only
/// that series (the answer carries a warning), and a truncated chunk file moves the block aside to
/// `corrupted/` at the next start while the rest is served.
@Suite("metricsd on damaged blocks", .serialized)
struct CorruptDataTests {
    @Test("a flipped chunk byte fails one series with a warning; a truncated chunk file moves the block to corrupted/")
    func damagedBlock() async throws {
        let store = try DataSafetyTests.Store()
        let now = DataSafetyTests.nowMilliseconds()
        var text = "# TYPE damaged_a gauge\n# TYPE damaged_b gauge\n"
        for name in ["damaged_a", "damaged_b"] {
            for minute in stride(from: 60, through: 20, by: -1) { text += "\(name) 1 \(Double(now - Int64(minute) * 60_000) / 1000)\n" }
        }
        text += "# EOF\n"
        let file = store.directory.appendingPathComponent("import.om")
        try text.write(to: file, atomically: true, encoding: .utf8)
        let imported = try runProcess(ServerProcess.binary("tsq"), ["import", file.path, "--data-dir", store.data])
        #expect(imported.status == 0, "\(imported.output)")
        let blocks = try FileManager.default.contentsOfDirectory(atPath: store.data).filter { $0.count == 26 }
        try #require(blocks.count == 1)
        let chunks = store.data + "/" + blocks[0] + "/chunks/000001"
        var bytes = try Data(contentsOf: URL(fileURLWithPath: chunks))
        // The first chunk (damaged_a's, the first series) starts after the 8-byte header.
        bytes[20] ^= 0xff
        try bytes.write(to: URL(fileURLWithPath: chunks))

        var server = try await DataSafetyTests.start(store)
        let query = "count_over_time({__name__=~\"damaged_.*\"}[2h])"
        let answer = try #require(await DataSafetyTests.query(server.base, [("query", query)]))
        #expect(answer.0 == 200, "\(answer.1)")
        let result = ((answer.1["data"] as? [String: Any])?["result"] as? [[String: Any]]) ?? []
        #expect(result.compactMap { ($0["metric"] as? [String: String])?["__name__"] } == [], "count_over_time drops the name")
        #expect(result.count == 1 && (result.first?["value"] as? [Any])?.last as? String == "41", "\(result)")
        let warnings = answer.1["warnings"] as? [String] ?? []
        #expect(warnings.count == 1 && warnings.first?.contains("unreadable chunk") == true, "\(warnings)")
        #expect(await DataSafetyTests.selfMetric(server.base, "metricsd_tsdb_chunk_read_failures_total") == 1)
        server.process.stop()

        // Cut the chunk file short: the next start moves the block aside and serves the rest.
        bytes = try Data(contentsOf: URL(fileURLWithPath: chunks))
        try bytes.prefix(bytes.count / 2).write(to: URL(fileURLWithPath: chunks))
        server = try await DataSafetyTests.start(store)
        defer { server.process.stop() }
        #expect(FileManager.default.fileExists(atPath: store.data + "/corrupted/" + blocks[0]))
        #expect(await DataSafetyTests.selfMetric(server.base, "metricsd_tsdb_blocks_quarantined_total") == 1)
        #expect(await DataSafetyTests.values(server.base, query) == [])
        #expect(await DataSafetyTests.healthy(server.base))
        #expect(server.process.log().contains("moved it aside"), "\(server.process.log().suffix(1500))")
    }
}
