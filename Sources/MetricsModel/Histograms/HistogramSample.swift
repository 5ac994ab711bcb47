/// One native histogram sample.
package struct HistogramSample: Sendable, Equatable {
    package var timestamp: Timestamp
    package var histogram: FloatHistogram

    package init(timestamp: Timestamp, histogram: FloatHistogram) {
        self.timestamp = timestamp
        self.histogram = histogram
    }

    /// Whether this is a stale marker: a histogram whose sum is the stale NaN, as Prometheus marks one.
    package var isStale: Bool { StaleMarker.isStale(histogram.sum) }
}

extension HistogramSample {
    /// Two time-sorted runs merged into one; where both have a timestamp, `a`'s sample is kept.
    package static func merge(_ a: [HistogramSample], _ b: [HistogramSample]) -> [HistogramSample] {
        if a.isEmpty { return b }
        if b.isEmpty { return a }
        var out: [HistogramSample] = []
        out.reserveCapacity(a.count + b.count)
        var i = 0
        var j = 0
        while i < a.count || j < b.count {
            if j >= b.count || (i < a.count && a[i].timestamp <= b[j].timestamp) {
                if j < b.count && a[i].timestamp == b[j].timestamp { j += 1 }
                out.append(a[i])
                i += 1
            } else {
                out.append(b[j])
                j += 1
            }
        }
        return out
    }
}
