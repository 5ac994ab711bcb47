import Foundation
import MetricsModel
import TSDB

/// Renders metricsd's own metrics in Prometheus text format, under Prometheus's names where the
/// meaning is the same, so existing dashboards and the benchmark harness read them unchanged.
/// docs/metrics.md lists every family.
struct SelfMetrics: Sendable {
    /// nil in agent mode: the store's families then come from `extra`.
    let db: DB?
    let targets: any TargetRetriever
    let httpRequests: HTTPRequestCounter
    let queryGate: QueryGate
    let queryMetrics: QueryMetrics
    /// The configuration's reload state; nil where nothing reloads it.
    let runtime: ServerRuntime?
    /// Metrics of other parts (rule evaluation, notifications), already in text format.
    let extra: @Sendable () -> String

    init(
        db: DB?, targets: any TargetRetriever, httpRequests: HTTPRequestCounter = HTTPRequestCounter(), queryGate: QueryGate = QueryGate(limit: 20),
        queryMetrics: QueryMetrics = QueryMetrics(), runtime: ServerRuntime? = nil, extra: @escaping @Sendable () -> String = { "" }
    ) {
        self.extra = extra
        self.runtime = runtime
        self.db = db
        self.targets = targets
        self.httpRequests = httpRequests
        self.queryGate = queryGate
        self.queryMetrics = queryMetrics
    }

    package func render() -> String {
        var text = MetricsText()
        writeProcess(to: &text)
        httpRequests.write(to: &text)
        let queries = queryGate.load
        text.single("prometheus_engine_queries", "gauge", "The current number of queries being executed or waiting.", Double(queries.running + queries.waiting))
        text.single("prometheus_engine_queries_concurrent_max", "gauge", "The max number of concurrent queries.", Double(queryGate.limit))
        queryMetrics.write(to: &text)
        if let runtime {
            let reload = runtime.reloadState
            text.single("prometheus_config_last_reload_successful", "gauge", "Whether the last configuration reload attempt was successful.",
                        reload.succeeded ? 1 : 0)
            text.single("prometheus_config_last_reload_success_timestamp_seconds", "gauge", "Timestamp of the last successful configuration reload.",
                        reload.time.timeIntervalSince1970.rounded(.down))
        }
        writeStorage(to: &text)
        writeScrape(to: &text)
        text.append(extra())
        return text.text
    }

    private func writeProcess(to text: inout MetricsText) {
        let process = ProcessMetrics.read()
        text.single("process_cpu_seconds_total", "counter", "Total user and system CPU time spent in seconds.", process.cpuSeconds)
        text.single("process_resident_memory_bytes", "gauge", "Resident memory size in bytes.", process.residentBytes)
        text.single("process_virtual_memory_bytes", "gauge", "Virtual memory size in bytes.", process.virtualBytes)
        text.single("process_virtual_memory_max_bytes", "gauge", "Maximum amount of virtual memory available in bytes.", process.virtualMemoryMaxBytes)
        text.single("process_start_time_seconds", "gauge", "Start time of the process since unix epoch in seconds.", process.startTimeSeconds)
        text.single("process_open_fds", "gauge", "Number of open file descriptors.", process.openFileDescriptors)
        text.single("process_max_fds", "gauge", "Maximum number of open file descriptors.", process.maxFileDescriptors)
        // Go's runtime reports go_threads; a Swift process's equivalent.
        text.single("metricsd_process_threads", "gauge", "Operating system threads of the process.", process.threads)
        text.header("metricsd_build_info", "gauge", "Build information of metricsd.")
        text.sample("metricsd_build_info", ["version"], [BuildInfo.version], 1)
    }

