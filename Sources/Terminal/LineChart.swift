/// One line of a chart: a name for the legend and its points, oldest first.
package struct ChartSeries: Sendable {
    package var name: String
    /// Unix milliseconds and values; NaN and infinities are left out of the drawing.
    package var points: [(time: Int64, value: Double)]

    package init(name: String, points: [(time: Int64, value: Double)]) {
        self.name = name
        self.points = points
    }
}

/// A line chart drawn in braille characters: y-axis ticks on the left, time labels (UTC) below, a
/// legend under them, all within `width` columns.
///
/// ```
///   2.5 ┤⠀⠀⣀⠤⠒⠉⠉⠑⠢⡀
///       │⡠⠊⠀⠀⠀⠀⠀⠀⠀⠈⢆
///     0 ┤
///       └┬──────────┬──
///      16:00      16:15   UTC
///   ⣿ up{job="node"}
/// ```
package struct LineChart: Sendable {
    package var series: [ChartSeries]
    /// Total columns, axis labels included.
    package var width: Int
    /// Rows of braille cells in the plot (4 dots each).
    package var height = 10
    /// Time range of the x axis; the data's own when nil.
    package var timeRange: ClosedRange<Int64>?
    /// Points further apart than this (ms) are not joined; twice the median spacing when nil.
    package var maxGap: Int64?
    package var style = TerminalStyle(colours: false)
    /// Legend entries shown before "… and N more".
    package var maxLegendEntries = 12

    package init(series: [ChartSeries], width: Int) {
        self.series = series
        self.width = width
    }

    package func render() -> [String] {
        let drawn = series.map { ChartSeries(name: $0.name, points: $0.points.filter { $0.value.isFinite }) }
        let values = drawn.flatMap { $0.points.map(\.value) }
        guard let low = values.min(), let high = values.max() else { return ["(no points to chart)"] }
        let times = drawn.flatMap { $0.points.map(\.time) }
        let range = timeRange ?? (times.min()!...times.max()!)

        // 1. The y scale: nice ticks around the data, about one per three rows.
        var (bottom, top) = (low, high)
        if bottom == top { (bottom, top) = bottom == 0 ? (0, 1) : (bottom - abs(bottom) / 2, top + abs(top) / 2) }
        let step = AxisTicks.valueStep(span: top - bottom, count: max(2, height / 3))
        bottom = (bottom / step).rounded(.down) * step
        top = (top / step).rounded(.up) * step
        var tickRows: [Int: String] = [:]
        var tick = bottom
        while tick <= top + step / 2 {
            let row = Int(((top - tick) / (top - bottom) * Double(height * 4 - 1)).rounded()) / 4
            if tickRows[row] == nil { tickRows[row] = AxisTicks.valueLabel(tick, step: step) }
            tick += step
        }
        let labelWidth = tickRows.values.map(\.count).max() ?? 1
        let columns = max(10, width - labelWidth - 2)

        // 2. The lines, dot by dot.
        var canvas = BrailleCanvas(columns: columns, rows: height)
        let span = Double(max(range.upperBound - range.lowerBound, 1))
        func dot(_ point: (time: Int64, value: Double)) -> (x: Int, y: Int) {
            let x = Double(point.time - range.lowerBound) / span * Double(canvas.width - 1)
            let y = (top - point.value) / (top - bottom) * Double(canvas.height - 1)
            return (Int(x.rounded()), Int(y.rounded()))
        }
        for (index, line) in drawn.enumerated() {
            let gap = maxGap ?? Self.medianSpacing(line.points).map { $0 * 2 } ?? Int64.max
            for (position, point) in line.points.enumerated() {
                if position > 0, point.time - line.points[position - 1].time <= gap {
                    canvas.line(from: dot(line.points[position - 1]), to: dot(point), owner: index)
                } else {
                    canvas.set(dot(point).x, dot(point).y, owner: index)
                }
            }
        }

        // 3. Rows with their ticks, then the time axis and the legend.
        var lines: [String] = []
        for row in 0..<height {
            let label = tickRows[row].map { String(repeating: " ", count: labelWidth - $0.count) + $0 + " ┤" }
                ?? String(repeating: " ", count: labelWidth) + " │"
            var line = label + canvas.row(row, colour: style.coloured)
            // Empty cells are plain spaces (never inside a colour run), so trimming keeps escapes whole.
            while line.hasSuffix(" ") { line.removeLast() }
            lines.append(line)
        }
        lines += timeAxis(range: range, indent: labelWidth + 1, columns: columns)
        lines += legend(drawn)
        return lines
    }

    /// The axis line with a `┬` under each tick, and the tick labels centred under them.
    private func timeAxis(range: ClosedRange<Int64>, indent: Int, columns: Int) -> [String] {
        let spansDays = range.upperBound - range.lowerBound >= 86_400_000
            || UTCTime(milliseconds: range.lowerBound).day != UTCTime(milliseconds: range.upperBound).day
        let sample = AxisTicks.timeLabel(range.lowerBound, interval: 60_000, spansDays: spansDays)
        let (interval, ticks) = AxisTicks.timeTicks(start: range.lowerBound, end: range.upperBound, count: max(1, columns / (sample.count + 3)))
        let span = Double(max(range.upperBound - range.lowerBound, 1))
        var axis = Array(repeating: Character("─"), count: columns)
        var labels = Array(repeating: Character(" "), count: max(width, indent + 1 + columns))
        var free = 0
        for tick in ticks {
            let column = Int((Double(tick - range.lowerBound) / span * Double(columns * 2 - 1)).rounded()) / 2
            guard column >= 0, column < columns else { continue }
            axis[column] = "┬"
            let text = AxisTicks.timeLabel(tick, interval: interval, spansDays: spansDays)
            let start = max(free, indent + 1 + column - text.count / 2)
            guard start + text.count <= labels.count else { continue }
            for (offset, character) in text.enumerated() { labels[start + offset] = character }
            free = start + text.count + 2
        }
        var labelLine = String(labels)
        while labelLine.hasSuffix(" ") { labelLine.removeLast() }
        let utc = labelLine.count + 5 <= width ? labelLine + "  UTC" : labelLine
        return [String(repeating: " ", count: indent) + "└" + String(axis), utc]
    }

    /// One entry per series, packed into lines of `width`; long names are cut with `…`.
    private func legend(_ drawn: [ChartSeries]) -> [String] {
        var lines: [String] = []
        var line = ""
        var lineWidth = 0
        for (index, entry) in drawn.prefix(maxLegendEntries).enumerated() {
            var name = entry.name.isEmpty ? "{}" : entry.name
            if name.count > width - 4 { name = String(name.prefix(max(1, width - 5))) + "…" }
            let entryWidth = 2 + name.count
            if lineWidth > 0 && lineWidth + 3 + entryWidth > width {
                lines.append(line)
                (line, lineWidth) = ("", 0)
            }
            if lineWidth > 0 { line += "   "; lineWidth += 3 }
            line += style.coloured("⣿", index) + " " + name
            lineWidth += entryWidth
        }
        if !line.isEmpty { lines.append(line) }
        if drawn.count > maxLegendEntries { lines.append("… and \(drawn.count - maxLegendEntries) more series") }
        return lines
    }

    static func medianSpacing(_ points: [(time: Int64, value: Double)]) -> Int64? {
        guard points.count > 1 else { return nil }
        let spacings = zip(points.dropFirst(), points).map { $0.time - $1.time }.sorted()
        return spacings[spacings.count / 2]
    }
}
