import Dispatch
import Foundation
import Logging
import MetricsModel
import PromQL
import Synchronization

/// What every group of a manager shares: the engine, the labels and URL alerts carry, the `for`
/// restore and resend settings, where alerts go and where metrics are counted.
struct RuleRunContext: Sendable {
    var querier: any RuleQuerier
    var externalLabels: [String: String]
    var externalURL: String
    var outageTolerance: Int64
    var gracePeriod: Int64
    var resendDelay: Int64
    var notify: @Sendable ([NotificationAlert]) -> Void
    var metrics: RuleMetrics
    var logger: Logger
}

/// Runs one rule group on its schedule: waits for the group's next slot, evaluates every rule
/// there off the cooperative pool, writes the results, hands due alerts to the notifier, and
/// counts slots it missed. After a start it restores alerts' `for` state once, after the second
/// evaluation, as Prometheus does (so recording rules the alerts read have caught up).
final class RuleGroupRunner<Store: Appendable>: Sendable {
    let key: String
    let schedule: RuleGroupSchedule
    let queryOffset: Int64
    let store: Store
    let context: RuleRunContext
    private let run: Mutex<RuleGroupRun>
    private let timing = Mutex((lastEvaluation: Int64(0), seconds: 0.0))
    private let task = Mutex<Task<Void, Never>?>(nil)
    private static var queue: DispatchQueue { DispatchQueue.global(qos: .userInitiated) }

    init(run: RuleGroupRun, file: String, interval: Int64, queryOffset: Int64, store: Store, context: RuleRunContext) {
        key = file + ";" + run.spec.name
        schedule = RuleGroupSchedule(name: run.spec.name, file: file, interval: interval)
        self.queryOffset = queryOffset
        self.store = store
        self.context = context
        self.run = Mutex(run)
    }

    var file: String { String(key[..<key.lastIndex(of: ";")!]) }
    var current: RuleGroupRun { run.withLock { $0 } }

    func replace(_ group: RuleGroupRun) {
        run.withLock { $0 = group }
    }

    func start(restore: Bool) {
        context.metrics.register(key, interval: schedule.interval, rules: current.spec.rules.count)
        if restore { run.withLock { $0.awaitRestore() } }
        task.withLock { $0 = Task { await self.loop(restore: restore) } }
    }

    /// Stops the loop after its current evaluation.
    func stop() async {
        let running = task.withLock { task in
            defer { task = nil }
            return task
        }
        running?.cancel()
        await running?.value
    }

    /// Writes stale markers for everything the group last wrote: it was removed.
    func markStale() {
        let now = Self.now()
        let series = current.lastSeries
        guard !series.isEmpty else { return }
        write(series.map { ($0, Sample(timestamp: now, value: StaleMarker.value)) })
        context.metrics.remove(key)
    }

    private func loop(restore: Bool) async {
        var slot = schedule.slot(atOrBefore: Self.now()) + schedule.interval
        var iterations = 0
        while !Task.isCancelled {
            do {
                try await Task.sleep(for: .milliseconds(max(0, slot - Self.now())))
            } catch {
                return
            }
            let due = slot
            await offPool { self.evaluate(at: due) }
            iterations += 1
            if restore && iterations == 2 {
                await offPool { self.restoreForState() }
            }
            let (next, missed) = schedule.next(after: slot, now: Self.now())
            if missed > 0 {
                context.metrics.missed(key, missed)
                context.logger.warning("rule group missed evaluations", metadata: ["group": "\(key)", "missed": "\(missed)"])
            }
            slot = next
        }
    }

