import Foundation
import Hummingbird
import MetricsModel
import TSDB

/// `/api/v1/admin/tsdb/*`, answered only with `--web.enable-admin-api`.
struct AdminEndpoints: Sendable {
    let db: DB
    let enabled: Bool

    func register(on routes: Routes) {
        routes.on("/api/v1/admin/tsdb/delete_series", [.post, .put]) { request, _ in
            await APIResponse.respond { try await guarded { try await deleteSeries(request) } }
        }
        routes.on("/api/v1/admin/tsdb/clean_tombstones", [.post, .put]) { _, _ in
            await APIResponse.respond {
                try await guarded {
                    try await Storage.run { try db.cleanTombstones() }
                    return Response(status: .noContent)
                }
            }
        }
        routes.on("/api/v1/admin/tsdb/snapshot", [.post, .put]) { request, _ in
            await APIResponse.respond { try await guarded { try await snapshot(request) } }
        }
    }

    private func guarded(_ body: () async throws -> Response) async throws -> Response {
        guard enabled else { throw APIError(.unavailable, "admin APIs disabled") }
        return try await body()
    }

    private func deleteSeries(_ request: Request) async throws -> Response {
        let parameters = try await APIParameters.read(request)
        let selectors = try parameters.selectors()
        guard !selectors.isEmpty else { throw APIError(.badData, "no match[] parameter provided") }
        let start = try parameters.time("start", default: APIParameters.minTime)
        let end = try parameters.time("end", default: APIParameters.maxTime)
        try await Storage.run {
            for matchers in selectors { _ = try db.delete(matchers, from: start, through: end) }
        }
        return Response(status: .noContent)
    }

    /// Hard-links every block (and, unless `skip_head`, a block of the head's data) under
    /// `<data>/snapshots/<name>`.
    private func snapshot(_ request: Request) async throws -> Response {
        let parameters = try await APIParameters.read(request)
        let skipHead = ["true", "1", "t", "True", "TRUE"].contains(parameters.first("skip_head") ?? "")
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        let name = formatter.string(from: Date()) + "-" + UInt64.random(in: 0...UInt64.max).hexadecimal(digits: 16)
        let directory = "\(db.path)/snapshots/\(name)"
        do {
            try await Storage.run { try db.snapshot(to: directory, includeHead: !skipHead) }
        } catch let error as APIError {
            throw error
        } catch {
            throw APIError(.internal, "create snapshot: \(error)")
        }
        return APIResponse.success(["name": name])
    }
}
