extension FloatHistogram {
    /// Drops empty buckets and rebuilds the spans: runs of populated buckets at most `maxEmptyBuckets`
    /// apart share a span (the empty ones between kept), farther ones get their own (Prometheus's
    /// `Compact`). A NaN count is not empty.
    package mutating func compact(maxEmptyBuckets: Int) {
        (positiveSpans, positiveBuckets) = Self.compacted(indexedBuckets(positive: true), maxEmptyBuckets: maxEmptyBuckets)
        (negativeSpans, negativeBuckets) = Self.compacted(indexedBuckets(positive: false), maxEmptyBuckets: maxEmptyBuckets)
    }

    /// The histogram compacted (see `compact`).
    package func compacted(maxEmptyBuckets: Int = 0) -> FloatHistogram {
        var copy = self
        copy.compact(maxEmptyBuckets: maxEmptyBuckets)
        return copy
    }

    /// Spans and counts of ascending `(index, count)` buckets, as `compact` lays them out.
    package static func compacted(_ buckets: [(index: Int32, count: Double)], maxEmptyBuckets: Int) -> ([HistogramSpan], [Double]) {
        var filled: [(index: Int32, count: Double)] = []
        for bucket in buckets where bucket.count != 0 {
            if let last = filled.last {
                let gap = Int64(bucket.index) - Int64(last.index) - 1
                if gap > 0 && gap <= Int64(maxEmptyBuckets) {
                    for index in (last.index + 1)..<bucket.index { filled.append((index, 0)) }
                }
            }
            filled.append(bucket)
        }
        let layout = HistogramSpan.layout(filled)
        return (layout.spans, layout.counts)
    }

    /// The histogram at the coarser exponential `target` schema, adjacent buckets merged (Prometheus's
    /// `CopyToSchema`). Not for custom buckets.
    package func reduced(to target: Int32) -> FloatHistogram {
        guard target < schema, !usesCustomBuckets else { return self }
        var copy = self
        let positive = HistogramSpan.layout(indexedBuckets(positive: true, targetSchema: target))
        let negative = HistogramSpan.layout(indexedBuckets(positive: false, targetSchema: target))
        (copy.positiveSpans, copy.positiveBuckets) = (positive.spans, positive.counts)
        (copy.negativeSpans, copy.negativeBuckets) = (negative.spans, negative.counts)
        copy.schema = target
        return copy
    }

    /// Whether this histogram, following `previous` in a counter series, starts over (Prometheus's
    /// `DetectReset`): a hint of reset or not-reset decides; otherwise a smaller count, a populated
    /// bucket that shrank or went away, a finer schema, a narrower zero bucket, or other custom bounds
    /// under which a bucket shrank.
    package func isCounterReset(after previous: FloatHistogram) -> Bool {
        switch counterResetHint {
        case .reset: return true
        case .notReset: return false
        case .unknown, .gauge: break
        }
        if count < previous.count { return true }
        if usesCustomBuckets {
            if !previous.usesCustomBuckets { return true }
            if customValues != previous.customValues { return shrankUnderSharedBounds(previous) }
        }
        if schema > previous.schema || zeroThreshold < previous.zeroThreshold { return true }
        let (previousZero, threshold) = previous.zeroCount(forLargerThreshold: zeroThreshold)
        if threshold != zeroThreshold || zeroCount < previousZero { return true }
        for positive in [true, false] {
            let now = indexedBuckets(positive: positive, targetSchema: schema, above: zeroThreshold)
            let before = previous.indexedBuckets(positive: positive, targetSchema: schema, above: zeroThreshold)
            var cursor = 0
            for (index, count) in before {
                while cursor < now.count && now[cursor].index < index { cursor += 1 }
                let current = cursor < now.count && now[cursor].index == index ? now[cursor].count : 0
                if current < count { return true }
            }
        }
        return false
    }

    /// Whether some bucket of the bounds both custom layouts share holds less now than before.
    private func shrankUnderSharedBounds(_ previous: FloatHistogram) -> Bool {
        let shared = Self.sharedBounds(customValues, previous.customValues)
        var now = [Double](repeating: 0, count: shared.count + 1)
        var before = now
        Self.map(self, to: shared, sign: 1, into: &now)
        Self.map(previous, to: shared, sign: 1, into: &before)
        return zip(now, before).contains { $0 < $1 }
    }
}

extension FloatHistogram {
    /// The counter-reset hint a store keeps for this histogram, appended after `previous` (nil when
    /// the series' sample before it is not a histogram, or there is none), as Prometheus's head gives
    /// it back through its chunks: a gauge stays a gauge; a histogram that continues the counter is
    /// `notReset`; one after a float, a stale marker or nothing, and one that resets the counter (a
    /// new chunk, whose first sample Prometheus reads back as unknown: prometheus#15346), is
    /// `unknown`, for the reader to judge.
    package func storedHint(after previous: FloatHistogram?) -> CounterResetHint {
        if counterResetHint == .gauge { return .gauge }
        guard let previous, !StaleMarker.isStale(previous.sum), !StaleMarker.isStale(sum), counterResetHint != .reset else { return .unknown }
        var judged = self
        judged.counterResetHint = .unknown
        return judged.isCounterReset(after: previous) ? .unknown : .notReset
    }

    /// The hint Prometheus's statistics iterator gives a histogram read for `histogram_count`,
    /// `histogram_sum` or `histogram_avg`: one the store left unknown is judged against the sample
    /// before (`reset` or `notReset`); the first, and any other, is kept.
    package func judgedHint(after previous: FloatHistogram?) -> CounterResetHint {
        guard counterResetHint == .unknown, let previous else { return counterResetHint }
        return isCounterReset(after: previous) ? .reset : .notReset
    }
}
