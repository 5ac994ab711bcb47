import MetricsModel

/// When a rule group evaluates: every `interval` ms, at a fixed offset into the interval derived
/// from the group's name and file, so groups spread over the interval instead of all starting at
/// once, and a restart keeps each group's slots (Prometheus's `EvalTimestamp`).
package struct RuleGroupSchedule: Sendable, Equatable {
    package let interval: Int64
    package let offset: Int64

    package init(name: String, file: String, interval: Int64) {
        self.interval = max(interval, 1)
        offset = Int64(Labels(["name": name, "file": file]).stableHash % UInt64(self.interval))
    }

    /// The latest evaluation slot at or before `time` (ms).
    package func slot(atOrBefore time: Int64) -> Int64 {
        let shifted = time - offset
        var remainder = shifted % interval
        if remainder < 0 { remainder += interval }
        return shifted - remainder + offset
    }

    /// After an evaluation at `previous`, the next slot to run at `now` (ms), and how many slots in
    /// between were missed because the evaluation (or the machine) was too slow.
    package func next(after previous: Int64, now: Int64) -> (slot: Int64, missed: Int64) {
        let missed = max(0, (now - previous) / interval - 1)
        return (previous + (missed + 1) * interval, missed)
    }
}
