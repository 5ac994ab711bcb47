import Config
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Scraper
import Testing
import TSDB

@testable import QueryAPI

@Suite("relabel_steps endpoint", .serialized)
struct RelabelStepsEndpointTests {
    static let yaml = """
        scrape_configs:
        - job_name: pods
          relabel_configs:
          - {source_labels: [__meta_scrape], action: keep, regex: 'true'}
          - {source_labels: [__meta_port], regex: '(\\d+)', target_label: port}
        """

    static func withAPI(_ body: @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        let config = try PrometheusConfig.load(yaml: yaml)
        try await withTestAPI(server: { APIServer(db: $0, config: { config }) }) { client, _ in try await body(client) }
    }

    static func uri(pool: String, labels: String) -> String {
        var components = URLComponents(string: "/api/v1/targets/relabel_steps")!
        components.queryItems = [URLQueryItem(name: "scrapePool", value: pool), URLQueryItem(name: "labels", value: labels)]
        return components.url!.absoluteString
    }

    @Test("each rule's output is listed, up to the rule that drops the target")
    func steps() async throws {
        try await Self.withAPI { client in
            try await client.execute(uri: Self.uri(pool: "pods", labels: #"{"__address__":"a:1","__meta_scrape":"true","__meta_port":"80"}"#), method: .get) { response in
                #expect(response.status == .ok)
                let body = try #require(try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any])
                let steps = try #require((body["data"] as? [String: Any])?["steps"] as? [[String: Any]])
                #expect(steps.map { $0["keep"] as? Bool } == [true, true])
                #expect((steps[1]["output"] as? [String: String])?["port"] == "80")
                #expect((steps[0]["rule"] as? [String: Any])?["action"] as? String == "keep")
            }
            try await client.execute(uri: Self.uri(pool: "pods", labels: #"{"__address__":"a:1"}"#), method: .get) { response in
                let body = try #require(try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any])
                let steps = try #require((body["data"] as? [String: Any])?["steps"] as? [[String: Any]])
                #expect(steps.map { $0["keep"] as? Bool } == [false])
            }
        }
    }

    @Test("missing or malformed parameters and unknown pools are bad_data", arguments: [
        ("pods", "not json"), ("", #"{"a":"b"}"#), ("nope", #"{"a":"b"}"#), ("pods", #"{"a":1}"#),
    ])
    func badInput(_ pool: String, _ labels: String) async throws {
        try await Self.withAPI { client in
            try await client.execute(uri: Self.uri(pool: pool, labels: labels), method: .get) { response in
                #expect(response.status == .badRequest)
                let body = try #require(try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any])
                #expect(body["errorType"] as? String == "bad_data")
            }
        }
    }
}
