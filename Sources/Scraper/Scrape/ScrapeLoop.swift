import Config
import Exposition
import Foundation
import Logging
import MetricsModel

/// Scrapes one target on its interval until cancelled, appending to the store.
struct ScrapeLoop<Store: Appendable> {
    let target: Target
    let config: ScrapeConfig
    let store: Store
    let fetcher: any TargetFetcher
    let status: TargetStatusBoard
    let logger: Logger
    /// How the loop ends its series once cancelled; the pool sets it before cancelling.
    let endOfRun: EndOfRunChoice
    /// Where deferred end-of-run markers wait.
    let staleness: StalenessScheduler
    /// A reason every scrape fails with for now, without fetching (the pool's `target_limit`).
    var forcedError: @Sendable () -> String? = { nil }

    func run() async {
        var ingester = ScrapeIngester(target: target, config: config)
        let interval = target.interval.milliseconds
        // Spread targets over the interval by a stable per-target offset, as Prometheus does.
        let offset = Int64(target.labels.stableHash % UInt64(max(interval, 1)))
        let now = Self.nowMilliseconds()
        var next = now - (now % interval) + offset
        if next < now { next += interval }
        var lastStart: ContinuousClock.Instant?
        let intervalLabel = target.interval.description
        while !Task.isCancelled {
            do {
                try await Task.sleep(for: .milliseconds(next - Self.nowMilliseconds()))
            } catch {
                break
            }
            let start = ContinuousClock.now
            if let lastStart { status.metrics.intervalLength.observe((start - lastStart).seconds, intervalLabel) }
            lastStart = start
            await scrapeOnce(&ingester, timestamp: next)
            next += interval
            // After a long stall (suspended process) skip missed slots instead of bursting.
            let current = Self.nowMilliseconds()
            if next < current { next += ((current - next) / interval + 1) * interval }
        }
        let end = Self.nowMilliseconds()
        switch endOfRun.current {
        case .leaveSeries:
            return
        case .markStale:
            Self.markStale(ingester, target: target, at: end, in: store)
        case .markStaleLater:
            let (store, target, final) = (self.store, self.target, ingester)
            // Two intervals, as Prometheus waits, but never under two seconds: the restarted loop's
            // first scrape may come a whole new interval after it starts, later still on a busy
            // machine, and a marker tried before it lands ends a series that goes on (seen in CI).
            // The marker is dated when this loop stopped, so waiting longer never misdates it.
            staleness.schedule(after: max(target.interval.duration * 2, .seconds(2))) {
                Self.markStale(final, target: target, at: end, in: store)
            }
        }
    }

    /// Ends the target's scraped series and its report series (`up`, ...) with stale markers at
    /// `end`. A series scraped again after `end` refuses its marker as out of order, and goes on.
    static func markStale(_ ingester: ScrapeIngester, target: Target, at end: Int64, in store: Store) {
        var ingester = ingester
        var appender = store.appender()
        ingester.markAllStale(at: end, into: &appender)
        for (name, _) in Self.reportValues(up: false, duration: 0, report: .init()) {
            var builder = LabelsBuilder(target.labels)
            builder.set(LabelNames.metricName, name)
            try? appender.append(builder.labels(), Sample(timestamp: end, value: StaleMarker.value))
        }
        try? appender.commit()
    }

    func scrapeOnce(_ ingester: inout ScrapeIngester, timestamp: Int64) async {
        let started = ContinuousClock.now
        var appender = store.appender()
        var report = ScrapeIngester.Report()
        var failure: String?
        do {
            if let forced = forcedError() { throw ForcedScrapeError(description: forced) }
            let (body, contentType) = try await fetcher.fetch(target, config: config)
            do {
                report = try ingester.ingest(body, format: ExpositionFormat(contentType: contentType), timestamp: timestamp, into: &appender)
            } catch {
                failure = error.description
                if case .sampleLimit = error { status.refusals.exceededSampleLimit() }
            }
        } catch {
            failure = "\(error)"
        }
        if failure != nil {
            appender.rollback()
            appender = store.appender()
            ingester.markAllStale(at: timestamp, into: &appender)
        }
        if report.seriesLimit > 0 {
            logger.warning("the store is at its series cap; new series of this scrape were not stored", metadata: [
                "job": "\(config.jobName)", "target": "\(target.url)", "refused_samples": "\(report.seriesLimit)",
            ])
        }
        if report.outOfOrder + report.outOfBounds + report.duplicateTimestamp > 0 {
            status.refusals.add(report)
            // Prometheus's warnings for the same refusals, one line per scrape.
            logger.warning("error on ingesting samples the store refused", metadata: [
                "job": "\(config.jobName)", "target": "\(target.url)",
                "out_of_order": "\(report.outOfOrder)", "out_of_bounds": "\(report.outOfBounds)",
                "duplicate_timestamp": "\(report.duplicateTimestamp)",
            ])
        }
        let duration = ContinuousClock.now - started
        let seconds = duration.inSeconds
        appendReport(&appender, timestamp: timestamp, up: failure == nil, duration: seconds, report: report)
        do {
            try appender.commit()
            // Written after the commit returned: tests compare these lines with what survives a crash.
            logger.debug("scrape committed", metadata: ["job": "\(config.jobName)", "target": "\(target.url)", "timestamp": "\(timestamp)", "samples": "\(report.samplesPostRelabel)"])
        } catch {
            failure = failure ?? "commit failed: \(error)"
        }
        if let failure { logger.debug("scrape failed", metadata: ["target": "\(target.url)", "error": "\(failure)"]) }
        status.metrics.scrapeSeconds.observe(seconds, config.jobName)
        status.metrics.samplesScraped.add(Double(report.samplesPostRelabel), config.jobName)
        if failure != nil { status.metrics.scrapeFailures.add(1, config.jobName) }
        status.record(
            target, pool: config.jobName, lastScrape: timestamp, duration: seconds, error: failure,
            metadata: failure == nil && ingester.metadataChanged ? ingester.metadata : nil)
    }

    private func appendReport<A: Appender>(_ appender: inout A, timestamp: Int64, up: Bool, duration: Double, report: ScrapeIngester.Report) {
        for (name, value) in Self.reportValues(up: up, duration: duration, report: report) {
            var builder = LabelsBuilder(target.labels)
            builder.set(LabelNames.metricName, name)
            try? appender.append(builder.labels(), Sample(timestamp: timestamp, value: value))
        }
    }

    /// The report series every scrape writes, with their values.
    static func reportValues(up: Bool, duration: Double, report: ScrapeIngester.Report) -> [(String, Double)] {
        [
            ("up", up ? 1 : 0), ("scrape_duration_seconds", duration),
            ("scrape_samples_scraped", Double(report.samplesScraped)),
            ("scrape_samples_post_metric_relabeling", Double(report.samplesPostRelabel)),
            ("scrape_series_added", Double(report.seriesAdded)),
        ]
    }

    static func nowMilliseconds() -> Int64 { Timestamps.now() }
}

/// A scrape failed before fetching, for a reason of the pool's.
struct ForcedScrapeError: Error, CustomStringConvertible {
    let description: String
}
