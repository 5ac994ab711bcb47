import Foundation
import Hummingbird
import MetricsModel
import PromQL
import TSDB

extension DB: Queryable {}

/// `/api/v1/query` and `/api/v1/query_range`.
struct QueryEndpoints: Sendable {
    let db: DB
    let engine: Engine

    /// Prometheus refuses range queries of more than this many points per series.
    static let maxPoints: Int64 = 11_000

    func register(on router: Router<BasicRequestContext>) {
        for method in [HTTPRequest.Method.get, .post] {
            router.on("/api/v1/query", method: method) { request, _ in await APIResponse.respond { try await self.instant(request) } }
            router.on("/api/v1/query_range", method: method) { request, _ in await APIResponse.respond { try await self.range(request) } }
        }
    }

    private func parse(_ parameters: APIParameters) throws(APIError) -> Expr {
        do {
            return try Parser.parse(parameters.first("query") ?? "")
        } catch {
            throw APIError(.badData, "invalid parameter \"query\": \(error)")
        }
    }

    private func instant(_ request: Request) async throws -> Response {
        let parameters = try await APIParameters.read(request)
        let expr = try parse(parameters)
        let now = Int64((Date().timeIntervalSince1970 * 1000).rounded())
        let time = try parameters.time("time", default: now)
        let engine = self.engine
        let db = self.db
        let value = try await Storage.run { () throws -> QueryValue in
            do { return try engine.instant(expr, at: time, on: db) } catch let error as EvaluationError { throw APIError(.execution, error.message) }
        }
        return Self.success(ResultJSON.encode(value))
    }

    private func range(_ request: Request) async throws -> Response {
        let parameters = try await APIParameters.read(request)
        let expr = try parse(parameters)
        guard let startText = parameters.first("start"), let start = APIParameters.parseTime(startText) else {
            throw APIError(.badData, "invalid parameter \"start\": cannot parse \"\(parameters.first("start") ?? "")\" to a valid timestamp")
        }
        guard let endText = parameters.first("end"), let end = APIParameters.parseTime(endText) else {
            throw APIError(.badData, "invalid parameter \"end\": cannot parse \"\(parameters.first("end") ?? "")\" to a valid timestamp")
        }
        guard end >= start else { throw APIError(.badData, "invalid parameter \"end\": end timestamp must not be before start time") }
        guard let stepText = parameters.first("step"), let step = Self.parseStep(stepText) else {
            throw APIError(.badData, "invalid parameter \"step\": cannot parse \"\(parameters.first("step") ?? "")\" to a valid duration")
        }
        guard step > 0 else {
            throw APIError(.badData, "invalid parameter \"step\": zero or negative query resolution step widths are not accepted. Try a positive integer")
        }
        guard (end - start) / step <= Self.maxPoints else {
            throw APIError(.badData, "exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)")
        }
        let engine = self.engine
        let db = self.db
        let value = try await Storage.run { () throws -> QueryValue in
            do { return try engine.range(expr, start: start, end: end, step: step, on: db) } catch let error as EvaluationError { throw APIError(.execution, error.message) }
        }
        return Self.success(ResultJSON.encode(value))
    }

    /// A step as float seconds or a Prometheus duration, in ms.
    static func parseStep(_ text: String) -> Int64? {
        if case .success(let seconds) = GoFloat.parse(text), seconds.isFinite, abs(seconds) < 9e12 { return Int64((seconds * 1000).rounded()) }
        return PromDuration(parsing: text)?.milliseconds
    }

    static func success(_ data: String) -> Response {
        let body = "{\"status\":\"success\",\"data\":" + data + "}"
        return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: body)))
    }
}
