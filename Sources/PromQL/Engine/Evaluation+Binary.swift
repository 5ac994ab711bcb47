import Foundation
import MetricsModel

extension Evaluation {
    mutating func binary(_ node: Binary) throws -> StepValue {
        let lhs = try eval(node.lhs)
        let rhs = try eval(node.rhs)
        switch (lhs, rhs) {
        case (.scalar(let a), .scalar(let b)):
            return .scalar(zip(a, b).map { x, y in
                let (value, keep) = Self.apply(node.op, x, y)
                return node.op.isComparison ? (keep ? 1 : 0) : value
            })
        case (.vector(let series), .scalar(let scalar)):
            return .vector(vectorScalar(node, series, scalar, scalarOnLeft: false))
        case (.scalar(let scalar), .vector(let series)):
            return .vector(vectorScalar(node, series, scalar, scalarOnLeft: true))
        case (.vector(let left), .vector(let right)):
            return .vector(try vectorVector(node, left, right))
        default:
            throw EvaluationError("binary expression must contain only scalar and instant vector types")
        }
    }

    /// The value of `x op y`, and for comparisons whether it holds.
    static func apply(_ op: BinaryOp, _ x: Double, _ y: Double) -> (Double, Bool) {
        switch op {
        case .add: return (x + y, true)
        case .sub: return (x - y, true)
        case .mul: return (x * y, true)
        case .div: return (x / y, true)
        case .mod: return (fmod(x, y), true)
        case .pow: return (pow(x, y), true)
        case .atan2: return (atan2(x, y), true)
        case .eql: return (x, x == y)
        case .neq: return (x, x != y)
        case .gtr: return (x, x > y)
        case .lss: return (x, x < y)
        case .gte: return (x, x >= y)
        case .lte: return (x, x <= y)
        case .and, .or, .unless: return (x, true)
        // Trimming takes a histogram: between floats it gives nothing.
        case .trimUpper, .trimLower: return (.nan, false)
        }
    }

    private func vectorScalar(_ node: Binary, _ series: [StepSeries], _ scalar: [Double], scalarOnLeft: Bool) -> [StepSeries] {
        var out: [StepSeries] = []
        for item in series {
            var values = item.values
            if node.op.isTrim {
                if values.hasValue { inform("incompatible sample types encountered for binary operator \(goQuote(node.op.rawValue)): float \(node.op.rawValue) float", at: node.position) }
                values = StepValues(absent: values.count)
            }
            for step in values.indices {
                guard let v = values[step] else { continue }
                let (value, keep) = scalarOnLeft ? Self.apply(node.op, scalar[step], v) : Self.apply(node.op, v, scalar[step])
                if node.op.isComparison {
                    // A filter keeps the vector's own value; `bool` turns it into 0 or 1.
                    values[step] = node.returnBool ? (keep ? 1 : 0) : (keep ? v : nil)
                } else {
                    values[step] = value
                }
            }
            let histograms = item.histograms.flatMap { scaledHistograms(node.op, $0, scalar, scalarOnLeft: scalarOnLeft, position: node.position) }
            if values.hasValue || histograms != nil {
                let drop = item.dropName || (!node.op.isComparison && !node.op.isTrim) || node.returnBool
                out.append(StepSeries(labels: item.labels, values: values, histograms: histograms, dropName: drop))
            }
        }
        return out
    }

    /// A series' histograms times or divided by a scalar (`h * s`, `s * h`, `h / s`); any other
    /// operator between a histogram and a float gives nothing. Nil when no step is left.
    private func scaledHistograms(_ op: BinaryOp, _ histograms: [FloatHistogram?], _ scalar: [Double], scalarOnLeft: Bool, position: Int?) -> [FloatHistogram?]? {
        if op.isTrim && !scalarOnLeft {
            let out = histograms.enumerated().map { step, histogram in histogram.map { $0.trimmed(op == .trimUpper ? .upper : .lower, at: scalar[step]) } }
            return out.contains { $0 != nil } ? out : nil
        }
        guard op == .mul || (op == .div && !scalarOnLeft) else {
            if histograms.contains(where: { $0 != nil }) {
                let sides = scalarOnLeft ? "float \(op.rawValue) histogram" : "histogram \(op.rawValue) float"
                inform("incompatible sample types encountered for binary operator \(goQuote(op.rawValue)): \(sides)", at: position)
            }
            return nil
        }
        let out = histograms.enumerated().map { step, histogram -> FloatHistogram? in
            guard var histogram else { return nil }
            if op == .mul { histogram.multiply(by: scalar[step]) } else { histogram.divide(by: scalar[step]) }
            return histogram
        }
        return out.contains { $0 != nil } ? out : nil
    }

