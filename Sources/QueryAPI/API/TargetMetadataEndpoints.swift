import Hummingbird
import MetricsModel
import PromQL

/// `/api/v1/metadata` and `/api/v1/targets/metadata`: what scraped targets say about their metric
/// families (`# TYPE`, `# HELP`, `# UNIT`), kept per target by the scrape loops.
struct TargetMetadataEndpoints {
    let targets: any TargetRetriever

    func register(on routes: Routes) {
        routes.on("/api/v1/metadata", [.get]) { request, _ in await APIResponse.respond { try await self.metadata(request) } }
        routes.on("/api/v1/targets/metadata", [.get]) { request, _ in await APIResponse.respond { try await self.targetMetadata(request) } }
    }

    static func render(_ metadata: MetricMetadata) -> [String: String] {
        ["type": metadata.type.rawValue, "help": metadata.help, "unit": metadata.unit]
    }

    /// Per metric name, the distinct metadata across all targets.
    private func metadata(_ request: Request) async throws -> Response {
        let parameters = try await APIParameters.read(request)
        let limit = try parameters.limit()
        let perMetric = try Self.integer(parameters, "limit_per_metric")
        let metric = parameters.first("metric")
        var byName: [String: [MetricMetadata]] = [:]
        for entry in targets.targets().active {
            for (name, value) in entry.metadata where metric == nil || metric == name {
                if !(byName[name]?.contains(value) ?? false) { byName[name, default: []].append(value) }
            }
        }
        var out: [String: [[String: String]]] = [:]
        for name in byName.keys.sorted() {
            if limit > 0 && out.count >= limit { break }
            var values = byName[name] ?? []
            if perMetric > 0 { values = Array(values.prefix(perMetric)) }
            out[name] = values.map(Self.render)
        }
        return APIResponse.success(out)
    }

    /// Metadata per target, filtered by `match_target` and `metric`.
    private func targetMetadata(_ request: Request) async throws -> Response {
        let parameters = try await APIParameters.read(request)
        let limit = try parameters.limit()
        let metric = parameters.first("metric")
        var matchers: [Matcher] = []
        if let text = parameters.first("match_target"), !text.isEmpty {
            guard case .vector(let selector)? = try? Parser.parse(text), selector.modifiers == Modifiers() else {
                throw APIError(.badData, "invalid parameter \"match_target\": expected a label selector such as {job=\"node\"}")
            }
            matchers = selector.allMatchers
        }
        var out: [[String: Any]] = []
        for entry in targets.targets().active where entry.labels.matches(matchers) {
            for name in entry.metadata.keys.sorted() where metric == nil || metric == name {
                if limit > 0 && out.count >= limit { break }
                var row: [String: Any] = Self.render(entry.metadata[name]!)
                row["target"] = entry.labels.dictionary
                if metric == nil { row["metric"] = name }
                out.append(row)
            }
        }
        return APIResponse.success(out)
    }

    static func integer(_ parameters: APIParameters, _ name: String) throws(APIError) -> Int {
        guard let text = parameters.first(name), !text.isEmpty else { return 0 }
        guard let value = Int(text) else { throw APIError(.badData, "invalid parameter \"\(name)\": cannot parse \"\(text)\"") }
        return value
    }
}
