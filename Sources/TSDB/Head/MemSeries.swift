import MetricsModel

/// A series held in memory: its closed chunks and the open one being appended to.
/// Mutable state is guarded by its head shard's lock and never touched outside it (hence `@unchecked Sendable`).
final class MemSeries: @unchecked Sendable {
    let ref: SeriesRef
    let labels: Labels
    var closed: [XORChunk] = []
    var open = XORAppender()
    /// The newest committed timestamp, `Int64.min` before the first sample.
    var maxTime = Int64.min

    init(ref: SeriesRef, labels: Labels) {
        self.ref = ref
        self.labels = labels
    }

    /// Appends a committed sample, cutting a new chunk every `XORAppender.targetSamples`.
    func append(_ sample: Sample) throws(ChunkError) {
        if open.count >= XORAppender.targetSamples {
            closed.append(open.chunk())
            open = XORAppender()
        }
        try open.append(sample.timestamp, sample.value)
        maxTime = sample.timestamp
    }

    /// Every sample in `mint...maxt`.
    func samples(from mint: Int64, through maxt: Int64) -> [Sample] {
        var out: [Sample] = []
        for chunk in closed + (open.count > 0 ? [open.chunk()] : []) {
            // A chunk that fails to decode cannot happen for one we wrote; skip rather than crash.
            guard let decoded = try? chunk.samples() else { continue }
            guard let last = decoded.last, last.timestamp >= mint, let first = decoded.first, first.timestamp <= maxt else { continue }
            out.append(contentsOf: decoded.lazy.filter { $0.timestamp >= mint && $0.timestamp <= maxt })
        }
        return out
    }
}

/// A series' identity within one store, stable while the process runs.
public typealias SeriesRef = UInt64
