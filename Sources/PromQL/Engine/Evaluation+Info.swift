import MetricsModel

extension Evaluation {
    /// Identifying labels joining a series to its info series (those of `target_info`).
    static let identifyingLabels = ["instance", "job"]

    /// `info(v, [selector])`: each sample of `v` gains the data labels of the info series that share its
    /// `instance` and `job` at that step (the newest sample wins when several do). Without a selector the
    /// info metric is `target_info`; a selector without a positive `__name__` matcher looks at every
    /// `*_info` metric. Data-label matchers pick which labels are added and which info series qualify; a
    /// sample with no qualifying info series is dropped unless every data matcher accepts the empty value.
    /// Base series that are themselves selected info series pass through unchanged.
    mutating func info(_ args: [Expr]) throws -> StepValue {
        let base = try vectorArgument(args[0])
        var nameMatchers: [Matcher] = []
        var dataMatchers: [Matcher] = []
        if args.count > 1 {
            guard case .vector(let selector) = args[1].unparenthesized else {
                throw EvaluationError("info(): the second argument must be a label selector")
            }
            for matcher in selector.allMatchers {
                if matcher.name == LabelNames.metricName { nameMatchers.append(matcher) } else { dataMatchers.append(matcher) }
            }
        }
        // No name matcher: `target_info`. Only negative ones: they narrow the `*_info` metrics.
        let hasPositiveName = nameMatchers.contains { !($0.type == .notEqual || $0.type == .regexNoMatch) }
        if nameMatchers.isEmpty {
            nameMatchers.append(try Matcher(.equal, LabelNames.metricName, "target_info"))
        } else if !hasPositiveName {
            nameMatchers.append(try Matcher(.regexMatch, LabelNames.metricName, ".+_info"))
        }
        // Info series, selected like an instant selector at every step.
        let infoSelector = VectorSelector(name: nil, matchers: nameMatchers + dataMatchers)
        // Info series are looked up at the time the base samples were taken: `@` and `offset` on the
        // base expression (and on subqueries inside it) move that time.
        let infos = try selectInstantWithTimes(infoSelector, at: try referenceTimes(args[0], (0..<steps.count).map { steps.time($0) }))
        let dataNames = Set(dataMatchers.map(\.name))
        let emptyAccepted = dataMatchers.allSatisfy { $0.matches("") }

        var results: [Labels: Int] = [:]
        var out: [StepSeries] = []
        func emit(_ labels: Labels, dropName: Bool, step: Int, value: Double) {
            let slot: Int
            if let existing = results[labels] {
                slot = existing
            } else {
                slot = out.count
                results[labels] = slot
                out.append(StepSeries(labels: labels, values: StepValues(absent: steps.count), dropName: dropName))
            }
            out[slot].values[step] = value
        }
        for series in base {
            let isInfoItself = nameMatchers.allSatisfy { $0.matches(series.labels.get(LabelNames.metricName)) }
            let identity = Self.identifyingLabels.map { series.labels.get($0) }
            for step in 0..<steps.count {
                guard let value = series.values[step] else { continue }
                if isInfoItself {
                    emit(series.labels, dropName: series.dropName, step: step, value: value)
                    continue
                }
                // Per info metric name, the matching series with the newest sample at this step.
                var chosen: [String: (labels: Labels, time: Int64)] = [:]
                for info in infos where info.identity == identity {
                    guard let time = info.times[step] else { continue }
                    let name = info.labels.get(LabelNames.metricName)
                    if let current = chosen[name], current.time >= time { continue }
                    chosen[name] = (info.labels, time)
                }
                if chosen.isEmpty {
                    if emptyAccepted { emit(series.labels, dropName: series.dropName, step: step, value: value) }
                    continue
                }
                var builder = LabelsBuilder(series.labels)
                var added: [String: String] = [:]
                for (_, info) in chosen.sorted(by: { $0.key < $1.key }) {
                    for label in info.labels where label.name != LabelNames.metricName && !Self.identifyingLabels.contains(label.name) {
                        guard dataNames.isEmpty || dataNames.contains(label.name), series.labels[label.name] == nil else { continue }
                        // Two info metrics disagreeing on a data label cannot both enrich the sample.
                        if let previous = added[label.name], previous != label.value {
                            throw EvaluationError("conflicting label: \(label.name) has values \(goQuote(previous)) and \(goQuote(label.value)) in different info metrics")
                        }
                        added[label.name] = label.value
                        builder.set(label.name, label.value)
                    }
                }
                emit(builder.labels(), dropName: series.dropName, step: step, value: value)
            }
        }
        return .vector(out)
    }

    /// Per step, the time at which `expr`'s samples are read, following `@` and `offset` down the
    /// expression's first vector argument.
    mutating func referenceTimes(_ expr: Expr, _ times: [Int64]) throws -> [Int64] {
        func moved(_ times: [Int64], _ modifiers: Modifiers) throws -> [Int64] {
            let offset = try modifiers.offset.map(duration) ?? 0
            return times.map { t in
                let base: Int64
                switch modifiers.at {
                case .timestamp(let pinned): base = pinned
                case .start: base = queryStart
                case .end: base = queryEnd
                case nil: base = t
                }
                return base - offset
            }
        }
        switch expr {
        case .vector(let selector), .matrix(let selector, _): return try moved(times, selector.modifiers)
        case .subquery(let subquery): return try referenceTimes(subquery.expr, try moved(times, subquery.modifiers))
        case .paren(let inner), .unary(_, let inner): return try referenceTimes(inner, times)
        case .aggregate(let aggregate): return try referenceTimes(aggregate.expr, times)
        case .binary(let binary): return try referenceTimes(binary.lhs, times)
        case .call(let function, let args, _):
            // The first series argument, as the signature says (no types derived here).
            guard let index = function.arguments.firstIndex(where: { $0 == .vector || $0 == .matrix }), index < args.count else { return times }
            return try referenceTimes(args[index], times)
        case .number, .string: return times
        }
    }

    /// The series `selector` selects with, per step, the timestamp of the sample an instant selector
    /// would take (nil where it takes none).
    private mutating func selectInstantWithTimes(_ selector: VectorSelector, at times: [Int64]) throws -> [(labels: Labels, identity: [String], times: [Int64?])] {
        guard let first = times.min(), let last = times.max() else { return [] }
        // Info series carry data labels on float samples; a native histogram among them is an error.
        let histograms = try loadHistograms(selector.allMatchers, from: first - lookback + 1, through: last)
        if let labels = histograms.first(where: { $0.value.contains { !$0.isStale } })?.key {
            throw EvaluationError("info(): the info series \(labels) has native histogram samples; info series must have float samples")
        }
        var out: [(labels: Labels, identity: [String], times: [Int64?])] = []
        for (labels, samples) in try load(selector.allMatchers, from: first - lookback + 1, through: last) {
            var picked = [Int64?](repeating: nil, count: times.count)
            for (index, t) in times.enumerated() {
                let after = samples.partitionIndex { $0.timestamp > t }
                guard after > 0 else { continue }
                let sample = samples[after - 1]
                if sample.timestamp > t - lookback && !StaleMarker.isStale(sample.value) { picked[index] = sample.timestamp }
            }
            if picked.contains(where: { $0 != nil }) {
                out.append((labels, Self.identifyingLabels.map { labels.get($0) }, picked))
            }
        }
        return out
    }
}
