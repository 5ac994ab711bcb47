import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import MetricsModel
import Scraper
import Testing
import TSDB

@testable import QueryAPI

@Suite("Metadata API endpoints", .serialized)
struct MetadataEndpointTests {
    /// A store with two jobs' `up` and one `http_requests_total`, and the API over it.
    static func withAPI(_ body: @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("api-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let db = try DB(path: directory, logger: Logger(label: "test"))
        defer { db.close() }
        var appender = db.appender()
        for (labels, value) in [
            (Labels(["__name__": "up", "job": "api", "instance": "a:1"]), 1.0),
            (Labels(["__name__": "up", "job": "ws", "instance": "b:1"]), 0.0),
            (Labels(["__name__": "http_requests_total", "job": "api", "status": "500"]), 7.0),
        ] {
            try appender.append(labels, Sample(timestamp: 1_000_000, value: value))
        }
        try appender.commit()
        let app = Application(router: APIServer(db: db, targets: TargetStatusBoard()).router())
        try await app.test(.router) { client in try await body(client) }
    }

    static func json(_ buffer: ByteBuffer) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(buffer: buffer)) as? [String: Any])
    }

    @Test("series selects by match[] and unions several selectors")
    func series() async throws {
        try await Self.withAPI { client in
            try await client.execute(uri: "/api/v1/series?match[]=up&match[]=http_requests_total%7Bstatus%3D%22500%22%7D", method: .get) { response in
                #expect(response.status == .ok)
                let body = try Self.json(response.body)
                #expect(body["status"] as? String == "success")
                let data = try #require(body["data"] as? [[String: String]])
                #expect(data.count == 3)
                #expect(data.first?["__name__"] == "http_requests_total")
            }
        }
    }

    @Test("POST form bodies are read, and the body wins over the URL")
    func postForm() async throws {
        try await Self.withAPI { client in
            try await client.execute(
                uri: "/api/v1/series?match[]=nothing_here", method: .post,
                headers: [.contentType: "application/x-www-form-urlencoded"], body: ByteBuffer(string: "match[]=up%7Bjob%3D%22ws%22%7D")
            ) { response in
                let data = try #require(try Self.json(response.body)["data"] as? [[String: String]])
                #expect(data.map { $0["job"] } == ["ws"])
            }
        }
    }

    @Test("labels and label values are sorted and follow match[]")
    func labelsAndValues() async throws {
        try await Self.withAPI { client in
            try await client.execute(uri: "/api/v1/labels", method: .get) { response in
                let body = try Self.json(response.body)
                #expect(body["data"] as? [String] == ["__name__", "instance", "job", "status"])
            }
            try await client.execute(uri: "/api/v1/label/job/values?match[]=up", method: .get) { response in
                let body = try Self.json(response.body)
                #expect(body["data"] as? [String] == ["api", "ws"])
            }
            try await client.execute(uri: "/api/v1/label/__name__/values?limit=1", method: .get) { response in
                let body = try Self.json(response.body)
                #expect(body["data"] as? [String] == ["http_requests_total"])
                #expect(body["warnings"] as? [String] == ["results truncated due to limit"])
            }
        }
    }

    @Test("bad parameters are bad_data with status 400", arguments: [
        "/api/v1/series", "/api/v1/series?match[]=%7Bjob%3D~%22.*%22%7D", "/api/v1/series?match[]=up&start=yesterday",
        "/api/v1/series?match[]=rate(up%5B5m%5D)", "/api/v1/labels?limit=-1", "/api/v1/format_query?query=sum(",
    ])
    func badData(uri: String) async throws {
        try await Self.withAPI { client in
            try await client.execute(uri: uri, method: .get) { response in
                #expect(response.status == .badRequest)
                let body = try Self.json(response.body)
                #expect(body["status"] as? String == "error")
                #expect(body["errorType"] as? String == "bad_data")
                #expect((body["error"] as? String)?.isEmpty == false)
            }
        }
    }

    @Test("format_query prints the canonical form")
    func formatQuery() async throws {
        try await Self.withAPI { client in
            try await client.execute(uri: "/api/v1/format_query?query=sum(rate(foo%7Ba%3D'b'%7D%5B5m%5D))%20by%20(job)", method: .get) { response in
                let body = try Self.json(response.body)
                #expect(body["data"] as? String == "sum by (job) (rate(foo{a=\"b\"}[5m]))")
            }
        }
    }

    @Test("times parse as Prometheus's do", arguments: [
        ("1795719370.4577334", Int64(1_795_719_370_458)), ("1.7e9", 1_700_000_000_000), ("-1.5", -1500),
        ("2015-07-01T20:10:51.781Z", 1_435_781_451_781), ("2015-07-01T22:10:51+02:00", 1_435_781_451_000),
    ])
    func times(text: String, expected: Int64) {
        #expect(APIParameters.parseTime(text) == expected)
    }

    @Test("buildinfo has a version Grafana accepts and no features key")
    func buildInfo() async throws {
        try await Self.withAPI { client in
            try await client.execute(uri: "/api/v1/status/buildinfo", method: .get) { response in
                let data = try #require(try Self.json(response.body)["data"] as? [String: String])
                #expect(data["version"]?.split(separator: ".").count == 3)
                #expect(data["features"] == nil)
            }
        }
    }
}
