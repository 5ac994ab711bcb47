import MetricsModel
import Relabel
import TSDB

/// Turns one scrape body into appended samples: parse, attach target labels, `metric_relabel_configs`,
/// limits, and staleness markers for series that disappeared since the last scrape.
///
/// Keeps a cache from a series' raw bytes to its final labels, so a series seen before costs a
/// dictionary lookup instead of building and relabeling a label set.
public struct ScrapeIngester {
    public let target: Target
    public let config: ScrapeConfig

    private struct CacheEntry {
        /// The final labels, or nil when metric relabeling drops the series.
        var labels: Labels?
        var lastSeen: UInt64
    }

    private var cache: [[UInt8]: CacheEntry] = [:]
    private var iteration: UInt64 = 0
    /// Series written by the previous successful scrape, for staleness.
    private var previous: Set<Labels> = []
    /// Metric families' metadata as of the last successful scrape.
    public private(set) var metadata: [String: MetricMetadata] = [:]
    /// Set when a scrape's metadata differed from the one before (so the board is updated only then).
    public private(set) var metadataChanged = false

    public init(target: Target, config: ScrapeConfig) {
        self.target = target
        self.config = config
    }

    /// What one scrape produced.
    public struct Report: Sendable, Equatable {
        public var samplesScraped = 0
        public var samplesPostRelabel = 0
        public var seriesAdded = 0
        public var outOfOrder = 0
    }

    /// Why a scrape body was refused as a whole.
    public enum Failure: Error, Sendable, CustomStringConvertible {
        case parse(ExpositionError)
        case sampleLimit(Int)
        case labelLimit(Int)

        public var description: String {
            switch self {
            case .parse(let error): return "parse error: \(error)"
            case .sampleLimit(let limit): return "sample limit exceeded (\(limit))"
            case .labelLimit(let limit): return "label_limit exceeded (\(limit))"
            }
        }
    }

    /// Parses `body` and appends its samples at `timestamp` (ms) through `appender`, which the caller
    /// commits on success and rolls back on failure.
    public mutating func ingest<A: Appender>(
        _ body: [UInt8], format: ExpositionFormat, timestamp: Int64, into appender: inout A
    ) throws(Failure) -> Report {
        iteration &+= 1
        var report = Report()
        var seen = Set<Labels>()
        seen.reserveCapacity(previous.count)
        var parser = TextParser(bytes: body, format: format)
        var families: [String: MetricMetadata] = [:]
        families.reserveCapacity(metadata.count)
        while true {
            let entry: ExpositionEntry?
            do {
                entry = try parser.next()
            } catch {
                throw .parse(error)
            }
            guard let entry else { break }
            switch entry {
            case .series: break
            case .type: families[parser.metadataMetric, default: MetricMetadata()].type = parser.metadataType
            case .help: families[parser.metadataMetric, default: MetricMetadata()].help = parser.helpText
            case .unit: families[parser.metadataMetric, default: MetricMetadata()].unit = parser.unitText
            case .comment: break
            }
            guard entry == .series else { continue }
            report.samplesScraped += 1
            let key = Array(parser.seriesBytes)
            var labels: Labels?
            if var cached = cache[key] {
                labels = cached.labels
                cached.lastSeen = iteration
                cache[key] = cached
            } else {
                labels = finalLabels(parser.labels())
                cache[key] = CacheEntry(labels: labels, lastSeen: iteration)
                if labels != nil { report.seriesAdded += 1 }
            }
            guard let labels else { continue }
            report.samplesPostRelabel += 1
            if config.sampleLimit > 0 && report.samplesPostRelabel > config.sampleLimit { throw .sampleLimit(config.sampleLimit) }
            if config.labelLimit > 0 && labels.count > config.labelLimit { throw .labelLimit(config.labelLimit) }
            let time = config.honorTimestamps ? (parser.timestamp ?? timestamp) : timestamp
            do {
                try appender.append(labels, Sample(timestamp: time, value: parser.value))
                if parser.timestamp == nil || !config.honorTimestamps { seen.insert(labels) }
            } catch {
                report.outOfOrder += 1
            }
        }
        // Series that vanished get a stale marker, so queries stop returning them at once.
        for labels in previous where !seen.contains(labels) {
            try? appender.append(labels, Sample(timestamp: timestamp, value: StaleMarker.value))
        }
        previous = seen
        metadataChanged = families != metadata
        if metadataChanged { metadata = families }
        if iteration % 16 == 0 { cache = cache.filter { $0.value.lastSeen + 16 > iteration } }
        return report
    }

    /// Marks every series of the last scrape stale: the target went away or stopped answering.
    public mutating func markAllStale<A: Appender>(at timestamp: Int64, into appender: inout A) {
        for labels in previous { try? appender.append(labels, Sample(timestamp: timestamp, value: StaleMarker.value)) }
        previous = []
    }

    /// Target labels merged as Prometheus does, then `metric_relabel_configs`; nil when dropped.
    func finalLabels(_ scraped: Labels) -> Labels? {
        var builder = LabelsBuilder(scraped)
        for label in target.labels {
            if config.honorLabels {
                if !builder.has(label.name) { builder.set(label.name, label.value) }
                continue
            }
            // A clash keeps the scraped value under exported_<name> (exported_exported_… if needed).
            let clashing = builder.get(label.name)
            if !clashing.isEmpty {
                var exportedName = "exported_" + label.name
                while builder.has(exportedName) { exportedName = "exported_" + exportedName }
                builder.set(exportedName, clashing)
            }
            builder.set(label.name, label.value)
        }
        guard Relabeler.process(&builder, config.metricRelabelConfigs) else { return nil }
        let labels = builder.labels()
        return labels.isEmpty ? nil : labels
    }
}
