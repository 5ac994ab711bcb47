/// Series kept outside the local store that queries read as well (Prometheus's remote read).
///
/// Declared here so the query API can merge them without depending on the module that fetches
/// them; metricsd hands one to the API server.
package protocol SecondaryStorage: Sendable {
    /// The series matching `matchers` in `mint...maxt`, or nil when no source is asked for this
    /// selection at all (so the caller reads the local store alone, as fast as without sources).
    /// `localStart` is the local store's oldest timestamp; no source is waited for past `deadline`
    /// (the query's). Blocks while the sources answer: call it off the cooperative pool. A source
    /// that fails yields a warning, never an error: a remote store that is down must not fail a
    /// query the local store can answer.
    func select(
        _ matchers: [Matcher], from mint: Int64, through maxt: Int64, localStart: Int64, deadline: ContinuousClock.Instant?
    ) -> SecondarySelection?
}

/// What the secondary sources returned for one selection.
package struct SecondarySelection: Sendable {
    /// Series sorted by labels, each with time-sorted samples, one entry per label set.
    package var series: [(Labels, [Sample])]
    /// The series that have native histogram samples, sorted by labels, each with those samples
    /// time-sorted (a series may also have floats in `series`).
    package var histograms: [(Labels, [HistogramSample])]
    /// Why a source's series are missing, as the API's `warnings` show it.
    package var warnings: [String]

    package init(series: [(Labels, [Sample])], histograms: [(Labels, [HistogramSample])] = [], warnings: [String]) {
        self.series = series
        self.histograms = histograms
        self.warnings = warnings
    }
}
