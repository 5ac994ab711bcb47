import MetricsModel

/// `load_with_nhcb` (promqltest-dsl.md §2.2): classic histograms (`_bucket`, `_count`, `_sum` float
/// series) also loaded as native histograms with custom buckets under their base name.
enum NHCBConversion {
    /// One histogram series per classic histogram among `series`.
    static func histograms(_ series: [(Labels, [Sample])]) -> [(Labels, [HistogramSample])] {
        struct Parts {
            var buckets: [(bound: Double, samples: [Int64: Double])] = []
            var count: [Int64: Double] = [:]
            var sum: [Int64: Double] = [:]
        }
        var byBase: [Labels: Parts] = [:]
        for (labels, samples) in series {
            let name = labels.metricName
            var builder = LabelsBuilder(labels)
            builder.delete(LabelNames.bucket)
            let values = Dictionary(samples.map { ($0.timestamp, $0.value) }, uniquingKeysWith: { $1 })
            if name.hasSuffix("_bucket") {
                guard let le = labels[LabelNames.bucket], case .success(let bound) = GoFloat.parse(le), !bound.isNaN else { continue }
                builder.set(LabelNames.metricName, String(name.dropLast("_bucket".count)))
                byBase[builder.labels(), default: Parts()].buckets.append((bound, values))
            } else if name.hasSuffix("_count") {
                builder.set(LabelNames.metricName, String(name.dropLast("_count".count)))
                byBase[builder.labels(), default: Parts()].count = values
            } else if name.hasSuffix("_sum") {
                builder.set(LabelNames.metricName, String(name.dropLast("_sum".count)))
                byBase[builder.labels(), default: Parts()].sum = values
            }
        }
        var out: [(Labels, [HistogramSample])] = []
        for (labels, parts) in byBase.sorted(by: { $0.key < $1.key }) where !parts.buckets.isEmpty {
            let buckets = parts.buckets.sorted { $0.bound < $1.bound }
            let times = Set(buckets.flatMap { $0.samples.keys }).sorted()
            var samples: [HistogramSample] = []
            for time in times {
                let cumulative = buckets.map { $0.samples[time] }
                guard cumulative.allSatisfy({ $0 != nil }) else { continue }
                if cumulative.contains(where: { StaleMarker.isStale($0!) }) {
                    var h = FloatHistogram()
                    h.schema = FloatHistogram.customBucketsSchema
                    h.customValues = buckets.map(\.bound).filter { $0 != .infinity }
                    h.sum = StaleMarker.value
                    samples.append(HistogramSample(timestamp: time, histogram: h))
                    continue
                }
                let h = FloatHistogram.customBuckets(
                    cumulative: zip(buckets, cumulative).map { ($0.bound, $1!) }, count: parts.count[time], sum: parts.sum[time] ?? 0)
                samples.append(HistogramSample(timestamp: time, histogram: h))
            }
            if !samples.isEmpty { out.append((labels, samples)) }
        }
        return out
    }
}
