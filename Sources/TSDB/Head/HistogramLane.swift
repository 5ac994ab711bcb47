import MetricsModel

/// A head series' native histogram samples: closed chunks and the samples of the open one. Only
/// series that have had a histogram carry a lane, so float series pay nothing for it.
///
/// The open chunk is kept decoded (a histogram is appended whole, and a chunk's coding predicts from
/// the samples before); it is encoded when it is cut, at `HistogramChunk.targetSamples` samples or
/// at the chunk range's boundary, which chunks never cross, as float chunks never do.
struct HistogramLane {
    var closed: [(chunk: HistogramChunk, minTime: Int64, maxTime: Int64)] = []
    var open: [HistogramSample] = []
    /// Where the open chunk must end.
    var chunkEnd = Int64.min
    /// The newest histogram, which the next one's counter-reset hint is judged against.
    var newest: FloatHistogram?

    var isEmpty: Bool { closed.isEmpty && open.isEmpty }

    var minTime: Int64 { closed.first?.minTime ?? open.first?.timestamp ?? Int64.max }

    /// The newest sample's time, `Int64.min` when there is none.
    var maxTime: Int64 { open.last?.timestamp ?? closed.last?.maxTime ?? Int64.min }

    /// Appends a sample newer than every one held.
    mutating func append(_ sample: HistogramSample, chunkRange: Int64) {
        if open.count >= HistogramChunk.targetSamples || (!open.isEmpty && sample.timestamp >= chunkEnd) { closeOpen() }
        if open.isEmpty { chunkEnd = sample.timestamp.windowEnd(chunkRange) }
        open.append(sample)
        newest = sample.histogram
    }

    mutating func closeOpen() {
        guard let first = open.first, let last = open.last else { return }
        closed.append((HistogramChunk(open), first.timestamp, last.timestamp))
        open = []
    }

    /// Attaches a whole chunk (WAL checkpoint replay), when it starts after every sample held; returns
    /// its time range, or nil when it attached nothing.
    mutating func attach(_ chunk: HistogramChunk, latest: Int64) throws(ChunkError) -> ClosedRange<Int64>? {
        let samples = try chunk.samples()
        guard let first = samples.first, let last = samples.last, last.timestamp <= latest, first.timestamp > maxTime else { return nil }
        closeOpen()
        closed.append((chunk, first.timestamp, last.timestamp))
        newest = last.histogram
        return first.timestamp...last.timestamp
    }

    /// The chunks and open samples that may hold samples in `mint...maxt`, copied for decoding
    /// outside the shard lock.
    func snapshot(from mint: Int64, through maxt: Int64) -> HistogramSnapshot {
        var chunks: [HistogramChunk] = []
        for entry in closed where entry.maxTime >= mint && entry.minTime <= maxt { chunks.append(entry.chunk) }
        let recent = (open.last.map { $0.timestamp >= mint } ?? false) && open[0].timestamp <= maxt ? open : []
        return HistogramSnapshot(chunks: chunks, open: recent, mint: mint, maxt: maxt)
    }

    /// Every sample in `mint...maxt`.
    func samples(from mint: Int64, through maxt: Int64) -> [HistogramSample] {
        snapshot(from: mint, through: maxt).samples()
    }

    /// The sample stored at exactly `timestamp`, if any.
    func sample(at timestamp: Int64) -> HistogramSample? {
        samples(from: timestamp, through: timestamp).first
    }

    /// Drops whole chunks (and open samples) older than `cut`.
    mutating func truncate(before cut: Int64) {
        closed.removeAll { $0.maxTime < cut }
        if let last = open.last, last.timestamp < cut { open = [] }
        if isEmpty { newest = nil }
    }

    /// Every sample outside `mint...maxt`, re-chunked (a deletion).
    mutating func delete(from mint: Int64, through maxt: Int64, chunkRange: Int64) {
        let kept = samples(from: Int64.min, through: Int64.max).filter { $0.timestamp < mint || $0.timestamp > maxt }
        self = HistogramLane()
        for sample in kept { append(sample, chunkRange: chunkRange) }
    }
}

/// A series' histogram data for one read, taken under the shard lock and decoded outside it.
struct HistogramSnapshot {
    let chunks: [HistogramChunk]
    let open: [HistogramSample]
    let mint: Int64
    let maxt: Int64

    var isEmpty: Bool { chunks.isEmpty && open.isEmpty }

    func samples() -> [HistogramSample] {
        var out: [HistogramSample] = []
        for chunk in chunks {
            // A chunk the head encoded itself always decodes; skip rather than crash if not.
            guard let decoded = try? chunk.samples(in: mint...maxt) else { continue }
            out.append(contentsOf: decoded)
        }
        out.append(contentsOf: open.lazy.filter { $0.timestamp >= mint && $0.timestamp <= maxt })
        return out
    }
}
