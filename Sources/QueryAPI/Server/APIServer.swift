import Config
import Foundation
import Hummingbird
import HummingbirdCore
import NIOCore
import Logging
import MetricsModel
import Relabel
import PromQL
import TSDB

/// The HTTP surface of metricsd: health probes, lifecycle, self-metrics, federation and the
/// Prometheus API v1.
package struct APIServer: Sendable {
    /// What metricsd's flags decide about the HTTP surface.
    package struct Options: Sendable {
        package var query = QueryOptions()
        /// `--web.enable-admin-api`.
        package var enableAdminAPI = false
        /// `--web.cors.origin`, anchored; nil for `.*`.
        package var corsOrigin: AnchoredRegex?
        /// `--web.enable-remote-write-receiver`.
        package var enableRemoteWriteReceiver = false
        /// `--web.max-connections`: past it the server stops accepting (connections wait in the
        /// listen backlog) until one closes, as Prometheus's limited listener does; 0 for no cap.
        package var maxConnections = 512
        /// `--web.read-timeout`: the time to read one request, from the end of the previous
        /// answer (or the connection's start) to its body's last byte; nil for none.
        package var readTimeout: Duration? = .seconds(300)
        /// `--web.config.file`: TLS, basic authentication and response headers; nil for none.
        package var security: WebSecurity?
        /// `--web.audit-log`: where audited requests are written; nil for none.
        package var auditLog: AuditLog?
        /// `--web.ui-libraries-path` and `--web.dashboards-dir`.
        package var ui = UIRoutes.Options()
        package init() {}
    }

    /// The store; nil for `metricsd --agent`, which keeps no samples to query.
    let db: DB?
    let targets: any TargetRetriever
    let rules: any RuleRetriever
    let selfMetrics: SelfMetrics
    /// Re-reads the configuration file and applies it; nil unless `--web.enable-lifecycle`.
    let reload: (@Sendable () async throws -> Void)?
    /// The configuration in effect (for relabel explanations and federation's external labels).
    let config: @Sendable () -> PrometheusConfig
    let options: Options
    let runtime: ServerRuntime
    let httpRequests: HTTPRequestCounter
    let queryMetrics: QueryMetrics
    let queryGate: QueryGate
    /// Remote read's sources, read by queries and `/series` besides the store.
    let secondary: SecondaryReads?

    package init(
        db: DB?, secondary: SecondaryReads? = nil, targets: any TargetRetriever = NoTargets(), rules: any RuleRetriever = NoRules(),
        extraMetrics: @escaping @Sendable () -> String = { "" }, reload: (@Sendable () async throws -> Void)? = nil,
        config: @escaping @Sendable () -> PrometheusConfig = { PrometheusConfig() },
        options: Options = Options(),
        runtime: ServerRuntime = ServerRuntime(flags: [:], storageRetention: "15d", configText: "")
    ) {
        self.db = db
        self.secondary = secondary
        self.targets = targets
        self.rules = rules
        self.reload = reload
        self.config = config
        self.options = options
        self.runtime = runtime
        httpRequests = HTTPRequestCounter()
        queryGate = QueryGate(limit: options.query.maxConcurrency)
        queryMetrics = QueryMetrics()
        selfMetrics = SelfMetrics(db: db, targets: targets, httpRequests: httpRequests, queryGate: queryGate, queryMetrics: queryMetrics, runtime: runtime, extra: extraMetrics)
    }

    /// The router, separate from the listener so tests can drive it in process.
    func router() -> Router<APIRequestContext> {
        let router = Router(context: APIRequestContext.self)
        let table = RouteTable()
        // The audit log outermost, so it records what the client got, refusals included.
        if let auditLog = options.auditLog { router.add(middleware: AuditLogMiddleware(log: auditLog, security: options.security)) }
        // Authentication next: nothing else runs for a request without valid credentials.
        if let security = options.security { router.add(middleware: WebSecurityMiddleware(security: security)) }
        // Added before any route, so it wraps every handler and the not-found answer.
        router.add(middleware: HTTPSemanticsMiddleware(routes: table, corsOrigin: options.corsOrigin, requests: httpRequests))
        let routes = Routes(router: router, table: table)
        // The UI's pages (`/` among them: clients such as prometheus-api-client only need a 2xx there).
        UIRoutes(options: options.ui).register(on: routes)
        routes.on("/-/healthy", [.get, .head]) { _, _ in Self.text("Prometheus Server is Healthy.\n") }
        routes.on("/-/ready", [.get, .head]) { _, _ in Self.text("Prometheus Server is Ready.\n") }
        routes.on("/health", [.get, .head]) { _, _ in Self.text("OK\n") }
        routes.on("/ready", [.get, .head]) { _, _ in Self.text("OK\n") }
        routes.on("/-/reload", [.post, .put]) { _, _ in await Self.reloaded(by: reload) }
        routes.on("/metrics", [.get]) { _, _ in
            Self.text(selfMetrics.render(), contentType: "text/plain; version=0.0.4; charset=utf-8")
        }
        let config = self.config
        TargetMetadataEndpoints(targets: targets).register(on: routes)
        StatusEndpoints(db: db, runtime: runtime).register(on: routes)
        if let db {
            MetadataEndpoints(db: db, secondary: secondary).register(on: routes)
            QueryEndpoints(db: db, options: options.query, gate: queryGate, metrics: queryMetrics, secondary: secondary).register(on: routes)
            AdminEndpoints(db: db, enabled: options.enableAdminAPI).register(on: routes)
            RulesEndpoints(rules: rules).register(on: routes)
            RemoteEndpoints(db: db, writeEnabled: options.enableRemoteWriteReceiver, externalLabels: { config().global.externalLabels }).register(on: routes)
            Federation(db: db, lookbackDelta: options.query.lookbackDelta, externalLabels: { config().global.externalLabels }).register(on: routes)
        } else {
            AgentRefusals.registerAll(on: routes)
        }
        routes.on("/api/v1/targets", [.get]) { request, _ in
            let state = request.uri.queryParameters.get("state") ?? "any"
            let pool = request.uri.queryParameters.get("scrapePool")
            return APIResponse.success(TargetsResponse.render(targets.targets(), droppedCounts: targets.droppedTargetCounts(), state: state, pool: pool))
        }
        routes.on("/api/v1/targets/relabel_steps", [.get]) { request, _ in
            relabelSteps(request)
        }
        routes.on("/api/v1/scrape_pools", [.get]) { _, _ in
            APIResponse.success(["scrapePools": config().scrapeConfigs.map(\.jobName)])
        }
        return router
    }

    /// Each `relabel_configs` rule of `scrapePool` applied to `labels` (a JSON object of discovered
    /// labels, as `/api/v1/targets` lists them): its output and whether the target was kept.
    func relabelSteps(_ request: Request) -> Response {
        let parameters = request.uri.queryParameters
        guard let pool = parameters.get("scrapePool"), !pool.isEmpty else {
            return APIResponse.failure(APIError(.badData, "scrapePool parameter is required"))
        }
        guard let text = parameters.get("labels"), let data = text.data(using: .utf8),
            let labels = (try? JSONSerialization.jsonObject(with: data)) as? [String: String]
        else {
            return APIResponse.failure(APIError(.badData, "labels parameter must be a JSON object of label names to values"))
        }
        guard let scrape = config().scrapeConfigs.first(where: { $0.jobName == pool }) else {
            return APIResponse.failure(APIError(.badData, "scrape pool \(goQuote(pool)) not found"))
        }
        let explanation = RelabelExplanation.explain(Labels(labels), rules: scrape.relabelConfigs)
        let encoder = JSONEncoder()
        let steps: [[String: Any]] = explanation.steps.map { step in
            let rule = (try? encoder.encode(step.rule)).flatMap { try? JSONSerialization.jsonObject(with: $0) } ?? [:]
            return ["rule": rule, "output": step.output.dictionary, "keep": step.keep]
        }
        return APIResponse.success(["steps": steps])
    }

    /// An application listening on `host:port`, to run in a `ServiceGroup`. `onListening` gets the
    /// bound port once the server accepts connections (port 0 asks the system for a free one).
    package func application(
        host: String, port: Int, logger: Logger, onListening: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        let (readTimeout, counters) = (options.readTimeout.map { TimeAmount.nanoseconds(Int64($0.inSeconds * 1e9)) }, httpRequests)
        return Application(
            router: router(),
            server: HTTPServerBuilder { [security = options.security] responder in
                GuardedHTTP1Channel(responder: responder, readTimeout: readTimeout, counters: counters, security: security)
            },
            configuration: .init(
                address: .hostname(host, port: port), serverName: "metricsd",
                availableConnectionsDelegate: options.maxConnections > 0 ? .maximum(options.maxConnections, logger: logger) : nil),
            onServerRunning: { channel in await onListening(channel.localAddress?.port ?? port) },
            logger: logger)
    }

    /// `POST /-/reload`: 403 without `--web.enable-lifecycle`, 500 with the reason when the new
    /// configuration is refused.
    static func reloaded(by reload: (@Sendable () async throws -> Void)?) async -> Response {
        guard let reload else { return text("Lifecycle API is not enabled.", status: .forbidden) }
        do {
            try await reload()
            return text("")
        } catch {
            return text("failed to reload config: \(error)\n", status: .internalServerError)
        }
    }

    static func text(_ body: String, contentType: String = "text/plain; charset=utf-8", status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: contentType], body: .init(byteBuffer: ByteBuffer(string: body)))
    }
}

