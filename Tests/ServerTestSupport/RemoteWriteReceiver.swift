import Foundation
import Hummingbird
import MetricsModel
import NIOCore
import RemoteProtocol
import Synchronization
import Testing
import TestSupport

/// A remote write receiver for tests: decodes every request on `/api/v1/write`, answers what
/// `respond` says for it, and keeps what it accepted: each sample once, how often it came again,
/// and every request's time, status and samples. It also serves remote read (`SAMPLES`) from what
/// it kept, recording each read's headers and matchers.
package final class RemoteWriteReceiver: Sendable {
    /// One request as it arrived.
    package struct Request: Sendable {
        package var at: ContinuousClock.Instant
        package var status: Int
        /// `series key|timestamp` of every sample in it.
        package var samples: [String]
        package var metadata: [RemoteMetadata]
        package var userAgent: String
        package var headers: [String: String]
    }

    /// What to answer: a status and a `Retry-After` value (or nil), from the request's index (0-based).
    package typealias Responder = @Sendable (_ index: Int) -> (status: Int, retryAfter: String?)

    struct State {
        var requests: [Request] = []
        /// `series key` → timestamp → value, of accepted requests.
        var series: [String: [Int64: Double]] = [:]
        var duplicates = 0
        /// Samples accepted, counted also when they are not kept.
        var sampleCount = 0
        var metadata: [String: RemoteMetadata] = [:]
        /// Bodies and Authorization headers of the requests to the OAuth2 token endpoint.
        var tokenRequests: [(body: String, authorization: String)] = []
        /// Labels of each kept series, by key, for remote read.
        var labels: [String: [(name: String, value: String)]] = [:]
        var reads: [Read] = []
    }

    /// One remote read request as it arrived.
    package struct Read: Sendable {
        package var status: Int
        package var headers: [String: String]
        /// Each query's matchers, as PromQL writes them.
        package var matchers: [[String]]
    }

    final class Box: Sendable {
        let state = Mutex(State())
    }

    private let box = Box()
    private let respond: Responder
    private let server: TestServer
    package let port: Int

    /// Starts on `port` and returns once it answers. With `keepSamples` false it only counts
    /// what it accepts (for soaks that send millions).
    /// The first `rejectedReads` reads are answered 401 (an expired token, say).
    package init(port: Int, keepSamples: Bool = true, rejectedReads: Int = 0, respond: @escaping Responder = { _ in (200, nil) }) async throws {
        self.port = port
        self.respond = respond
        let router = Router()
        router.get("/-/ready") { _, _ in "ok" }
        // An OAuth2 token endpoint (client credentials): a new token per request.
        router.post("/oauth2/token") { [box] request, _ -> Response in
            let body = String(buffer: try await request.body.collect(upTo: 1 << 16))
            let count = box.state.withLock { state in
                state.tokenRequests.append((body, request.headers[.authorization] ?? ""))
                return state.tokenRequests.count
            }
            let json = #"{"access_token":"token-\#(count)","token_type":"bearer","expires_in":3600}"#
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: json)))
        }
        router.post("/api/v1/write") { [box, respond] request, _ -> Response in
            let state = box
            let body = try await request.body.collect(upTo: 64 << 20)
            let decoded = try RemoteWriteRequest.decode(Snappy.decompress(Array(buffer: body)))
            let index = state.state.withLock { $0.requests.count }
            let (status, retryAfter) = respond(index)
            var keys: [String] = []
            state.state.withLock { state in
                if (200..<300).contains(status) { state.sampleCount += decoded.timeseries.reduce(0) { $0 + $1.samples.count } }
                for series in decoded.timeseries where keepSamples {
                    let key = Self.key(series.labels)
                    for sample in series.samples {
                        keys.append("\(key)|\(sample.timestamp)")
                        guard (200..<300).contains(status) else { continue }
                        if state.series[key]?[sample.timestamp] != nil { state.duplicates += 1 }
                        state.labels[key] = series.labels
                        state.series[key, default: [:]][sample.timestamp] = sample.value
                    }
                }
                if (200..<300).contains(status) {
                    for entry in decoded.metadata { state.metadata[entry.family] = entry }
                }
                var fields: [String: String] = [:]
                for header in request.headers { fields[header.name.rawName.lowercased()] = header.value }
                guard keepSamples else { return }
                state.requests.append(Request(
                    at: .now, status: status, samples: keys, metadata: decoded.metadata, userAgent: request.headers[.userAgent] ?? "", headers: fields))
            }
            var response = Response(status: .init(code: status), body: .init(byteBuffer: ByteBuffer(string: status < 300 ? "" : "refused by the test")))
            if let retryAfter { response.headers[.retryAfter] = retryAfter }
            return response
        }
        router.post("/api/v1/read") { [box] request, _ -> Response in
            let body = try await request.body.collect(upTo: 64 << 20)
            let decoded = try RemoteReadRequest.decode(Snappy.decompress(Array(buffer: body)))
            var fields: [String: String] = [:]
            for header in request.headers { fields[header.name.rawName.lowercased()] = header.value }
            let results = box.state.withLock { state -> [[RemoteTimeSeries]]? in
                let status = state.reads.count < rejectedReads ? 401 : 200
                state.reads.append(Read(status: status, headers: fields, matchers: decoded.queries.map { $0.matchers.map(\.description) }))
                guard status == 200 else { return nil }
                return decoded.queries.map { query in
                    state.series.keys.sorted().compactMap { key -> RemoteTimeSeries? in
                        let labels = state.labels[key] ?? []
                        guard Labels(labels.map { Label($0.name, $0.value) }).matches(query.matchers) else { return nil }
                        let samples = (state.series[key] ?? [:]).filter { query.start...query.end ~= $0.key }.sorted { $0.key < $1.key }
                        return RemoteTimeSeries(labels: labels, samples: samples.map { Sample(timestamp: $0.key, value: $0.value) })
                    }
                }
            }
            guard let results else { return Response(status: .unauthorized, body: .init(byteBuffer: ByteBuffer(string: "token expired"))) }
            return Response(
                status: .ok, headers: [.contentType: "application/x-protobuf", .contentEncoding: "snappy"],
                body: .init(byteBuffer: ByteBuffer(bytes: Snappy.compress(RemoteReadResponse(results: results).encode()))))
        }
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)))
        server = TestServer(app)
        let ready = await eventually(within: underLoad) { await httpGet("http://127.0.0.1:\(port)/-/ready") != nil }
        #expect(ready, "remote write receiver on \(port)")
    }

    /// Stops answering (connections are refused once it is down).
    package func stop() { server.cancel() }

    /// `{a="1",b="2"}`: the labels in order, as a map key.
    package static func key(_ labels: [(name: String, value: String)]) -> String {
        "{" + labels.sorted { $0.name < $1.name }.map { "\($0.name)=\"\($0.value)\"" }.joined(separator: ",") + "}"
    }

    package var requests: [Request] { box.state.withLock { $0.requests } }
    package var series: [String: [Int64: Double]] { box.state.withLock { $0.series } }
    package var duplicates: Int { box.state.withLock { $0.duplicates } }
    package var sampleCount: Int { box.state.withLock { $0.sampleCount } }
    package var tokenRequests: [(body: String, authorization: String)] { box.state.withLock { $0.tokenRequests } }
    package var metadata: [String: RemoteMetadata] { box.state.withLock { $0.metadata } }
    package var reads: [Read] { box.state.withLock { $0.reads } }
}
