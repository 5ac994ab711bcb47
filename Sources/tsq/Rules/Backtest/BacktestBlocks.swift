import Foundation
import MetricsModel
import TSDB

/// A backtest's output written as blocks, one per two-hour range, as
/// `promtool tsdb create-blocks-from rules` writes them; copy them into a data directory to query.
enum BacktestBlocks {
    static let range: Int64 = 2 * 3_600_000

    /// Returns how many blocks were written.
    static func write(_ series: [(Labels, [Sample])], into directory: String) throws -> Int {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var byRange: [Int64: [(Labels, [Sample])]] = [:]
        for (labels, samples) in series {
            var pieces: [Int64: [Sample]] = [:]
            for sample in samples { pieces[sample.timestamp.windowStart(range), default: []].append(sample) }
            for (start, piece) in pieces { byRange[start, default: []].append((labels, piece)) }
        }
        for (start, members) in byRange.sorted(by: { $0.key < $1.key }) {
            let newest = members.flatMap(\.1).map(\.timestamp).max() ?? start
            var writer = try BlockWriter(parent: directory, minTime: start, maxTime: min(start + range, newest + 1))
            for (labels, samples) in members.sorted(by: { $0.0 < $1.0 }) { try writer.add(labels, samples) }
            _ = try writer.finish()
        }
        return byRange.count
    }
}
