import Foundation
import MetricsModel

extension Function {
    /// Every function PromQL has, as Prometheus 3 defines them, with its implementation. Functions
    /// for native histograms only are here too: queries using them parse, and over float samples
    /// their result is empty, as in Prometheus.
    static let registry: [String: Function] = {
        var table: [String: Function] = [:]
        for function in instantFunctions + rangeFunctions + timeFunctions + labelFunctions + histogramFunctions {
            precondition(table[function.name] == nil, "\(function.name) is registered twice")
            table[function.name] = function
        }
        return table
    }()

    private static let v = ValueType.vector, m = ValueType.matrix, s = ValueType.scalar, str = ValueType.string

    /// Elementwise math over an instant vector.
    private static let math: [(String, @Sendable (Double) -> Double)] = [
        ("abs", { Swift.abs($0) }), ("ceil", { $0.rounded(.up) }), ("floor", { $0.rounded(.down) }), ("exp", { Foundation.exp($0) }),
        ("sqrt", { $0.squareRoot() }), ("ln", { Foundation.log($0) }), ("log2", { Foundation.log2($0) }), ("log10", { Foundation.log10($0) }),
        ("sgn", { $0 > 0 ? 1 : $0 < 0 ? -1 : $0 }), ("deg", { $0 * 180 / .pi }), ("rad", { $0 * .pi / 180 }),
        ("acos", { Foundation.acos($0) }), ("acosh", { Foundation.acosh($0) }), ("asin", { Foundation.asin($0) }), ("asinh", { Foundation.asinh($0) }),
        ("atan", { Foundation.atan($0) }), ("atanh", { Foundation.atanh($0) }), ("cos", { Foundation.cos($0) }), ("cosh", { Foundation.cosh($0) }),
        ("sin", { Foundation.sin($0) }), ("sinh", { Foundation.sinh($0) }), ("tan", { Foundation.tan($0) }), ("tanh", { Foundation.tanh($0) }),
    ]

    private static let instantFunctions: [Function] = math.map { name, transform in
        Function(name, [v], .steps { evaluation, args, _ in try evaluation.mapValues(args[0], transform) })
    } + [
        Function("clamp", [v, s, s], .steps { evaluation, args, _ in
            try evaluation.mapValuesWithScalars(args, defaults: [0, 0]) { value, bounds in
                bounds[1] < bounds[0] ? nil : goMax(bounds[0], goMin(bounds[1], value))
            }
        }),
        Function("clamp_min", [v, s], .steps { evaluation, args, _ in
            try evaluation.mapValuesWithScalars(args, defaults: [0]) { goMax($0, $1[0]) }
        }),
        Function("clamp_max", [v, s], .steps { evaluation, args, _ in
            try evaluation.mapValuesWithScalars(args, defaults: [0]) { goMin($0, $1[0]) }
        }),
        Function("round", [v, s], optional: 1, .steps { evaluation, args, _ in
            try evaluation.mapValuesWithScalars(args, defaults: [1]) { value, nearest in
                let inverse = 1 / nearest[0]
                return ((value * inverse + 0.5).rounded(.down)) / inverse
            }
        }),
        Function("absent", [v], .steps { evaluation, args, _ in try evaluation.absent(args[0]) }),
        Function("timestamp", [v], .steps { evaluation, args, _ in try evaluation.timestamp(args[0]) }),
        Function("start_timestamp", [v], flags: .usesStartTimestamps, .steps { evaluation, args, _ in try evaluation.startTimestamp(args[0]) }),
        Function("scalar", [v], returns: .scalar, .steps { evaluation, args, _ in try evaluation.scalarOf(args[0]) }),
        Function("vector", [s], .steps { evaluation, args, _ in
            .vector([StepSeries(labels: .empty, values: StepValues(try evaluation.scalarArgument(args[0])))])
        }),
        Function("min_of", [s, s], returns: .scalar, .steps { evaluation, args, _ in
            let (a, b) = (try evaluation.scalarArgument(args[0]), try evaluation.scalarArgument(args[1]))
            return .scalar(zip(a, b).map { x, y in x.isNaN || y.isNaN ? .nan : Swift.min(x, y) })
        }),
        Function("max_of", [s, s], returns: .scalar, .steps { evaluation, args, _ in
            let (a, b) = (try evaluation.scalarArgument(args[0]), try evaluation.scalarArgument(args[1]))
            return .scalar(zip(a, b).map { x, y in x.isNaN || y.isNaN ? .nan : Swift.max(x, y) })
        }),
        Function("pi", [], returns: .scalar, .steps { evaluation, _, _ in evaluation.scalarFromSteps { _, _ in .pi } }),
    ]

