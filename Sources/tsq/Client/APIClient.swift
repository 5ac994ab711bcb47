import AsyncHTTPClient
import Foundation
import MetricsModel
import NIOCore
import NIOHTTP1

/// Calls one Prometheus-compatible HTTP API (metricsd, Prometheus, VictoriaMetrics) and hands back
/// its envelope, or a `TSQFailure` saying whether the query failed or the server was out of reach.
struct APIClient: Sendable {
    let base: String
    let client: HTTPClient
    /// `Authorization` header value, from the token file or basic auth, read when the client was made.
    let authorization: String?
    let timeout: TimeAmount

    /// A GET, or a form-encoded POST as client_golang sends queries (long expressions do not fit
    /// a URL); both are what every Prometheus-compatible server accepts.
    func call(_ path: String, _ parameters: [(String, String)] = [], post: Bool = false) async throws(TSQFailure) -> APIReply {
        let form = parameters.map { "\(PercentEncoding.encode($0.0))=\(PercentEncoding.encode($0.1))" }.joined(separator: "&")
        var url = base.hasSuffix("/") ? String(base.dropLast()) + path : base + path
        if !post && !form.isEmpty { url += "?" + form }
        var request = HTTPClientRequest(url: url)
        request.method = post ? .POST : .GET
        request.headers.add(name: "User-Agent", value: "tsq")
        request.headers.add(name: "Accept", value: "application/json")
        if let authorization { request.headers.add(name: "Authorization", value: authorization) }
        if post {
            request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
            request.body = .bytes(ByteBuffer(string: form))
        }
        let status: Int
        let body: [UInt8]
        do {
            let response = try await client.execute(request, timeout: timeout)
            status = Int(response.status.code)
            body = Array(try await response.body.collect(upTo: 1 << 30).readableBytesView)
        } catch let error as HTTPClientError where error == .deadlineExceeded || error == .readTimeout || error == .connectTimeout {
            throw TSQFailure(.unreachable, "\(base): no answer within \(Self.seconds(timeout)) (--timeout)")
        } catch {
            throw TSQFailure(.unreachable, "cannot reach \(base): \(Self.describe(error))")
        }
        return try APIReply(status: status, body: body)
    }

    static func seconds(_ amount: TimeAmount) -> String {
        let seconds = Double(amount.nanoseconds) / 1e9
        return seconds == seconds.rounded() ? "\(Int(seconds))s" : "\(seconds)s"
    }

    /// NIO's connection errors say little by default; the common ones in words.
    static func describe(_ error: any Error) -> String {
        let text = "\(error)"
        if text.contains("connectionRefused") || text.contains("Connection refused") { return "connection refused" }
        if let client = error as? HTTPClientError, client == .connectTimeout { return "connection timed out" }
        if text.contains("CERTIFICATE_VERIFY_FAILED") {
            return "TLS: the server's certificate is not trusted (--ca-file names the CA; --insecure-skip-verify skips the check)"
        }
        return text
    }
}
