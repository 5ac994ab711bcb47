import Hummingbird

/// `/api/v1/rules`, `/alerts` and `/alertmanagers`. Rule evaluation (alertd) is not built yet, so
/// there are no rule groups, alerts or Alertmanagers to report; the shapes are Prometheus's, which
/// Grafana's alerting views and rule browser read.
struct RulesEndpoints: Sendable {
    func register(on routes: Routes) {
        routes.on("/api/v1/rules", [.get, .post]) { request, _ in
            await APIResponse.respond {
                let parameters = try await APIParameters.read(request)
                if let type = parameters.first("type"), !type.isEmpty, type != "alert", type != "record" {
                    throw APIError(.badData, "invalid parameter \"type\": not supported value \"\(type)\"")
                }
                return APIResponse.success(["groups": [Any]()])
            }
        }
        routes.on("/api/v1/alerts", [.get, .post]) { _, _ in APIResponse.success(["alerts": [Any]()]) }
        routes.on("/api/v1/alertmanagers", [.get, .post]) { _, _ in
            APIResponse.success(["activeAlertmanagers": [Any](), "droppedAlertmanagers": [Any]()])
        }
    }
}
