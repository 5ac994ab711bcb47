import Foundation
import Hummingbird
import Logging
import MetricsModel
import PromQL
import Scraper
import TSDB

/// The HTTP surface of metricsd: health probes, self-metrics and the Prometheus API endpoints
/// implemented so far.
public struct APIServer: Sendable {
    let db: DB
    let targets: TargetStatusBoard
    let selfMetrics: SelfMetrics
    /// Re-reads the configuration file and applies it; nil unless `--web.enable-lifecycle`.
    let reload: (@Sendable () async throws -> Void)?
    /// The configuration in effect (for relabel explanations).
    let config: @Sendable () -> PrometheusConfig

    public init(
        db: DB, targets: TargetStatusBoard, reload: (@Sendable () async throws -> Void)? = nil,
        config: @escaping @Sendable () -> PrometheusConfig = { PrometheusConfig() }
    ) {
        self.db = db
        self.targets = targets
        self.reload = reload
        self.config = config
        selfMetrics = SelfMetrics(db: db, targets: targets)
    }

    /// The router, separate from the listener so tests can drive it in process.
    public func router() -> Router<BasicRequestContext> {
        let router = Router()
        router.get("/-/healthy") { _, _ in Self.text("Prometheus Server is Healthy.\n") }
        router.get("/-/ready") { _, _ in Self.text("Prometheus Server is Ready.\n") }
        router.get("/health") { _, _ in Self.text("OK\n") }
        router.get("/ready") { _, _ in Self.text("OK\n") }
        for method in [HTTPRequest.Method.post, .put] {
            router.on("/-/reload", method: method) { _, _ -> Response in
                guard let reload else {
                    return Self.text("Lifecycle API is not enabled.", status: .forbidden)
                }
                do {
                    try await reload()
                    return Self.text("")
                } catch {
                    return Self.text("failed to reload config: \(error)\n", status: .internalServerError)
                }
            }
        }
        router.get("/metrics") { _, _ in
            Self.text(selfMetrics.render(), contentType: "text/plain; version=0.0.4; charset=utf-8")
        }
        MetadataEndpoints(db: db).register(on: router)
        TargetMetadataEndpoints(targets: targets).register(on: router)
        QueryEndpoints(db: db, engine: Engine()).register(on: router)
        router.get("/api/v1/status/buildinfo") { _, _ in
            // A version Grafana reads as Prometheus ≥ 2.24; no `features` key.
            APIResponse.success([
                "version": "2.53.0", "revision": "toolboxmetrics-\(BuildInfo.version)", "branch": "main",
                "buildUser": "toolboxmetrics", "buildDate": "20261126-00:00:00", "goVersion": "swift6.3",
            ])
        }
        router.get("/api/v1/targets") { request, _ in
            let state = request.uri.queryParameters.get("state") ?? "any"
            return Self.json(["status": "success", "data": TargetsResponse.render(targets.snapshot(), state: state)])
        }
        router.get("/api/v1/targets/relabel_steps") { request, _ in
            relabelSteps(request)
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

    /// An application listening on `host:port`, to run in a `ServiceGroup`.
    public func application(host: String, port: Int, logger: Logger) -> some ApplicationProtocol {
        Application(router: router(), configuration: .init(address: .hostname(host, port: port), serverName: "metricsd"), logger: logger)
    }

    static func text(_ body: String, contentType: String = "text/plain; charset=utf-8", status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: contentType], body: .init(byteBuffer: ByteBuffer(string: body)))
    }

    static func json(_ object: [String: Any], status: HTTPResponse.Status = .ok) -> Response {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}

/// `/api/v1/targets` in Prometheus's shape.
enum TargetsResponse {
    static func render(_ snapshot: (active: [TargetStatusBoard.Entry], dropped: [TargetStatusBoard.Dropped]), state: String) -> [String: Any] {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let active: [[String: Any]] = snapshot.active.map { entry in
            [
                "discoveredLabels": entry.target.discoveredLabels.dictionary,
                "labels": entry.target.labels.dictionary,
                "scrapePool": entry.scrapePool,
                "scrapeUrl": entry.target.url,
                "globalUrl": entry.target.url,
                "lastError": entry.lastError,
                "lastScrape": entry.lastScrape == 0 ? "0001-01-01T00:00:00Z"
                    : formatter.string(from: Date(timeIntervalSince1970: Double(entry.lastScrape) / 1000)),
                "lastScrapeDuration": entry.lastScrapeDuration,
                "health": entry.health,
                "scrapeInterval": entry.target.interval.description,
                "scrapeTimeout": entry.target.timeout.description,
            ]
        }
        let dropped: [[String: Any]] = snapshot.dropped.map { ["discoveredLabels": $0.discoveredLabels.dictionary, "scrapePool": $0.scrapePool] }
        var data: [String: Any] = [:]
        if state == "any" || state == "active" { data["activeTargets"] = active }
        if state == "any" || state == "dropped" { data["droppedTargets"] = dropped }
        return data
    }
}
