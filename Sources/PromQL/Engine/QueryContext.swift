import Synchronization

/// A query's deadline and cancellation flag, checked by the evaluator between steps of work, so a
/// query that times out or whose client went away stops and frees what it loaded.
package final class QueryContext: Sendable {
    /// When the query must have finished; nil for no limit.
    package let deadline: ContinuousClock.Instant?
    private let canceled = Atomic<Bool>(false)
    private let loaded = Atomic<Int>(0)
    private let notes = Mutex<[Annotation]>([])

    package init(deadline: ContinuousClock.Instant? = nil) {
        self.deadline = deadline
    }

    /// A context without limits.
    static var unbounded: QueryContext { QueryContext() }

    /// Asks the evaluation to stop at its next check.
    package func cancel() { canceled.store(true, ordering: .relaxed) }

    var isCanceled: Bool { canceled.load(ordering: .relaxed) }

    /// Samples the evaluation loaded from storage (for `stats=all`).
    package var samplesLoaded: Int { loaded.load(ordering: .relaxed) }

    func noteLoaded(_ count: Int) { loaded.add(count, ordering: .relaxed) }

    /// Output points of streamed range functions, counted as each series is produced (on
    /// several threads); returns the total so far.
    private let outputs = Atomic<Int>(0)

    func noteSeriesOutput(_ count: Int) -> Int { outputs.wrappingAdd(count, ordering: .relaxed).newValue }

    /// The warnings and infos the evaluation raised, each text once, in the order first raised.
    package var annotations: [Annotation] { notes.withLock { $0 } }

    /// Records an annotation; one whose kind and text were seen already is dropped (Prometheus
    /// keeps one per text, whatever its position).
    func annotate(_ annotation: Annotation) {
        notes.withLock { notes in
            if !notes.contains(where: { $0.kind == annotation.kind && $0.message == annotation.message }) { notes.append(annotation) }
        }
    }

    /// Throws when the query was cancelled or its deadline passed.
    func check() throws(EvaluationError) {
        if isCanceled { throw EvaluationError("query was canceled in query execution", kind: .canceled) }
        if let deadline, ContinuousClock.now >= deadline {
            throw EvaluationError("query timed out in query execution", kind: .timeout)
        }
    }
}
