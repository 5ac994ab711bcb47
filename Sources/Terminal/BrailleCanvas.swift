/// A grid of Unicode braille cells, each 2 dots wide and 4 high, drawn on dot by dot. A cell takes
/// the colour of the series that set a dot in it last.
struct BrailleCanvas {
    let columns: Int
    let rows: Int
    private var dots: [UInt8]
    private var owners: [Int]

    /// Dot bits of a braille cell (U+2800 + bits), by row within the cell, then column.
    private static let bits: [[UInt8]] = [[0x01, 0x08], [0x02, 0x10], [0x04, 0x20], [0x40, 0x80]]

    init(columns: Int, rows: Int) {
        self.columns = columns
        self.rows = rows
        dots = Array(repeating: 0, count: columns * rows)
        owners = Array(repeating: -1, count: columns * rows)
    }

    var width: Int { columns * 2 }
    var height: Int { rows * 4 }

    /// Sets the dot at `(x, y)`, y counted down from the top; dots outside the grid are ignored.
    mutating func set(_ x: Int, _ y: Int, owner: Int) {
        guard x >= 0, y >= 0, x < width, y < height else { return }
        let cell = (y / 4) * columns + x / 2
        dots[cell] |= Self.bits[y % 4][x % 2]
        owners[cell] = owner
    }

    /// A straight line between two dots (Bresenham), both ends included.
    mutating func line(from start: (x: Int, y: Int), to end: (x: Int, y: Int), owner: Int) {
        var (x, y) = start
        let dx = abs(end.x - x)
        let dy = -abs(end.y - y)
        let stepX = x < end.x ? 1 : -1
        let stepY = y < end.y ? 1 : -1
        var error = dx + dy
        while true {
            set(x, y, owner: owner)
            if x == end.x && y == end.y { return }
            let doubled = 2 * error
            if doubled >= dy { error += dy; x += stepX }
            if doubled <= dx { error += dx; y += stepY }
        }
    }

    /// One row of cells as text; `colour` wraps a run of cells of one owner.
    func row(_ row: Int, colour: (String, Int) -> String) -> String {
        var out = ""
        var run = ""
        var runOwner = -1
        for column in 0..<columns {
            let cell = row * columns + column
            let owner = dots[cell] == 0 ? -1 : owners[cell]
            let character = Character(Unicode.Scalar(0x2800 + UInt32(dots[cell]))!)
            if owner != runOwner && !run.isEmpty {
                out += runOwner < 0 ? run : colour(run, runOwner)
                run = ""
            }
            runOwner = owner
            run.append(dots[cell] == 0 ? " " : character)
        }
        out += runOwner < 0 ? run : colour(run, runOwner)
        return out
    }
}
