import MetricsModel

/// One sample of a series that holds floats and native histograms together.
struct MixedSample {
    enum Point {
        case float(Double)
        case histogram(FloatHistogram)
    }

    var timestamp: Int64
    var point: Point

    /// Floats and histograms merged by time (at most one sample a timestamp: the float's, when both).
    static func merged(_ floats: ArraySlice<Sample>, _ histograms: ArraySlice<HistogramSample>) -> [MixedSample] {
        var out: [MixedSample] = []
        out.reserveCapacity(floats.count + histograms.count)
        var f = floats.startIndex
        var h = histograms.startIndex
        while f < floats.endIndex || h < histograms.endIndex {
            if h == histograms.endIndex || (f < floats.endIndex && floats[f].timestamp <= histograms[h].timestamp) {
                if h < histograms.endIndex && floats[f].timestamp == histograms[h].timestamp { h += 1 }
                out.append(MixedSample(timestamp: floats[f].timestamp, point: .float(floats[f].value)))
                f += 1
            } else {
                out.append(MixedSample(timestamp: histograms[h].timestamp, point: .histogram(histograms[h].histogram)))
                h += 1
            }
        }
        return out
    }
}

/// The functions that read a window's samples in time order whatever their kind: `resets`,
/// `changes`, `irate`, `idelta`, `last_over_time`, `first_over_time` and the `ts_of_` forms. Over a
/// window holding floats and histograms they see one merged sequence, as Prometheus's do: a switch
/// between a float and a histogram is a reset and a change, and `irate`/`idelta` over a float and a
/// histogram give nothing but the mix warning.
extension Evaluation {
    static let mixedWindowFunctions: Set<String> = [
        "resets", "changes", "irate", "idelta", "last_over_time", "first_over_time", "ts_of_last_over_time", "ts_of_first_over_time",
    ]

    /// Resets or changes over a merged window.
    static func mixedCount(_ name: String, _ window: [MixedSample]) -> Double {
        var count = 0
        for (previous, next) in zip(window, window.dropFirst()) {
            switch (previous.point, next.point) {
            case (.float(let a), .float(let b)):
                if name == "resets" ? b < a : !(a == b || (a.isNaN && b.isNaN)) { count += 1 }
            case (.histogram(let a), .histogram(let b)):
                if name == "resets" ? b.isCounterReset(after: a) : a != b { count += 1 }
            default:
                count += 1
            }
        }
        return Double(count)
    }

    /// One merged window's answer for a function of `mixedWindowFunctions`.
    func mixedWindow(_ name: String, _ window: [MixedSample], range: Int64, end: Int64, labels: Labels, position: Int?) -> MixedSample.Point? {
        switch name {
        case "resets", "changes": return .float(Self.mixedCount(name, window))
        case "last_over_time": return window.last!.point
        case "first_over_time": return window.first!.point
        case "ts_of_last_over_time": return .float(Double(window.last!.timestamp) / 1000)
        case "ts_of_first_over_time": return .float(Double(window.first!.timestamp) / 1000)
        default: break
        }
        // irate and idelta: the last two samples, of one kind.
        guard window.count >= 2 else { return nil }
        let previous = window[window.count - 2], last = window[window.count - 1]
        switch (previous.point, last.point) {
        case (.float(let a), .float(let b)):
            var change = name == "irate" && b < a ? b : b - a
            if name == "irate" {
                guard last.timestamp != previous.timestamp else { return nil }
                change /= Double(last.timestamp - previous.timestamp) / 1000
            }
            return .float(change)
        case (.histogram(let a), .histogram(let b)):
            let pair = [HistogramSample(timestamp: previous.timestamp, histogram: a), HistogramSample(timestamp: last.timestamp, histogram: b)]
            return histogramWindow(name, pair, range: range, end: end, labels: labels, position: position).map { .histogram($0) }
        default:
            warn("encountered a mix of histograms and floats for metric name \(goQuote(labels.metricName))", at: position)
            return nil
        }
    }
}
