import Foundation
import Testing
import ServerTestSupport
import TestSupport

/// Real clients against the shipped binary: Debian's promtool and PyPI's prometheus-api-client.
@Suite("Clients against metricsd", .serialized)
struct ClientCompatibilityTests {
    static let promtoolPath = "/usr/bin/promtool"

    static func run(_ executable: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        try runProcess(URL(fileURLWithPath: executable), arguments)
    }

    static var pythonClientAvailable: Bool {
        (try? run("/usr/bin/env", ["python3", "-c", "import prometheus_api_client"]).status) == 0
    }

    /// metricsd scraping itself every second, with a few scrapes stored.
    static func withServer(_ body: (String) async throws -> Void) async throws {
        try await withMetricsd("clients", config: { port in
            """
            global: {scrape_interval: 1s, scrape_timeout: 1s}
            scrape_configs:
              - job_name: metricsd
                static_configs: [{targets: ['127.0.0.1:\(port)']}]
            """
        }) { server in
            // A few scrapes stored, so range queries have points to return.
            let scraped = await eventually(within: 20) {
                guard let body = await httpGet(server.base + "/api/v1/query?query=count_over_time(up%5B1m%5D)")?.1,
                      let range = body.range(of: #""(\d+)"\]"#, options: .regularExpression)
                else { return false }
                return (Int(body[range].dropFirst().dropLast(2)) ?? 0) >= 3
            }
            #expect(scraped)
            try await body(server.base)
        }
    }

    @Test("promtool query instant, range, series and labels work against metricsd",
          .enabled(if: FileManager.default.isExecutableFile(atPath: promtoolPath), "promtool (Debian package prometheus) is not installed"))
    func promtoolQueries() async throws {
        try await Self.withServer { base in
            let instant = try Self.run(Self.promtoolPath, ["query", "instant", base, "up"])
            #expect(instant.status == 0, "\(instant.output)")
            #expect(instant.output.contains(#"up{instance="#) && instant.output.contains("=> 1 @"))

            let now = Int(Date().timeIntervalSince1970)
            let range = try Self.run(Self.promtoolPath, ["query", "range", "--start", "\(now - 30)", "--end", "\(now)", "--step", "1s", base, "up"])
            #expect(range.status == 0, "\(range.output)")
            #expect(range.output.contains(#"up{instance="#) && range.output.contains("1 @["))

            let series = try Self.run(Self.promtoolPath, ["query", "series", "--match", "up", base])
            #expect(series.status == 0, "\(series.output)")
            #expect(series.output.contains(#"job="metricsd""#))

            let labels = try Self.run(Self.promtoolPath, ["query", "labels", base, "job"])
            #expect(labels.status == 0, "\(labels.output)")
            #expect(labels.output.split(separator: "\n").contains("metricsd"))

            let bad = try Self.run(Self.promtoolPath, ["query", "instant", base, "sum("])
            #expect(bad.status != 0)
            #expect(bad.output.contains("bad_data"))
        }
    }

    @Test("prometheus-api-client works in GET and POST mode", .enabled(if: pythonClientAvailable, "python3 module prometheus_api_client is not installed"))
    func pythonClient() async throws {
        try await Self.withServer { base in
            let script = """
                import sys
                from datetime import datetime, timedelta
                from prometheus_api_client import PrometheusConnect
                for method in ("GET", "POST"):
                    prom = PrometheusConnect(url=sys.argv[1], disable_ssl=True, method=method)
                    assert prom.check_prometheus_connection(), "connection"
                    assert "up" in prom.all_metrics(), "all_metrics"
                    up = prom.custom_query("up")
                    assert up and up[0]["metric"]["job"] == "metricsd", up
                    current = prom.get_current_metric_value("up", label_config={"job": "metricsd"})
                    assert current[0]["value"][1] == "1", current
                    end = datetime.now()
                    ranged = prom.custom_query_range("up", start_time=end - timedelta(seconds=30), end_time=end, step="1")
                    assert len(ranged[0]["values"]) >= 2, ranged
                    assert "metricsd" in prom.get_label_values("job"), "label values"
                    try:
                        prom.custom_query("sum(")
                        raise SystemExit("a bad query did not raise")
                    except Exception as error:
                        assert "400" in str(error), error
                    print(method, "ok")
                """
            let result = try Self.run("/usr/bin/env", ["python3", "-c", script, base])
            #expect(result.status == 0, "\(result.output)")
            #expect(result.output.contains("GET ok") && result.output.contains("POST ok"))
        }
    }
}