    /// One evaluation of every rule at `slot` (ms).
    func evaluate(at slot: Int64) {
        let started = ContinuousClock.now
        let wallStart = Self.now()
        var group = current
        let failures = group.evaluate(
            at: slot, queryOffset: queryOffset, querier: context.querier, externalLabels: context.externalLabels,
            externalURL: context.externalURL, writeHistograms: writeHistograms, write: write)
        for failure in failures {
            context.logger.warning("rule evaluation failed", metadata: ["group": "\(key)", "rule": "\(failure.rule)", "error": "\(failure.message)"])
        }
        var alerts: [NotificationAlert] = []
        for (rule, due) in group.alertsToSend(at: slot, resendDelay: context.resendDelay, interval: schedule.interval) {
            let expr = rule.expr.description
            alerts += due.map { NotificationAlert($0, expr: expr, externalURL: context.externalURL) }
        }
        run.withLock { $0 = group }
        if !alerts.isEmpty { context.notify(alerts) }
        let seconds = RuleGroupRun.seconds(ContinuousClock.now - started)
        timing.withLock { $0 = (wallStart, seconds) }
        context.metrics.iteration(
            key, rules: group.spec.rules.count, failures: failures.count, seconds: seconds, ruleSeconds: group.health.map(\.evaluationSeconds),
            evaluatedAt: slot, samples: group.lastSampleCount)
    }

    func restoreForState() {
        var group = current
        do {
            try group.restoreForState(
                at: Self.now(), querier: context.querier, outageTolerance: context.outageTolerance, gracePeriod: context.gracePeriod,
                externalLabels: context.externalLabels)
        } catch {
            context.logger.error("restoring alerts' for state failed", metadata: ["group": "\(key)", "error": "\(error)"])
        }
        run.withLock { $0 = group }
    }

    /// Appends a rule's output. Samples the store refuses (an older timestamp after a restart, say)
    /// are dropped and logged, as Prometheus does; they do not fail the rule.
    func write(_ samples: [(Labels, Sample)]) {
        guard !samples.isEmpty else { return }
        var appender = store.appender()
        var refused = 0
        for (labels, sample) in samples {
            do {
                try appender.append(labels, sample)
            } catch {
                refused += 1
            }
        }
        do {
            try appender.commit()
        } catch {
            context.logger.error("writing rule results failed", metadata: ["group": "\(key)", "error": "\(error)"])
        }
        if refused > 0 {
            context.logger.debug("rule results refused by the store", metadata: ["group": "\(key)", "samples": "\(refused)"])
        }
    }

    /// Appends a recording rule's native histograms, as `write` appends floats; a store that keeps no
    /// histograms fails the rule with the reason.
    func writeHistograms(_ samples: [(Labels, HistogramSample)]) throws {
        var appender = store.appender()
        var refused = 0
        for (labels, sample) in samples {
            do {
                _ = try appender.appendHistogram(0, labels, sample)
            } catch let error as AppendError {
                if case .histogramsNotSupported = error {
                    appender.rollback()
                    throw RuleEvaluationFailure(rule: "", message: error.description)
                }
                refused += 1
            }
        }
        try appender.commit()
        if refused > 0 {
            context.logger.debug("rule results refused by the store", metadata: ["group": "\(key)", "samples": "\(refused)"])
        }
    }

    var status: RuleGroupStatus {
        let group = current
        let (lastEvaluation, seconds) = timing.withLock { $0 }
        let rules = group.spec.rules.enumerated().map { index, spec in
            let alerting = group.alertingRules[index]
            return RuleStatus(
                spec: spec, health: group.health[index], state: alerting?.state ?? .inactive,
                alerts: alerting.map { $0.active.values.filter { $0.state != .inactive }.sorted { $0.labels < $1.labels } } ?? [])
        }
        return RuleGroupStatus(
            name: group.spec.name, file: file, interval: schedule.interval, limit: group.spec.limit, lastEvaluation: lastEvaluation,
            evaluationSeconds: seconds, rules: rules)
    }

    static func now() -> Int64 { Timestamps.now() }

    private func offPool(_ work: @escaping @Sendable () -> Void) async {
        await withCheckedContinuation { continuation in
            Self.queue.async {
                work()
                continuation.resume()
            }
        }
    }
}
