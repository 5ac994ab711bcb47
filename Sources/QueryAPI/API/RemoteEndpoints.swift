import Hummingbird
import MetricsModel
import RemoteProtocol
import TSDB

/// Prometheus remote write (receiving, behind `--web.enable-remote-write-receiver`) and remote read:
/// snappy-compressed protobuf bodies, float samples.
struct RemoteEndpoints: Sendable {
    let db: DB
    let writeEnabled: Bool
    /// The global external labels, which remote read adds to every series it returns.
    var externalLabels: @Sendable () -> [String: String] = { [:] }
    /// Compressed bodies larger than this are refused.
    static let maxBodyBytes = 64 << 20

    func register(on routes: Routes) {
        routes.on("/api/v1/write", [.post]) { request, _ in await write(request) }
        routes.on("/api/v1/read", [.post]) { request, _ in await read(request) }
    }

    /// Remote read/write errors are plain text lines, as Go's `http.Error` writes them.
    static func text(_ message: String, _ status: HTTPResponse.Status) -> Response {
        var response = APIServer.text(message + "\n", status: status)
        // The body was not read to its end: the connection cannot carry another request (`HTTPGuard`).
        if status == .contentTooLarge { response.headers[.connection] = "close" }
        return response
    }

    /// The answer to a request that could not be read or decoded.
    static func refusal(_ error: any Error) -> Response {
        text("\(error)", (error as? RemoteFailure)?.status ?? .badRequest)
    }

