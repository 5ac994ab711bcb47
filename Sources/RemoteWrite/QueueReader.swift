import MetricsModel
import RemoteProtocol
import Relabel
import TSDB

/// A queue's view of the WAL: the tail, the series it has seen (relabelled and encoded once), and
/// the samples record it is part-way through. It fills rounds: at most `maxSamplesPerSend`
/// samples per shard, a series always in the same shard so its samples stay in order.
struct QueueReader {
    /// A series as it leaves: the protobuf label fields, empty when relabelling dropped it.
    struct Series {
        var fields: [UInt8]
        /// The segment whose series record last named it, for forgetting series the store dropped.
        var segment: Int
    }

    /// A samples or histograms record not wholly taken into rounds yet (one of the two lists is empty).
    struct Partial {
        var samples: [(ref: SeriesRef, sample: Sample)]
        var histograms: [(ref: SeriesRef, sample: HistogramSample)] = []
        var start: WALPosition
        var end: Int
        var next: Int
    }

    /// What one round carries.
    struct Round {
        var shards: [[SeriesRef: [Sample]]]
        /// Native histogram samples by shard and series; a series is in `orders` once, whichever it has.
        var histogramShards: [[SeriesRef: [HistogramSample]]]
        var orders: [[SeriesRef]]
        var counts: [Int]
        var total = 0
        var oldest = Int64.max
        var newest = Int64.min
        /// Samples read and not sent: unknown series, relabelled away, older than sample_age_limit.
        var dropped = 0
        /// Where the queue stands once this round is acknowledged.
        var end: WALPosition
        var startedAt: ContinuousClock.Instant?

        init(shardCount: Int, at position: WALPosition) {
            shards = Array(repeating: [:], count: shardCount)
            histogramShards = Array(repeating: [:], count: shardCount)
            orders = Array(repeating: [], count: shardCount)
            counts = Array(repeating: 0, count: shardCount)
            end = position
        }
    }

    let transform: SeriesTransform
    /// Whether histogram records are read (`send_native_histograms`); otherwise they are passed over.
    let sendHistograms: Bool
    let tail: WALTail
    private(set) var series: [SeriesRef: Series] = [:]
    private var partial: Partial?
    /// The samples already consumed in the record the queue restarted at.
    private var resumeAt: WALPosition?
    private(set) var position: WALPosition
    private var checkpointSeen = -1

    init(walDirectory: String, from position: WALPosition, transform: SeriesTransform, sendHistograms: Bool = false) throws {
        self.transform = transform
        self.sendHistograms = sendHistograms
        self.position = position
        tail = WALTail(directory: walDirectory, from: position)
        resumeAt = position.samplesDone > 0 ? position : nil
        var known: [SeriesRef: Series] = [:]
        try WALTail.series(before: position, in: walDirectory) { entries in
            for (ref, labels) in entries { known[ref] = Series(fields: transform.fields(labels), segment: position.segment) }
        }
        series = known
    }