    private func writeStorage(to text: inout MetricsText) {
        guard let db else { return }
        let head = db.head
        let stats = head.stats
        let storage = db.stats
        text.single("prometheus_tsdb_head_series", "gauge", "Total number of series in the head block.", Double(head.seriesCount))
        text.single("prometheus_tsdb_head_chunks", "gauge", "Total number of chunks in the head block.", Double(head.chunkCount))
        text.single("prometheus_tsdb_head_series_created_total", "counter", "Total number of series created in the head.", Double(stats.seriesCreated))
        func typed(_ name: String, _ help: String, _ value: UInt64) {
            text.header(name, "counter", help)
            text.sample(name, ["type"], ["float"], Double(value))
        }
        typed("prometheus_tsdb_head_samples_appended_total", "Total number of appended samples.", stats.samplesAppended)
        typed("prometheus_tsdb_out_of_order_samples_total", "Total number of out of order samples ingestion failed attempts.", stats.outOfOrderSamples)
        typed("prometheus_tsdb_out_of_bound_samples_total", "Total number of out of bound samples ingestion failed attempts.", stats.outOfBoundsSamples)
        text.header("metricsd_tsdb_samples_refused_total", "counter", "Samples the head refused, by reason.")
        for (reason, value) in [
            ("out_of_order", stats.outOfOrderSamples), ("too_old", stats.outOfBoundsSamples - stats.tooFarInFutureSamples),
            ("too_far_in_future", stats.tooFarInFutureSamples), ("duplicate_timestamp", stats.duplicateSamples),
            ("series_limit", stats.seriesLimitRefusals),
        ] {
            text.sample("metricsd_tsdb_samples_refused_total", ["reason"], [reason], Double(value))
        }
        text.single("metricsd_tsdb_wal_replay_skipped_samples_total", "counter",
                    "WAL samples replay could not apply (ahead of the clock, or not newer than their series).", Double(stats.replaySkippedSamples))
        text.single("prometheus_tsdb_head_min_time", "gauge", "Minimum time bound of the head block.", Double(head.minTime == Int64.max ? 0 : head.minTime))
        text.single("prometheus_tsdb_head_max_time", "gauge", "Maximum timestamp of the head block.", Double(head.maxTime == Int64.min ? 0 : head.maxTime))
        text.single("metricsd_tsdb_commit_failures_total", "counter", "Commits refused because the WAL could not be written (a full disk, say).",
                    Double(stats.commitFailures))
        text.single("prometheus_tsdb_blocks_loaded", "gauge", "Number of currently loaded data blocks.", Double(storage.blocks))
        text.single("prometheus_tsdb_storage_blocks_bytes", "gauge", "The number of bytes that are currently used for local storage by all blocks.",
                    Double(storage.blockBytes))
        text.single("prometheus_tsdb_wal_storage_size_bytes", "gauge", "Size of the write log directory.", Double(storage.walBytes))
        text.single("prometheus_tsdb_wal_corruptions_total", "counter", "Total number of WAL corruptions.", Double(storage.walCorruptions))
        text.single("prometheus_tsdb_compactions_total", "counter", "Total number of compactions that were executed.", Double(storage.compactions))
        text.single("prometheus_tsdb_compactions_failed_total", "counter", "Total number of compactions that failed.", Double(storage.compactionFailures))
        text.single("prometheus_tsdb_size_retentions_total", "counter", "Number of blocks deleted by retention.", Double(storage.retentionDeletions))
        text.single("metricsd_tsdb_blocks_quarantined_total", "counter", "Blocks that failed their checks at open and were moved to corrupted/.",
                    Double(storage.quarantinedBlocks))
        text.single("metricsd_tsdb_blocks_inconsistent_meta", "gauge", "Loaded blocks whose meta.json contradicts their index (served with the index's range).",
                    Double(storage.inconsistentBlocks))
        text.single("metricsd_tsdb_chunk_read_failures_total", "counter", "Chunks a query could not read or decode and answered without (with a warning).",
                    Double(storage.chunkReadFailures))
        text.single("prometheus_tsdb_data_replay_duration_seconds", "gauge", "Time taken to replay the data on disk.", storage.replaySeconds)
        db.writeInstruments(to: &text)
    }

    private func writeScrape(to text: inout MetricsText) {
        let refusals = targets.sampleRefusals()
        text.single("prometheus_target_scrapes_sample_out_of_order_total", "counter",
                    "Total number of samples rejected due to not being out of the expected order.", Double(refusals.outOfOrder))
        text.single("prometheus_target_scrapes_sample_out_of_bounds_total", "counter",
                    "Total number of samples rejected due to timestamp falling outside of the time bounds.", Double(refusals.outOfBounds))
        text.single("prometheus_target_scrapes_sample_duplicate_timestamp_total", "counter",
                    "Total number of samples rejected due to duplicate timestamps but different values.", Double(refusals.duplicateTimestamp))
        text.single("prometheus_target_scrapes_exceeded_sample_limit_total", "counter",
                    "Total number of scrapes that hit the sample limit and were rejected.", Double(refusals.exceededSampleLimit))

        let snapshot = targets.targets()
        var byPool: [String: (up: Int, down: Int, dropped: Int)] = [:]
        for entry in snapshot.active {
            var counts = byPool[entry.scrapePool] ?? (0, 0, 0)
            if entry.health == "down" { counts.down += 1 } else { counts.up += 1 }
            byPool[entry.scrapePool] = counts
        }
        for (pool, count) in targets.droppedTargetCounts() { byPool[pool, default: (0, 0, 0)].dropped += count }
        let pools = byPool.sorted { $0.key < $1.key }
        text.header("metricsd_scrape_targets", "gauge", "Active scrape targets by pool and last health.")
        for (pool, counts) in pools {
            text.sample("metricsd_scrape_targets", ["health", "scrape_job"], ["down", pool], Double(counts.down))
            text.sample("metricsd_scrape_targets", ["health", "scrape_job"], ["up", pool], Double(counts.up))
        }
        text.header("prometheus_target_scrape_pool_targets", "gauge", "Current number of targets in this scrape pool.")
        for (pool, counts) in pools {
            text.sample("prometheus_target_scrape_pool_targets", ["scrape_job"], [pool], Double(counts.up + counts.down))
        }
        text.header("prometheus_sd_discovered_targets", "gauge", "Current number of discovered targets.")
        for (pool, counts) in pools {
            text.sample("prometheus_sd_discovered_targets", ["config", "name"], [pool, "scrape"], Double(counts.up + counts.down + counts.dropped))
        }
        targets.writeMetrics(to: &text)
    }
}
