import Foundation
import Testing

@testable import Terminal

@Suite("Line chart")
struct LineChartTests {
    /// Two series over 30 minutes at 15 s: a slow wave and a ramp with a gap, fixed so goldens hold.
    static let series: [ChartSeries] = {
        let start: Int64 = 1_780_000_000_000
        let wave = (0..<121).map { step in
            (time: start + Int64(step) * 15_000, value: 2 + sin(Double(step) / 12) * 1.5)
        }
        let ramp = (0..<121).compactMap { step -> (time: Int64, value: Double)? in
            (50..<70).contains(step) ? nil : (time: start + Int64(step) * 15_000, value: Double(step) / 40)
        }
        return [
            ChartSeries(name: #"rate(http_requests_total{job="api",code="200"}[5m])"#, points: wave),
            ChartSeries(name: #"rate(http_requests_total{job="api",code="500"}[5m])"#, points: ramp),
        ]
    }()

    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    /// Compares with `Fixtures/<name>`; with `UPDATE_GOLDEN=1` rewrites it and fails, so an update is
    /// never mistaken for a pass.
    func expectGolden(_ lines: [String], _ name: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let rendered = lines.joined(separator: "\n") + "\n"
        let file = Self.fixtures.appendingPathComponent(name)
        if ProcessInfo.processInfo.environment["UPDATE_GOLDEN"] == "1" {
            try rendered.write(to: file, atomically: true, encoding: .utf8)
            Issue.record("rewrote \(name); run again without UPDATE_GOLDEN", sourceLocation: sourceLocation)
            return
        }
        let golden = try String(contentsOf: file, encoding: .utf8)
        #expect(rendered == golden, "chart differs from \(name):\n\(rendered)", sourceLocation: sourceLocation)
    }

    @Test("the chart matches its golden rendering at 40, 80 and 200 columns", arguments: [40, 80, 200])
    func goldenWidths(width: Int) throws {
        let chart = LineChart(series: Self.series, width: width)
        let lines = chart.render()
        #expect(lines.allSatisfy { $0.count <= width }, "a line is wider than \(width) columns")
        try expectGolden(lines, "chart-\(width).txt")
    }

    @Test("colours wrap each series' cells and its legend entry; without colours there are no escapes")
    func colours() throws {
        var chart = LineChart(series: Self.series, width: 80)
        #expect(!chart.render().joined().contains("\u{1B}["))
        chart.style = TerminalStyle(colours: true)
        let lines = chart.render()
        #expect(lines.joined().contains("\u{1B}[32m") && lines.joined().contains("\u{1B}[33m"))
        try expectGolden(lines, "chart-80-colour.txt")
    }

    @Test("NO_COLOR or a pipe turns colours off", arguments: [
        (true, [String: String](), true), (true, ["NO_COLOR": "1"], false), (true, ["NO_COLOR": ""], false), (false, [:], false),
    ])
    func colourPolicy(isTerminal: Bool, environment: [String: String], expected: Bool) {
        #expect(TerminalStyle.detect(isTerminal: isTerminal, environment: environment).colours == expected)
    }

    @Test("a flat series, a single point and no points all render without dividing by zero")
    func degenerate() {
        let flat = LineChart(series: [ChartSeries(name: "flat", points: [(0, 5), (60_000, 5)])], width: 40).render()
        #expect(flat.contains { $0.contains("┤") } && flat.last == "⣿ flat")
        let single = LineChart(series: [ChartSeries(name: "one", points: [(0, 0)])], width: 40).render()
        #expect(single.joined().contains("⣿ one"))
        let none = LineChart(series: [ChartSeries(name: "nan", points: [(0, .nan)])], width: 40).render()
        #expect(none == ["(no points to chart)"])
    }

    @Test("ticks are nice numbers with SI suffixes", arguments: [
        (0.25, 0.05, "0.25"), (1500, 500, "1.5k"), (2_000_000, 1_000_000, "2M"), (0.0001, 0.0001, "1.0e-4"), (-3, 1, "-3"),
    ])
    func tickLabels(value: Double, step: Double, expected: String) {
        #expect(AxisTicks.valueLabel(value, step: step) == expected)
    }

    @Test("UTC calendar conversion matches known instants", arguments: [
        (Int64(0), "1970-01-01 00:00:00"), (951_782_400_000, "2000-02-29 00:00:00"), (1_780_000_000_000, "2026-05-28 20:26:40"),
        (-1000, "1969-12-31 23:59:59"),
    ])
    func utc(milliseconds: Int64, expected: String) {
        let t = UTCTime(milliseconds: milliseconds)
        let two = AxisTicks.two
        #expect("\(t.year)-\(two(t.month))-\(two(t.day)) \(two(t.hour)):\(two(t.minute)):\(two(t.second))" == expected)
    }
}
