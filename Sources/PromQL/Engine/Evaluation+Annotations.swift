import MetricsModel

/// The annotations Prometheus raises for float and classic-histogram input, with its texts.
extension Evaluation {
    func warn(_ message: String, at offset: Int?) {
        context.annotate(Annotation(.warning, message, at: offset))
    }

    func inform(_ message: String, at offset: Int?) {
        context.annotate(Annotation(.info, message, at: offset))
    }

    /// A quantile outside [0, 1] (or NaN): the result is ±Inf or NaN, and the user is told why.
    func checkQuantile(_ q: Double, at offset: Int?) {
        if q.isNaN || q < 0 || q > 1 { warn("quantile value should be between 0 and 1, got \(GoFloat.formatG(q))", at: offset) }
    }

    /// A `limit_ratio` outside [-1, 1], capped to the nearer bound.
    func checkRatio(_ ratio: Double, cappedTo capped: Double, at offset: Int?) {
        warn("ratio value should be between -1 and 1, got \(GoFloat.formatG(ratio)), capping to \(GoFloat.formatG(capped))", at: offset)
    }

    /// rate() or increase() over a metric whose name does not say it is a counter.
    func checkCounterName(_ labels: Labels, at offset: Int?) {
        let name = labels.metricName
        guard !name.isEmpty, !["_total", "_sum", "_count", "_bucket"].contains(where: { name.hasSuffix($0) }) else { return }
        inform("metric might not be a counter, name does not end in _total/_sum/_count/_bucket: \(goQuote(name))", at: offset)
    }

    /// A classic bucket whose `le` is missing or not a number.
    func badBucketLabel(_ labels: Labels, at offset: Int?) {
        warn("bucket label \"le\" is missing or has a malformed value of \(goQuote(labels.get(LabelNames.bucket)))" + Self.forMetric(labels), at: offset)
    }

    /// Bucket counts that had to be made monotonic before a quantile could be read from them.
    func forcedMonotonicity(_ labels: Labels, at offset: Int?) {
        inform("input to histogram_quantile needed to be fixed for monotonicity (see https://prometheus.io/docs/prometheus/latest/querying/functions/#histogram_quantile)" + Self.forMetric(labels), at: offset)
    }

    private static func forMetric(_ labels: Labels) -> String {
        let name = labels.metricName
        return name.isEmpty ? "" : " for metric name \(goQuote(name))"
    }
}
