import MetricsModel

extension Evaluation {
    mutating func aggregate(_ node: Aggregate) throws -> StepValue {
        let series = try vectorArgument(node.expr)
        var parameter: [Double] = []
        var label = ""
        if let p = node.parameter {
            if node.op == .countValues {
                guard case .string(let text) = try eval(p) else { throw EvaluationError("count_values needs a string parameter") }
                label = text
                guard Evaluation.isValidLabelName(label) else { throw EvaluationError("invalid label name \"\(label)\"") }
            } else {
                parameter = try scalarArgument(p)
                if node.op == .quantile {
                    for q in Set(parameter.map(\.bitPattern)).map(Double.init(bitPattern:)) { checkQuantile(q, at: node.positions[0]) }
                }
            }
        }
        // Group keys are computed once per series, not per step, from the labels as they stand
        // before delayed `__name__` removal (so `by (__name__)` still sees the name).
        let keys = series.map { groupKey($0.labels, node) }
        if ![.sum, .avg, .count, .group, .limitk, .limitRatio, .countValues].contains(node.op), series.contains(where: { $0.histograms != nil }) {
            inform("ignored histogram in \(node.op.rawValue) aggregation", at: node.positions.call)
        }
        var groupIndex: [Labels: Int] = [:]
        var groupLabels: [Labels] = []
        var members: [[Int]] = []
        for (index, key) in keys.enumerated() {
            if let existing = groupIndex[key] {
                members[existing].append(index)
            } else {
                groupIndex[key] = groupLabels.count
                groupLabels.append(key)
                members.append([index])
            }
        }
        switch node.op {
        case .topk, .bottomk, .limitk, .limitRatio:
            return .vector(try selectTopK(node.op, series, members, parameter, parameterAt: node.positions[0]))
        case .countValues:
            var out: [Labels: StepValues] = [:]
            for (group, list) in members.enumerated() {
                try context.check()
                for step in 0..<steps.count {
                    for index in list {
                        // A histogram counts by its text, as Prometheus writes it.
                        guard let text = series[index].values[step].map(GoFloat.formatPlain) ?? series[index].histograms?[step]?.prometheusText
                        else { continue }
                        var builder = LabelsBuilder(groupLabels[group])
                        builder.set(label, text)
                        let key = builder.labels()
                        var values = out[key] ?? StepValues(absent: steps.count)
                        values[step] = (values[step] ?? 0) + 1
                        out[key] = values
                    }
                }
            }
            return .vector(out.map { StepSeries(labels: $0.key, values: $0.value) })
        default:
            var out: [StepSeries] = []
            // The members' values at one step, in a buffer reused across steps and groups.
            var present: [Double] = []
            for (group, list) in members.enumerated() {
                try context.check()
                if [.sum, .avg, .count, .group].contains(node.op), list.contains(where: { series[$0].histograms != nil }) {
                    if let result = aggregateWithHistograms(node.op, list.map { series[$0] }, labels: groupLabels[group], at: node.positions[node.op.hasParameter ? 1 : 0]) { out.append(result) }
                    continue
                }
                var values = StepValues(absent: steps.count)
                present.reserveCapacity(list.count)
                for step in 0..<steps.count {
                    // The simple ones in one pass over the members, without the buffer.
                    if case .some(let value) = Self.simpleAggregate(node.op, list.lazy.map { series[$0].values[step] }) {
                        values[step] = value
                        continue
                    }
                    present.removeAll(keepingCapacity: true)
                    for index in list { if let value = series[index].values[step] { present.append(value) } }
                    guard !present.isEmpty else { continue }
                    values[step] = node.op == .avg ? average(present) : Self.reduce(node.op, present, parameter.isEmpty ? 0 : parameter[step])
                }
                // A group's result loses `__name__` at the end if any member was going to.
                let drop = list.contains { series[$0].dropName }
                if values.hasValue { out.append(StepSeries(labels: groupLabels[group], values: values, dropName: drop)) }
            }
            return .vector(out)
        }
    }

    private func groupKey(_ labels: Labels, _ node: Aggregate) -> Labels {
        var builder = LabelsBuilder()
        if node.without {
            builder = LabelsBuilder(labels)
            builder.delete(LabelNames.metricName)
            for name in node.grouping { builder.delete(name) }
        } else {
            for name in node.grouping { builder.set(name, labels.get(name)) }
        }
        return builder.labels()
    }

    /// sum, count, group, min and max of the present values in one pass, without gathering them:
    /// `.some(nil)` when no member has a value at the step; nil for the other operations.
    @inline(__always)
    static func simpleAggregate<S: Sequence>(_ op: AggregateOp, _ values: S) -> Double?? where S.Element == Double? {
        switch op {
        case .sum:
            var sum = 0.0, compensation = 0.0, any = false
            for case let value? in values {
                (sum, compensation) = kahanAdd(value, sum, compensation)
                any = true
            }
            return .some(any ? (sum.isInfinite ? sum : sum + compensation) : nil)
        case .count, .group:
            var count = 0
            for case _? in values { count += 1 }
            return .some(count == 0 ? nil : (op == .group ? 1 : Double(count)))
        case .min, .max:
            var result = Double.nan, any = false
            for case let value? in values {
                any = true
                if result.isNaN || (op == .min ? value < result : value > result) { result = value }
            }
            return .some(any ? result : nil)
        default:
            return nil
        }
    }

