import Hummingbird
import MetricsModel

/// `/api/v1/rules`, `/alerts` and `/alertmanagers` in Prometheus's shapes, which Grafana's alerting
/// views, its rule browser and `tsq rules`/`tsq alerts` read.
struct RulesEndpoints: Sendable {
    let rules: any RuleRetriever

    func register(on routes: Routes) {
        routes.on("/api/v1/rules", [.get, .post]) { request, _ in
            await APIResponse.respond {
                let parameters = try await APIParameters.read(request)
                return APIResponse.success(try Self.rules(rules.ruleGroups(), parameters))
            }
        }
        routes.on("/api/v1/alerts", [.get, .post]) { _, _ in
            let alerts = rules.ruleGroups().flatMap(\.rules).flatMap(\.alerts)
            return APIResponse.success(["alerts": alerts.map(Self.json)])
        }
        routes.on("/api/v1/alertmanagers", [.get, .post]) { _, _ in
            let (active, dropped) = rules.alertmanagers()
            return APIResponse.success([
                "activeAlertmanagers": active.map { ["url": $0] }, "droppedAlertmanagers": dropped.map { ["url": $0] },
            ])
        }
    }

    /// The groups the filters select: `type` (alert|record), `rule_name[]`, `rule_group[]`,
    /// `file[]`, and `exclude_alerts`. Groups left without rules are omitted, as Prometheus does.
    static func rules(_ groups: [RuleGroupReport], _ parameters: APIParameters) throws -> [String: Any] {
        let type = parameters.first("type") ?? ""
        guard ["", "alert", "record"].contains(type) else {
            throw APIError(.badData, "invalid parameter \"type\": not supported value \(goQuote(type))")
        }
        let excludeText = parameters.first("exclude_alerts") ?? ""
        guard let excludeAlerts = excludeText.isEmpty ? false : Self.bool(excludeText) else {
            throw APIError(.badData, "invalid parameter \"exclude_alerts\": strconv.ParseBool: parsing \(goQuote(excludeText)): invalid syntax")
        }
        let names = Set(parameters.all("rule_name[]"))
        let groupNames = Set(parameters.all("rule_group[]"))
        let files = Set(parameters.all("file[]"))
        var out: [[String: Any]] = []
        for group in groups {
            if !groupNames.isEmpty && !groupNames.contains(group.name) { continue }
            if !files.isEmpty && !files.contains(group.file) { continue }
            let rules = group.rules.filter { rule in
                (names.isEmpty || names.contains(rule.name))
                    && (type.isEmpty || (type == "alert") == (rule.kind == .alerting))
            }
            if rules.isEmpty { continue }
            out.append([
                "name": group.name, "file": group.file, "rules": rules.map { json($0, excludeAlerts: excludeAlerts) },
                "interval": group.interval, "limit": group.limit, "evaluationTime": group.evaluationTime,
                "lastEvaluation": time(group.lastEvaluation),
            ])
        }
        return ["groups": out]
    }

    static func json(_ rule: RuleReport, excludeAlerts: Bool) -> [String: Any] {
        var object: [String: Any] = [
            "name": rule.name, "query": rule.query, "health": rule.health, "evaluationTime": rule.evaluationTime,
            "lastEvaluation": time(rule.lastEvaluation),
        ]
        if !rule.labels.isEmpty { object["labels"] = rule.labels }
        if !rule.lastError.isEmpty { object["lastError"] = rule.lastError }
        switch rule.kind {
        case .recording:
            object["type"] = "recording"
        case .alerting:
            object["type"] = "alerting"
            object["state"] = rule.state
            object["duration"] = rule.duration
            object["keepFiringFor"] = rule.keepFiringFor
            object["labels"] = rule.labels
            object["annotations"] = rule.annotations
            if !excludeAlerts { object["alerts"] = rule.alerts.map(json) }
        }
        return object
    }

    static func json(_ alert: AlertReport) -> [String: Any] {
        var object: [String: Any] = [
            "labels": alert.labels, "annotations": alert.annotations, "state": alert.state, "activeAt": time(alert.activeAt),
            "value": GoFloat.formatE(alert.value),
        ]
        if let since = alert.keepFiringSince { object["keepFiringSince"] = time(since) }
        return object
    }

    /// Go's zero time before the first evaluation, as Prometheus shows it.
    static func time(_ milliseconds: Int64) -> String {
        milliseconds == 0 ? "0001-01-01T00:00:00Z" : RFC3339.string(milliseconds: milliseconds)
    }

    /// Go's `strconv.ParseBool`.
    static func bool(_ text: String) -> Bool? {
        switch text {
        case "1", "t", "T", "TRUE", "true", "True": true
        case "0", "f", "F", "FALSE", "false", "False": false
        default: nil
        }
    }
}
