import Hummingbird
import MetricsModel
import RemoteProtocol
import TSDB

/// Prometheus remote write (receiving, behind `--web.enable-remote-write-receiver`) and remote read:
/// snappy-compressed protobuf bodies, float samples.
struct RemoteEndpoints: Sendable {
    let db: DB
    let writeEnabled: Bool
    /// Compressed bodies larger than this are refused.
    static let maxBodyBytes = 64 << 20

    func register(on routes: Routes) {
        routes.on("/api/v1/write", [.post]) { request, _ in await write(request) }
        routes.on("/api/v1/read", [.post]) { request, _ in await read(request) }
    }

    /// Remote read/write errors are plain text lines, as Go's `http.Error` writes them.
    static func text(_ message: String, _ status: HTTPResponse.Status) -> Response {
        APIServer.text(message + "\n", status: status)
    }

    private func body(_ request: Request) async throws(RemoteFailure) -> [UInt8] {
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: Self.maxBodyBytes)
        } catch {
            throw RemoteFailure("request body larger than \(Self.maxBodyBytes) bytes")
        }
        do {
            return try Snappy.decompress(Array(buffer: buffer))
        } catch {
            throw RemoteFailure(error.description)
        }
    }

    struct RemoteFailure: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }

    /// Appends every sample in one transaction: all or nothing, as Prometheus does; a rejected
    /// sample (out of order, invalid labels) fails the request with 400, which senders do not retry.
    private func write(_ request: Request) async -> Response {
        guard writeEnabled else {
            return Self.text("remote write receiver needs to be enabled with --web.enable-remote-write-receiver", .notFound)
        }
        let decoded: RemoteWriteRequest
        do {
            decoded = try RemoteWriteRequest.decode(try await body(request))
        } catch {
            return Self.text("\(error)", .badRequest)
        }
        let db = self.db
        do {
            try await Storage.run {
                var appender = db.appender()
                do {
                    for series in decoded.timeseries {
                        let labels = try Self.labels(series)
                        for sample in series.samples { try appender.append(labels, sample) }
                    }
                    try appender.commit()
                } catch let error as AppendError {
                    appender.rollback()
                    guard case .outOfOrder(let labels, let timestamp) = error else { throw APIError(.badData, "\(error)") }
                    throw APIError(.badData, "out of order sample for series \(labels) at \(timestamp)")
                } catch let error as RemoteFailure {
                    appender.rollback()
                    throw APIError(.badData, error.description)
                } catch {
                    appender.rollback()
                    throw error
                }
            }
        } catch let error as APIError where error.kind == .badData {
            return Self.text(error.message, .badRequest)
        } catch {
            return Self.text("\(error)", .internalServerError)
        }
        return Response(status: .noContent)
    }

    /// A series' labels, checked as Prometheus checks them: names non-empty and unique, a metric name.
    static func labels(_ series: RemoteTimeSeries) throws -> Labels {
        var seen = Set<String>()
        for label in series.labels {
            guard !label.name.isEmpty, seen.insert(label.name).inserted else {
                throw RemoteFailure("invalid labels for series: \(series.labels.map { "\($0.name)=\(quoteLabelValue($0.value))" })")
            }
        }
        guard seen.contains(LabelNames.metricName) else { throw RemoteFailure("series without a metric name") }
        return Labels(Dictionary(series.labels.filter { !$0.value.isEmpty }.map { ($0.name, $0.value) }) { first, _ in first })
    }

    /// Answers each query with the matching series' raw samples (`SAMPLES` response type).
    private func read(_ request: Request) async -> Response {
        let decoded: RemoteReadRequest
        do {
            decoded = try RemoteReadRequest.decode(try await body(request))
        } catch {
            return Self.text("\(error)", .badRequest)
        }
        if !decoded.acceptedResponseTypes.isEmpty && !decoded.acceptedResponseTypes.contains(RemoteReadRequest.samplesResponse) {
            return Self.text("server does not support any of the requested response types: \(decoded.acceptedResponseTypes)", .badRequest)
        }
        let db = self.db
        do {
            let results = try await Storage.run { () -> [[RemoteTimeSeries]] in
                try decoded.queries.map { query in
                    try db.select(query.matchers, from: query.start, through: query.end).map { labels, samples in
                        RemoteTimeSeries(
                            labels: labels.map { ($0.name, $0.value) }, samples: samples.filter { !StaleMarker.isStale($0.value) })
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
}
