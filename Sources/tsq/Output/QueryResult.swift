import Foundation
import MetricsModel

/// A query's `data`, decoded for the printers: series with label pairs sorted by name, and each
/// value kept both as the server's text and as a number.
enum QueryResult {
    case vector([ResultSeries])
    case matrix([ResultSeries])
    case scalar(ResultPoint)
    case string(time: Int64, text: String)

    init(_ data: Any) throws(TSQFailure) {
        guard let object = data as? [String: Any], let type = object["resultType"] as? String else {
            throw TSQFailure(.failed, "the server's answer has no resultType")
        }
        let result = object["result"]
        switch type {
        case "vector", "matrix":
            let items = result as? [[String: Any]] ?? []
            let series = items.map { item -> ResultSeries in
                let metric = (item["metric"] as? [String: String] ?? [:]).sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
                // Native histograms print as Prometheus writes one (`{count:4, sum:5, (0.5,1]:1, …}`).
                let points = type == "vector"
                    ? [item["value"]].compactMap { ResultPoint($0) } + [item["histogram"]].compactMap { ResultPoint(histogram: $0) }
                    : ((item["values"] as? [Any] ?? []).compactMap { ResultPoint($0) }
                        + (item["histograms"] as? [Any] ?? []).compactMap { ResultPoint(histogram: $0) }).sorted { $0.time < $1.time }
                return ResultSeries(labels: metric, points: points)
            }
            self = type == "vector" ? .vector(series) : .matrix(series)
        case "scalar":
            guard let point = ResultPoint(result) else { throw TSQFailure(.failed, "malformed scalar result") }
            self = .scalar(point)
        case "string":
            guard let pair = result as? [Any], pair.count == 2, let point = ResultPoint([pair[0], "0"]) else {
                throw TSQFailure(.failed, "malformed string result")
            }
            self = .string(time: point.time, text: pair[1] as? String ?? "")
        default:
            throw TSQFailure(.failed, "unknown resultType \"\(type)\"")
        }
    }
}

struct ResultSeries {
    var labels: [(name: String, value: String)]

    var points: [ResultPoint]

    /// `name{label="value",…}` as PromQL writes a series.
    var text: String { Self.text(labels) }

    static func text(_ labels: [(name: String, value: String)], separator: String = ", ") -> String {
        let name = labels.first { $0.name == "__name__" }?.value ?? ""
        let rest = labels.filter { $0.name != "__name__" }
        if rest.isEmpty { return name.isEmpty ? "{}" : name }
        return name + "{" + rest.map { "\($0.name)=\"\(escape($0.value))\"" }.joined(separator: separator) + "}"
    }

    static func escape(_ value: String) -> String {
        value.escaped(["\\": "\\\\", "\"": "\\\"", "\n": "\\n"])
    }
}

/// `[<unix seconds>, "<value>"]` as the API writes a sample.
struct ResultPoint {
    var time: Int64
    var text: String
    var value: Double

    init?(_ raw: Any?) {
        guard let pair = raw as? [Any], pair.count == 2, let seconds = Self.number(pair[0]), let text = pair[1] as? String else { return nil }
        time = Int64((seconds * 1000).rounded())
        self.text = text
        if case .success(let value) = GoFloat.parse(text) { self.value = value } else { value = .nan }
    }

    /// `[<unix seconds>, {"count": …, "sum": …, "buckets": […]}]`: the text lists count, sum and each
    /// bucket with its bounds (`[` `]` inclusive, `(` `)` exclusive); the value is the count.
    init?(histogram raw: Any?) {
        guard let pair = raw as? [Any], pair.count == 2, let seconds = Self.number(pair[0]), let object = pair[1] as? [String: Any],
            let count = object["count"] as? String, let sum = object["sum"] as? String
        else { return nil }
        time = Int64((seconds * 1000).rounded())
        var parts = ["count:\(count)", "sum:\(sum)"]
        for case let bucket as [Any] in object["buckets"] as? [Any] ?? [] where bucket.count == 4 {
            guard let rule = Self.number(bucket[0]), let lower = bucket[1] as? String, let upper = bucket[2] as? String, let n = bucket[3] as? String else { continue }
            let (open, close) = switch Int(rule) { case 0: ("(", "]"); case 1: ("[", ")"); case 2: ("(", ")"); default: ("[", "]") }
            parts.append("\(open)\(lower),\(upper)\(close):\(n)")
        }
        text = "{" + parts.joined(separator: ", ") + "}"
        if case .success(let value) = GoFloat.parse(count) { self.value = value } else { value = .nan }
    }

    static func number(_ value: Any) -> Double? {
        if let number = value as? NSNumber { return number.doubleValue }
        return value as? Double ?? (value as? Int).map(Double.init)
    }
}
