import AsyncHTTPClient
import Config
import Foundation
import MetricsModel
import NIOCore
import NIOHTTP1
import NIOHTTPCompression

/// How a scrape loop gets a target's exposition, as Prometheus's `scraper` interface: the HTTP one
/// is the product's; tests hand loops, pools and the manager one of their own.
protocol TargetFetcher: Sendable {
    /// One scrape of `target`: the body and its Content-Type, or an error saying why there is none.
    func fetch(_ target: Target, config: ScrapeConfig) async throws -> (body: [UInt8], contentType: String?)
}

/// Scrapes over HTTP(S) with the job's authentication and TLS settings.
struct HTTPTargetFetcher: TargetFetcher {
    let client: HTTPClient
    /// Clients for jobs whose `tls_config` names a `server_name`.
    let serverNameClients: ServerNameClients
    /// The most a gzip body may grow when decompressed, as a multiple of its size (the client's setting).
    static let decompressionRatio = 100


    /// One GET of the target. The body is gathered on the event loop (one hop to this task per
    /// scrape, not one per chunk), up to `body_size_limit`.
    func fetch(_ target: Target, config: ScrapeConfig) async throws -> (body: [UInt8], contentType: String?) {
        var headers = HTTPHeaders()
        // The job's `scrape_protocols` in order; by default OpenMetrics first, then text, with
        // protobuf ahead of both when native histograms are scraped.
        headers.add(name: "Accept", value: ScrapeProtocol.acceptHeader(config.histograms.effectiveProtocols))
        headers.add(name: "Accept-Encoding", value: "gzip")
        headers.add(name: "User-Agent", value: "ToolboxMetrics/\(BuildInfo.version)")
        headers.add(name: "X-Prometheus-Scrape-Timeout-Seconds", value: String(target.timeout.seconds))
        if let authorization = try config.discovery.http.authorizationHeader() { headers.add(name: "Authorization", value: authorization) }
        var client = client
        var url = target.url
        if let serverName = config.discovery.http.tlsConfig.serverName, url.hasPrefix("https:"),
           let route = try serverNameClients.route(url, serverName: serverName) {
            (client, url) = (route.client, route.url)
            headers.add(name: "Host", value: route.host)
        }
        let request = try HTTPClient.Request(
            url: url, method: .GET, headers: headers, tlsConfiguration: try config.discovery.http.tlsConfig.nioConfiguration())
        let limit = config.limits.bodySizeLimit > 0 ? config.limits.bodySizeLimit : 1 << 30
        let delegate = ResponseAccumulator(request: request, maxBodySize: limit)
        let response: HTTPClient.Response
        do {
            response = try await client.execute(
                request: request, delegate: delegate, deadline: .now() + .milliseconds(target.timeout.milliseconds)
            ).futureResult.get()
        } catch let error as NIOHTTPDecompression.DecompressionError where error == .limit {
            throw ScrapeBodyError.decompressionBomb(ratio: HTTPTargetFetcher.decompressionRatio)
        } catch is ResponseAccumulator.ResponseTooBigError {
            throw ScrapeBodyError.bodySizeLimit(limit)
        }
        guard response.status == .ok else { throw ScrapeHTTPError(status: response.status) }
        let body = response.body.map { Array($0.readableBytesView) } ?? []
        return (body, response.headers.first(name: "Content-Type"))
    }
}

/// A body refused for its size.
enum ScrapeBodyError: Error, CustomStringConvertible {
    case bodySizeLimit(Int)
    case decompressionBomb(ratio: Int)

    var description: String {
        switch self {
        case .bodySizeLimit(let limit): "body size limit exceeded (\(limit) bytes)"
        case .decompressionBomb(let ratio): "gzip body decompresses to more than \(ratio) times its size; refused as a decompression bomb"
        }
    }
}

struct ScrapeHTTPError: Error, CustomStringConvertible {
    let status: HTTPResponseStatus
    var description: String { "server returned HTTP status \(status.code) \(status.reasonPhrase)" }
}