    /// The time the query runs over, as scalars.
    private static let timeFunctions: [Function] = [
        Function("time", [], returns: .scalar, .steps { evaluation, _, _ in evaluation.scalarFromSteps { Double($0.time($1)) / 1000 } }),
        Function("start", [], returns: .scalar, .steps { evaluation, _, _ in evaluation.scalarFromSteps { steps, _ in Double(steps.start) / 1000 } }),
        Function("end", [], returns: .scalar, .steps { evaluation, _, _ in evaluation.scalarFromSteps { steps, _ in Double(steps.end) / 1000 } }),
        Function("range", [], returns: .scalar, .steps { evaluation, _, _ in
            evaluation.scalarFromSteps { steps, _ in Double(steps.end - steps.start) / 1000 }
        }),
        Function("step", [], returns: .scalar, .steps { evaluation, _, _ in evaluation.scalarFromSteps { steps, _ in Double(steps.step) / 1000 } }),
    ] + dateFunctions

    private static let dateFunctions: [Function] = {
        let components: [(String, @Sendable (Calendar, Date) -> Int)] = [
            ("day_of_month", { $0.component(.day, from: $1) }),
            ("day_of_week", { $0.component(.weekday, from: $1) - 1 }),
            ("day_of_year", { $0.ordinality(of: .day, in: .year, for: $1)! }),
            ("days_in_month", { $0.range(of: .day, in: .month, for: $1)!.count }),
            ("hour", { $0.component(.hour, from: $1) }),
            ("minute", { $0.component(.minute, from: $1) }),
            ("month", { $0.component(.month, from: $1) }),
            ("year", { $0.component(.year, from: $1) }),
        ]
        return components.map { name, component in
            Function(name, [v], optional: 1, .steps { evaluation, args, _ in try evaluation.dateFunction(args, component) })
        }
    }()

    /// Functions that relabel or reorder series; the order itself is applied to the final result.
    private static let labelFunctions: [Function] = [
        Function("label_replace", [v, str, str, str, str], flags: .keepsName, .steps { evaluation, args, _ in try evaluation.labelReplace(args) }),
        Function("label_join", [v, str, str, str], optional: 1, variadic: true, flags: .keepsName, .steps { evaluation, args, _ in
            try evaluation.labelJoin(args)
        }),
        Function("info", [v, v], optional: 1, flags: .keepsName, .steps { evaluation, args, _ in try evaluation.info(args) }),
    ] + ["sort", "sort_desc"].map { name in
        Function(name, [v], flags: .keepsName, .steps { evaluation, args, positions in
            try evaluation.sortArgument(args[0], positions, byValue: true)
        })
    } + ["sort_by_label", "sort_by_label_desc"].map { name in
        Function(name, [v, str], optional: 1, variadic: true, flags: .keepsName, .steps { evaluation, args, positions in
            try evaluation.sortArgument(args[0], positions)
        })
    }

    private static let histogramFunctions: [Function] = [
        Function("histogram_quantile", [s, v], .steps { evaluation, args, positions in try evaluation.histogramQuantile(args, positions) }),
        Function("histogram_quantiles", [v, str, s], variadic: true, .steps { evaluation, args, positions in
            try evaluation.histogramQuantiles(args, positions)
        }),
        Function("histogram_fraction", [s, s, v], .steps { evaluation, args, positions in
            try evaluation.histogramFraction(args, positions)
        }),
        Function("histogram_count", [v], flags: .nativeHistogramsOnly, .steps { evaluation, args, _ in
            try evaluation.histogramProperty(args[0], statistics: true) { histogram, _ in histogram.count }
        }),
        Function("histogram_sum", [v], flags: .nativeHistogramsOnly, .steps { evaluation, args, _ in
            try evaluation.histogramProperty(args[0], statistics: true) { histogram, _ in histogram.sum }
        }),
        Function("histogram_avg", [v], flags: .nativeHistogramsOnly, .steps { evaluation, args, _ in
            try evaluation.histogramProperty(args[0], statistics: true) { histogram, _ in histogram.sum / histogram.count }
        }),
        Function("histogram_stdvar", [v], flags: .nativeHistogramsOnly, .steps { evaluation, args, _ in
            try evaluation.histogramProperty(args[0]) { histogram, _ in histogram.variance() }
        }),
        Function("histogram_stddev", [v], flags: .nativeHistogramsOnly, .steps { evaluation, args, _ in
            try evaluation.histogramProperty(args[0]) { histogram, _ in histogram.variance().squareRoot() }
        }),
    ]
}
