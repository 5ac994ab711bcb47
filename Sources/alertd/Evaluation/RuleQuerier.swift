import MetricsModel
import PromQL

/// Where rules read from: an instant query for each rule and template `query`, and raw series for
/// restoring `for` state. metricsd and `tsq` evaluate in process over a store (`LocalQuerier`);
/// the standalone alertd sends each expression to a Prometheus-compatible server (`RemoteQuerier`).
package protocol RuleQuerier: Sendable {
    func instant(_ expr: Expr, at time: Int64) throws -> QueryValue
    /// Series matching every matcher with their samples in `mint...maxt`.
    func select(_ matchers: [Matcher], from mint: Int64, through maxt: Int64) throws -> [(Labels, [Sample])]
}

/// Evaluation in process: the engine over a store.
package struct LocalQuerier<Storage: Queryable>: RuleQuerier {
    package let engine: Engine
    package let storage: Storage

    package init(engine: Engine, storage: Storage) {
        self.engine = engine
        self.storage = storage
    }

    package func instant(_ expr: Expr, at time: Int64) throws -> QueryValue {
        try engine.instant(expr, at: time, on: storage)
    }

    package func select(_ matchers: [Matcher], from mint: Int64, through maxt: Int64) throws -> [(Labels, [Sample])] {
        try storage.select(matchers, from: mint, through: maxt)
    }
}
