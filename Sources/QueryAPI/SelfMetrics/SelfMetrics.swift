import MetricsModel
import TSDB

/// Renders metricsd's own metrics in Prometheus text format, under Prometheus's names where the
/// meaning is the same, so existing dashboards and the benchmark harness read them unchanged.
struct SelfMetrics: Sendable {
    let db: DB
    let targets: any TargetRetriever
    let httpRequests: HTTPRequestCounter
    let queryGate: QueryGate
    /// Metrics of other parts (rule evaluation, notifications), already in text format.
    let extra: @Sendable () -> String

    init(
        db: DB, targets: any TargetRetriever, httpRequests: HTTPRequestCounter = HTTPRequestCounter(), queryGate: QueryGate = QueryGate(limit: 20),
        extra: @escaping @Sendable () -> String = { "" }
    ) {
        self.extra = extra
        self.db = db
        self.targets = targets
        self.httpRequests = httpRequests
        self.queryGate = queryGate
    }

    package func render() -> String {
        var out = ""
        func family(_ name: String, _ type: String, _ help: String, _ samples: [(String, Double)]) {
            out += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
            for (labels, value) in samples {
                out += name + labels + " " + GoFloat.formatG(value) + "\n"
            }
        }
        let process = ProcessMetrics.read()
        family("process_cpu_seconds_total", "counter", "Total user and system CPU time spent in seconds.", [("", process.cpuSeconds)])
        family("process_resident_memory_bytes", "gauge", "Resident memory size in bytes.", [("", process.residentBytes)])
        family("process_virtual_memory_bytes", "gauge", "Virtual memory size in bytes.", [("", process.virtualBytes)])
        family("process_start_time_seconds", "gauge", "Start time of the process since unix epoch in seconds.", [("", process.startTimeSeconds)])
        family("process_open_fds", "gauge", "Number of open file descriptors.", [("", process.openFileDescriptors)])
        family("metricsd_build_info", "gauge", "Build information of metricsd.", [("{version=\"\(BuildInfo.version)\"}", 1)])
        let requests = httpRequests.samples
        if !requests.isEmpty {
            family("prometheus_http_requests_total", "counter", "Counter of HTTP requests.", requests)
        }

        let queries = queryGate.load
        family("prometheus_engine_queries", "gauge", "The current number of queries being executed or waiting.", [("", Double(queries.running + queries.waiting))])
        family("prometheus_engine_queries_concurrent_max", "gauge", "The max number of concurrent queries.", [("", Double(queryGate.limit))])

        let head = db.head
        let stats = head.stats
        let storage = db.stats
        family("prometheus_tsdb_head_series", "gauge", "Total number of series in the head block.", [("", Double(head.seriesCount))])
        family("prometheus_tsdb_head_series_created_total", "counter", "Total number of series created in the head.", [("", Double(stats.seriesCreated))])
        family("prometheus_tsdb_head_samples_appended_total", "counter", "Total number of appended samples.", [("{type=\"float\"}", Double(stats.samplesAppended))])
        family("prometheus_tsdb_out_of_order_samples_total", "counter", "Total number of out of order samples ingestion failed attempts.", [("{type=\"float\"}", Double(stats.outOfOrderSamples))])
        family("prometheus_tsdb_out_of_bound_samples_total", "counter", "Total number of out of bound samples ingestion failed attempts.", [("{type=\"float\"}", Double(stats.outOfBoundsSamples))])
        family("metricsd_tsdb_samples_refused_total", "counter", "Samples the head refused, by reason.", [
            ("{reason=\"out_of_order\"}", Double(stats.outOfOrderSamples)),
            ("{reason=\"too_old\"}", Double(stats.outOfBoundsSamples - stats.tooFarInFutureSamples)),
            ("{reason=\"too_far_in_future\"}", Double(stats.tooFarInFutureSamples)),
            ("{reason=\"duplicate_timestamp\"}", Double(stats.duplicateSamples)),
        ])
        family("metricsd_tsdb_wal_replay_skipped_samples_total", "counter", "WAL samples replay could not apply (ahead of the clock, or not newer than their series).", [("", Double(stats.replaySkippedSamples))])

        family("prometheus_tsdb_head_min_time", "gauge", "Minimum time bound of the head block.", [("", Double(head.minTime == Int64.max ? 0 : head.minTime))])
        family("prometheus_tsdb_head_max_time", "gauge", "Maximum timestamp of the head block.", [("", Double(head.maxTime == Int64.min ? 0 : head.maxTime))])
        family("metricsd_tsdb_commit_failures_total", "counter", "Commits refused because the WAL could not be written (a full disk, say).", [("", Double(stats.commitFailures))])
        family("prometheus_tsdb_blocks_loaded", "gauge", "Number of currently loaded data blocks.", [("", Double(storage.blocks))])
        family("prometheus_tsdb_storage_blocks_bytes", "gauge", "The number of bytes that are currently used for local storage by all blocks.", [("", Double(storage.blockBytes))])
        family("prometheus_tsdb_wal_storage_size_bytes", "gauge", "Size of the write log directory.", [("", Double(storage.walBytes))])
        family("prometheus_tsdb_wal_corruptions_total", "counter", "Total number of WAL corruptions.", [("", Double(storage.walCorruptions))])
        family("prometheus_tsdb_compactions_total", "counter", "Total number of compactions that were executed.", [("", Double(storage.compactions))])
        family("prometheus_tsdb_compactions_failed_total", "counter", "Total number of compactions that failed.", [("", Double(storage.compactionFailures))])
        family("prometheus_tsdb_size_retentions_total", "counter", "Number of blocks deleted by retention.", [("", Double(storage.retentionDeletions))])
        family("prometheus_tsdb_data_replay_duration_seconds", "gauge", "Time taken to replay the data on disk.", [("", storage.replaySeconds)])

        let refusals = targets.sampleRefusals()
        family("prometheus_target_scrapes_sample_out_of_order_total", "counter", "Total number of samples rejected due to not being out of the expected order.", [("", Double(refusals.outOfOrder))])
        family("prometheus_target_scrapes_sample_out_of_bounds_total", "counter", "Total number of samples rejected due to timestamp falling outside of the time bounds.", [("", Double(refusals.outOfBounds))])
        family("prometheus_target_scrapes_sample_duplicate_timestamp_total", "counter", "Total number of samples rejected due to duplicate timestamps but different values.", [("", Double(refusals.duplicateTimestamp))])
        family("prometheus_target_scrapes_exceeded_sample_limit_total", "counter", "Total number of scrapes that hit the sample limit and were rejected.", [("", Double(refusals.exceededSampleLimit))])

        let snapshot = targets.targets()
        var byPool: [String: (up: Int, down: Int)] = [:]
        for entry in snapshot.active {
            var counts = byPool[entry.scrapePool] ?? (0, 0)
            if entry.health == "down" { counts.down += 1 } else { counts.up += 1 }
            byPool[entry.scrapePool] = counts
        }
        family("metricsd_scrape_targets", "gauge", "Active scrape targets by pool and last health.",
               byPool.sorted { $0.key < $1.key }.flatMap { pool, counts in
                   [("{scrape_job=\(quoteLabelValue(pool)),health=\"up\"}", Double(counts.up)), ("{scrape_job=\(quoteLabelValue(pool)),health=\"down\"}", Double(counts.down))]
               })
        return out + extra()
    }
}
