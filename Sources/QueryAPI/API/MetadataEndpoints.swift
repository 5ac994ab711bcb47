import Dispatch
import Hummingbird
import MetricsModel
import PromQL
import TSDB

/// `/api/v1/series`, `/labels`, `/label/<name>/values` and `/format_query`.
struct MetadataEndpoints: Sendable {
    let db: DB
    /// Remote read: `/series` lists the series other stores hold too (as Prometheus's does).
    var secondary: SecondaryReads?

    func register(on routes: Routes) {
        routes.on("/api/v1/series", [.get, .post]) { request, _ in await APIResponse.respond { try await self.series(request) } }
        routes.on("/api/v1/labels", [.get, .post]) { request, _ in await APIResponse.respond { try await self.labels(request) } }
        routes.on("/api/v1/format_query", [.get, .post]) { request, _ in await APIResponse.respond { try await self.formatQuery(request) } }
        routes.on("/api/v1/label/:name/values", [.get]) { request, context in
            await APIResponse.respond { try await self.labelValues(request, name: context.parameters.get("name") ?? "") }
        }
    }

    private func series(_ request: Request) async throws -> Response {
        let parameters = try await APIParameters.read(request)
        let selectors = try parameters.selectors()
        guard !selectors.isEmpty else { throw APIError(.badData, "no match[] parameter provided") }
        let (start, end, limit) = (try parameters.time("start", default: APIParameters.minTime), try parameters.time("end", default: APIParameters.maxTime), try parameters.limit())
        let (db, secondary) = (self.db, self.secondary)
        let (found, storageWarnings) = try await Storage.run {
            var all = Set<Labels>()
            var warnings: [String] = []
            for matchers in selectors {
                all.formUnion(try db.series(matchers, from: start, through: end))
                if let secondary, let remote = secondary.storage.select(matchers, from: start, through: end, localStart: secondary.localStart(), deadline: nil) {
                    all.formUnion(remote.series.map(\.0))
                    warnings += remote.warnings.filter { !warnings.contains($0) }
                }
            }
            return (all.sorted(), warnings)
        }
        let (kept, truncated) = truncate(found, limit)
        let warnings = storageWarnings + truncated
        // Written directly: a label set is already sorted by name, as Go's encoder sorts map keys.
        return Self.envelope(warnings: warnings) { out in
            for (index, labels) in kept.enumerated() {
                if index > 0 { out.append(",") }
                out.metric(labels)
            }
        }
    }

    /// A success envelope whose `data` is a list of strings (label names or values).
    static func strings(_ items: [String], warnings: [String]) -> Response {
        envelope(warnings: warnings) { out in
            for (index, item) in items.enumerated() {
                if index > 0 { out.append(",") }
                out.quoted(item)
            }
        }
    }

    /// A success envelope whose `data` is a list, its members written by `members`.
    static func envelope(warnings: [String], _ members: (inout JSONBytes) -> Void) -> Response {
        APIResponse.success(warnings: warnings) { out in
            out.append("[")
            members(&out)
            out.append("]")
        }
    }

    private func labels(_ request: Request) async throws -> Response {
        let parameters = try await APIParameters.read(request)
        let selectors = try parameters.selectors()
        let (start, end, limit) = (try parameters.time("start", default: APIParameters.minTime), try parameters.time("end", default: APIParameters.maxTime), try parameters.limit())
        let names = try await Storage.run {
            if selectors.isEmpty { return try db.labelNames([], from: start, through: end) }
            var all = Set<String>()
            for matchers in selectors { all.formUnion(try db.labelNames(matchers, from: start, through: end)) }
            return all.sorted()
        }
        let (kept, warnings) = truncate(names, limit)
        return Self.strings(kept, warnings: warnings)
    }

    private func labelValues(_ request: Request, name: String) async throws -> Response {
        let parameters = try await APIParameters.read(request)
        // A UTF-8 name arrives escaped as U__… (Prometheus 3); an unescaped one must be a classic
        // label name, as the 2.x API we report checks.
        let label = Self.unescapeLabelName(name)
        let valid = name.hasPrefix("U__") ? LabelName.isValid(label) : LabelName.isLegacyLabelName(label)
        guard valid else { throw APIError(.badData, "invalid label name: \"\(name)\"") }
        let selectors = try parameters.selectors()
        let (start, end, limit) = (try parameters.time("start", default: APIParameters.minTime), try parameters.time("end", default: APIParameters.maxTime), try parameters.limit())
        let values = try await Storage.run {
            if selectors.isEmpty { return try db.labelValues(label, [], from: start, through: end) }
            var all = Set<String>()
            for matchers in selectors { all.formUnion(try db.labelValues(label, matchers, from: start, through: end)) }
            return all.sorted()
        }
        let (kept, warnings) = truncate(values, limit)
        return Self.strings(kept, warnings: warnings)
    }

    private func formatQuery(_ request: Request) async throws -> Response {
        let parameters = try await APIParameters.read(request)
        do {
            return APIResponse.success(try Parser.parse(parameters.first("query") ?? "").description)
        } catch {
            throw APIError(.badData, "invalid parameter \"query\": \(error)")
        }
    }

    private func truncate<T>(_ items: [T], _ limit: Int) -> ([T], [String]) {
        guard limit > 0, items.count > limit else { return (items, []) }
        return (Array(items.prefix(limit)), ["results truncated due to limit"])
    }

    /// `U__` names: `_XX_` hex code points and `__` for `_`, as Prometheus escapes UTF-8 label names in URLs.
    static func unescapeLabelName(_ name: String) -> String {
        guard name.hasPrefix("U__") else { return name }
        var out = ""
        var rest = Substring(name.dropFirst(3))
        while let first = rest.first {
            if first == "_" {
                rest = rest.dropFirst()
                if rest.first == "_" {
                    out.append("_")
                    rest = rest.dropFirst()
                    continue
                }
                guard let end = rest.firstIndex(of: "_"), let code = UInt32(rest[..<end], radix: 16), let scalar = Unicode.Scalar(code) else { return name }
                out.unicodeScalars.append(scalar)
                rest = rest[rest.index(after: end)...]
            } else {
                out.append(first)
                rest = rest.dropFirst()
            }
        }
        return out
    }
}

/// Runs blocking storage work (SQLite, disk reads) on a dedicated queue, off the event loops and
/// the cooperative thread pool.
enum Storage {
    private static let queue = DispatchQueue(label: "metricsd.storage-queries", qos: .userInitiated, attributes: .concurrent)

    static func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async {
                do {
                    continuation.resume(returning: try work())
                } catch let error as APIError {
                    continuation.resume(throwing: error)
                } catch {
                    continuation.resume(throwing: APIError(.execution, "\(error)"))
                }
            }
        }
    }
}
