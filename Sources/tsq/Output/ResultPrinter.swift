import Foundation
import Terminal

/// Prints a query result in the chosen format (json is printed from the raw reply, not here).
struct ResultPrinter {
    let output: OutputOptions
    /// The range query's window and step, for the chart's axis and line gaps.
    var range: (start: Int64, end: Int64, step: Int64)?
    /// The format to print in; `output.format` unless the command overrides it.
    var format: OutputFormat

    init(output: OutputOptions) {
        self.output = output
        format = output.format
    }

    func print(_ result: QueryResult) {
        switch (result, format) {
        case (.scalar(let point), .prom): Console.print(["scalar \(point.text) \(point.time)"])
        case (.scalar(let point), .csv): Console.print(["value,timestamp", "\(point.text),\(Self.csvTime(point.time))"])
        case (.scalar(let point), _): table(headers: ["VALUE", "TIMESTAMP"], rows: [[point.text, RFC3339Time.format(point.time)]], right: [0])
        case (.string(let time, let text), .csv): Console.print(["value,timestamp", "\(Self.csvField(text)),\(Self.csvTime(time))"])
        case (.string(let time, let text), _): table(headers: ["VALUE", "TIMESTAMP"], rows: [[text, RFC3339Time.format(time)]], right: [])
        case (.vector(let series), .chart), (.matrix(let series), .chart): chart(series)
        case (.vector(let series), .prom), (.matrix(let series), .prom): prom(series)
        case (.vector(let series), .csv), (.matrix(let series), .csv): csv(series)
        case (.vector(let series), _), (.matrix(let series), _): seriesTable(series)
        }
    }

    /// Metric and labels, value, timestamp: one row per sample (a matrix's series one after another).
    private func seriesTable(_ series: [ResultSeries]) {
        var rows: [[String]] = []
        for entry in output.limited(series, noun: "series") {
            for point in entry.points { rows.append([entry.text, point.text, RFC3339Time.format(point.time)]) }
        }
        if rows.isEmpty { Console.note("empty result"); return }
        table(headers: ["METRIC", "VALUE", "TIMESTAMP"], rows: rows, right: [1])
    }

    private func table(headers: [String], rows: [[String]], right: Set<Int>) {
        var table = TextTable(headers: headers, alignments: headers.indices.map { right.contains($0) ? .right : .left })
        for row in rows { table.append(row) }
        Console.print(table.render())
    }

    /// Exposition lines: `series value timestamp-ms`.
    private func prom(_ series: [ResultSeries]) {
        var lines: [String] = []
        for entry in output.limited(series, noun: "series") {
            let name = ResultSeries.text(entry.labels, separator: ",")
            for point in entry.points { lines.append("\(name) \(point.text) \(point.time)") }
        }
        Console.print(lines)
    }

    /// A header of every label name the series carry, then `value,timestamp`; one row per sample.
    private func csv(_ series: [ResultSeries]) {
        let shown = output.limited(series, noun: "series")
        let columns = Self.labelColumns(shown)
        var lines = [(columns + ["value", "timestamp"]).map(Self.csvField).joined(separator: ",")]
        for entry in shown {
            let prefix = Self.labelCells(entry, columns)
            for point in entry.points { lines.append((prefix + [point.text, Self.csvTime(point.time)]).joined(separator: ",")) }
        }
        Console.print(lines)
    }

    /// Every label name the series carry, sorted: the CSV columns before the values.
    static func labelColumns(_ series: ArraySlice<ResultSeries>) -> [String] {
        var names = Set<String>()
        for entry in series { for label in entry.labels { names.insert(label.name) } }
        return names.sorted()
    }

    /// A series' label values under `columns`, CSV-quoted, empty where it has no such label.
    static func labelCells(_ series: ResultSeries, _ columns: [String]) -> [String] {
        let byName = Dictionary(series.labels.map { ($0.name, $0.value) }, uniquingKeysWith: { first, _ in first })
        return columns.map { csvField(byName[$0] ?? "") }
    }

    private func chart(_ series: [ResultSeries]) {
        let shown = output.limited(series, noun: "series")
        var chart = LineChart(
            series: shown.map { ChartSeries(name: $0.text, points: $0.points.map { ($0.time, $0.value) }) }, width: output.columns)
        chart.style = output.style
        if let range {
            chart.timeRange = range.start...max(range.end, range.start + 1)
            chart.maxGap = range.step * 2
        }
        Console.print(chart.render())
    }

    /// Quoted when it holds a comma, a quote or a line break (RFC 4180).
    static func csvField(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// Unix seconds, as the API writes them.
    static func csvTime(_ milliseconds: Int64) -> String {
        milliseconds % 1000 == 0 ? String(milliseconds / 1000) : TimeArgument.apiText(milliseconds)
    }
}
