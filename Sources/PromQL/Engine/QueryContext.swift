import Synchronization

/// A query's deadline and cancellation flag, checked by the evaluator between steps of work, so a
/// query that times out or whose client went away stops and frees what it loaded.
public final class QueryContext: Sendable {
    /// When the query must have finished; nil for no limit.
    public let deadline: ContinuousClock.Instant?
    private let canceled = Atomic<Bool>(false)
    private let loaded = Atomic<Int>(0)

    public init(deadline: ContinuousClock.Instant? = nil) {
        self.deadline = deadline
    }

    /// A context without limits.
    public static var unbounded: QueryContext { QueryContext() }

    /// Asks the evaluation to stop at its next check.
    public func cancel() { canceled.store(true, ordering: .relaxed) }

    public var isCanceled: Bool { canceled.load(ordering: .relaxed) }

    /// Samples the evaluation loaded from storage (for `stats=all`).
    public var samplesLoaded: Int { loaded.load(ordering: .relaxed) }

    func noteLoaded(_ count: Int) { loaded.add(count, ordering: .relaxed) }

    /// Throws when the query was cancelled or its deadline passed.
    func check() throws(EvaluationError) {
        if isCanceled { throw EvaluationError("query was canceled in query execution", kind: .canceled) }
        if let deadline, ContinuousClock.now >= deadline {
            throw EvaluationError("query timed out in query execution", kind: .timeout)
        }
    }
}
