/// Settings of the whole store.
public struct DBOptions: Sendable {
    /// Blocks whose data is entirely older than this (relative to the newest sample) are deleted.
    public var retentionTime: Int64 = 15 * 24 * 3_600_000
    /// When positive, the oldest blocks are deleted while blocks and WAL together exceed this many bytes.
    public var retentionSize: Int64 = 0
    public var head = HeadOptions()
    public var wal = WALOptions()
    public var encoding = BlockEncoding.default

    public init() {}

    /// Block ranges for leveled compaction: 2 h, 6 h, 24 h, then ×3, capped at a tenth of the
    /// retention time and 31 days.
    public var blockRanges: [Int64] {
        let base = head.chunkRange
        var ranges = [base, base * 3, base * 12]
        while let last = ranges.last, last * 3 <= min(retentionTime / 10, 31 * 24 * 3_600_000) { ranges.append(last * 3) }
        let cap = max(base, min(retentionTime / 10, 31 * 24 * 3_600_000))
        return ranges.filter { $0 == base || $0 <= cap }
    }
}
