import MetricsModel
import QueryAPI

/// The rule manager and the notifier as the API reads them (QueryAPI's `RuleRetriever`).
package struct RuleReports<Store: Appendable>: RuleRetriever {
    let manager: RuleManager<Store>
    let notifier: Notifier

    package init(manager: RuleManager<Store>, notifier: Notifier) {
        self.manager = manager
        self.notifier = notifier
    }

    package func ruleGroups() -> [RuleGroupReport] {
        manager.groups().map { group in
            RuleGroupReport(
                name: group.name, file: group.file, interval: Double(group.interval) / 1000, limit: group.limit,
                evaluationTime: group.evaluationSeconds, lastEvaluation: group.lastEvaluation, rules: group.rules.map(Self.report))
        }
    }

    package func alertmanagers() -> (active: [String], dropped: [String]) {
        notifier.alertmanagers()
    }

    static func report(_ rule: RuleStatus) -> RuleReport {
        let spec = rule.spec
        var report = RuleReport(
            kind: spec.kind == .alerting ? .alerting : .recording, name: spec.name, query: spec.expr.description,
            labels: spec.labels, health: rule.health.status.rawValue, lastError: rule.health.lastError,
            evaluationTime: rule.health.evaluationSeconds, lastEvaluation: rule.health.lastEvaluation)
        guard spec.kind == .alerting else { return report }
        report.state = rule.state.rawValue
        report.duration = Double(spec.holdDuration) / 1000
        report.keepFiringFor = Double(spec.keepFiringFor) / 1000
        report.annotations = spec.annotations
        report.alerts = rule.alerts.map { alert in
            AlertReport(
                labels: alert.labels.dictionary, annotations: alert.annotations, state: alert.state.rawValue, activeAt: alert.activeAt,
                keepFiringSince: alert.keepFiringSince, value: alert.value)
        }
        return report
    }
}
