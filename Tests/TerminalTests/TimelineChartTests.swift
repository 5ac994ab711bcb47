import Testing

@testable import Terminal

@Suite("Timeline chart")
struct TimelineChartTests {
    @Test("pending and firing spans fall in their columns over a shared axis")
    func spans() {
        var chart = TimelineChart(start: 0, end: 100, rows: [
            .init(label: "Down", spans: [(from: 10, to: 30, state: .pending), (from: 30, to: 60, state: .firing)]),
            .init(label: "Slow", spans: [(from: 80, to: nil, state: .firing)]),
        ], width: 27)
        chart.timeLabel = { "t\($0)" }
        #expect(chart.render() == [
            "Down │ ··░░░░██████········",
            "Slow │ ················████",
            "     └────────────────────",
            "       t0              t100",
            "       █ firing  ░ pending",
        ])
    }

    @Test("long labels are cut to a third of the width")
    func longLabels() {
        let chart = TimelineChart(start: 0, end: 10, rows: [.init(label: String(repeating: "x", count: 50), spans: [])], width: 60)
        #expect(chart.render()[0].hasPrefix(String(repeating: "x", count: 19) + "… │ "))
    }

    @Test("no rows says so")
    func empty() {
        #expect(TimelineChart(start: 0, end: 1, rows: [], width: 80).render() == ["(no alerts in this range)"])
    }
}
