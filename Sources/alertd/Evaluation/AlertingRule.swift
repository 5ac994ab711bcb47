import MetricsModel
import PromQL
import RuleFiles

/// An alerting rule and its alerts, stepped one evaluation at a time as Prometheus's
/// `AlertingRule.Eval` steps them: new alerts go pending, pending ones fire after `for`, firing ones
/// that the expression no longer returns stay firing for `keep_firing_for`, then resolve; resolved
/// alerts are kept `resolvedRetention` for notifications, pending ones that vanish are forgotten.
package struct AlertingRule: Sendable {
    package let spec: RuleSpec
    /// The group's labels merged under the rule's own.
    let labels: [String: String]
    let labelTemplates: [String: Template]
    let annotationTemplates: [String: Template]
    package internal(set) var active: [Labels: Alert] = [:]
    /// False until `for` state has been restored after a start; `ALERTS_FOR_STATE` is written only
    /// once it is true, so a restart does not overwrite the state it is about to read.
    package var restored = true

    /// Prometheus keeps resolved alerts this long (ms) so every Alertmanager hears of the resolution.
    static let resolvedRetention: Int64 = 15 * 60_000

    package init(_ spec: RuleSpec, groupLabels: [String: String]) throws(TemplateError) {
        self.spec = spec
        labels = groupLabels.merging(spec.labels) { _, rule in rule }
        let name = "__alert_" + spec.name
        func compile(_ texts: [String: String]) throws(TemplateError) -> [String: Template] {
            var out: [String: Template] = [:]
            for (key, text) in texts {
                out[key] = try Template(text, name: name, variables: RuleFile.templateVariables, functions: TemplateFunctions.names)
            }
            return out
        }
        labelTemplates = try compile(labels)
        annotationTemplates = try compile(spec.annotations)
    }

    /// One evaluation at `time` (ms) over the expression's result `vector`. Returns the `ALERTS` and
    /// `ALERTS_FOR_STATE` samples for the alerts now pending or firing.
    package mutating func step(
        _ vector: [(Labels, Double)], at time: Int64, externalLabels: [String: String] = [:], externalURL: String = "",
        query: @escaping @Sendable (String) throws -> [TemplateSample] = { _ in [] }
    ) -> [(Labels, Sample)] {
        var seen = Set<Labels>()
        for (series, value) in vector {
            let seriesLabels = series.dictionary
            let context = TemplateContext(
                labels: seriesLabels, externalLabels: externalLabels, externalURL: externalURL, value: value, query: query)
            var builder = LabelsBuilder(series)
            builder.delete(LabelNames.metricName)
            for (name, template) in labelTemplates { builder.set(name, Self.expand(template, context)) }
            builder.set("alertname", spec.name)
            let alertLabels = builder.labels()
            var annotations: [String: String] = [:]
            for (name, template) in annotationTemplates { annotations[name] = Self.expand(template, context) }
            seen.insert(alertLabels)
            if var alert = active[alertLabels], alert.state != .inactive {
                alert.value = value
                alert.annotations = annotations
                alert.keepFiringSince = nil
                active[alertLabels] = alert
            } else {
                active[alertLabels] = Alert(state: .pending, labels: alertLabels, annotations: annotations, value: value, activeAt: time)
            }
        }
        var out: [(Labels, Sample)] = []
        for (key, var alert) in active {
            if !seen.contains(key) {
                var keepFiring = false
                if alert.state == .firing && spec.keepFiringFor > 0 {
                    let since = alert.keepFiringSince ?? time
                    alert.keepFiringSince = since
                    keepFiring = time - since < spec.keepFiringFor
                }
                if alert.state == .pending || (alert.resolvedAt.map { time - $0 > Self.resolvedRetention } ?? false) {
                    active[key] = nil
                    continue
                }
                if alert.state != .inactive && !keepFiring {
                    alert.state = .inactive
                    alert.resolvedAt = time
                }
                active[key] = alert
                if !keepFiring { continue }
            }
            if alert.state == .pending && time - alert.activeAt >= spec.holdDuration {
                alert.state = .firing
                alert.firedAt = time
            }
            active[key] = alert
            out += Self.samples(alert, at: time, forState: restored)
        }
        return out
    }

    /// `ALERTS{…, alertstate} 1` and `ALERTS_FOR_STATE{…} <activeAt in seconds>`.
    static func samples(_ alert: Alert, at time: Int64, forState: Bool) -> [(Labels, Sample)] {
        var alerts = LabelsBuilder(alert.labels)
        alerts.set(LabelNames.metricName, "ALERTS")
        alerts.set("alertstate", alert.state.rawValue)
        var out = [(alerts.labels(), Sample(timestamp: time, value: 1))]
        if forState {
            out.append((forStateLabels(alert.labels), Sample(timestamp: time, value: Double(alert.activeAt / 1000))))
        }
        return out
    }

    /// The `ALERTS_FOR_STATE` series of an alert.
    static func forStateLabels(_ labels: Labels) -> Labels {
        var builder = LabelsBuilder(labels)
        builder.set(LabelNames.metricName, "ALERTS_FOR_STATE")
        return builder.labels()
    }

    /// The rule's state: that of its most advanced alert.
    package var state: Alert.State {
        active.values.map(\.state).max() ?? .inactive
    }

    /// The alerts to hand to the notifier at `time`, marked as sent: firing ones every `resendDelay`,
    /// resolutions once. Each is valid for four resend delays or evaluation intervals, whichever is
    /// longer, so Alertmanager keeps it firing through two missed evaluations or sends.
    package mutating func alertsToSend(at time: Int64, resendDelay: Int64, interval: Int64) -> [Alert] {
        var out: [Alert] = []
        for (key, var alert) in active where alert.needsSending(at: time, resendDelay: resendDelay) {
            alert.lastSentAt = time
            alert.validUntil = time + 4 * max(resendDelay, interval)
            active[key] = alert
            out.append(alert)
        }
        return out.sorted { $0.labels < $1.labels }
    }

    /// A template's text, or Prometheus's marker for one that failed.
    static func expand(_ template: Template, _ context: TemplateContext) -> String {
        do {
            return try template.execute(context)
        } catch {
            return "<error expanding template: \(error)>"
        }
    }
}
