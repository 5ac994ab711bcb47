import Foundation
import Hummingbird
import MetricsModel
import TSDB
import Yams

/// `/api/v1/status/*`: configuration (secrets redacted), flags, runtime information, WAL replay,
/// TSDB cardinality and build information.
struct StatusEndpoints: Sendable {
    /// nil in agent mode, where `walreplay` and `tsdb` are unavailable, as in Prometheus's agent.
    let db: DB?
    let runtime: ServerRuntime

    func register(on routes: Routes) {
        routes.on("/api/v1/status/config", [.get]) { _, _ in
            APIResponse.success(["yaml": Self.redact(runtime.configText)])
        }
        routes.on("/api/v1/status/flags", [.get]) { _, _ in APIResponse.success(runtime.flags) }
        routes.on("/api/v1/status/runtimeinfo", [.get]) { _, _ in runtimeInfo() }
        routes.on("/api/v1/status/buildinfo", [.get]) { _, _ in
            // A version Grafana reads as Prometheus ≥ 2.24; no `features` key.
            APIResponse.success([
                "version": "2.53.0", "revision": "toolboxmetrics-\(BuildInfo.version)", "branch": "main",
                "buildUser": "toolboxmetrics", "buildDate": "20261126-00:00:00", "goVersion": "swift6.3",
            ])
        }
        guard let db else {
            AgentRefusals.register(["/api/v1/status/walreplay", "/api/v1/status/tsdb"], on: routes)
            return
        }
        routes.on("/api/v1/status/walreplay", [.get]) { _, _ in
            // Replay finishes before the server starts, so the answer is always "done".
            let last = max(0, db.replayReport.segments - 1)
            return APIResponse.success(["min": 0, "max": last, "current": last])
        }
        routes.on("/api/v1/status/tsdb", [.get]) { request, _ in await APIResponse.respond { try await tsdb(request) } }
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
            "corruptionCount": Int(db?.stats.walCorruptions ?? 0),
            "goroutineCount": ProcessThreads.count,
            "GOMAXPROCS": ProcessInfo.processInfo.activeProcessorCount,
            "GOMEMLIMIT": Int64.max,
            "GOGC": "",
            "GODEBUG": "",
            "storageRetention": runtime.storageRetention,
        ])
    }

    /// Cardinality: series and label pairs, the top `limit` (default 10) of each statistic.
    /// Prometheus's answer covers the head; as VictoriaMetrics's does, `match[]` narrows it to
    /// matching series, `date=YYYY-MM-DD` counts the series of the blocks overlapping that UTC day
    /// and, when the head overlaps it, the head's (per block and head, not per series, as
    /// Prometheus's series lookups work), and `focusLabel` adds the series count per value of one label.
    private func tsdb(_ request: Request) async throws -> Response {
        let parameters = try await APIParameters.read(request)
        var limit = 10
        if let text = parameters.first("limit") ?? parameters.first("topN"), !text.isEmpty {
            guard let value = Int(text), (1...10_000).contains(value) else {
                throw APIError(.badData, "limit must be a positive number less than or equal to 10000")
            }
            limit = value
        }
        let selectors = try parameters.selectors()
        var day: (start: Int64, end: Int64)?
        if let text = parameters.first("date"), !text.isEmpty {
            guard let start = Self.dayStart(text) else {
                throw APIError(.badData, "invalid parameter \"date\": \(goQuote(text)) is not a date of the form YYYY-MM-DD")
            }
            day = (start, start + 86_400_000 - 1)
        }
        let focus = parameters.first("focusLabel").flatMap { $0.isEmpty ? nil : $0 }
        guard let db = self.db else { throw AgentRefusals.error }
        let (head, range) = (db.head, day)
        let series = try await Storage.run { () throws -> [Labels] in
            let sets = selectors.isEmpty ? [[Matcher]()] : selectors
            var found = Set<Labels>()
            for matchers in sets {
                if let range {
                    found.formUnion(try db.series(matchers, from: range.start, through: range.end))
                } else {
                    found.formUnion(head.series(matchers))
                }
            }
            return Array(found)
        }
        var byMetric: [String: Int] = [:]
        var valuesByName: [String: Set<String>] = [:]
        var bytesByName: [String: Int] = [:]
        var byPair: [String: Int] = [:]
        var byName: [String: Int] = [:]
        var byFocus: [String: Int] = [:]
        for labels in series {
            byMetric[labels.get(LabelNames.metricName), default: 0] += 1
            if let focus { byFocus[labels.get(focus), default: 0] += 1 }
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
            "minTime": head.seriesCount == 0 ? Int64.max : head.minTime, "maxTime": head.seriesCount == 0 ? Int64.min : head.maxTime,
        ]
        var answer: [String: Any] = [
            "headStats": headStats,
            "seriesCountByMetricName": top(byMetric),
            "labelValueCountByLabelName": top(valuesByName.mapValues(\.count)),
            "memoryInBytesByLabelName": top(bytesByName),
            "seriesCountByLabelValuePair": top(byPair),
            // Not in Prometheus's answer (clients ignore unknown keys), as VictoriaMetrics names them.
            "seriesCountByLabelName": top(byName),
            "totalSeries": series.count,
            "totalLabelValuePairs": byPair.count,
        ]
        if focus != nil { answer["seriesCountByFocusLabelValue"] = top(byFocus) }
        return APIResponse.success(answer)
    }

    /// Milliseconds at the start of a UTC day written `YYYY-MM-DD`.
    static func dayStart(_ text: String) -> Int64? {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
              let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]),
              (1...12).contains(month), (1...31).contains(day)
        else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        guard let date = calendar.date(from: DateComponents(year: year, month: month, day: day)),
              calendar.component(.day, from: date) == day
        else { return nil }
        return Int64(date.timeIntervalSince1970 * 1000)
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
