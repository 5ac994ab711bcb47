/// Whether output may carry ANSI colour, decided once per run: only on a terminal, and never when
/// `NO_COLOR` is set to anything (https://no-color.org).
package struct TerminalStyle: Sendable, Equatable {
    package var colours: Bool

    package init(colours: Bool) {
        self.colours = colours
    }

    package static func detect(isTerminal: Bool, environment: [String: String]) -> TerminalStyle {
        TerminalStyle(colours: isTerminal && environment["NO_COLOR"] == nil)
    }

    /// Series colours, in the order series are given them (the basic eight, so every terminal shows them).
    static let palette = [32, 33, 34, 35, 36, 31, 92, 93, 94, 95, 96, 91]

    /// `text` in the palette's colour number `index`, or unchanged without colours.
    func coloured(_ text: String, _ index: Int) -> String {
        guard colours else { return text }
        return "\u{1B}[\(Self.palette[index % Self.palette.count])m\(text)\u{1B}[0m"
    }
}
