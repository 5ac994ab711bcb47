import Config
import Exposition
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
        /// The label limit the final labels break, if any (`label_limit`, `label_name_length_limit`,
        /// `label_value_length_limit`): a scrape holding such a series fails whole, as in Prometheus.
        var limitBreach: Failure?
        /// The iteration in which the series last appeared.
        var lastSeen: UInt64
        /// Whether the series' last sample was a native histogram (its stale marker is one too).
        var isHistogram = false
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
        /// Native histograms the store refused as invalid (or cannot keep).
        package var invalidHistograms = 0
        /// Samples of new series the store refused at its series cap (`--storage.tsdb.max-series`).
        package var seriesLimit = 0
    }

    /// Why a scrape body was refused as a whole.
    package enum Failure: Error, Sendable, CustomStringConvertible {
        case parse(ExpositionError)
        case sampleLimit(Int)
        /// A series over `label_limit`, `label_name_length_limit` or `label_value_length_limit`, in Prometheus's words.
        case labelLimit(String)

        package var description: String {
            switch self {
            case .parse(let error): return "parse error: \(error)"
            case .sampleLimit(let limit): return "sample limit exceeded (\(limit))"
            case .labelLimit(let text): return text
            }
        }
    }

    /// Parses `body` and appends its samples at `timestamp` (ms) through `appender`, which the caller
    /// commits on success and rolls back on failure.
    package mutating func ingest<A: Appender>(
        _ body: [UInt8], format: ExpositionFormat, timestamp: Int64, into appender: inout A
    ) throws(Failure) -> Report {
        if format == .protobuf { return try ingestProtobuf(body, timestamp: timestamp, into: &appender) }
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
            let slot = lookup(parser.seriesBytes) ?? insert(key: parser.seriesBytes, labels: parser.labels(), report: &report)
            try record(slot, .float(parser.value), explicit: parser.timestamp, at: timestamp, report: &report, written: &written, into: &appender)
        }
        finish(at: timestamp, written: written, families: families, into: &appender)
        return report
    }

    /// `ingest` for the protobuf format: the parser makes the whole exposition's samples first.
    private mutating func ingestProtobuf<A: Appender>(_ body: [UInt8], timestamp: Int64, into appender: inout A) throws(Failure) -> Report {
        let parsed: ProtobufParser
        do {
            parsed = try ProtobufParser(body, options: protobufOptions)
        } catch {
            throw .parse(error)
        }
        iteration &+= 1
        var report = Report()
        var written: [Int32] = []
        written.reserveCapacity(previous.count)
        for entry in parsed.entries {
            report.samplesScraped += 1
            let slot = lookup(entry.key[...]) ?? insert(key: entry.key[...], labels: entry.labels, report: &report)
            let value: ScrapedValue = entry.histogram.map { .histogram($0) } ?? .float(entry.value)
            try record(slot, value, explicit: entry.timestamp, at: timestamp, report: &report, written: &written, into: &appender)
        }
        finish(at: timestamp, written: written, families: parsed.metadata, into: &appender)
        return report
    }

    /// What the job's histogram settings ask of the protobuf parser.
    var protobufOptions: ProtobufParser.Options {
        let options = config.histograms
        return ProtobufParser.Options(
            nativeHistograms: options.nativeHistograms ?? true, alwaysClassic: options.alwaysScrapeClassic ?? false,
            convertClassicToNHCB: options.convertClassicToNHCB ?? false, bucketLimit: options.bucketLimit, minBucketFactor: options.minBucketFactor)
    }

    /// A scraped sample's value: a float or a native histogram.
    enum ScrapedValue {
        case float(Double)
        case histogram(FloatHistogram)
    }

    /// One scraped sample through the limits into the appender; `written` collects the series that
    /// get stale markers when they vanish (those without their own timestamps).
    private mutating func record<A: Appender>(
        _ slot: Int32, _ value: ScrapedValue, explicit: Int64?, at timestamp: Int64, report: inout Report, written: inout [Int32], into appender: inout A
    ) throws(Failure) {
        entries[Int(slot)].lastSeen = iteration
        if case .dropped = entries[Int(slot)].target { return }
        report.samplesPostRelabel += 1
        if config.limits.sampleLimit > 0 && report.samplesPostRelabel > config.limits.sampleLimit { throw .sampleLimit(config.limits.sampleLimit) }
        if let breach = entries[Int(slot)].limitBreach { throw breach }
        let time = config.honorTimestamps ? (explicit ?? timestamp) : timestamp
        do {
            switch value {
            case .float(let number): try append(slot, Sample(timestamp: time, value: number), into: &appender)
            case .histogram(let histogram): try appendHistogram(slot, HistogramSample(timestamp: time, histogram: histogram), into: &appender)
            }
            if explicit == nil || !config.honorTimestamps { written.append(slot) }
        } catch let error as AppendError {
            switch error {
            case .outOfOrder: report.outOfOrder += 1
            case .outOfBounds: report.outOfBounds += 1
            case .duplicate: report.duplicateTimestamp += 1
            case .invalidHistogram, .histogramsNotSupported: report.invalidHistograms += 1
            case .seriesLimit: report.seriesLimit += 1
            // Labels are always given on this path.
            case .unknownReference: report.outOfOrder += 1
            }
        } catch {
            report.outOfOrder += 1
        }
    }

    /// After a scrape's samples: stale markers for series that vanished, the metadata, eviction.
    private mutating func finish<A: Appender>(at timestamp: Int64, written: [Int32], families: [String: MetricMetadata], into appender: inout A) {
        // Series that vanished get a stale marker, so queries stop returning them at once.
        for slot in previous where entries[Int(slot)].lastSeen != iteration { appendStaleMarker(slot, at: timestamp, into: &appender) }
        previous = written
        metadataChanged = families != metadata
        if metadataChanged { metadata = families }
        if iteration % 16 == 0 { evict() }
    }

    /// A stale marker of the series' kind: a float NaN, or a histogram whose sum is that NaN.
    private mutating func appendStaleMarker<A: Appender>(_ slot: Int32, at timestamp: Int64, into appender: inout A) {
        if entries[Int(slot)].isHistogram {
            var marker = FloatHistogram()
            marker.sum = StaleMarker.value
            try? appendHistogram(slot, HistogramSample(timestamp: timestamp, histogram: marker), into: &appender)
        } else {
            try? append(slot, Sample(timestamp: timestamp, value: StaleMarker.value), into: &appender)
        }
    }

    /// Marks every series of the last scrape stale: the target went away or stopped answering.
    mutating func markAllStale<A: Appender>(at timestamp: Int64, into appender: inout A) {
        for slot in previous { appendStaleMarker(slot, at: timestamp, into: &appender) }
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

    /// `append` for a native histogram; the entry remembers that its series holds histograms.
    private mutating func appendHistogram<A: Appender>(_ slot: Int32, _ sample: HistogramSample, into appender: inout A) throws {
        entries[Int(slot)].isHistogram = true
        let ref: SeriesRef
        switch entries[Int(slot)].target {
        case .dropped:
            return
        case .ref(let cached):
            do {
                ref = try appender.appendHistogram(cached, .empty, sample)
            } catch AppendError.unknownReference(_) {
                guard let labels = rebuildLabels(entries[Int(slot)].key) else { return }
                ref = try appender.appendHistogram(0, labels, sample)
            }
        case .labels(let labels):
            ref = try appender.appendHistogram(0, labels, sample)
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

    /// Builds the final labels of a series not seen before and caches them under its exposition bytes.
    private mutating func insert(key bytes: ArraySlice<UInt8>, labels scraped: Labels, report: inout Report) -> Int32 {
        let key = Array(bytes)
        let labels = finalLabels(scraped)
        if labels != nil { report.seriesAdded += 1 }
        let slot = Int32(entries.count)
        entries.append(CacheEntry(key: key, target: labels.map { .labels($0) } ?? .dropped, limitBreach: labels.flatMap(limitBreach), lastSeen: iteration))
        let hash = Self.hash(bytes)
        if index[hash] == nil { index[hash] = slot } else { collided[key] = slot }
        return slot
    }

    /// The first label limit `labels` breaks, worded as Prometheus words it (lengths in bytes).
    private func limitBreach(_ labels: Labels) -> Failure? {
        let metric = String((labels[LabelNames.metricName] ?? "").prefix(50))
        if config.limits.labelLimit > 0 && labels.count > config.limits.labelLimit {
            return .labelLimit("label_limit exceeded (metric: \(metric), number of labels: \(labels.count), limit: \(config.limits.labelLimit))")
        }
        for label in labels {
            if config.limits.labelNameLengthLimit > 0 && label.name.utf8.count > config.limits.labelNameLengthLimit {
                return .labelLimit("label_name_length_limit exceeded (metric: \(metric), label name: \(label.name.prefix(50)), "
                                   + "length: \(label.name.utf8.count), limit: \(config.limits.labelNameLengthLimit))")
            }
            if config.limits.labelValueLengthLimit > 0 && label.value.utf8.count > config.limits.labelValueLengthLimit {
                return .labelLimit("label_value_length_limit exceeded (metric: \(metric), label name: \(label.name.prefix(50)), "
                                   + "value: \(goQuote(String(label.value.prefix(50)))), length: \(label.value.utf8.count), limit: \(config.limits.labelValueLengthLimit))")
            }
        }
        return nil
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
