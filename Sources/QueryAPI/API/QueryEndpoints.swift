import Foundation
import Hummingbird
import MetricsModel
import PromQL
import TSDB

extension DB: Queryable {}
/// A query reads through one reader, so all its selectors see the same commits.
extension DB.Reader: Queryable {}

/// The engine limits metricsd's `--query.*` flags set.
package struct QueryOptions: Sendable {
    /// `--query.timeout`: a query's deadline; a client's `timeout` can only shorten it.
    package var timeout: Duration = .seconds(120)
    /// `--query.max-concurrency`: queries evaluating at once; the rest queue.
    package var maxConcurrency = 20
    /// `--query.lookback-delta`, in ms.
    package var lookbackDelta: Int64 = 5 * 60_000
    /// `--query.max-samples`.
    package var maxSamples = 50_000_000
    /// `--query.max-memory`, in bytes; 0 for none.
    package var maxMemory = 0

    package init() {}
}

/// `/api/v1/query` and `/api/v1/query_range`: parsed here, evaluated off the event loops on the
/// storage queue, at most `maxConcurrency` at once, each under its deadline.
struct QueryEndpoints: Sendable {
    let db: DB
    let options: QueryOptions
    let gate: QueryGate
    let metrics: QueryMetrics
    /// Remote read: series from other stores, merged with the store's.
    let secondary: SecondaryReads?

    init(db: DB, options: QueryOptions, gate: QueryGate, metrics: QueryMetrics = QueryMetrics(), secondary: SecondaryReads? = nil) {
        self.db = db
        self.options = options
        self.gate = gate
        self.metrics = metrics
        self.secondary = secondary
    }

    /// Prometheus refuses range queries of more than this many points per series.
    static let maxPoints: Int64 = 11_000

    func register(on routes: Routes) {
        routes.on("/api/v1/query", [.get, .post]) { request, context in
            await APIResponse.respond { try await self.instant(request, connection: context.connection) }
        }
        routes.on("/api/v1/query_range", [.get, .post]) { request, context in
            await APIResponse.respond { try await self.range(request, connection: context.connection) }
        }
        routes.on("/api/v1/query_exemplars", [.get, .post]) { request, _ in await APIResponse.respond { try await self.exemplars(request) } }
    }

    /// metricsd stores no exemplars: `[]` for an expression with selectors, 204 without any, as
    /// Prometheus answers when its exemplar storage is off.
    private func exemplars(_ request: Request) async throws -> Response {
        let parameters = try await APIParameters.read(request)
        let expr = try parse(parameters)
        _ = try parameters.time("start", default: APIParameters.minTime)
        _ = try parameters.time("end", default: APIParameters.maxTime)
        if expr.selectors.isEmpty { return Response(status: .noContent) }
        return APIResponse.success([Any]())
    }

    private func parse(_ parameters: APIParameters) throws(APIError) -> Expr {
        do {
            return try Parser.parse(parameters.first("query") ?? "")
        } catch {
            throw APIError(.badData, "invalid parameter \"query\": \(error)")
        }
    }

    private func instant(_ request: Request, connection: ClientConnection) async throws -> Response {
        let prepared = ContinuousClock.now
        let parameters = try await APIParameters.read(request)
        let expr = try parse(parameters)
        let now = Timestamps.now()
        let time = try parameters.time("time", default: now)
        let engine = try self.engine(parameters)
        let (db, secondary, warnings) = (self.db, self.secondary, StorageWarnings())
        metrics.duration.observe((ContinuousClock.now - prepared).seconds, "prepare_time")
        let result = try await evaluate(parameters, connection: connection) { context in
            try db.withReader { reader in
                defer { warnings.add(reader.damage.warnings) }
                guard let secondary else { return try engine.instant(expr, at: time, on: reader, context: context) }
                let merged = MergedQueryable(local: reader, reads: secondary, warnings: warnings, deadline: context.deadline)
                return try engine.instant(expr, at: time, on: merged, context: context)
            }
        }
        return Self.success(result, query: parameters.first("query") ?? "", storageWarnings: warnings.all)
    }

    private func range(_ request: Request, connection: ClientConnection) async throws -> Response {
        let prepared = ContinuousClock.now
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
        if let type = try? Parser.type(of: expr), type != .scalar, type != .vector {
            throw APIError(.badData, "invalid expression type \"\(type.rawValue)\" for range query, must be Scalar or instant Vector")
        }
        guard end.saturatingSubtract(start) / step <= Self.maxPoints else {
            throw APIError(.badData, "exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)")
        }
        let engine = try self.engine(parameters)
        let (db, secondary, warnings) = (self.db, self.secondary, StorageWarnings())
        metrics.duration.observe((ContinuousClock.now - prepared).seconds, "prepare_time")
        let result = try await evaluate(parameters, connection: connection) { context in
            try db.withReader { reader in
                defer { warnings.add(reader.damage.warnings) }
                guard let secondary else { return try engine.range(expr, start: start, end: end, step: step, on: reader, context: context) }
                let merged = MergedQueryable(local: reader, reads: secondary, warnings: warnings, deadline: context.deadline)
                return try engine.range(expr, start: start, end: end, step: step, on: merged, context: context)
            }
        }
        return Self.success(result, query: parameters.first("query") ?? "", storageWarnings: warnings.all)
    }