    private func signature(_ labels: Labels, _ matching: VectorMatching) -> Labels {
        var builder = LabelsBuilder()
        if matching.on {
            for name in matching.labels { builder.set(name, labels.get(name)) }
        } else {
            builder = LabelsBuilder(labels)
            builder.delete(LabelNames.metricName)
            for name in matching.labels { builder.delete(name) }
        }
        return builder.labels()
    }

    private func vectorVector(_ node: Binary, _ left: [StepSeries], _ right: [StepSeries]) throws -> [StepSeries] {
        let matching = node.matching ?? VectorMatching()
        let leftLabels = left.map(Evaluation.finalLabels)
        let rightLabels = right.map(Evaluation.finalLabels)
        // Signatures come from the labels as selected: a name only flagged for removal still carries
        // its `__type__`/`__unit__`, which take part in matching.
        let leftSignatures = left.map { signature($0.labels, matching) }
        let rightSignatures = right.map { signature($0.labels, matching) }
        if node.op.isSetOperator { return try setOperation(node.op, left, right, leftSignatures, rightSignatures) }

        // For group_right the "many" side is the right one: swap, and swap back for the arithmetic.
        let swapped = matching.cardinality == .oneToMany
        let (many, one) = swapped ? (right, left) : (left, right)
        let (manyLabels, oneLabels) = swapped ? (rightLabels, leftLabels) : (leftLabels, rightLabels)
        let (manySignatures, oneSignatures) = swapped ? (rightSignatures, leftSignatures) : (leftSignatures, rightSignatures)
        if let out = try staticOneToOne(node, matching, many: many, one: one, manyLabels: manyLabels, oneLabels: oneLabels,
                                        manySignatures: manySignatures, oneSignatures: oneSignatures, swapped: swapped) {
            return out
        }
        var results: [Labels: Int] = [:]
        var out: [StepSeries] = []
        for step in 0..<steps.count {
            try context.check()
            var oneBySignature: [Labels: Int] = [:]
            for (index, series) in one.enumerated() where series.values[step] != nil {
                if let existing = oneBySignature[oneSignatures[index]] {
                    let side = swapped ? "left" : "right"
                    throw EvaluationError(
                        "found duplicate series for the match group \(oneSignatures[index].goDescription) on the \(side) hand-side of the operation: [\(oneLabels[existing].goDescription), \(oneLabels[index].goDescription)];many-to-many matching not allowed: matching labels must be unique on one side")
                }
                oneBySignature[oneSignatures[index]] = index
            }
            var seenOneToOne = Set<Labels>()
            var matchedOne = Set<Int>()
            // fill_left applies to the many side (the left operand unless group_right), fill_right to the one side.
            let fillMany = matching.fillLeft
            let fillOne = matching.fillRight
            func emit(_ manyValue: Double, _ oneValue: Double, labels: () -> Labels) throws {
                if node.op.isTrim { return }
                var x = manyValue
                var y = oneValue
                if swapped { swap(&x, &y) }
                let (value, keep) = Self.apply(node.op, x, y)
                let resultValue: Double
                if node.op.isComparison {
                    guard keep || node.returnBool else { return }
                    resultValue = node.returnBool ? (keep ? 1 : 0) : value
                } else {
                    resultValue = value
                }
                let labels = labels()
                let slot: Int
                if let existing = results[labels] {
                    slot = existing
                    if out[slot].values[step] != nil {
                        throw EvaluationError("vector cannot contain metrics with the same labelset")
                    }
                } else {
                    slot = out.count
                    results[labels] = slot
                    out.append(StepSeries(labels: labels, values: StepValues(absent: steps.count)))
                }
                out[slot].values[step] = resultValue
            }
            for (index, series) in many.enumerated() {
                guard let manyValue = series.values[step] else { continue }
                guard let partner = oneBySignature[manySignatures[index]] else {
                    if let fillOne {
                        try emit(manyValue, fillOne) { resultLabels(manyLabels[index], Labels(), node, matching) }
                    }
                    continue
                }
                matchedOne.insert(partner)
                if matching.cardinality == .oneToOne && !seenOneToOne.insert(manySignatures[index]).inserted {
                    throw EvaluationError("multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)")
                }
                try emit(manyValue, one[partner].values[step]!) { resultLabels(manyLabels[index], oneLabels[partner], node, matching) }
            }
            // A one-side series without any partner: with a fill for the many side, one result carrying
            // the match group's labels.
            if let fillMany {
                for (_, index) in oneBySignature where !matchedOne.contains(index) {
                    try emit(fillMany, one[index].values[step]!) { oneSignatures[index] }
                }
            }
        }
        return out
    }

