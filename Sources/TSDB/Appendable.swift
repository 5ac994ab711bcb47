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
    /// Makes every appended sample visible and durable per the store's sync policy.
    mutating func commit() throws
    /// Discards everything appended since the last commit.
    mutating func rollback()
}