    /// Adds samples to `round` until a shard is full or the written log is used up; returns true
    /// when the round is full (more is waiting), and the gaps it met.
    mutating func fill(_ round: inout Round, maxPerShard: Int, ageLimit: Int64, now: Int64, gap: @escaping (WALTail.Gap) -> Void) throws -> Bool {
        let shardCount = UInt64(round.shards.count)
        while true {
            if var current = partial {
                let isHistograms = !current.histograms.isEmpty
                while current.next < (isHistograms ? current.histograms.count : current.samples.count) {
                    let ref = isHistograms ? current.histograms[current.next].ref : current.samples[current.next].ref
                    let timestamp = isHistograms ? current.histograms[current.next].sample.timestamp : current.samples[current.next].sample.timestamp
                    guard let entry = series[ref], !entry.fields.isEmpty, ageLimit <= 0 || now - timestamp <= ageLimit else {
                        round.dropped += 1
                        current.next += 1
                        continue
                    }
                    let shard = Int(ref % shardCount)
                    if round.counts[shard] >= maxPerShard {
                        partial = current
                        position = WALPosition(segment: current.start.segment, offset: current.start.offset, samplesDone: current.next)
                        round.end = position
                        return true
                    }
                    if round.shards[shard][ref] == nil && round.histogramShards[shard][ref] == nil { round.orders[shard].append(ref) }
                    if isHistograms {
                        round.histogramShards[shard][ref, default: []].append(current.histograms[current.next].sample)
                    } else {
                        round.shards[shard][ref, default: []].append(current.samples[current.next].sample)
                    }
                    round.counts[shard] += 1
                    round.total += 1
                    round.oldest = min(round.oldest, timestamp)
                    round.newest = max(round.newest, timestamp)
                    if round.startedAt == nil { round.startedAt = .now }
                    current.next += 1
                }
                partial = nil
                position = WALPosition(segment: current.start.segment, offset: current.end)
                round.end = position
            }
            var found: Partial?
            let read = try tail.read(gap: gap) { entry in
                switch entry.record {
                case .series(let entries):
                    for (ref, labels) in entries { series[ref] = Series(fields: transform.fields(labels), segment: entry.start.segment) }
                case .samples(let samples):
                    var next = 0
                    if let resume = resumeAt, resume.segment == entry.start.segment, resume.offset == entry.start.offset {
                        next = min(resume.samplesDone, samples.count)
                    }
                    resumeAt = nil
                    found = Partial(samples: samples, start: entry.start, end: entry.end, next: next)
                    return false
                case .histograms(let histograms) where sendHistograms:
                    var next = 0
                    if let resume = resumeAt, resume.segment == entry.start.segment, resume.offset == entry.start.offset {
                        next = min(resume.samplesDone, histograms.count)
                    }
                    resumeAt = nil
                    found = Partial(samples: [], histograms: histograms, start: entry.start, end: entry.end, next: next)
                    return false
                case .histograms, .other:
                    break
                }
                position = WALPosition(segment: entry.start.segment, offset: entry.end)
                return true
            }
            if let found {
                partial = found
                continue
            }
            // Series and other records move the queue on without samples.
            if read > 0 {
                round.end = position
                continue
            }
            if tail.segment > position.segment || (tail.segment == position.segment && tail.offset > position.offset) {
                position = WALPosition(segment: tail.segment, offset: tail.offset)
                round.end = position
            }
            return false
        }
    }

    /// Forgets series the store no longer has: those missing from a checkpoint the queue has read
    /// past and not named by any later series record.
    mutating func forgetDroppedSeries(walDirectory: String) throws {
        let checkpoints = try WALTail.checkpoints(in: walDirectory).filter { $0.upTo < position.segment }
        guard let newest = checkpoints.max(by: { $0.upTo < $1.upTo }), newest.upTo > checkpointSeen else { return }
        var live = Set<SeriesRef>()
        try WALTail.seriesRecords(inCheckpoint: newest.path) { entries in
            for (ref, _) in entries { live.insert(ref) }
        }
        series = series.filter { live.contains($0.key) || $0.value.segment > newest.upTo }
        checkpointSeen = newest.upTo
    }
}

/// What happens to a series on its way out: external labels it lacks are added, then
/// `write_relabel_configs` run, then the labels are encoded once for every request.
struct SeriesTransform: Sendable {
    let externalLabels: [(name: String, value: String)]
    let relabelConfigs: [RelabelConfig]

    /// The protobuf label fields; empty when relabelling drops the series.
    func fields(_ labels: Labels) -> [UInt8] {
        var labels = labels
        if !externalLabels.isEmpty {
            var builder = LabelsBuilder(labels)
            for (name, value) in externalLabels where !builder.has(name) { builder.set(name, value) }
            labels = builder.labels()
        }
        if !relabelConfigs.isEmpty {
            guard let kept = Relabeler.process(labels, relabelConfigs) else { return [] }
            labels = kept
        }
        return WriteRequestEncoder.labelFields(labels)
    }
}
