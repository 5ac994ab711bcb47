import AsyncHTTPClient
import Config
import Foundation
import MetricsModel
import NIOCore
import NIOHTTP1
import RemoteProtocol

/// Sends remote write 1.0 requests to one receiver: snappy-compressed protobuf with Prometheus's
/// headers, the destination's own headers, authentication and TLS. It sends once; the caller
/// decides about retries from the `Outcome`.
package struct RemoteWriteClient: Sendable {
    package let config: RemoteWriteConfig
    let client: HTTPClient
    let userAgent: String
    /// Tokens for `oauth2:`, shared by every send of this client.
    let oauth2: OAuth2TokenSource?

    /// What became of one request.
    package enum Outcome: Sendable, Equatable {
        /// 2xx.
        case sent
        /// A 4xx other than 429 (and 429 when `retry_on_http_429` is off): sending it again cannot help.
        case refused(status: Int, message: String)
        /// 5xx, 429, or no answer: worth sending again, after `after` when the receiver said so.
        case retry(after: Duration?, reason: String)
    }

    package init(config: RemoteWriteConfig, client: HTTPClient, userAgent: String) {
        self.config = config
        self.client = client
        self.userAgent = userAgent
        oauth2 = config.http.oauth2.map { OAuth2TokenSource(config: $0) }
    }

    /// Compresses `request` (an encoded `WriteRequest`) and posts it; returns the outcome and the
    /// compressed size.
    package func send(_ request: [UInt8]) async -> (Outcome, bytes: Int) {
        let body = Snappy.compress(request)
        do {
            var http = HTTPClientRequest(url: config.url)
            http.method = .POST
            http.headers.add(name: "Content-Encoding", value: "snappy")
            http.headers.add(name: "Content-Type", value: "application/x-protobuf")
            http.headers.add(name: "X-Prometheus-Remote-Write-Version", value: "0.1.0")
            http.headers.add(name: "User-Agent", value: userAgent)
            for (name, value) in config.headers { http.headers.add(name: name, value: value) }
            if let oauth2 {
                http.headers.add(name: "Authorization", value: try await oauth2.authorization(client: client, timeoutMilliseconds: config.remoteTimeout.milliseconds))
            } else if let authorization = try config.http.authorizationHeader() {
                http.headers.add(name: "Authorization", value: authorization)
            }
            if let tls = try config.http.tlsConfig.nioConfiguration() { http.tlsConfiguration = tls }
            http.body = .bytes(ByteBuffer(bytes: body))
            let response = try await client.execute(http, timeout: .milliseconds(config.remoteTimeout.milliseconds))
            let text = String(buffer: (try? await response.body.collect(upTo: 1 << 16)) ?? ByteBuffer())
            let code = Int(response.status.code)
            if (200..<300).contains(code) { return (.sent, body.count) }
            if code == 401, let oauth2 {
                // An expired or revoked token: fetch a new one and send again.
                oauth2.invalidate()
                return (.retry(after: nil, reason: "server returned HTTP status 401 Unauthorized; fetching a new oauth2 token"), body.count)
            }
            let message = "server returned HTTP status \(response.status.code) \(response.status.reasonPhrase): \(text.prefix(256))"
            if code >= 500 || (code == 429 && config.queue.retryOnHTTP429) {
                return (.retry(after: Self.retryAfter(response.headers), reason: message), body.count)
            }
            return (.refused(status: code, message: message), body.count)
        } catch {
            return (.retry(after: nil, reason: "\(error)"), body.count)
        }
    }

    /// `Retry-After` as seconds or as an HTTP date (RFC 9110 §10.2.3); nil when absent or unreadable.
    static func retryAfter(_ headers: HTTPHeaders) -> Duration? {
        guard let value = headers.first(name: "Retry-After")?.trimmingCharacters(in: .whitespaces) else { return nil }
        if let seconds = Int(value), seconds >= 0 { return .seconds(seconds) }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        guard let date = formatter.date(from: value) else { return nil }
        return .milliseconds(max(0, Int64(date.timeIntervalSinceNow * 1000)))
    }
}
