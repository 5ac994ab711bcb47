import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import MetricsModel
import Scraper
import Testing
import TestSupport
import TSDB

@testable import QueryAPI

@Suite("Metadata API endpoints", .serialized)
struct MetadataEndpointTests {
    /// A store with two jobs' `up` and one `http_requests_total`, and the API over it.
    static func withAPI(_ body: @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        try await withTestAPI(seed: { db in
            var appender = db.appender()
            for (labels, value) in [
                (Labels(["__name__": "up", "job": "api", "instance": "a:1"]), 1.0),
                (Labels(["__name__": "up", "job": "ws", "instance": "b:1"]), 0.0),
                (Labels(["__name__": "http_requests_total", "job": "api", "status": "500"]), 7.0),
            ] {
                try appender.append(labels, Sample(timestamp: 1_000_000, value: value))
            }
            try appender.commit()
        }) { client, _ in try await body(client) }
    }


    @Test("series selects by match[] and unions several selectors")
    func series() async throws {
        try await Self.withAPI { client in
            try await client.execute(uri: "/api/v1/series?match[]=up&match[]=http_requests_total%7Bstatus%3D%22500%22%7D", method: .get) { response in
                #expect(response.status == .ok)
                let body = try jsonObject(response.body)
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
                let data = try #require(try jsonObject(response.body)["data"] as? [[String: String]])
                #expect(data.map { $0["job"] } == ["ws"])
            }
        }
    }

    @Test("labels and label values are sorted and follow match[]")
    func labelsAndValues() async throws {
        try await Self.withAPI { client in
            try await client.execute(uri: "/api/v1/labels", method: .get) { response in
                let body = try jsonObject(response.body)
                #expect(body["data"] as? [String] == ["__name__", "instance", "job", "status"])
            }
            try await client.execute(uri: "/api/v1/label/job/values?match[]=up", method: .get) { response in
                let body = try jsonObject(response.body)
                #expect(body["data"] as? [String] == ["api", "ws"])
            }
            try await client.execute(uri: "/api/v1/label/__name__/values?limit=1", method: .get) { response in
                let body = try jsonObject(response.body)
                #expect(body["data"] as? [String] == ["http_requests_total"])
                #expect(body["warnings"] as? [String] == ["results truncated due to limit"])
            }
            // A negative limit is no limit, as Prometheus takes it.
            try await client.execute(uri: "/api/v1/label/__name__/values?limit=-1", method: .get) { response in
                #expect(response.status == .ok)
                let body = try jsonObject(response.body)
                #expect((body["data"] as? [String])?.count ?? 0 > 1)
                #expect(body["warnings"] == nil)
            }
        }
    }

    @Test("bad parameters are bad_data with status 400", arguments: [
        "/api/v1/series", "/api/v1/series?match[]=%7Bjob%3D~%22.*%22%7D", "/api/v1/series?match[]=up&start=yesterday",
        "/api/v1/series?match[]=rate(up%5B5m%5D)", "/api/v1/labels?limit=ten", "/api/v1/format_query?query=sum(",
    ])
    func badData(uri: String) async throws {
        try await Self.withAPI { client in
            try await client.execute(uri: uri, method: .get) { response in
                #expect(response.status == .badRequest)
                let body = try jsonObject(response.body)
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
                let body = try jsonObject(response.body)
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
                let data = try #require(try jsonObject(response.body)["data"] as? [String: String])
                #expect(data["version"]?.split(separator: ".").count == 3)
                #expect(data["features"] == nil)
            }
        }
    }
}

@Suite("Query API endpoints", .serialized)
struct QueryEndpointTests {
    static func withAPI(_ body: @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        try await withTestAPI(seed: { db in
            // A counter rising by 15 a scrape, every 15 s for 10 minutes, on two instances.
            for step in 0...40 {
                var appender = db.appender()
                for instance in ["a:1", "b:1"] {
                    try appender.append(["__name__": "http_requests_total", "job": "api", "instance": instance],
                                        Sample(timestamp: 1_700_000_000_000 + Int64(step) * 15_000, value: Double(step * 15)))
                }
                try appender.commit()
            }
        }) { client, _ in try await body(client) }
    }


    @Test("an instant query returns a vector with string values and second timestamps")
    func instant() async throws {
        try await Self.withAPI { client in
            try await client.execute(uri: "/api/v1/query?query=sum(rate(http_requests_total%5B5m%5D))&time=1700000600", method: .get) { response in
                #expect(response.status == .ok)
                let text = String(buffer: response.body)
                #expect(text.hasPrefix(#"{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1700000600,""#))
                let data = try #require(try jsonObject(response.body)["data"] as? [String: Any])
                let value = try #require(((data["result"] as? [[String: Any]])?.first?["value"] as? [Any])?[1] as? String)
                // Two counters at 1/s each, extrapolated as Prometheus does.
                #expect(abs((Double(value) ?? 0) - 2) < 1e-9)
            }
        }
    }