    /// The engine for one query: the server's limits, and the request's `lookback_delta` if given.
    private func engine(_ parameters: APIParameters) throws(APIError) -> Engine {
        var engine = Engine()
        engine.lookbackDelta = options.lookbackDelta
        engine.maxSamples = options.maxSamples
        engine.maxMemory = options.maxMemory
        if let text = parameters.first("lookback_delta"), !text.isEmpty {
            guard let lookback = Self.parseStep(text), lookback > 0 else {
                throw APIError(.badData, "invalid parameter \"lookback_delta\": cannot parse \"\(text)\" to a valid duration")
            }
            engine.lookbackDelta = lookback
        }
        return engine
    }

    /// Runs `work` under the concurrency bound and the query's deadline; a cancelled request, or
    /// one whose client closed the connection, stops the evaluation at its next check.
    /// Returns the value, its annotations and, when the request asked for `stats`, Prometheus's `stats` object.
    private func evaluate(
        _ parameters: APIParameters, connection: ClientConnection, _ work: @escaping @Sendable (QueryContext) throws -> QueryValue
    ) async throws -> Evaluated {
        let received = ContinuousClock.now
        var timeout = options.timeout
        if let text = parameters.first("timeout"), !text.isEmpty {
            guard let requested = Self.parseTimeout(text) else {
                throw APIError(.badData, "invalid parameter \"timeout\": cannot parse \"\(text)\" to a valid duration")
            }
            timeout = min(timeout, requested)
        }
        let deadline = received + timeout
        guard await gate.acquire(deadline: deadline) else {
            metrics.failures.add(1, "timeout")
            throw APIError(.timeout, "query timed out in query queue")
        }
        defer { gate.release() }
        let admitted = ContinuousClock.now
        metrics.duration.observe((admitted - received).seconds, "queue_time")
        let context = QueryContext(deadline: deadline)
        let watcher = connection.watch { context.cancel() }
        defer { watcher.cancel() }
        let value = try await withTaskCancellationHandler {
            try await Storage.run { () throws -> QueryValue in
                do {
                    return try work(context)
                } catch let error as EvaluationError {
                    metrics.failures.add(1, error.kind == .execution ? "execution" : error.kind == .timeout ? "timeout" : "canceled")
                    switch error.kind {
                    case .execution: throw APIError(.execution, error.message)
                    case .timeout: throw APIError(.timeout, error.message)
                    case .canceled: throw APIError(.canceled, error.message)
                    }
                }
            }
        } onCancel: {
            context.cancel()
        }
        metrics.duration.observe((ContinuousClock.now - admitted).seconds, "inner_eval")
        metrics.samples.add(Double(context.samplesLoaded))
        guard let wanted = parameters.first("stats"), !wanted.isEmpty else { return Evaluated(value: value, stats: nil, annotations: context.annotations) }
        let finished = ContinuousClock.now
        // Parsing happened before `received`; the whole evaluation is reported as inner evaluation.
        let stats: [String: Any] = [
            "timings": [
                "evalTotalTime": (finished - admitted).inSeconds, "resultSortTime": 0, "queryPreparationTime": 0,
                "innerEvalTime": (finished - admitted).inSeconds, "execQueueTime": (admitted - received).inSeconds,
                "execTotalTime": (finished - received).inSeconds,
            ],
            "samples": ["totalQueryableSamples": context.samplesLoaded, "peakSamples": context.samplesLoaded],
        ]
        return Evaluated(value: value, stats: stats, annotations: context.annotations)
    }

    /// A timeout as float seconds (nanosecond precision, as Prometheus reads it) or a duration.
    static func parseTimeout(_ text: String) -> Duration? {
        if case .success(let seconds) = GoFloat.parse(text) {
            guard seconds.isFinite, seconds >= 0, seconds < 9e9 else { return nil }
            return .nanoseconds(Int64((seconds * 1e9).rounded()))
        }
        return PromDuration(parsing: text)?.duration
    }

    /// A step as float seconds or a Prometheus duration, in ms.
    static func parseStep(_ text: String) -> Int64? {
        if case .success(let seconds) = GoFloat.parse(text), seconds.isFinite, abs(seconds) < 9e12 { return Int64((seconds * 1000).rounded()) }
        return PromDuration(parsing: text)?.milliseconds
    }

    /// A query's outcome as the handlers render it.
    struct Evaluated {
        let value: QueryValue
        let stats: [String: Any]?
        let annotations: [Annotation]
    }

    /// Prometheus returns at most this many warnings, and as many infos, then says how many it left out.
    static let maxAnnotations = 10

    /// The success envelope: `data` (with `stats` as its last member when asked for), then
    /// `warnings` (the storage's first, as they are, then PromQL's, positioned within `query`) and
    /// `infos` when there are any.
    static func success(_ result: Evaluated, query: String, storageWarnings: [String] = []) -> Response {
        let stats = result.stats.map { APIResponse.encode($0) }
        var annotations: [Annotation.Kind: [String]] = [:]
        for kind in [Annotation.Kind.warning, .info] {
            let texts = result.annotations.filter { $0.kind == kind }.map { $0.text(in: query) }
            guard !texts.isEmpty else { continue }
            var shown = Array(texts.prefix(maxAnnotations))
            let noun = kind == .warning ? "warning" : "info"
            if texts.count > maxAnnotations { shown.append("\(texts.count - maxAnnotations) more \(noun) annotations omitted") }
            annotations[kind] = shown
        }
        return APIResponse.success(warnings: storageWarnings + (annotations[.warning] ?? []), infos: annotations[.info] ?? []) { out in
            ResultJSON.write(result.value, into: &out, stats: stats)
        }
    }
}
