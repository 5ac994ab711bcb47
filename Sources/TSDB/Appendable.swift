import MetricsModel

/// Where ingest writes samples: the head of the store, or anything that stands in for it.
/// Owned here, by the store, and implemented by it; the scraper and the rule engine depend on this seam.
public protocol Appendable: Sendable {
    associatedtype AppenderType: Appender
    /// A new transaction. Nothing it appends is visible until `commit`.
    func appender() -> AppenderType
}

/// One ingest transaction.
public protocol Appender {
    /// Adds a sample for `labels`. Throws for out-of-order or otherwise rejected samples.
    mutating func append(_ labels: Labels, _ sample: Sample) throws
    /// Like `append`, and returns a reference that later appends to the same series can use
    /// instead of the labels (nil when the store has no references).
    mutating func appendReturningRef(_ labels: Labels, _ sample: Sample) throws -> SeriesRef?
    /// Adds a sample to the series `ref` stands for. Returns false, appending nothing, when the
    /// reference is no longer known (the series left the head); the caller then appends by labels.
    mutating func append(ref: SeriesRef, _ sample: Sample) throws -> Bool
    /// Makes every appended sample visible and durable per the store's sync policy.
    mutating func commit() throws
    /// Discards everything appended since the last commit.
    mutating func rollback()
}

extension Appender {
    public mutating func appendReturningRef(_ labels: Labels, _ sample: Sample) throws -> SeriesRef? {
        try append(labels, sample)
        return nil
    }

    public mutating func append(ref: SeriesRef, _ sample: Sample) throws -> Bool { false }
}
