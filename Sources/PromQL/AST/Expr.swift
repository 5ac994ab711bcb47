import MetricsModel

/// The type a PromQL expression evaluates to.
public enum ValueType: String, Sendable, Equatable {
    case scalar
    case vector = "instant vector"
    case matrix = "range vector"
    case string
}

/// A PromQL expression tree.
public indirect enum Expr: Sendable, Equatable {
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
public enum AtModifier: Sendable, Equatable {
    case timestamp(Int64)
    case start
    case end
}

/// Modifiers shared by selectors and subqueries.
/// Prometheus 3's extended range selectors: `anchored` takes the last sample at or before the window
/// start as its first point; `smoothed` interpolates values at the window's edges (and, on an instant
/// selector, at the evaluation time). Neither extrapolates.
public enum RangeExtension: String, Sendable, Equatable {
    case anchored, smoothed

    /// The functions each extension may be used with, in Prometheus's error message order.
    public var allowedFunctions: [String] {
        switch self {
        case .anchored: return ["changes", "delta", "increase", "rate", "resets"]
        case .smoothed: return ["delta", "increase", "rate"]
        }
    }
}

public struct Modifiers: Sendable, Equatable {
    public var offset: DurationExpr?
    public var at: AtModifier?
    public var extended: RangeExtension?
    public init(offset: DurationExpr? = nil, at: AtModifier? = nil) {
        self.offset = offset
        self.at = at
    }
}

public struct VectorSelector: Sendable, Equatable {
    /// The metric name as written before the braces, if any.
    public var name: String?
    public var matchers: [Matcher]
    public var modifiers = Modifiers()

    /// All matchers including `__name__` from the name written before the braces.
    public var allMatchers: [Matcher] {
        guard let name, !matchers.contains(where: { $0.name == LabelNames.metricName }) else { return matchers }
        return [try! Matcher(.equal, LabelNames.metricName, name)] + matchers
    }
}

public struct Subquery: Sendable, Equatable {
    public var expr: Expr
    public var range: DurationExpr
    public var step: DurationExpr?
    public var modifiers = Modifiers()
}

public enum AggregateOp: String, Sendable, CaseIterable {
    case sum, avg, count, min, max, group, stddev, stdvar, topk, bottomk
    case countValues = "count_values"
    case quantile
    case limitk
    case limitRatio = "limit_ratio"

    /// Whether the aggregation takes a parameter before the expression.
    public var hasParameter: Bool {
        switch self {
        case .topk, .bottomk, .countValues, .quantile, .limitk, .limitRatio: return true
        default: return false
        }
    }
}

public struct Aggregate: Sendable, Equatable {
    public var op: AggregateOp
    public var expr: Expr
    public var parameter: Expr?
    public var grouping: [String]
    /// `without (…)` when true, `by (…)` otherwise; `by ()` is the same as no grouping.
    public var without: Bool
    /// Where the parameter (if any) and the expression start, in that order.
    public var positions = SourcePositions()
}

/// Where the arguments of a call or an aggregation start in the query text (byte offsets), so an
/// annotation can point at the argument it is about. Not part of an expression's meaning: any two
/// compare equal, and printing ignores them.
public struct SourcePositions: Sendable, Equatable {
    public var offsets: [Int]
    /// The offset of the call itself (its function name), nil when unknown.
    public var call: Int?

    public init(_ offsets: [Int] = [], call: Int? = nil) {
        self.offsets = offsets
        self.call = call
    }

    /// The offset of argument `index`, nil when unknown (an expression built in code).
    public subscript(index: Int) -> Int? { offsets.indices.contains(index) ? offsets[index] : nil }

    public static func == (lhs: SourcePositions, rhs: SourcePositions) -> Bool { true }
}

public enum BinaryOp: String, Sendable, CaseIterable {
    case add = "+", sub = "-", mul = "*", div = "/", mod = "%", pow = "^", atan2
    case eql = "==", neq = "!=", gtr = ">", lss = "<", gte = ">=", lte = "<="
    case and, or, unless

    var precedence: Int {
        switch self {
        case .or: return 1
        case .and, .unless: return 2
        case .eql, .neq, .gtr, .lss, .gte, .lte: return 3
        case .add, .sub: return 4
        case .mul, .div, .mod, .atan2: return 5
        case .pow: return 6
        }
    }

    public var isComparison: Bool { [.eql, .neq, .gtr, .lss, .gte, .lte].contains(self) }
    public var isSetOperator: Bool { self == .and || self == .or || self == .unless }
    var rightAssociative: Bool { self == .pow }
}

/// How the two sides of a vector binary operation are matched.
public struct VectorMatching: Sendable, Equatable {
    public enum Cardinality: String, Sendable { case oneToOne, manyToOne, oneToMany, manyToMany }
    public var cardinality: Cardinality = .oneToOne
    /// `on(…)` when true, `ignoring(…)` when false.
    public var on = false
    public var labels: [String] = []
    /// Labels named in `group_left(…)`/`group_right(…)`.
    public var include: [String] = []
    /// Whether `on`/`ignoring` was written.
    public var explicit = false
    /// `fill_left(v)` / `fill_right(v)` (`fill(v)` sets both): the value a missing left or right operand
    /// takes. With `group_left`/`group_right` they apply to the many and the one side respectively.
    public var fillLeft: Double?
    public var fillRight: Double?

    public static func == (lhs: VectorMatching, rhs: VectorMatching) -> Bool {
        lhs.cardinality == rhs.cardinality && lhs.on == rhs.on && lhs.labels == rhs.labels && lhs.include == rhs.include
            && lhs.explicit == rhs.explicit && lhs.fillLeft?.bitPattern == rhs.fillLeft?.bitPattern
            && lhs.fillRight?.bitPattern == rhs.fillRight?.bitPattern
    }
}

public struct Binary: Sendable, Equatable {
    public var op: BinaryOp
    public var lhs: Expr
    public var rhs: Expr
    public var returnBool: Bool
    public var matching: VectorMatching?
}

/// A duration inside brackets or after `offset`: a literal, or arithmetic over durations and numbers
/// (Prometheus 3's duration expressions: `[5m + 1m]`, `[2m * 15]`, `offset (1h / 2)`, `[step()]`).
public indirect enum DurationExpr: Sendable, Equatable {
    case literal(milliseconds: Int64)
    /// A plain number of seconds.
    case seconds(Double)
    case binary(op: BinaryOp, DurationExpr, DurationExpr)
    case negate(DurationExpr)
    case paren(DurationExpr)
    /// `step()`, `range()`, and `min_of(a, b)`, `max_of(a, b)` over durations.
    case call(String, [DurationExpr])
}
