import MetricsModel

/// The type a PromQL expression evaluates to.
package enum ValueType: String, Sendable, Equatable {
    case scalar
    case vector = "instant vector"
    case matrix = "range vector"
    case string
}

/// A PromQL expression tree.
package indirect enum Expr: Sendable, Equatable {
    case number(Double)
    case string(String)
    case vector(VectorSelector)
    /// `selector[range]`.
    case matrix(VectorSelector, range: DurationExpr)
    /// `expr[range:step]`; `step` nil means the evaluation's default resolution.
    case subquery(Subquery)
    case call(Function, args: [Expr], positions: SourcePositions = SourcePositions())
    case aggregate(Aggregate)
    case binary(Binary)
    case unary(negative: Bool, Expr)
    case paren(Expr)
    /// `step()`, `range()` etc. inside duration expressions are represented as calls.
}

/// `@` modifier targets.
package enum AtModifier: Sendable, Equatable {
    case timestamp(Int64)
    case start
    case end
}

/// Modifiers shared by selectors and subqueries.
/// Prometheus 3's extended range selectors: `anchored` takes the last sample at or before the window
/// start as its first point; `smoothed` interpolates values at the window's edges (and, on an instant
/// selector, at the evaluation time). Neither extrapolates.
enum RangeExtension: String, Sendable, Equatable {
    case anchored, smoothed

    /// The functions each extension may be used with, in Prometheus's error message order.
    var allowedFunctions: [String] {
        switch self {
        case .anchored: return ["changes", "delta", "increase", "rate", "resets"]
        case .smoothed: return ["delta", "increase", "rate"]
        }
    }
}

package struct Modifiers: Sendable, Equatable {
    package var offset: DurationExpr?
    package var at: AtModifier?
    var extended: RangeExtension?
    package init(offset: DurationExpr? = nil, at: AtModifier? = nil) {
        self.offset = offset
        self.at = at
    }
}

package struct VectorSelector: Sendable, Equatable {
    /// The metric name as written before the braces, if any.
    package var name: String?
    package var matchers: [Matcher]
    package var modifiers = Modifiers()
    /// Where the selector starts in the query, for annotations; nil when built in code.
    package var position: Int? = nil

    package init(name: String? = nil, matchers: [Matcher], modifiers: Modifiers = Modifiers()) {
        self.name = name
        self.matchers = matchers
        self.modifiers = modifiers
    }

    package static func == (lhs: VectorSelector, rhs: VectorSelector) -> Bool {
        lhs.name == rhs.name && lhs.matchers == rhs.matchers && lhs.modifiers == rhs.modifiers
    }

    /// All matchers including `__name__` from the name written before the braces.
    package var allMatchers: [Matcher] {
        guard let name, !matchers.contains(where: { $0.name == LabelNames.metricName }) else { return matchers }
        return [try! Matcher(.equal, LabelNames.metricName, name)] + matchers
    }
}

package struct Subquery: Sendable, Equatable {
    package var expr: Expr
    package var range: DurationExpr
    package var step: DurationExpr?
    package var modifiers = Modifiers()
}

package enum AggregateOp: String, Sendable, CaseIterable {
    case sum, avg, count, min, max, group, stddev, stdvar, topk, bottomk
    case countValues = "count_values"
    case quantile
    case limitk
    case limitRatio = "limit_ratio"

    /// Whether the aggregation takes a parameter before the expression.
    var hasParameter: Bool {
        switch self {
        case .topk, .bottomk, .countValues, .quantile, .limitk, .limitRatio: return true
        default: return false
        }
    }
}

package struct Aggregate: Sendable, Equatable {
    package var op: AggregateOp
    package var expr: Expr
    package var parameter: Expr?
    var grouping: [String]
    /// `without (…)` when true, `by (…)` otherwise; `by ()` is the same as no grouping.
    package var without: Bool
    /// Where the parameter (if any) and the expression start, in that order.
    package var positions = SourcePositions()
}

