/// Chooses a queue's shard count from its throughput, as Prometheus's queue manager does
/// (storage/remote/queue_manager.go, `calculateDesiredShards`): enough shards to send what
/// arrives, plus a share of the backlog, at the measured time per sample; changes smaller than
/// 30 % are ignored, and none is made while sends are failing.
struct Resharder {
    let minShards: Int
    let maxShards: Int
    /// How often a decision is taken.
    static let interval: Duration = .seconds(10)
    /// Prometheus's integral gain: the backlog is worked off at about 1 % a second on top.
    static let backlogGain = 0.1 / 10
    static let tolerance = 0.3

    private var arrivals = EWMA()
    private var sendSeconds = 0.0
    private var sent = 0.0
    private var retried = false
    private var lastAppended: UInt64?
    private(set) var desired: Int

    init(minShards: Int, maxShards: Int) {
        self.minShards = minShards
        self.maxShards = maxShards
        desired = minShards
    }

    /// One acknowledged batch: its samples and how long its send took.
    mutating func recordSend(samples: Int, seconds: Double) {
        sent += Double(samples)
        sendSeconds += seconds
    }

    mutating func recordRetry() { retried = true }

    /// The shard count for the next interval. `appendedTotal` is the store's running count of
    /// appended samples (the arrival rate), `delaySeconds` how far the newest sent sample lags the clock.
    mutating func update(current: Int, appendedTotal: UInt64, delaySeconds: Double) -> Int {
        defer {
            sent = 0
            sendSeconds = 0
            retried = false
        }
        let seconds = Double(Self.interval.components.seconds)
        if let lastAppended {
            arrivals.add(Double(appendedTotal &- lastAppended) / seconds)
        }
        lastAppended = appendedTotal
        guard sent > 0, !retried, let rate = arrivals.value else { return current }
        // 1. Time one shard spends per sample. 2. Samples waiting, from the lag. 3. Shards to
        // carry the arrivals and a share of the backlog.
        let timePerSample = sendSeconds / sent
        let pending = max(delaySeconds, 0) * rate
        let wanted = timePerSample * (rate + Self.backlogGain * pending)
        desired = min(max(Int(wanted.rounded(.up)), minShards), maxShards)
        let low = Double(current) * (1 - Self.tolerance)
        let high = Double(current) * (1 + Self.tolerance)
        if wanted > low && wanted < high { return current }
        return desired
    }
}

/// An exponentially weighted moving average with Prometheus's weight for 10 s ticks.
struct EWMA {
    private(set) var value: Double?
    let weight = 0.2

    mutating func add(_ sample: Double) {
        value = value.map { $0 + weight * (sample - $0) } ?? sample
    }
}