/// `/api/v1/targets` in Prometheus's shape.
enum TargetsResponse {
    static func render(
        _ snapshot: (active: [ActiveTarget], dropped: [DroppedTarget]), droppedCounts: [String: Int], state: String, pool: String? = nil
    ) -> [String: Any] {
        let snapshot = pool.map { pool in
            (active: snapshot.active.filter { $0.scrapePool == pool }, dropped: snapshot.dropped.filter { $0.scrapePool == pool })
        } ?? snapshot
        let active: [[String: Any]] = snapshot.active.map { entry in
            [
                "discoveredLabels": entry.discoveredLabels.dictionary,
                "labels": entry.labels.dictionary,
                "scrapePool": entry.scrapePool,
                "scrapeUrl": entry.url,
                "globalUrl": entry.url,
                "lastError": entry.lastError,
                "lastScrape": entry.lastScrape == 0 ? "0001-01-01T00:00:00Z"
                    : RFC3339.string(milliseconds: entry.lastScrape),
                "lastScrapeDuration": entry.lastScrapeDuration,
                "health": entry.health,
                "scrapeInterval": entry.interval.description,
                "scrapeTimeout": entry.timeout.description,
            ]
        }
        let dropped: [[String: Any]] = snapshot.dropped.map { ["discoveredLabels": $0.discoveredLabels.dictionary, "scrapePool": $0.scrapePool] }
        var data: [String: Any] = [:]
        // Both lists are always present; the one `state` excludes is empty, as Prometheus answers.
        data["activeTargets"] = state == "any" || state == "active" ? active : []
        data["droppedTargets"] = state == "any" || state == "dropped" ? dropped : []
        // Every pool's count of dropped targets, including those `keep_dropped_targets` leaves out.
        data["droppedTargetCounts"] = pool.map { name in droppedCounts.filter { $0.key == name } } ?? droppedCounts
        return data
    }
}
