import Foundation
import RemoteProtocol
import Testing
import ServerTestSupport
import TestSupport
import MetricsModel

/// `--query.max-memory` against the shipped `metricsd`: the widest queries over a store of 2,000
/// series either answer or fail with 422 naming the budget, and the process's peak RSS (VmHWM)
/// grows by no more than the budget over what the store held before.
@Suite("metricsd --query.max-memory", .serialized)
struct QueryMemoryBudgetTests {
    static let series = 2_000
    static let budget = 64 << 20

    static func peakRSS(_ pid: Int32) -> Int {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") })
        else { return 0 }
        return (Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0) * 1024
    }

    /// An hour of samples at 15 s for `series` series, through remote write in batches.
    static func fill(_ base: String, now: Int64) async {
        for first in stride(from: 0, to: series, by: 200) {
            let batch = (first..<(first + 200)).map { index in
                DataSafetyTests.series("wide_metric", (0..<240).map { (now - 239 * 15_000 + Int64($0) * 15_000, Double($0 + index)) },
                                       labels: [("instance", "host-\(index)")])
            }
            let answer = await DataSafetyTests.remoteWrite(base, batch)
            #expect(answer?.0 == 204, "\(String(describing: answer))")
        }
    }

    @Test("the widest queries answer or fail with 422 naming the budget; peak RSS grows by less than the budget", arguments: [true, false])
    func budget(limited: Bool) async throws {
        let store = try DataSafetyTests.Store()
        let server = try await DataSafetyTests.start(store, arguments: limited ? ["--query.max-memory", "64MB"] : [])
        defer { server.process.stop() }
        let now = DataSafetyTests.nowMilliseconds()
        await Self.fill(server.base, now: now)
        #expect(await DataSafetyTests.values(server.base, "count(wide_metric)") == [Double(Self.series)])
        let before = Self.peakRSS(server.pid)
        let seconds = Double(now) / 1000
        let queries: [(String, [(String, String)])] = [
            ("query", [("query", "max_over_time(wide_metric[1h:1s])"), ("time", "\(seconds)")]),
            ("query_range", [("query", "wide_metric * 2"), ("start", "\(seconds - 3600)"), ("end", "\(seconds)"), ("step", "1")]),
            ("query_range", [("query", "rate(wide_metric[5m])"), ("start", "\(seconds - 3600)"), ("end", "\(seconds)"), ("step", "1")]),
            ("query", [("query", "count_over_time(wide_metric[1h])"), ("time", "\(seconds)")]),
        ]
        var refused = 0
        // Without the budget one wide query shows what it would cost (the others would only load the machine).
        for (path, pairs) in limited ? queries : Array(queries.prefix(1)) {
            let answer = await httpPost(server.base + "/api/v1/" + path, body: Data(formEncode(pairs).utf8),
                                        headers: ["Content-Type": "application/x-www-form-urlencoded"], timeout: 120)
            if answer?.0 == 422 {
                refused += 1
                #expect(answer?.1.contains("bytes of memory (--query.max-memory)") == true, "\(answer?.1.prefix(200) ?? "")")
            } else {
                #expect(answer?.0 == 200, "\(pairs[0].1): \(String(describing: answer).prefix(200))")
            }
        }
        let growth = Self.peakRSS(server.pid) - before
        print("query memory: limited \(limited), peak RSS \(before >> 20) MiB before the queries, grew \(growth >> 20) MiB, \(refused) refused")
        if limited {
            #expect(refused == 3, "the three queries of 7.2 M points are over a 64 MB budget (4.2 M points)")
            #expect(growth < Self.budget, "peak RSS grew \(growth >> 20) MiB with a \(Self.budget >> 20) MiB budget")
        } else {
            // Without the budget the same queries answer, and take more than the budget would allow.
            #expect(refused == 0)
            #expect(growth > Self.budget, "the query must be wide enough that the budget matters: grew \(growth >> 20) MiB")
        }
        #expect(await DataSafetyTests.healthy(server.base))
    }
}