    private func resultLabels(_ many: Labels, _ one: Labels, _ node: Binary, _ matching: VectorMatching) -> Labels {
        var builder = LabelsBuilder(many)
        if !node.op.isComparison || node.returnBool {
            builder.delete(LabelNames.metricName)
            for name in Evaluation.nameMetadataLabels { builder.delete(name) }
        }
        if matching.cardinality == .oneToOne {
            if matching.on {
                let keep = Set(matching.labels)
                builder.removeAll { !keep.contains($0.name) }
            } else {
                for name in matching.labels { builder.delete(name) }
            }
        }
        for name in matching.include {
            let value = one.get(name)
            if value.isEmpty { builder.delete(name) } else { builder.set(name, value) }
        }
        return builder.labels()
    }

    /// One-to-one matching where no two series on a side share a signature and no two pairs share
    /// result labels (the usual `a / b`): the pairs are the same at every step, so they are matched
    /// once, and each step only combines values. Nil when the general, per-step matching is needed.
    private func staticOneToOne(_ node: Binary, _ matching: VectorMatching, many: [StepSeries], one: [StepSeries],
                                manyLabels: [Labels], oneLabels: [Labels], manySignatures: [Labels], oneSignatures: [Labels],
                                swapped: Bool) throws -> [StepSeries]? {
        guard matching.cardinality == .oneToOne, matching.fillLeft == nil, matching.fillRight == nil else { return nil }
        var oneIndex: [Labels: Int] = [:]
        oneIndex.reserveCapacity(one.count)
        for (index, signature) in oneSignatures.enumerated() {
            guard oneIndex.updateValue(index, forKey: signature) == nil else { return nil }
        }
        guard Set(manySignatures).count == manySignatures.count else { return nil }
        var pairs: [(many: Int, one: Int, labels: Labels)] = []
        var seenLabels = Set<Labels>()
        for (index, signature) in manySignatures.enumerated() {
            guard let partner = oneIndex[signature] else { continue }
            let labels = resultLabels(manyLabels[index], oneLabels[partner], node, matching)
            guard seenLabels.insert(labels).inserted else { return nil }
            pairs.append((index, partner, labels))
        }
        var out: [StepSeries] = []
        out.reserveCapacity(pairs.count)
        for (position, pair) in pairs.enumerated() {
            if position & 255 == 0 { try context.check() }
            let manyValues = many[pair.many].values, oneValues = one[pair.one].values
            var values = StepValues(absent: steps.count)
            var any = false
            var histograms: [FloatHistogram?]?
            if many[pair.many].histograms != nil || one[pair.one].histograms != nil {
                histograms = histogramPairs(node, many[pair.many], one[pair.one], swapped: swapped, bools: &values)
                any = histograms != nil || values.hasValue
            }
            for step in 0..<steps.count where !node.op.isTrim {
                guard var x = manyValues[step], var y = oneValues[step] else { continue }
                if swapped { swap(&x, &y) }
                let (value, keep) = Self.apply(node.op, x, y)
                if node.op.isComparison {
                    guard keep || node.returnBool else { continue }
                    values[step] = node.returnBool ? (keep ? 1 : 0) : value
                } else {
                    values[step] = value
                }
                any = true
            }
            if any { out.append(StepSeries(labels: pair.labels, values: values, histograms: histograms)) }
        }
        return out
    }

