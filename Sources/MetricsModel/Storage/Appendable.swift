/// A series' identity within one store, stable while the process runs and across WAL replay.
/// References start at 1; 0 stands for "none".
package typealias SeriesRef = UInt64

/// Where ingest writes samples: the head of the store, or anything that stands in for it.
///
/// Declared here, below every module that appends (the scraper, the rule engine, the remote-write
/// receiver) and the store that implements it, so none of them depends on another for it.
package protocol Appendable: Sendable {
    associatedtype AppenderType: Appender
    /// A new transaction. Nothing it appends is visible until `commit`.
    func appender() -> AppenderType
}

/// One ingest transaction, with Prometheus's single append method.
package protocol Appender {
    /// Adds a sample to the series `ref` stands for or, when `ref` is 0 or no longer known, to the
    /// series of `labels`; returns the series' reference (0 from a store without references).
    /// Throws `AppendError` for a refused sample, and `AppendError.unknownReference` when `ref` is not
    /// known and `labels` is empty: a caller that keeps only references rebuilds the labels and
    /// appends again.
    mutating func append(_ ref: SeriesRef, _ labels: Labels, _ sample: Sample) throws -> SeriesRef
    /// Adds a native histogram sample, as `append` adds a float one (Prometheus's `AppendHistogram`).
    /// A series may hold floats at some times and histograms at others.
    mutating func appendHistogram(_ ref: SeriesRef, _ labels: Labels, _ sample: HistogramSample) throws -> SeriesRef
    /// Makes every appended sample visible and durable per the store's sync policy.
    mutating func commit() throws
    /// Discards everything appended since the last commit.
    mutating func rollback()
}

extension Appender {
    /// Appends by labels alone.
    package mutating func append(_ labels: Labels, _ sample: Sample) throws {
        _ = try append(0, labels, sample)
    }

    /// Appends a histogram by labels alone.
    package mutating func appendHistogram(_ labels: Labels, _ sample: HistogramSample) throws {
        _ = try appendHistogram(0, labels, sample)
    }

    /// An appender that keeps floats only refuses histograms.
    package mutating func appendHistogram(_ ref: SeriesRef, _ labels: Labels, _ sample: HistogramSample) throws -> SeriesRef {
        throw AppendError.histogramsNotSupported(labels: labels)
    }
}

/// Why a sample was refused, with Prometheus's texts (`storage.ErrOutOfOrderSample`, …).
package enum AppendError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Older than the series' newest sample (beyond the out-of-order window, if any).
    case outOfOrder(labels: Labels, timestamp: Int64)
    /// Older than the store accepts, or too far ahead of the clock.
    case outOfBounds(labels: Labels, timestamp: Int64)
    /// A second, different value for a timestamp the series already has.
    case duplicate(labels: Labels, timestamp: Int64)
    /// A reference the store does not know, given without labels.
    case unknownReference(SeriesRef)
    /// A native histogram whose buckets, spans or counts contradict each other.
    case invalidHistogram(labels: Labels, reason: String)
    /// A native histogram given to storage that keeps floats only.
    case histogramsNotSupported(labels: Labels)
    /// A new series while the head holds its cap of series (`--storage.tsdb.max-series`); samples
    /// of series already there are taken as before.
    case seriesLimit(labels: Labels, limit: Int)

    /// The refusal's kind as Prometheus words it.
    package var reason: String {
        switch self {
        case .outOfOrder: "out of order sample"
        case .outOfBounds: "out of bounds"
        case .duplicate: "duplicate sample for timestamp"
        case .unknownReference: "unknown series reference"
        case .invalidHistogram: "invalid histogram"
        case .histogramsNotSupported: "native histograms are not stored here"
        case .seriesLimit: "head series limit reached"
        }
    }

    package var description: String {
        switch self {
        case .outOfOrder(let labels, let timestamp), .outOfBounds(let labels, let timestamp), .duplicate(let labels, let timestamp):
            "\(reason) for series \(labels) at \(timestamp)"
        case .unknownReference(let ref): "\(reason) \(ref)"
        case .invalidHistogram(let labels, let problem): "\(reason) for series \(labels): \(problem)"
        case .histogramsNotSupported(let labels): "\(reason) (series \(labels))"
        case .seriesLimit(let labels, let limit): "\(reason) (\(limit) series, --storage.tsdb.max-series): new series \(labels) refused"
        }
    }
}

/// The version every component reports.
package enum BuildInfo {
    package static let version = "0.1.0"
}
