import MetricsModel
import PromQL
import RuleFiles

/// A rule file replayed over stored history: every group evaluated at each of its slots between two
/// times, with the same `RuleGroupRun` and the same schedule (interval and offset) as live
/// evaluation, so a backtest over data a live run scraped gives that run's alerts. Recording-rule
/// results are written back into the history as the run goes, so later rules read them.
package struct RuleBacktest {
    /// One alert from going pending to resolving (or to vanishing while still pending).
    package struct Episode: Sendable, Equatable {
        package var labels: Labels
        package var pendingAt: Int64
        package var firingAt: Int64?
        /// When it resolved after firing, or when the expression stopped returning it while pending.
        package var endedAt: Int64?
        package var alertname: String { labels.get("alertname") }
    }

    package struct Result: Sendable {
        package var episodes: [Episode]
        /// Recording-rule results, `ALERTS` and `ALERTS_FOR_STATE`, without stale markers.
        package var series: [(Labels, [Sample])]
        package var evaluations: Int
        package var failures: [RuleEvaluationFailure]
    }

    let files: [RuleFile]
    let defaultInterval: Int64
    let defaultQueryOffset: Int64
    let engine: Engine
    let externalLabels: [String: String]
    let externalURL: String

    package init(
        files: [RuleFile], defaultInterval: Int64, defaultQueryOffset: Int64 = 0, engine: Engine = Engine(),
        externalLabels: [String: String] = [:], externalURL: String = ""
    ) {
        self.files = files
        self.defaultInterval = defaultInterval
        self.defaultQueryOffset = defaultQueryOffset
        self.engine = engine
        self.externalLabels = externalLabels
        self.externalURL = externalURL
    }

    /// The series names the rules write.
    package var producedNames: Set<String> {
        var names: Set<String> = ["ALERTS", "ALERTS_FOR_STATE"]
        for file in files {
            for group in file.groups {
                for rule in group.rules where rule.kind == .recording { names.insert(rule.name) }
            }
        }
        return names
    }

    /// Replays every group over `history` at its slots in `start...end` (ms).
    package func run(over history: some Queryable, start: Int64, end: Int64) throws(TemplateError) -> Result {
        let storage = BacktestStorage(base: history, produced: producedNames)
        var runs: [(run: RuleGroupRun, schedule: RuleGroupSchedule, queryOffset: Int64)] = []
        for file in files {
            for group in file.groups {
                let schedule = RuleGroupSchedule(name: group.name, file: file.path, interval: group.interval ?? defaultInterval)
                runs.append((try RuleGroupRun(group), schedule, group.queryOffset ?? defaultQueryOffset))
            }
        }
        // Every (slot, group) in time order; groups due at the same moment in file order.
        var due: [(time: Int64, group: Int)] = []
        for (index, entry) in runs.enumerated() {
            var slot = entry.schedule.slot(atOrBefore: start)
            if slot < start { slot += entry.schedule.interval }
            while slot <= end {
                due.append((slot, index))
                slot += entry.schedule.interval
            }
        }
        due.sort { ($0.time, $0.group) < ($1.time, $1.group) }

        var open: [Labels: Episode] = [:]
        var episodes: [Episode] = []
        var failures: [RuleEvaluationFailure] = []
        for (time, index) in due {
            failures += runs[index].run.evaluate(
                at: time, queryOffset: runs[index].queryOffset, engine: engine, storage: storage, externalLabels: externalLabels,
                externalURL: externalURL, write: storage.append)
            let at = time - runs[index].queryOffset
            var seen = Set<Labels>()
            for rule in runs[index].run.alertingRules.values {
                for alert in rule.active.values {
                    seen.insert(alert.labels)
                    switch alert.state {
                    case .pending, .firing:
                        var episode = open[alert.labels] ?? Episode(labels: alert.labels, pendingAt: alert.activeAt)
                        if alert.state == .firing && episode.firingAt == nil { episode.firingAt = alert.firedAt ?? at }
                        open[alert.labels] = episode
                    case .inactive:
                        if var episode = open.removeValue(forKey: alert.labels) {
                            episode.endedAt = alert.resolvedAt ?? at
                            episodes.append(episode)
                        }
                    }
                }
            }
            // Pending alerts the expression stopped returning are forgotten by the rule.
            let ruleNames = Set(runs[index].run.alertingRules.values.map(\.spec.name))
            for (labels, var episode) in open where !seen.contains(labels) && ruleNames.contains(episode.alertname) {
                episode.endedAt = at
                episodes.append(episode)
                open[labels] = nil
            }
        }
        episodes += open.values
        episodes.sort { ($0.pendingAt, $0.labels) < ($1.pendingAt, $1.labels) }
        return Result(episodes: episodes, series: storage.output, evaluations: due.count, failures: failures)
    }
}
