import AsyncHTTPClient
import Config
import Foundation
import NIOCore
import NIOHTTP1
import RemoteProtocol
import RemoteWrite

/// Sends remote read requests (`SAMPLES` responses) to one endpoint, waiting on the calling thread
/// for the answer: remote read runs inside a query's evaluation, off the cooperative pool.
struct RemoteReadClient: Sendable {
    let config: RemoteReadConfig
    let client: HTTPClient
    let userAgent: String
    /// Tokens for `oauth2:`, shared by every read of this endpoint.
    let oauth2: OAuth2TokenSource?

    /// A compressed answer larger than this is refused, so a misbehaving server cannot exhaust memory.
    static let maxResponseBytes = 256 << 20

    struct Failure: Error, CustomStringConvertible {
        let description: String
        /// The HTTP status, for `prometheus_remote_storage_read_queries_total`'s `code`; nil without an answer.
        let status: Int?
    }

    init(config: RemoteReadConfig, client: HTTPClient, userAgent: String) {
        self.config = config
        self.client = client
        self.userAgent = userAgent
        oauth2 = config.http.oauth2.map { OAuth2TokenSource(config: $0) }
    }

    /// The series one query selects, waiting at most `remote_timeout` and not past `deadline`. A
    /// 401 with `oauth2:` fetches a new token and asks once more.
    func read(_ query: RemoteReadRequest.Query, deadline: ContinuousClock.Instant? = nil) throws(Failure) -> [RemoteTimeSeries] {
        let body = Snappy.compress(RemoteReadRequest(queries: [query], acceptedResponseTypes: [RemoteReadRequest.samplesResponse]).encode())
        do {
            return try send(body, deadline: deadline)
        } catch let failure where failure.status == 401 && oauth2 != nil {
            oauth2?.invalidate()
            return try send(body, deadline: deadline)
        }
    }

    /// Milliseconds to wait: `remote_timeout`, cut to what is left before `deadline`.
    func timeout(before deadline: ContinuousClock.Instant?) -> Int64 {
        let configured = config.remoteTimeout.milliseconds
        guard let deadline else { return configured }
        let left = ContinuousClock.now.duration(to: deadline).components
        return min(configured, max(0, left.seconds * 1000 + left.attoseconds / 1_000_000_000_000_000))
    }

    private func send(_ body: [UInt8], deadline: ContinuousClock.Instant?) throws(Failure) -> [RemoteTimeSeries] {
        let timeout = self.timeout(before: deadline)
        guard timeout > 0 else { throw Failure(description: "query deadline reached before the read", status: nil) }
        let response: HTTPClient.Response
        do {
            var headers = HTTPHeaders()
            headers.add(name: "Content-Encoding", value: "snappy")
            headers.add(name: "Accept-Encoding", value: "snappy")
            headers.add(name: "Content-Type", value: "application/x-protobuf")
            headers.add(name: "User-Agent", value: userAgent)
            headers.add(name: "X-Prometheus-Remote-Read-Version", value: "0.1.0")
            for (name, value) in config.headers { headers.add(name: name, value: value) }
            if let oauth2 {
                headers.add(name: "Authorization", value: try oauth2.blockingAuthorization(client: client, timeoutMilliseconds: timeout))
            } else if let authorization = try config.http.authorizationHeader() {
                headers.add(name: "Authorization", value: authorization)
            }
            let request = try HTTPClient.Request(
                url: config.url, method: .POST, headers: headers, body: .bytes(body), tlsConfiguration: try config.http.tlsConfig.nioConfiguration())
            let accumulator = ResponseAccumulator(request: request, maxBodySize: Self.maxResponseBytes)
            response = try client.execute(request: request, delegate: accumulator, deadline: .now() + .milliseconds(timeout)).futureResult.wait()
        } catch {
            throw Failure(description: "\(error)", status: nil)
        }
        let bytes = response.body.map { Array($0.readableBytesView) } ?? []
        let code = Int(response.status.code)
        guard (200..<300).contains(code) else {
            let text = String(decoding: bytes.prefix(1024), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            throw Failure(description: "remote server \(config.url) returned HTTP status \(response.status.code) \(response.status.reasonPhrase): \(text)", status: code)
        }
        let contentType = response.headers.first(name: "Content-Type") ?? ""
        guard contentType.isEmpty || contentType.hasPrefix("application/x-protobuf") else {
            throw Failure(description: "remote server \(config.url) answered with unsupported content type \"\(contentType)\"", status: code)
        }
        do {
            let decoded = try RemoteReadResponse.decode(try Snappy.decompress(bytes))
            guard decoded.results.count == 1 else {
                throw Failure(description: "remote server \(config.url) answered \(decoded.results.count) results to 1 query", status: code)
            }
            return decoded.results[0]
        } catch let failure as Failure {
            throw failure
        } catch {
            throw Failure(description: "remote server \(config.url) sent an unreadable response: \(error)", status: code)
        }
    }
}
