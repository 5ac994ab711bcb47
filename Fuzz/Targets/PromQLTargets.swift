import MetricsModel
import PromQL
import PromQLTesting

/// The query language: the parser alone, and parsed queries evaluated over a small fixed store
/// (counters, gauges, classic and native histograms) as instant and range queries.
enum PromQLTargets {
    static let parse = FuzzTarget(name: "promql-parse", summary: "PromQL parser and canonical printer", seeds: { querySeeds }) { bytes in
        guard let expr = try? Parser.parse(String(decoding: bytes, as: UTF8.self)) else { return }
        // What the printer writes parses again, to the same query.
        guard let again = try? Parser.parse(expr.description) else { fatalError("the printed query does not parse: \(expr)") }
        precondition(again.description == expr.description, "printing is not stable: \(expr) then \(again)")
    }

    static let evaluate = FuzzTarget(name: "promql-eval", summary: "PromQL queries evaluated over a small fixed store", seeds: { querySeeds }) { bytes in
        guard let expr = try? Parser.parse(String(decoding: bytes, as: UTF8.self)) else { return }
        var engine = Engine()
        engine.maxSamples = 200_000
        let context = QueryContext(deadline: .now + .seconds(2))
        _ = try? engine.instant(expr, at: 10 * minute, on: store, context: context)
        _ = try? engine.range(expr, start: 0, end: 10 * minute, step: minute, on: store, context: context)
    }

    static let minute: Int64 = 60_000

    static let querySeeds: [[UInt8]] = [
        "sum by (instance) (rate(requests_total[5m]))",
        "histogram_quantile(0.9, sum by (le) (rate(latency_bucket[5m])))",
        "histogram_quantile(0.5, rate(latency_native[5m])) > bool 0.1",
        "avg_over_time(temperature[10m:1m] offset 1m) @ end()",
        "label_replace(temperature, \"x\", \"$1\", \"instance\", \"(.*)\") or on() vector(1)",
        "count_values(\"v\", temperature) / ignoring(v) group_left sum(temperature)",
        "topk(1, requests_total) unless requests_total{instance=\"a\"}",
        "histogram_fraction(0, 1, latency_native) + histogram_count(sum(latency_native))",
    ].map { Array($0.utf8) }

    /// Ten minutes of one sample a minute for a counter, a gauge, a classic histogram and a
    /// native one, on two instances.
    static let store: MemoryStorage = {
        let storage = MemoryStorage()
        for instance in ["a", "b"] {
            let times = (0...10).map { Int64($0) * minute }
            storage.add(Labels(["__name__": "requests_total", "instance": instance, "job": "api"]),
                        times.map { Sample(timestamp: $0, value: Double($0 / minute) * 3) })
            storage.add(Labels(["__name__": "temperature", "instance": instance]),
                        times.map { Sample(timestamp: $0, value: Double(($0 / minute) % 4) - 1.5) })
            for (bound, share) in [("0.1", 1.0), ("1", 3.0), ("+Inf", 4.0)] {
                storage.add(Labels(["__name__": "latency_bucket", "instance": instance, "le": bound]),
                            times.map { Sample(timestamp: $0, value: Double($0 / minute) * share) })
            }
            storage.add(Labels(["__name__": "latency_native", "instance": instance]), times.map { time in
                var h = FloatHistogram()
                let n = Double(time / minute)
                h.count = 4 * n
                h.sum = 1.5 * n
                h.zeroCount = n
                h.zeroThreshold = 0.001
                h.positiveSpans = [HistogramSpan(offset: 0, length: 2)]
                h.positiveBuckets = [n, n]
                h.negativeSpans = [HistogramSpan(offset: 1, length: 1)]
                h.negativeBuckets = [n]
                return HistogramSample(timestamp: time, histogram: h)
            })
        }
        return storage
    }()
}