    @Test("a range query returns a matrix sorted by labels with a point per step")
    func range() async throws {
        try await Self.withAPI { client in
            try await client.execute(
                uri: "/api/v1/query_range", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
                body: ByteBuffer(string: "query=http_requests_total&start=1700000000&end=1700000600&step=60s")
            ) { response in
                let data = try #require(try jsonObject(response.body)["data"] as? [String: Any])
                #expect(data["resultType"] as? String == "matrix")
                let result = try #require(data["result"] as? [[String: Any]])
                #expect(result.count == 2)
                #expect((result[0]["metric"] as? [String: String])?["instance"] == "a:1")
                #expect((result[0]["values"] as? [[Any]])?.count == 11)
            }
        }
    }

    @Test("the fast sample-value paths print what Go's 'f'/'e' formatting prints, over many values")
    func sampleValueFastPaths() {
        var random = SplitMix(seed: 11)
        func reference(_ value: Double) -> String {
            if value.isNaN { return "NaN" }
            if value.isInfinite { return value < 0 ? "-Inf" : "+Inf" }
            let magnitude = abs(value)
            if magnitude != 0 && (magnitude < 1e-6 || magnitude >= 1e21) { return GoFloat.formatE(value) }
            return GoFloat.formatPlain(value)
        }
        var values: [Double] = [0, -0.0, 1, -1, 0.1, 1e-6, 9.99e-7, 1e15, 9e15, 1e16, 123456789.125, 1e20, 9.99e20, 1e21]
        for _ in 0..<20_000 {
            let bits = random.next()
            values.append(Double(bitPattern: bits))
            values.append(Double(Int64(bitPattern: bits) % 1_000_000_000) / [1, 10, 100, 1000, 1e6][Int(bits % 5)])
        }
        for value in values {
            var bytes = JSONBytes()
            bytes.sampleValue(value)
            #expect(bytes.string == "\"" + reference(value) + "\"", "value \(value)")
            #expect(ResultJSON.sampleValue(value) == reference(value), "value \(value)")
        }
    }

    @Test("scalars print in 'f' form and tiny sample values in 'e' form")
    func formatting() async throws {
        #expect(ResultJSON.sampleValue(1e-9) == "1e-09")
        #expect(ResultJSON.sampleValue(1.5e300) == "1.5e+300")
        #expect(ResultJSON.sampleValue(1e21) == "1e+21")
        #expect(ResultJSON.sampleValue(0.17520000000000002) == "0.17520000000000002")
        #expect(ResultJSON.sampleValue(123456789012345680) == "123456789012345680")
        #expect(ResultJSON.sampleValue(-0.0) == "-0")
        #expect(ResultJSON.sampleValue(5) == "5")
        #expect(ResultJSON.sampleValue(-7) == "-7")
        #expect(ResultJSON.sampleValue(0.1) == "0.1")
        #expect(ResultJSON.sampleValue(-123.25) == "-123.25")
        #expect(ResultJSON.sampleValue(1e-5) == "0.00001")
        #expect(ResultJSON.sampleValue(1.5e16) == "15000000000000000")
        #expect(ResultJSON.sampleValue(0.016666666666666666) == "0.016666666666666666")
        #expect(ResultJSON.encode(.vector(timestamp: -1_500, [(Labels(["a": "x\"y\n"]), 2.5), (Labels(["b": "1"]), 3)]))
            == #"{"resultType":"vector","result":[{"metric":{"a":"x\"y\n"},"value":[-1.5,"2.5"]},{"metric":{"b":"1"},"value":[-1.5,"3"]}]}"#)
        #expect(ResultJSON.timestamp(1_795_719_210_123) == "1795719210.123")
        #expect(ResultJSON.timestamp(1_795_719_210_500) == "1795719210.5")
        try await Self.withAPI { client in
            try await client.execute(uri: "/api/v1/query?query=scalar(vector(1e-9))&time=100", method: .get) { response in
                #expect(String(buffer: response.body).contains(#"[100,"0.000000001"]"#))
            }
        }
    }

    @Test("errors map to Prometheus's types and codes", arguments: [
        ("/api/v1/query?query=sum(", HTTPResponse.Status.badRequest, "bad_data"),
        ("/api/v1/query_range?query=up&start=10&end=1&step=1", .badRequest, "bad_data"),
        ("/api/v1/query_range?query=up&start=0&end=100000&step=1", .badRequest, "bad_data"),
        ("/api/v1/query_range?query=up&start=0&end=10&step=0", .badRequest, "bad_data"),
        ("/api/v1/query?query=http_requests_total%20%2B%20on()%20http_requests_total&time=1700000600", .unprocessableContent, "execution"),
    ])
    func errors(uri: String, status: HTTPResponse.Status, type: String) async throws {
        try await Self.withAPI { client in
            try await client.execute(uri: uri, method: .get) { response in
                #expect(response.status == status)
                let body = try jsonObject(response.body)
                #expect(body["errorType"] as? String == type)
            }
        }
    }
}
