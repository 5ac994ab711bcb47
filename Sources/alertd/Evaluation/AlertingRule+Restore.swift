import MetricsModel
import PromQL

extension AlertingRule {
    /// Restores how long each active alert has been pending from before a restart, as Prometheus's
    /// `RestoreForState` does at `time` (ms): the newest `ALERTS_FOR_STATE` sample within
    /// `outageTolerance` gives the old `activeAt`; the time the process was down is added to it, so
    /// the alert still waits out the rest of its `for`, and never less than `gracePeriod`. An alert
    /// that had already fired keeps its old `activeAt` and fires again at the next evaluation.
    /// Rules whose `for` is shorter than the grace period are left alone. Marks the rule restored.
    /// `externalLabels`: labels the stored series may carry besides the alert's own (remote write
    /// adds them), ignored when matching.
    package mutating func restoreForState(
        at time: Int64, querier: some RuleQuerier, outageTolerance: Int64, gracePeriod: Int64, externalLabels: [String: String] = [:]
    ) throws {
        defer { restored = true }
        let hold = spec.holdDuration
        guard hold > 0, hold >= gracePeriod else { return }
        for (key, var alert) in active {
            let series = Self.forStateLabels(alert.labels)
            let matchers = try series.map { label throws -> Matcher in try Matcher(.equal, label.name, label.value) }
            let candidates = try querier.select(matchers, from: time - outageTolerance, through: time)
            let found = candidates.first { candidate in
                var builder = LabelsBuilder(candidate.0)
                for name in externalLabels.keys where series[name] == nil { builder.delete(name) }
                return builder.labels() == series
            }
            // A stale marker last means the alert had ended before the restart.
            guard let last = found?.1.last, !StaleMarker.isStale(last.value) else { continue }
            let downAt = last.timestamp / 1000 * 1000
            let previousActiveAt = Int64(last.value) * 1000
            let remaining = hold - (downAt - previousActiveAt)
            if remaining <= 0 {
                alert.activeAt = previousActiveAt
            } else if remaining < gracePeriod {
                alert.activeAt = time + gracePeriod - hold
            } else {
                alert.activeAt = previousActiveAt + (time - downAt)
            }
            active[key] = alert
        }
    }

    /// `restoreForState` over a store read in process.
    package mutating func restoreForState(at time: Int64, storage: some Queryable, outageTolerance: Int64, gracePeriod: Int64) throws {
        try restoreForState(
            at: time, querier: LocalQuerier(engine: Engine(), storage: storage), outageTolerance: outageTolerance, gracePeriod: gracePeriod)
    }
}
