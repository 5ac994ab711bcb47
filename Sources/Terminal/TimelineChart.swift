/// Alerts over time, one row each: `█` where the alert fired, `░` where it was pending, `·` where
/// it was quiet, over a shared time axis with its start and end written under it.
package struct TimelineChart: Sendable {
    package enum State: Sendable { case pending, firing }

    package struct Row: Sendable {
        package var label: String
        /// Half-open spans [from, to) in ms; `to` nil runs to the end of the chart.
        package var spans: [(from: Int64, to: Int64?, state: State)]

        package init(label: String, spans: [(from: Int64, to: Int64?, state: State)]) {
            self.label = label
            self.spans = spans
        }
    }

    package var start: Int64
    package var end: Int64
    package var rows: [Row]
    package var width: Int
    package var style = TerminalStyle(colours: false)
    /// How the axis writes a time (ms).
    package var timeLabel: @Sendable (Int64) -> String = { String($0) }

    package init(start: Int64, end: Int64, rows: [Row], width: Int) {
        self.start = start
        self.end = end
        self.rows = rows
        self.width = width
    }

    package func render() -> [String] {
        guard !rows.isEmpty else { return ["(no alerts in this range)"] }
        let labelWidth = min(rows.map(\.label.count).max() ?? 0, max(10, width / 3))
        let columns = max(10, width - labelWidth - 3)
        let span = Double(max(end - start, 1))
        func column(_ time: Int64) -> Int {
            let clamped: Int64 = min(max(time, start), end)
            let fraction: Double = Double(clamped - start) / span
            return Int((fraction * Double(columns)).rounded(.down))
        }
        var lines: [String] = []
        for row in rows {
            var cells = Array(repeating: Character("·"), count: columns)
            // Pending first, so firing wins where both fall in one column.
            for state in [State.pending, .firing] {
                for spanned in row.spans where spanned.state == state {
                    let first = min(column(spanned.from), columns - 1)
                    let stop = spanned.to.map { column($0) - 1 } ?? columns - 1
                    let last = max(first, min(columns - 1, stop))
                    for index in first...last { cells[index] = state == .firing ? "█" : "░" }
                }
            }
            var bar = String(cells)
            if style.colours {
                bar = bar.replacingOccurrences(of: "█", with: "\u{1B}[31m█\u{1B}[0m").replacingOccurrences(of: "░", with: "\u{1B}[33m░\u{1B}[0m")
            }
            let label = row.label.count > labelWidth ? String(row.label.prefix(labelWidth - 1)) + "…" : row.label
            lines.append(label + String(repeating: " ", count: labelWidth - label.count) + " │ " + bar)
        }
        let left = timeLabel(start)
        let right = timeLabel(end)
        let gap = max(1, columns - left.count - right.count)
        lines.append(String(repeating: " ", count: labelWidth) + " └─" + String(repeating: "─", count: max(0, columns - 1)))
        lines.append(String(repeating: " ", count: labelWidth + 3) + left + String(repeating: " ", count: gap) + right)
        lines.append(String(repeating: " ", count: labelWidth + 3) + "█ firing  ░ pending")
        return lines
    }
}
