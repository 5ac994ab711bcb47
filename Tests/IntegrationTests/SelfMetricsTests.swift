import Foundation
import ServerTestSupport
import Testing
import TestSupport

/// metricsd's `/metrics`: the families the agent dashboard reads, in a form promtool accepts.
@Suite("metricsd self-metrics")
struct SelfMetricsTests {
    /// `name{labels} value` lines of the exposition, by series text.
    static func samples(_ text: String) -> [String: Double] {
        var result: [String: Double] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " ") else { continue }
            result[String(line[..<space])] = Double(line[line.index(after: space)...])
        }
        return result
    }

    static func intervalsObserved(_ base: String) async -> Double {
        guard let (_, text) = await httpGet(base + "/metrics") else { return 0 }
        return samples(text)[#"prometheus_target_interval_length_seconds_count{interval="1s"}"#] ?? 0
    }

    @Test("scrapes, queries, discovery and the WAL show up under Prometheus's names, and promtool finds nothing to lint")
    func families() async throws {
        try await withMetricsd("self-metrics", config: { port in
            """
            global: {scrape_interval: 1s, scrape_timeout: 1s}
            scrape_configs:
              - job_name: self
                static_configs: [{targets: ['127.0.0.1:\(port)']}]
              - job_name: from-file
                file_sd_configs: [{files: [missing-targets.json]}]
            """
        }) { instance in
            // A few scrapes and one query, so every family has observations.
            let scraped = await eventually(within: 20) { await Self.intervalsObserved(instance.base) >= 2 }
            try #require(scraped, "the self scrape did not run twice")
            #expect(await httpGet(instance.base + "/api/v1/query?query=up")?.0 == 200)
            let (_, text) = try #require(await httpGet(instance.base + "/metrics"))
            let values = Self.samples(text)
            let positive = [
                #"prometheus_http_request_duration_seconds_count{handler="/api/v1/query"}"#,
                #"prometheus_http_requests_total{code="200",handler="/api/v1/query"}"#,
                #"prometheus_engine_query_duration_seconds_count{slice="inner_eval"}"#,
                #"prometheus_engine_query_duration_seconds_count{slice="queue_time"}"#,
                #"prometheus_engine_query_duration_seconds_count{slice="prepare_time"}"#,
                #"prometheus_target_scrape_pool_targets{scrape_job="self"}"#,
                #"prometheus_target_scrape_pool_sync_total{scrape_job="self"}"#,
                #"prometheus_sd_discovered_targets{config="self",name="scrape"}"#,
                #"prometheus_sd_file_scan_duration_seconds_count"#,
                #"metricsd_target_scrape_pool_samples_scraped_total{scrape_job="self"}"#,
                #"metricsd_target_scrape_pool_scrape_duration_seconds_count{scrape_job="self"}"#,
                "prometheus_tsdb_head_chunks", "prometheus_tsdb_head_series", "process_max_fds", "metricsd_process_threads",
                "metricsd_tsdb_wal_write_duration_seconds_count",
            ]
            for name in positive {
                #expect((values[name] ?? 0) > 0, "\(name) = \(values[name].map { "\($0)" } ?? "missing")")
            }
            for name in [#"prometheus_sd_kubernetes_events_total{role="pod",event="add"}"#, "prometheus_sd_kubernetes_failures_total",
                         "prometheus_tsdb_compaction_duration_seconds_count", #"prometheus_engine_query_duration_seconds{slice="inner_eval",quantile="0.99"}"#,
                         "prometheus_tsdb_wal_fsync_duration_seconds_count", "prometheus_tsdb_wal_segment_current"] {
                #expect(values[name] != nil, "\(name) is missing")
            }
            #expect(values.count >= 200, "only \(values.count) series")
            guard TSQPeers.havePrometheus else { return }
            let lint = try await runCommandDetached(URL(fileURLWithPath: TSQPeers.promtool), ["check", "metrics"], stdin: text)
            #expect(lint.status == 0, "promtool check metrics: \(lint.stdout)\(lint.stderr)")
        }
    }
}