    /// The histogram results of one matched pair at every step: `h + h`, `h - h` (a gauge), `h * f`,
    /// `f * h`, `h / f`, and `==`/`!=` between histograms as filters. Any other combination of a
    /// histogram with something gives nothing. Nil when no step has a histogram result.
    private func histogramPairs(_ node: Binary, _ many: StepSeries, _ one: StepSeries, swapped: Bool, bools: inout StepValues) -> [FloatHistogram?]? {
        var out = [FloatHistogram?](repeating: nil, count: steps.count)
        var any = false
        for step in 0..<steps.count {
            var (leftH, rightH) = (many.histograms?[step], one.histograms?[step])
            var (leftF, rightF) = (many.values[step], one.values[step])
            if swapped { swap(&leftH, &rightH); swap(&leftF, &rightF) }
            guard leftH != nil || rightH != nil, leftH != nil || leftF != nil, rightH != nil || rightF != nil else { continue }
            var result: FloatHistogram?
            switch (node.op, leftH, rightH, leftF, rightF) {
            case (.add, var a?, let b?, _, _), (.sub, var a?, let b?, _, _):
                let adding = node.op == .add
                guard let notes = try? (adding ? a.add(b) : a.subtract(b)) else {
                    warn("vector contains a mix of histograms with exponential and custom buckets schemas for metric name \(goQuote(many.labels.metricName))", at: node.position)
                    break
                }
                if notes.customBoundsReconciled { inform("mismatched custom buckets were reconciled during \(adding ? "addition" : "subtraction")", at: node.position) }
                if !adding { a.counterResetHint = .gauge }
                result = a.compacted()
            case (.mul, var a?, nil, _, let f?), (.mul, nil, var a?, let f?, _):
                a.multiply(by: f)
                result = a
            case (.div, var a?, nil, _, let f?):
                a.divide(by: f)
                result = a
            case (.trimUpper, let a?, nil, _, let f?):
                result = a.trimmed(.upper, at: f)
            case (.trimLower, let a?, nil, _, let f?):
                result = a.trimmed(.lower, at: f)
            case (.eql, let a?, let b?, _, _) where node.returnBool:
                bools[step] = a.compacted() == b.compacted() ? 1 : 0
            case (.neq, let a?, let b?, _, _) where node.returnBool:
                bools[step] = a.compacted() != b.compacted() ? 1 : 0
            case (.eql, let a?, let b?, _, _) where !node.returnBool:
                result = a.compacted() == b.compacted() ? a : nil
            case (.neq, let a?, let b?, _, _) where !node.returnBool:
                result = a.compacted() != b.compacted() ? a : nil
            default:
                result = nil
                if !node.op.isSetOperator {
                    let describe = { (h: FloatHistogram?, f: Double?) in h != nil ? "histogram" : f != nil ? "float" : "" }
                    inform("incompatible sample types encountered for binary operator \(goQuote(node.op.rawValue)): \(describe(leftH, leftF)) \(node.op.rawValue) \(describe(rightH, rightF))", at: node.position)
                }
            }
            if let result {
                out[step] = result
                any = true
            }
        }
        return any ? out : nil
    }

    private func setOperation(_ op: BinaryOp, _ left: [StepSeries], _ right: [StepSeries], _ leftSignatures: [Labels], _ rightSignatures: [Labels]) throws -> [StepSeries] {
        var out = left.map { StepSeries(labels: $0.labels, values: StepValues(absent: steps.count), dropName: $0.dropName) }
        var extra = right.map { StepSeries(labels: $0.labels, values: StepValues(absent: steps.count), dropName: $0.dropName) }
        // A step has an element when it has a float or a histogram; either is copied as it is.
        func present(_ series: StepSeries, _ step: Int) -> Bool { series.values[step] != nil || series.histograms?[step] != nil }
        func copy(_ step: Int, from source: StepSeries, to target: inout StepSeries) {
            target.values[step] = source.values[step]
            if let histogram = source.histograms?[step] {
                if target.histograms == nil { target.histograms = [FloatHistogram?](repeating: nil, count: steps.count) }
                target.histograms![step] = histogram
            }
        }
        for step in 0..<steps.count {
            try context.check()
            let rightPresent = Set(right.indices.filter { present(right[$0], step) }.map { rightSignatures[$0] })
            var leftPresent = Set<Labels>()
            for index in left.indices where present(left[index], step) {
                leftPresent.insert(leftSignatures[index])
                let inRight = rightPresent.contains(leftSignatures[index])
                if op == .or || (op == .and && inRight) || (op == .unless && !inRight) {
                    copy(step, from: left[index], to: &out[index])
                }
            }
            if op == .or {
                for index in right.indices where present(right[index], step) && !leftPresent.contains(rightSignatures[index]) {
                    copy(step, from: right[index], to: &extra[index])
                }
            }
        }
        return (out + (op == .or ? extra : [])).filter { $0.values.hasValue || $0.histograms != nil }
    }
}

extension Labels {
    /// Labels as Go's `labels.Labels.String()` prints them: `{__name__="x", a="b"}`.
    var goDescription: String {
        "{" + map { "\($0.name)=\(Expr.quote($0.value))" }.joined(separator: ", ") + "}"
    }
}
