import Hummingbird
import Logging
import MetricsModel

/// The HTTP surface of the standalone alertd, which has rules but no store: health probes,
/// lifecycle reload, self-metrics, and `/api/v1/rules`, `/alerts`, `/alertmanagers` and
/// `status/buildinfo` in Prometheus's shapes, with the same middleware as metricsd's API.
package struct RuleServer: Sendable {
    let rules: any RuleRetriever
    let metrics: @Sendable () -> String
    let reload: (@Sendable () async throws -> Void)?
    let httpRequests = HTTPRequestCounter()

    package init(rules: any RuleRetriever, metrics: @escaping @Sendable () -> String, reload: (@Sendable () async throws -> Void)?) {
        self.rules = rules
        self.metrics = metrics
        self.reload = reload
    }

    func router() -> Router<APIRequestContext> {
        let router = Router(context: APIRequestContext.self)
        let table = RouteTable()
        router.add(middleware: HTTPSemanticsMiddleware(routes: table, corsOrigin: nil, requests: httpRequests))
        let routes = Routes(router: router, table: table)
        routes.on("/", [.get, .head]) { _, _ in
            APIServer.text("ToolboxMetrics alertd \(BuildInfo.version): rules at /api/v1/rules, alerts at /api/v1/alerts, self-metrics at /metrics.\n")
        }
        routes.on("/-/healthy", [.get, .head]) { _, _ in APIServer.text("alertd is Healthy.\n") }
        routes.on("/-/ready", [.get, .head]) { _, _ in APIServer.text("alertd is Ready.\n") }
        routes.on("/-/reload", [.post, .put]) { _, _ in await APIServer.reloaded(by: reload) }
        routes.on("/metrics", [.get]) { _, _ in
            let process = ProcessMetrics.read()
            var text = "# HELP process_resident_memory_bytes Resident memory size in bytes.\n# TYPE process_resident_memory_bytes gauge\n"
            text += "process_resident_memory_bytes \(GoFloat.formatG(process.residentBytes))\n"
            text += "# HELP process_cpu_seconds_total Total user and system CPU time spent in seconds.\n# TYPE process_cpu_seconds_total counter\n"
            text += "process_cpu_seconds_total \(GoFloat.formatG(process.cpuSeconds))\n"
            return APIServer.text(text + metrics(), contentType: "text/plain; version=0.0.4; charset=utf-8")
        }
        routes.on("/api/v1/status/buildinfo", [.get, .post]) { _, _ in
            APIResponse.success(["version": BuildInfo.version, "revision": "", "branch": "", "buildUser": "", "buildDate": "", "goVersion": ""])
        }
        RulesEndpoints(rules: rules).register(on: routes)
        return router
    }

    /// An application listening on `host:port`, to run in a `ServiceGroup`.
    package func application(host: String, port: Int, logger: Logger) -> some ApplicationProtocol {
        Application(router: router(), configuration: .init(address: .hostname(host, port: port), serverName: "alertd"), logger: logger)
    }
}
