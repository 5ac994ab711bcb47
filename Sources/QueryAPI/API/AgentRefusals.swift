import Hummingbird

/// What `metricsd --agent` answers on the endpoints that need a local store (queries, series and
/// labels, federation, remote read, admin, rules, cardinality): Prometheus's agent error, 422
/// `execution` "unavailable with Prometheus Agent", so clients see what they would from Prometheus.
/// Targets, target metadata, `/api/v1/metadata` (from the targets) and the status pages answer as usual.
enum AgentRefusals {
    static let error = APIError(.execution, "unavailable with Prometheus Agent")

    /// The paths an agent refuses, with the methods the full server takes on each.
    static let paths: [(String, [HTTPRequest.Method])] = [
        ("/api/v1/query", [.get, .post]), ("/api/v1/query_range", [.get, .post]), ("/api/v1/query_exemplars", [.get, .post]),
        ("/api/v1/series", [.get, .post]), ("/api/v1/labels", [.get, .post]), ("/api/v1/label/:name/values", [.get]),
        ("/api/v1/read", [.post]), ("/api/v1/write", [.post]), ("/federate", [.get]),
        ("/api/v1/rules", [.get, .post]), ("/api/v1/alerts", [.get, .post]), ("/api/v1/alertmanagers", [.get, .post]),
        ("/api/v1/admin/tsdb/delete_series", [.post, .put]), ("/api/v1/admin/tsdb/clean_tombstones", [.post, .put]),
        ("/api/v1/admin/tsdb/snapshot", [.post, .put]),
    ]

    /// Registers every path in `paths`.
    static func registerAll(on routes: Routes) {
        for (path, methods) in paths { refuse(path, methods, on: routes) }
    }

    /// Registers `paths` (GET) as refused.
    static func register(_ paths: [String], on routes: Routes) {
        for path in paths { refuse(path, [.get], on: routes) }
    }

    private static func refuse(_ path: String, _ methods: [HTTPRequest.Method], on routes: Routes) {
        routes.on(path, methods) { _, _ in APIResponse.failure(error) }
    }
}
