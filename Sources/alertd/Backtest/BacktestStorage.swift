import MetricsModel
import PromQL
import Synchronization

/// Stored history with a backtest's own output laid over it: series the rules produce (recording
/// rule names, `ALERTS`, `ALERTS_FOR_STATE`) come only from the backtest, so history that already
/// holds a live run's results does not count twice; everything else comes from `base`.
final class BacktestStorage<Base: Queryable>: Queryable {
    let base: Base
    let produced: Set<String>
    private let overlay = Mutex([Labels: [Sample]]())

    init(base: Base, produced: Set<String>) {
        self.base = base
        self.produced = produced
    }

    /// Adds the rules' samples; a sample not newer than its series' last is dropped, as the store drops it.
    func append(_ samples: [(Labels, Sample)]) {
        overlay.withLock { overlay in
            for (labels, sample) in samples {
                if let last = overlay[labels]?.last, last.timestamp >= sample.timestamp { continue }
                overlay[labels, default: []].append(sample)
            }
        }
    }

    /// Every produced series with its samples, stale markers left out.
    var output: [(Labels, [Sample])] {
        overlay.withLock { $0 }.map { ($0.key, $0.value.filter { !StaleMarker.isStale($0.value) }) }
            .filter { !$0.1.isEmpty }.sorted { $0.0 < $1.0 }
    }

    func select(_ matchers: [Matcher], from mint: Int64, through maxt: Int64) throws -> [(Labels, [Sample])] {
        var out = try base.select(matchers, from: mint, through: maxt).filter { !produced.contains($0.0.get(LabelNames.metricName)) }
        let mine = overlay.withLock { overlay in
            overlay.filter { labels, _ in matchers.allSatisfy { $0.matches(labels.get($0.name)) } }
        }
        for (labels, samples) in mine {
            let inRange = samples.filter { $0.timestamp >= mint && $0.timestamp <= maxt }
            if !inRange.isEmpty { out.append((labels, inRange)) }
        }
        return out.sorted { $0.0 < $1.0 }
    }

    /// The history's histograms (rules' histogram results are not kept by a backtest).
    func selectHistograms(_ matchers: [Matcher], from mint: Int64, through maxt: Int64) throws -> [(Labels, [HistogramSample])] {
        try base.selectHistograms(matchers, from: mint, through: maxt).filter { !produced.contains($0.0.get(LabelNames.metricName)) }
    }
}
