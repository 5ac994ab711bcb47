import AsyncHTTPClient
import Config
import Foundation
import MetricsModel
import NIOCore
import NIOHTTP1
import PromQL
import Scraper

/// A failed query to the datasource: its error text, or why there was no answer.
package struct RemoteQueryError: Error, Sendable, CustomStringConvertible {
    package let description: String
}

/// Rules evaluated by a Prometheus-compatible server (metricsd, Prometheus, VictoriaMetrics): each
/// expression goes to its `/api/v1/query`, as Prometheus's own rule evaluation would run it there.
/// Raw series for restoring `for` state come from a range selector at the end of the span. Called
/// off the cooperative pool (rule groups evaluate on a dispatch queue), so it waits for answers.
package struct RemoteQuerier: RuleQuerier {
    let base: String
    let client: HTTPClient
    let http: HTTPClientConfig
    let timeout: Int64

    package init(url: String, client: HTTPClient, http: HTTPClientConfig = HTTPClientConfig(), timeout: Int64 = 120_000) {
        base = url.hasSuffix("/") ? String(url.dropLast()) : url
        self.client = client
        self.http = http
        self.timeout = timeout
    }

    package func instant(_ expr: Expr, at time: Int64) throws -> QueryValue {
        try query(expr.description, at: time)
    }

    package func select(_ matchers: [Matcher], from mint: Int64, through maxt: Int64) throws -> [(Labels, [Sample])] {
        let selector = VectorSelector(matchers: matchers).description
        guard case .matrix(let series) = try query("\(selector)[\(maxt - mint + 1)ms]", at: maxt) else { return [] }
        return series
    }

    func query(_ text: String, at time: Int64) throws -> QueryValue {
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        headers.add(name: "User-Agent", value: "ToolboxMetrics-alertd/\(BuildInfo.version)")
        if let authorization = try http.authorizationHeader() { headers.add(name: "Authorization", value: authorization) }
        let form = "query=" + PercentEncoding.encode(text) + "&time=" + Timestamps.secondsText(time)
        let request = try HTTPClient.Request(
            url: base + "/api/v1/query", method: .POST, headers: headers, body: .string(form), tlsConfiguration: try http.tlsConfig.nioConfiguration())
        let response: HTTPClient.Response
        do {
            response = try client.execute(request: request, deadline: .now() + .milliseconds(timeout)).wait()
        } catch {
            throw RemoteQueryError(description: "datasource \(base): \(error)")
        }
        let body = response.body.map { Data($0.readableBytesView) } ?? Data()
        guard let envelope = (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] else {
            throw RemoteQueryError(description: "datasource \(base): HTTP \(response.status.code), not a JSON answer")
        }
        guard envelope["status"] as? String == "success", let data = envelope["data"] as? [String: Any] else {
            throw RemoteQueryError(description: envelope["error"] as? String ?? "datasource \(base): HTTP \(response.status.code)")
        }
        return try Self.value(data, at: time)
    }

    /// The API's `data` object as a query value.
    static func value(_ data: [String: Any], at time: Int64) throws -> QueryValue {
        func number(_ text: Any?) throws -> Double {
            guard let text = text as? String, case .success(let value) = GoFloat.parse(text) else {
                throw RemoteQueryError(description: "datasource sent a sample value that is not a number")
            }
            return value
        }
        func metric(_ item: [String: Any]) -> Labels { Labels(item["metric"] as? [String: String] ?? [:]) }
        switch data["resultType"] as? String {
        case "vector":
            let result = data["result"] as? [[String: Any]] ?? []
            return .vector(timestamp: time, try result.map { (metric($0), try number(($0["value"] as? [Any])?.last)) })
        case "scalar":
            return .scalar(timestamp: time, value: try number((data["result"] as? [Any])?.last))
        case "matrix":
            let result = data["result"] as? [[String: Any]] ?? []
            return .matrix(try result.map { item in
                let points = try (item["values"] as? [[Any]] ?? []).map { point in
                    Sample(timestamp: Int64((((point.first as? NSNumber)?.doubleValue ?? 0) * 1000).rounded()), value: try number(point.last))
                }
                return (metric(item), points)
            })
        default:
            throw RemoteQueryError(description: "datasource answered a \(data["resultType"] ?? "missing") result, not a vector or scalar")
        }
    }

}
