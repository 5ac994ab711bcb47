/// A PromQL function's signature.
public struct FunctionSignature: Sendable {
    public let name: String
    public let arguments: [ValueType]
    /// How many trailing arguments may be left out.
    public let optional: Int
    /// Whether the last argument repeats (label_join, sort_by_label).
    public let variadic: Bool
    public let returns: ValueType

    init(_ name: String, _ arguments: [ValueType], optional: Int = 0, variadic: Bool = false, returns: ValueType = .vector) {
        self.name = name
        self.arguments = arguments
        self.optional = optional
        self.variadic = variadic
        self.returns = returns
    }
}

/// Every function the engine knows, as Prometheus 3 defines them (native-histogram-only functions
/// included, so queries using them parse).
public enum Functions {
    public static let all: [String: FunctionSignature] = {
        var table: [String: FunctionSignature] = [:]
        func add(_ signature: FunctionSignature) { table[signature.name] = signature }
        let v = ValueType.vector, m = ValueType.matrix, s = ValueType.scalar, str = ValueType.string
        for name in ["abs", "ceil", "exp", "floor", "ln", "log2", "log10", "sqrt", "sgn", "deg", "rad",
                     "acos", "acosh", "asin", "asinh", "atan", "atanh", "cos", "cosh", "sin", "sinh", "tan", "tanh",
                     "absent", "sort", "sort_desc", "timestamp", "start_timestamp",
                     "histogram_avg", "histogram_count", "histogram_sum", "histogram_stddev", "histogram_stdvar"] {
            add(FunctionSignature(name, [v]))
        }
        for name in ["rate", "irate", "increase", "delta", "idelta", "deriv", "changes", "resets", "absent_over_time",
                     "present_over_time", "avg_over_time", "min_over_time", "max_over_time", "sum_over_time",
                     "count_over_time", "last_over_time", "stddev_over_time", "stdvar_over_time", "mad_over_time",
                     "first_over_time", "ts_of_max_over_time", "ts_of_min_over_time", "ts_of_last_over_time", "ts_of_first_over_time"] {
            add(FunctionSignature(name, [m]))
        }
        for name in ["day_of_month", "day_of_week", "day_of_year", "days_in_month", "hour", "minute", "month", "year"] {
            add(FunctionSignature(name, [v], optional: 1))
        }
        add(FunctionSignature("clamp", [v, s, s]))
        add(FunctionSignature("clamp_max", [v, s]))
        add(FunctionSignature("clamp_min", [v, s]))
        add(FunctionSignature("round", [v, s], optional: 1))
        add(FunctionSignature("histogram_quantile", [s, v]))
        add(FunctionSignature("histogram_quantiles", [v, str, s], variadic: true))
        add(FunctionSignature("histogram_fraction", [s, s, v]))
        add(FunctionSignature("quantile_over_time", [s, m]))
        add(FunctionSignature("predict_linear", [m, s]))
        add(FunctionSignature("double_exponential_smoothing", [m, s, s]))
        add(FunctionSignature("holt_winters", [m, s, s]))
        add(FunctionSignature("label_replace", [v, str, str, str, str]))
        add(FunctionSignature("label_join", [v, str, str, str], optional: 1, variadic: true))
        add(FunctionSignature("sort_by_label", [v, str], optional: 1, variadic: true))
        add(FunctionSignature("sort_by_label_desc", [v, str], optional: 1, variadic: true))
        add(FunctionSignature("info", [v, v], optional: 1))
        add(FunctionSignature("scalar", [v], returns: .scalar))
        add(FunctionSignature("vector", [s]))
        add(FunctionSignature("time", [], returns: .scalar))
        for name in ["start", "end", "range", "step"] { add(FunctionSignature(name, [], returns: .scalar)) }
        add(FunctionSignature("min_of", [s, s], returns: .scalar))
        add(FunctionSignature("max_of", [s, s], returns: .scalar))
        add(FunctionSignature("pi", [], returns: .scalar))
        return table
    }()
}
