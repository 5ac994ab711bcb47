/// Settings of the whole store.
package struct DBOptions: Sendable {
    /// Blocks whose data is entirely older than this (relative to the newest sample) are deleted.
    package var retentionTime: Int64 = 15 * 24 * 3_600_000
    /// When positive, the oldest blocks are deleted while blocks and WAL together exceed this many bytes.
    package var retentionSize: Int64 = 0
    package var head = HeadOptions()
    package var wal = WALOptions()
    package var encoding = BlockEncoding.default

    package init() {}

    /// Block ranges for leveled compaction: 2 h, 6 h, 24 h, then ×3, capped at a tenth of the
    /// retention time and 31 days.
    var blockRanges: [Int64] {
        let base = head.chunkRange
        var ranges = [base, base * 3, base * 12]
        while let last = ranges.last, last * 3 <= min(retentionTime / 10, 31 * 24 * 3_600_000) { ranges.append(last * 3) }
        let cap = max(base, min(retentionTime / 10, 31 * 24 * 3_600_000))
        return ranges.filter { $0 == base || $0 <= cap }
    }
}