    private func body(_ request: Request) async throws(RemoteFailure) -> [UInt8] {
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: Self.maxBodyBytes)
        } catch {
            throw RemoteFailure("request body larger than \(Self.maxBodyBytes) bytes", status: .contentTooLarge)
        }
        do {
            return try Snappy.decompress(Array(buffer: buffer))
        } catch {
            throw RemoteFailure(error.description)
        }
    }

    struct RemoteFailure: Error, CustomStringConvertible {
        let description: String
        /// 400 unless said otherwise (413 for a body over the limit).
        let status: HTTPResponse.Status
        init(_ description: String, status: HTTPResponse.Status = .badRequest) {
            self.description = description
            self.status = status
        }
    }

    /// Stores every valid sample of the request and answers with Prometheus's status for what was
    /// refused: 204 when nothing was, 400 (which senders do not retry) when a series had invalid
    /// labels or a sample was out of order, out of bounds or a second value for its timestamp, 500
    /// when the store could not commit. Unlike Prometheus 2.42, which drops the whole request on
    /// one bad sample, the valid samples are kept either way; a sample equal to the one stored
    /// (a retried request) is no refusal.
    private func write(_ request: Request) async -> Response {
        guard writeEnabled else {
            return Self.text("remote write receiver needs to be enabled with --web.enable-remote-write-receiver", .notFound)
        }
        let decoded: RemoteWriteRequest
        do {
            decoded = try RemoteWriteRequest.decode(try await body(request))
        } catch {
            return Self.refusal(error)
        }
        let db = self.db
        let refusals: Refusals
        do {
            refusals = try await Storage.run { try Self.append(decoded, to: db) }
        } catch {
            return Self.text("\(error)", .internalServerError)
        }
        guard refusals.count == 0 else { return Self.text(refusals.description, .badRequest) }
        return Response(status: .noContent)
    }

    /// What one write request could not store: a count and the first few reasons.
    struct Refusals: CustomStringConvertible {
        static let examplesKept = 3
        var count = 0
        var examples: [String] = []

        mutating func add(_ reason: String) {
            count += 1
            if examples.count < Self.examplesKept { examples.append(reason) }
        }

        var description: String {
            let more = count > examples.count ? "; and \(count - examples.count) more" : ""
            return "\(count) sample(s) refused, the rest stored: " + examples.joined(separator: "; ") + more
        }
    }

    /// Appends the request's valid samples in one transaction and commits them.
    static func append(_ request: RemoteWriteRequest, to db: DB) throws -> Refusals {
        var refusals = Refusals()
        var appender = db.appender()
        for series in request.timeseries {
            let labels: Labels
            do {
                labels = try Self.labels(series)
            } catch {
                for _ in 0..<(series.samples.count + series.histograms.count) { refusals.add(error.description) }
                continue
            }
            for sample in series.samples {
                do {
                    try appender.append(labels, sample)
                } catch let error as AppendError {
                    refusals.add(error.description)
                }
            }
            for sample in series.histograms {
                do {
                    try appender.appendHistogram(labels, sample)
                } catch let error as AppendError {
                    refusals.add(error.description)
                }
            }
        }
        do {
            try appender.commit()
        } catch {
            appender.rollback()
            throw error
        }
        return refusals
    }

    /// A series' labels, checked as Prometheus checks them: names non-empty and unique, a metric name.
    static func labels(_ series: RemoteTimeSeries) throws(RemoteFailure) -> Labels {
        if let problem = series.invalidUTF8 {
            throw RemoteFailure("invalid labels for series \(series.labels.map { "\($0.name)=\(quoteLabelValue($0.value))" }): \(problem)")
        }
        var seen = Set<String>()
        for label in series.labels {
            guard !label.name.isEmpty, seen.insert(label.name).inserted else {
                throw RemoteFailure("invalid labels for series: \(series.labels.map { "\($0.name)=\(quoteLabelValue($0.value))" })")
            }
        }
        guard seen.contains(LabelNames.metricName) else { throw RemoteFailure("series without a metric name") }
        return Labels(Dictionary(series.labels.filter { !$0.value.isEmpty }.map { ($0.name, $0.value) }) { first, _ in first })
    }

    /// Answers each query with the matching series' raw samples (`SAMPLES` response type), as
    /// Prometheus does about external labels: the store holds none, so an equality matcher on an
    /// external label's value is asked as "label absent", and each series returned carries the
    /// external labels it does not have itself.
    private func read(_ request: Request) async -> Response {
        let decoded: RemoteReadRequest
        do {
            decoded = try RemoteReadRequest.decode(try await body(request))
        } catch {
            return Self.refusal(error)
        }
        if !decoded.acceptedResponseTypes.isEmpty && !decoded.acceptedResponseTypes.contains(RemoteReadRequest.samplesResponse) {
            return Self.text("server does not support any of the requested response types: \(decoded.acceptedResponseTypes)", .badRequest)
        }
        let db = self.db
        let external = externalLabels()
        do {
            let results = try await Storage.run { () -> [[RemoteTimeSeries]] in
                try decoded.queries.map { query in
                    let matchers = try Self.storedMatchers(query.matchers, external: external)
                    return try db.withReader { reader in
                        // Floats and native histograms of a series go in one TimeSeries.
                        var series: [Labels: ([Sample], [HistogramSample])] = [:]
                        for (labels, samples) in try reader.select(matchers, from: query.start, through: query.end) {
                            series[labels, default: ([], [])].0 = samples.filter { !StaleMarker.isStale($0.value) }
                        }
                        for (labels, samples) in try reader.selectHistograms(matchers, from: query.start, through: query.end) {
                            series[labels, default: ([], [])].1 = samples.filter { !$0.isStale }
                        }
                        return series.sorted { $0.key < $1.key }.map { labels, data in
                            RemoteTimeSeries(
                                labels: Self.withExternalLabels(labels, external).map { ($0.name, $0.value) },
                                samples: data.0, histograms: data.1)
                        }
                    }
                }
            }
            let body = Snappy.compress(RemoteReadResponse(results: results).encode())
            return Response(
                status: .ok,
                headers: [.contentType: "application/x-protobuf", .contentEncoding: "snappy"],
                body: .init(byteBuffer: ByteBuffer(bytes: body)))
        } catch {
            return Self.text("\(error)", .internalServerError)
        }
    }

    /// The matchers to ask the store: one equal to an external label's value matches the label's absence.
    static func storedMatchers(_ matchers: [Matcher], external: [String: String]) throws -> [Matcher] {
        try matchers.map { matcher in
            guard matcher.type == .equal, let value = external[matcher.name], value == matcher.value else { return matcher }
            return try Matcher(.equal, matcher.name, "")
        }
    }

    /// `labels` with each external label it lacks.
    static func withExternalLabels(_ labels: Labels, _ external: [String: String]) -> Labels {
        guard !external.isEmpty else { return labels }
        var builder = labels.builder()
        for (name, value) in external where labels[name] == nil { builder.set(name, value) }
        return builder.labels()
    }
}
