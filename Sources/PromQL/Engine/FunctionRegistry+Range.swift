import MetricsModel

extension Function {
    /// Functions over a range vector, each computing one window's value.
    static let rangeFunctions: [Function] = [
        window("rate", flags: [.counter, .usesStartTimestamps]) { input in
            Evaluation.extrapolatedRate(input.window, starts: input.starts, range: input.range, end: input.end,
                                        counter: true, rate: true, mayReset: input.mayReset)
        },
        window("increase", flags: [.counter, .usesStartTimestamps]) { input in
            Evaluation.extrapolatedRate(input.window, starts: input.starts, range: input.range, end: input.end,
                                        counter: true, rate: false, mayReset: input.mayReset)
        },
        window("delta") { Evaluation.extrapolatedRate($0.window, range: $0.range, end: $0.end, counter: false, rate: false) },
        window("irate", flags: .usesStartTimestamps) { input in
            let window = input.window
            guard window.count >= 2 else { return nil }
            let last = window[window.endIndex - 1]
            let previous = window[window.endIndex - 2]
            let startReset = input.starts.map {
                Evaluation.isStartTimestampReset($0[$0.endIndex - 2], previous.timestamp, $0[$0.endIndex - 1], last.timestamp)
            } ?? false
            let change = last.value < previous.value || startReset ? last.value : last.value - previous.value
            let seconds = Double(last.timestamp - previous.timestamp) / 1000
            return seconds == 0 ? nil : change / seconds
        },
        window("idelta") { input in
            let window = input.window
            guard window.count >= 2 else { return nil }
            return window[window.endIndex - 1].value - window[window.endIndex - 2].value
        },
        window("count_over_time") { Double($0.window.count) },
        window("present_over_time") { _ in 1 },
        window("last_over_time", flags: .keepsName) { $0.window.last!.value },
        window("first_over_time", flags: .keepsName) { $0.window.first!.value },
        window("sum_over_time") { kahanSum($0.window.lazy.map(\.value)) },
        window("avg_over_time") { average($0.window.lazy.map(\.value)) },
        window("min_over_time") { $0.window.reduce(Double.nan) { $0.isNaN || $1.value < $0 ? $1.value : $0 } },
        window("max_over_time") { $0.window.reduce(Double.nan) { $0.isNaN || $1.value > $0 ? $1.value : $0 } },
        window("stddev_over_time") { variance($0.window).squareRoot() },
        window("stdvar_over_time") { variance($0.window) },
        window("mad_over_time") { input in
            let values = input.window.map(\.value)
            // A NaN sample makes the deviation undefined rather than being sorted aside.
            if values.contains(where: \.isNaN) { return .nan }
            let median = quantile(0.5, values)
            return quantile(0.5, values.map { abs($0 - median) })
        },
        window("quantile_over_time", [.scalar, .matrix]) { quantile($0.scalars.0, $0.window.map(\.value)) },
        window("changes") { input in
            var changes = 0.0
            var previous = input.window.first!.value
            for sample in input.window.dropFirst() {
                if !(sample.value == previous || (sample.value.isNaN && previous.isNaN)) { changes += 1 }
                previous = sample.value
            }
            return changes
        },
        window("resets", flags: .usesStartTimestamps) { input in
            let window = input.window
            var resets = 0.0
            for index in window.indices.dropFirst() {
                let previous = window[index - 1], sample = window[index]
                let startReset = input.starts.map {
                    Evaluation.isStartTimestampReset($0[index - 1], previous.timestamp, $0[index], sample.timestamp)
                } ?? false
                if sample.value < previous.value || startReset { resets += 1 }
            }
            return resets
        },
        window("deriv") { input in
            guard input.window.count >= 2 else { return nil }
            return Evaluation.linearRegression(input.window, interceptTime: input.window.first!.timestamp).slope
        },
        window("predict_linear", [.matrix, .scalar]) { input in
            guard input.window.count >= 2 else { return nil }
            // The prediction is from the evaluation time, even when `@` moved the window.
            let (slope, intercept) = Evaluation.linearRegression(input.window, interceptTime: input.stepTime)
            return intercept + slope * input.scalars.0
        },
        window("double_exponential_smoothing", [.matrix, .scalar, .scalar], doubleExponentialSmoothing),
        window("holt_winters", [.matrix, .scalar, .scalar], doubleExponentialSmoothing),
        window("ts_of_last_over_time") { Double($0.window.last!.timestamp) / 1000 },
        window("ts_of_first_over_time") { Double($0.window.first!.timestamp) / 1000 },
        window("ts_of_max_over_time") { input in
            var best = input.window.first!
            for sample in input.window.dropFirst() where sample.value >= best.value { best = sample }
            return Double(best.timestamp) / 1000
        },
        window("ts_of_min_over_time") { input in
            var best = input.window.first!
            for sample in input.window.dropFirst() where sample.value <= best.value { best = sample }
            return Double(best.timestamp) / 1000
        },
        // 1 where no series has a sample in the window: over the whole matrix, not per window.
        Function("absent_over_time", [.matrix], .steps { evaluation, args, _ in try evaluation.absentOverTime(args[0]) }),
    ]

    private static func window(_ name: String, _ arguments: [ValueType] = [.matrix], flags: Flags = [],
                               _ body: @escaping @Sendable (WindowInput) throws -> Double?) -> Function {
        Function(name, arguments, flags: flags, .window(body))
    }

    /// Population variance with compensated sums, as Prometheus computes stdvar_over_time.
    private static func variance(_ window: UnsafeBufferPointer<Sample>) -> Double {
        var count = 0.0, mean = 0.0, meanC = 0.0, aux = 0.0, auxC = 0.0
        for sample in window {
            count += 1
            let delta = sample.value - (mean + meanC)
            (mean, meanC) = kahanAdd(delta / count, mean, meanC)
            (aux, auxC) = kahanAdd(delta * (sample.value - (mean + meanC)), aux, auxC)
        }
        return (aux + auxC) / count
    }

    /// Holt's linear smoothing: the smoothed value at the window's last sample.
    @Sendable private static func doubleExponentialSmoothing(_ input: WindowInput) throws -> Double? {
        let (smoothing, trend) = input.scalars
        guard smoothing > 0, smoothing < 1, trend > 0, trend < 1 else {
            throw EvaluationError("invalid smoothing factor. Expected: 0 < sf < 1, got: \(smoothing)")
        }
        let window = input.window
        guard window.count >= 2 else { return nil }
        var s0 = 0.0, s1 = window[window.startIndex].value
        var b = window[window.startIndex + 1].value - window[window.startIndex].value
        for (offset, sample) in window.enumerated().dropFirst() {
            if offset > 1 { b = trend * (s1 - s0) + (1 - trend) * b }
            let x = smoothing * sample.value
            let y = (1 - smoothing) * (s1 + b)
            s0 = s1
            s1 = x + y
        }
        return s1
    }
}
