import Foundation
import Hummingbird
import MetricsModel
import TSDB
import Yams

/// `/api/v1/status/*`: configuration (secrets redacted), flags, runtime information, WAL replay,
/// TSDB cardinality and build information.
struct StatusEndpoints: Sendable {
    let db: DB
    let runtime: ServerRuntime

    func register(on routes: Routes) {
        routes.on("/api/v1/status/config", [.get]) { _, _ in
            APIResponse.success(["yaml": Self.redact(runtime.configText)])
        }
        routes.on("/api/v1/status/flags", [.get]) { _, _ in APIResponse.success(runtime.flags) }
        routes.on("/api/v1/status/runtimeinfo", [.get]) { _, _ in runtimeInfo() }
        routes.on("/api/v1/status/walreplay", [.get]) { _, _ in
            // Replay finishes before the server starts, so the answer is always "done".
            let last = max(0, db.replayReport.segments - 1)
            return APIResponse.success(["min": 0, "max": last, "current": last])
        }
        routes.on("/api/v1/status/tsdb", [.get]) { request, _ in await APIResponse.respond { try await tsdb(request) } }
        routes.on("/api/v1/status/buildinfo", [.get]) { _, _ in
            // A version Grafana reads as Prometheus ≥ 2.24; no `features` key.
            APIResponse.success([
                "version": "2.53.0", "revision": "toolboxmetrics-\(BuildInfo.version)", "branch": "main",
                "buildUser": "toolboxmetrics", "buildDate": "20261126-00:00:00", "goVersion": "swift6.3",
            ])
        }
    }

    /// Prometheus's keys; the Go runtime's ones carry this process's nearest equivalents
    /// (threads for goroutines, online CPUs for GOMAXPROCS).
    private func runtimeInfo() -> Response {
        let reload = runtime.reloadState
        return APIResponse.success([
            "startTime": RFC3339.string(runtime.startTime),
            "CWD": FileManager.default.currentDirectoryPath,
            "hostname": ProcessInfo.processInfo.hostName,
            "serverTime": RFC3339.string(Date()),
            "reloadConfigSuccess": reload.succeeded,
            "lastConfigTime": RFC3339.string(reload.time),
            "corruptionCount": Int(db.stats.walCorruptions),
            "goroutineCount": ProcessThreads.count,
            "GOMAXPROCS": ProcessInfo.processInfo.activeProcessorCount,
            "GOMEMLIMIT": Int64.max,
            "GOGC": "",
            "GODEBUG": "",
            "storageRetention": runtime.storageRetention,
        ])
    }

    /// Head cardinality: series and label pairs, top `limit` (default 10) per statistic.
    private func tsdb(_ request: Request) async throws -> Response {
        let parameters = try await APIParameters.read(request)
        var limit = 10
        if let text = parameters.first("limit"), !text.isEmpty {
            guard let value = Int(text), (1...10_000).contains(value) else {
                throw APIError(.badData, "limit must be a positive number less than or equal to 10000")
            }
            limit = value
        }
        let head = db.head
        let series = try await Storage.run { head.series([]) }
        var byMetric: [String: Int] = [:]
        var valuesByName: [String: Set<String>] = [:]
        var bytesByName: [String: Int] = [:]
        var byPair: [String: Int] = [:]
        var byName: [String: Int] = [:]
        for labels in series {
            byMetric[labels.get(LabelNames.metricName), default: 0] += 1
            for label in labels {
                byName[label.name, default: 0] += 1
                valuesByName[label.name, default: []].insert(label.value)
                byPair["\(label.name)=\(label.value)", default: 0] += 1
            }
        }
        for (name, values) in valuesByName { bytesByName[name] = values.reduce(0) { $0 + $1.utf8.count } }
        func top(_ counts: [String: Int]) -> [[String: Any]] {
            counts.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.prefix(limit).map { ["name": $0.key, "value": $0.value] }
        }
        let headStats: [String: Any] = [
            "numSeries": series.count, "numLabelPairs": byPair.count, "chunkCount": head.chunkCount,
            "minTime": series.isEmpty ? Int64.max : head.minTime, "maxTime": series.isEmpty ? Int64.min : head.maxTime,
        ]
        return APIResponse.success([
            "headStats": headStats,
            "seriesCountByMetricName": top(byMetric),
            "labelValueCountByLabelName": top(valuesByName.mapValues(\.count)),
            "memoryInBytesByLabelName": top(bytesByName),
            "seriesCountByLabelValuePair": top(byPair),
            // Not in Prometheus's answer (clients ignore unknown keys): what `tsq tsdb status` ranks label names by.
            "seriesCountByLabelName": top(byName),
        ])
    }

    /// Keys whose values are secrets in a Prometheus configuration.
    static let secretKeys: Set<String> = ["password", "credentials", "bearer_token", "client_secret", "secret_key", "token"]

    /// The configuration text with every secret value replaced by `<secret>`, as Prometheus shows it.
    static func redact(_ yaml: String) -> String {
        guard let node = try? Yams.compose(yaml: yaml) else { return "" }
        func walk(_ node: Node) -> Node {
            switch node {
            case .mapping(var mapping):
                for (key, value) in mapping {
                    if let name = key.string, secretKeys.contains(name), value.scalar != nil {
                        mapping[key] = Node("<secret>")
                    } else {
                        mapping[key] = walk(value)
                    }
                }
                return .mapping(mapping)
            case .sequence(var sequence):
                for index in sequence.indices { sequence[index] = walk(sequence[index]) }
                return .sequence(sequence)
            default:
                return node
            }
        }
        return (try? Yams.serialize(node: walk(node))) ?? ""
    }
}

/// The process's thread count, from `/proc/self/status`.
enum ProcessThreads {
    static var count: Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
        for line in status.split(separator: "\n") where line.hasPrefix("Threads:") {
            return Int(line.dropFirst("Threads:".count).trimmingCharacters(in: .whitespaces)) ?? 0
        }
        return 0
    }
}