/// Where the arguments of a call or an aggregation start in the query text (byte offsets), so an
/// annotation can point at the argument it is about. Not part of an expression's meaning: any two
/// compare equal, and printing ignores them.
package struct SourcePositions: Sendable, Equatable {
    package var offsets: [Int]
    /// The offset of the call itself (its function name), nil when unknown.
    package var call: Int?

    package init(_ offsets: [Int] = [], call: Int? = nil) {
        self.offsets = offsets
        self.call = call
    }

    /// The offset of argument `index`, nil when unknown (an expression built in code).
    package subscript(index: Int) -> Int? { offsets.indices.contains(index) ? offsets[index] : nil }

    package static func == (lhs: SourcePositions, rhs: SourcePositions) -> Bool { true }
}

package enum BinaryOp: String, Sendable, CaseIterable {
    case add = "+", sub = "-", mul = "*", div = "/", mod = "%", pow = "^", atan2
    case eql = "==", neq = "!=", gtr = ">", lss = "<", gte = ">=", lte = "<="
    case and, or, unless
    /// Histogram trim operators: `h </ x` keeps the observations below x, `h >/ x` those above.
    case trimUpper = "</", trimLower = ">/"

    var precedence: Int {
        switch self {
        case .or: return 1
        case .and, .unless: return 2
        case .eql, .neq, .gtr, .lss, .gte, .lte: return 3
        case .add, .sub: return 4
        case .mul, .div, .mod, .atan2, .trimUpper, .trimLower: return 5
        case .pow: return 6
        }
    }

    var isComparison: Bool { [.eql, .neq, .gtr, .lss, .gte, .lte].contains(self) }
    var isSetOperator: Bool { self == .and || self == .or || self == .unless }
    var isTrim: Bool { self == .trimUpper || self == .trimLower }
    var rightAssociative: Bool { self == .pow }
}

/// How the two sides of a vector binary operation are matched.
package struct VectorMatching: Sendable, Equatable {
    package enum Cardinality: String, Sendable { case oneToOne, manyToOne, oneToMany, manyToMany }
    package var cardinality: Cardinality = .oneToOne
    /// `on(…)` when true, `ignoring(…)` when false.
    package var on = false
    package var labels: [String] = []
    /// Labels named in `group_left(…)`/`group_right(…)`.
    var include: [String] = []
    /// Whether `on`/`ignoring` was written.
    package var explicit = false
    /// `fill_left(v)` / `fill_right(v)` (`fill(v)` sets both): the value a missing left or right operand
    /// takes. With `group_left`/`group_right` they apply to the many and the one side respectively.
    var fillLeft: Double?
    var fillRight: Double?

    package static func == (lhs: VectorMatching, rhs: VectorMatching) -> Bool {
        lhs.cardinality == rhs.cardinality && lhs.on == rhs.on && lhs.labels == rhs.labels && lhs.include == rhs.include
            && lhs.explicit == rhs.explicit && lhs.fillLeft?.bitPattern == rhs.fillLeft?.bitPattern
            && lhs.fillRight?.bitPattern == rhs.fillRight?.bitPattern
    }
}

package struct Binary: Sendable, Equatable {
    package var op: BinaryOp
    package var lhs: Expr
    package var rhs: Expr
    var returnBool: Bool
    package var matching: VectorMatching?
    /// Where the expression starts (its left operand's first byte), for annotations; nil when built in code.
    package var position: Int? = nil

    package static func == (lhs: Binary, rhs: Binary) -> Bool {
        lhs.op == rhs.op && lhs.lhs == rhs.lhs && lhs.rhs == rhs.rhs && lhs.returnBool == rhs.returnBool && lhs.matching == rhs.matching
    }
}

/// A duration inside brackets or after `offset`: a literal, or arithmetic over durations and numbers
/// (Prometheus 3's duration expressions: `[5m + 1m]`, `[2m * 15]`, `offset (1h / 2)`, `[step()]`).
package indirect enum DurationExpr: Sendable, Equatable {
    case literal(milliseconds: Int64)
    /// A plain number of seconds.
    case seconds(Double)
    case binary(op: BinaryOp, DurationExpr, DurationExpr)
    case negate(DurationExpr)
    case paren(DurationExpr)
    /// `step()`, `range()`, and `min_of(a, b)`, `max_of(a, b)` over durations.
    case call(String, [DurationExpr])
}
