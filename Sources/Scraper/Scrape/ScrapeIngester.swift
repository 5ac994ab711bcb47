import Config
import Foundation
import MetricsModel
import Relabel

/// Turns one scrape body into appended samples: parse, attach target labels, `metric_relabel_configs`,
/// limits, and staleness markers for series that disappeared since the last scrape.
///
/// Keeps a cache from a series' raw bytes to its final labels and the store's reference for it, so a
/// series seen before costs a hash of its bytes and an append by reference, instead of building,
/// relabeling and looking up a label set (Prometheus's scrape cache does the same).
package struct ScrapeIngester: Sendable {
    package let target: Target
    package let config: ScrapeConfig

    private struct CacheEntry {
        /// What the ingester knows about the series' destination.
        enum Target {
            /// Metric relabeling drops the series.
            case dropped
            /// The final labels, until the store hands out a reference.
            case labels(Labels)
            /// The store's reference. The labels are not kept (they live in the store); if the store
            /// forgets the reference, they are rebuilt from `key`.
            case ref(SeriesRef)
        }

        /// The series' exposition bytes (name and labels), to confirm a hash hit.
        var key: [UInt8]
        var target: Target
        /// The final label count, for `label_limit`.
        var labelCount: Int
        /// The iteration in which the series last appeared.
        var lastSeen: UInt64
    }

    private var entries: [CacheEntry] = []
    /// Hash of a series' bytes → its entry; keys whose hash another key already holds go to `collided`.
    private var index: [UInt64: Int32] = [:]
    private var collided: [[UInt8]: Int32] = [:]
    private var iteration: UInt64 = 0
    /// Entries the previous successful scrape wrote without explicit timestamps, for staleness.
    private var previous: [Int32] = []
    /// Metric families' metadata as of the last successful scrape.
    package private(set) var metadata: [String: MetricMetadata] = [:]
    /// Set when a scrape's metadata differed from the one before (so the board is updated only then).
    package private(set) var metadataChanged = false

    package init(target: Target, config: ScrapeConfig) {
        self.target = target
        self.config = config
    }

    /// What one scrape produced.
    package struct Report: Sendable, Equatable {
        var samplesScraped = 0
        package var samplesPostRelabel = 0
        var seriesAdded = 0
        /// Samples the store refused, by Prometheus's reasons.
        package var outOfOrder = 0
        package var outOfBounds = 0
        package var duplicateTimestamp = 0
    }

    /// Why a scrape body was refused as a whole.
    package enum Failure: Error, Sendable, CustomStringConvertible {
        case parse(ExpositionError)
        case sampleLimit(Int)
        case labelLimit(Int)

        package var description: String {
            switch self {
            case .parse(let error): return "parse error: \(error)"
            case .sampleLimit(let limit): return "sample limit exceeded (\(limit))"
            case .labelLimit(let limit): return "label_limit exceeded (\(limit))"
            }
        }
    }

    /// Parses `body` and appends its samples at `timestamp` (ms) through `appender`, which the caller
    /// commits on success and rolls back on failure.
    package mutating func ingest<A: Appender>(
        _ body: [UInt8], format: ExpositionFormat, timestamp: Int64, into appender: inout A
    ) throws(Failure) -> Report {
        iteration &+= 1
        var report = Report()
        var written: [Int32] = []
        written.reserveCapacity(previous.count)
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
            let slot = lookup(parser.seriesBytes) ?? insert(parser, report: &report)
            entries[Int(slot)].lastSeen = iteration
            if case .dropped = entries[Int(slot)].target { continue }
            report.samplesPostRelabel += 1
            if config.sampleLimit > 0 && report.samplesPostRelabel > config.sampleLimit { throw .sampleLimit(config.sampleLimit) }
            if config.labelLimit > 0 && entries[Int(slot)].labelCount > config.labelLimit { throw .labelLimit(config.labelLimit) }
            let time = config.honorTimestamps ? (parser.timestamp ?? timestamp) : timestamp
            do {
                try append(slot, Sample(timestamp: time, value: parser.value), into: &appender)
                if parser.timestamp == nil || !config.honorTimestamps { written.append(slot) }
            } catch let error as AppendError {
                switch error {
                case .outOfOrder: report.outOfOrder += 1
                case .outOfBounds: report.outOfBounds += 1
                case .duplicate: report.duplicateTimestamp += 1
                // Labels are always given on this path, and no histogram comes through it.
                case .unknownReference, .invalidHistogram, .histogramsNotSupported: report.outOfOrder += 1
                }
            } catch {
                report.outOfOrder += 1
            }
        }
        // Series that vanished get a stale marker, so queries stop returning them at once.
        for slot in previous where entries[Int(slot)].lastSeen != iteration {
            try? append(slot, Sample(timestamp: timestamp, value: StaleMarker.value), into: &appender)
        }
        previous = written
        metadataChanged = families != metadata
        if metadataChanged { metadata = families }
        if iteration % 16 == 0 { evict() }
        return report
    }

    /// Marks every series of the last scrape stale: the target went away or stopped answering.
    mutating func markAllStale<A: Appender>(at timestamp: Int64, into appender: inout A) {
        for slot in previous {
            try? append(slot, Sample(timestamp: timestamp, value: StaleMarker.value), into: &appender)
        }
        previous = []
    }

    /// Appends by reference when the store gave one, else by labels; the store's reference replaces
    /// the labels in the cache.
    private mutating func append<A: Appender>(_ slot: Int32, _ sample: Sample, into appender: inout A) throws {
        let ref: SeriesRef
        switch entries[Int(slot)].target {
        case .dropped:
            return
        case .ref(let cached):
            do {
                ref = try appender.append(cached, .empty, sample)
            } catch AppendError.unknownReference(_) {
                // The store no longer knows the series (it left the head): append by labels again.
                guard let labels = rebuildLabels(entries[Int(slot)].key) else { return }
                ref = try appender.append(0, labels, sample)
            }
        case .labels(let labels):
            ref = try appender.append(0, labels, sample)
            if ref == 0 { return }
        }
        entries[Int(slot)].target = .ref(ref)
    }

    /// The final labels of a cached series, from its exposition bytes.
    private func rebuildLabels(_ key: [UInt8]) -> Labels? {
        var parser = TextParser(bytes: key + Array(" 0\n".utf8), format: .prometheusText)
        guard (try? parser.next()) == .series else { return nil }
        return finalLabels(parser.labels())
    }

    /// The entry for a series' bytes, if cached.
    private func lookup(_ bytes: ArraySlice<UInt8>) -> Int32? {
        guard let slot = index[Self.hash(bytes)] else { return nil }
        if Self.equal(entries[Int(slot)].key, bytes) { return slot }
        return collided.isEmpty ? nil : collided[Array(bytes)]
    }

    /// Builds the final labels of a series not seen before and caches them.
    private mutating func insert(_ parser: TextParser, report: inout Report) -> Int32 {
        let key = Array(parser.seriesBytes)
        let labels = finalLabels(parser.labels())
        if labels != nil { report.seriesAdded += 1 }
        let slot = Int32(entries.count)
        entries.append(CacheEntry(key: key, target: labels.map { .labels($0) } ?? .dropped, labelCount: labels?.count ?? 0, lastSeen: iteration))
        let hash = Self.hash(parser.seriesBytes)
        if index[hash] == nil { index[hash] = slot } else { collided[key] = slot }
        return slot
    }

    /// Drops entries unseen for 16 scrapes, renumbering the survivors.
    private mutating func evict() {
        let horizon = iteration >= 16 ? iteration - 16 : 0
        guard entries.contains(where: { $0.lastSeen <= horizon }) else { return }
        var renumbered = [Int32](repeating: -1, count: entries.count)
        var kept: [CacheEntry] = []
        kept.reserveCapacity(entries.count)
        for (old, entry) in entries.enumerated() where entry.lastSeen > horizon {
            renumbered[old] = Int32(kept.count)
            kept.append(entry)
        }
        entries = kept
        index.removeAll(keepingCapacity: true)
        collided.removeAll()
        for (slot, entry) in entries.enumerated() {
            let hash = entry.key.withUnsafeBytes { Self.hash($0) }
            if index[hash] == nil { index[hash] = Int32(slot) } else { collided[entry.key] = Int32(slot) }
        }
        previous = previous.compactMap { renumbered[Int($0)] >= 0 ? renumbered[Int($0)] : nil }
    }

    @inline(__always)
    static func hash(_ bytes: ArraySlice<UInt8>) -> UInt64 {
        bytes.withUnsafeBytes { hash($0) }
    }

    @inline(__always)
    static func hash(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        var hasher = StableHasher()
        hasher.combine(bytes)
        return hasher.value
    }

    @inline(__always)
    static func equal(_ key: [UInt8], _ bytes: ArraySlice<UInt8>) -> Bool {
        guard key.count == bytes.count else { return false }
        if key.isEmpty { return true }
        return key.withUnsafeBytes { a in bytes.withUnsafeBytes { b in memcmp(a.baseAddress!, b.baseAddress!, a.count) == 0 } }
    }

    /// Target labels merged as Prometheus does, then `metric_relabel_configs`; nil when dropped.
    func finalLabels(_ scraped: Labels) -> Labels? {
        var builder = LabelsBuilder(scraped)
        // A scraped label with an empty value (`m{a=""}`) is no label.
        builder.removeAll { $0.value.isEmpty }
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
