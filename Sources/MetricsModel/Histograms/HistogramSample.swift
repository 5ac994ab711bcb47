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
