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
                let points = type == "vector"
                    ? [item["value"]].compactMap { ResultPoint($0) }
                    : (item["values"] as? [Any] ?? []).compactMap { ResultPoint($0) }
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

    static func number(_ value: Any) -> Double? {
        if let number = value as? NSNumber { return number.doubleValue }
        return value as? Double ?? (value as? Int).map(Double.init)
    }
}
