/// Rows of cells printed in aligned columns: a header row, then one line per row, columns separated
/// by two spaces. Numbers read best right-aligned, so each column says how it aligns.
package struct TextTable: Sendable {
    package enum Alignment: Sendable { case left, right }

    package var headers: [String]
    package var alignments: [Alignment]
    package var rows: [[String]] = []

    package init(headers: [String], alignments: [Alignment]? = nil) {
        self.headers = headers
        self.alignments = alignments ?? headers.map { _ in .left }
    }

    package mutating func append(_ row: [String]) {
        precondition(row.count == headers.count, "a table row needs one cell per column")
        rows.append(row)
    }

    /// The lines of the table, without trailing spaces. The last column is not padded.
    package func render() -> [String] {
        var widths = headers.map(\.count)
        for row in rows {
            for (column, cell) in row.enumerated() { widths[column] = max(widths[column], cell.count) }
        }
        return ([headers] + rows).map { row in
            var line = ""
            for (column, cell) in row.enumerated() {
                let last = column == row.count - 1
                let padding = String(repeating: " ", count: widths[column] - cell.count)
                switch alignments[column] {
                case .left: line += last ? cell : cell + padding
                case .right: line += padding + cell
                }
                if !last { line += "  " }
            }
            while line.hasSuffix(" ") { line.removeLast() }
            return line
        }
    }
}