    static func reduce(_ op: AggregateOp, _ values: [Double], _ parameter: Double) -> Double {
        switch op {
        case .sum: return kahanSum(values)
        case .avg: return average(values)
        case .count: return Double(values.count)
        case .group: return 1
        case .min: return values.reduce(Double.nan) { $0.isNaN || $1 < $0 ? $1 : $0 }
        case .max: return values.reduce(Double.nan) { $0.isNaN || $1 > $0 ? $1 : $0 }
        case .stddev, .stdvar:
            var count = 0.0, mean = 0.0, meanC = 0.0, aux = 0.0, auxC = 0.0
            for v in values {
                count += 1
                let delta = v - (mean + meanC)
                (mean, meanC) = kahanAdd(delta / count, mean, meanC)
                (aux, auxC) = kahanAdd(delta * (v - (mean + meanC)), aux, auxC)
            }
            let variance = (aux + auxC) / count
            return op == .stddev ? variance.squareRoot() : variance
        case .quantile: return quantile(parameter, values)
        default: return .nan
        }
    }

    private func selectTopK(_ op: AggregateOp, _ series: [StepSeries], _ members: [[Int]], _ parameter: [Double], parameterAt offset: Int?) throws -> [StepSeries] {
        var out = series.map { StepSeries(labels: $0.labels, values: StepValues(absent: steps.count), dropName: $0.dropName) }
        for step in 0..<steps.count {
            try context.check()
            let p = parameter[step]
            guard !p.isNaN else { throw EvaluationError(op == .limitRatio ? "Ratio value is NaN" : "Parameter value is NaN") }
            if op == .limitRatio && abs(p) > 1 {
                checkRatio(p, cappedTo: p < 0 ? -1 : 1, at: offset)
            }
            if op != .limitRatio {
                guard abs(p) < 9.2e18 else { throw EvaluationError("Scalar value \(GoFloat.formatG(p)) overflows int64") }
            }
            for list in members {
                // limitk and limit_ratio pick among every element; topk and bottomk among floats.
                let limits = op == .limitk || op == .limitRatio
                let present = list.filter { series[$0].values[step] != nil || (limits && series[$0].histograms?[step] != nil) }
                var chosen: [Int]
                switch op {
                case .topk, .bottomk:
                    let k = p.isNaN ? 0 : Int(p)
                    guard k > 0 else { continue }
                    chosen = present.sorted { a, b in
                        let x = series[a].values[step]!, y = series[b].values[step]!
                        // NaN sorts last for both directions, as in Prometheus.
                        if x.isNaN != y.isNaN { return y.isNaN }
                        return op == .topk ? x > y : x < y
                    }
                    chosen = Array(chosen.prefix(k))
                case .limitk:
                    let k = p.isNaN ? 0 : Int(p)
                    guard k > 0 else { continue }
                    chosen = Array(present.sorted { series[$0].labels.stableHash < series[$1].labels.stableHash }.prefix(k))
                default:
                    // limit_ratio: a stable per-series sample of the given fraction.
                    let ratio = max(-1, min(1, p))
                    chosen = present.filter { index in
                        let position = Double(series[index].labels.stableHash) / Double(UInt64.max)
                        return ratio >= 0 ? position < ratio : position >= 1 + ratio
                    }
                }
                for index in chosen {
                    out[index].values[step] = series[index].values[step]
                    if let histogram = series[index].histograms?[step] {
                        if out[index].histograms == nil { out[index].histograms = [FloatHistogram?](repeating: nil, count: steps.count) }
                        out[index].histograms![step] = histogram
                    }
                }
            }
        }
        return out.filter { $0.values.hasValue || $0.histograms != nil }
    }
}

extension Evaluation {
    /// `sum`, `avg`, `count` or `group` of a group whose members hold native histograms at some
    /// steps. At a step where members hold only histograms, `sum` and `avg` give a histogram; where
    /// floats and histograms meet they give nothing (with Prometheus's warning); `count` and `group`
    /// count both kinds.
    func aggregateWithHistograms(_ op: AggregateOp, _ members: [StepSeries], labels: Labels, at position: Int?) -> StepSeries? {
        var values = StepValues(absent: steps.count)
        var histograms = [FloatHistogram?](repeating: nil, count: steps.count)
        for step in 0..<steps.count {
            let floats = members.compactMap { $0.values[step] }
            let found = members.compactMap { $0.histograms?[step] }
            guard !floats.isEmpty || !found.isEmpty else { continue }
            switch op {
            case .count: values[step] = Double(floats.count + found.count)
            case .group: values[step] = 1
            default:
                if found.isEmpty {
                    values[step] = op == .avg ? average(floats) : Self.reduce(op, floats, 0)
                    continue
                }
                guard floats.isEmpty else {
                    warn("encountered a mix of histograms and floats for aggregation", at: position)
                    continue
                }
                var total = HistogramKahanSum(found[0])
                do {
                    for histogram in found.dropFirst() {
                        if try total.add(histogram).customBoundsReconciled { inform("mismatched custom buckets were reconciled during aggregation", at: position) }
                    }
                } catch {
                    warn("vector contains a mix of histograms with exponential and custom buckets schemas for aggregation", at: position)
                    continue
                }
                if Self.resetHintsCollide(found) { warn("conflicting counter resets during histogram aggregation", at: position) }
                if op == .avg, let mean = try? HistogramKahanSum.mean(found) {
                    histograms[step] = mean.compacted()
                } else {
                    histograms[step] = total.result.compacted()
                }
            }
        }
        let hasHistograms = histograms.contains { $0 != nil }
        guard values.hasValue || hasHistograms else { return nil }
        return StepSeries(labels: labels, values: values, histograms: hasHistograms ? histograms : nil, dropName: members.contains { $0.dropName })
    }
}
