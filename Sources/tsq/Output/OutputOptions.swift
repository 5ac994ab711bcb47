import ArgumentParser
import Foundation
import Terminal

/// How results are printed.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case table, json, csv, prom, chart
}

/// `-o`, `--limit`, and what the terminal allows: colours, width.
struct OutputOptions: ParsableArguments {
    @Option(name: [.short, .customLong("output")], help: ArgumentHelp(
        "table (the default on a terminal), json (the API's data object as sent; the default otherwise), csv, prom, or chart.",
        valueName: "format"))
    var output: OutputFormat?

    @Option(help: "Print at most this many series or rows, with a note of the rest; 0 prints everything.")
    var limit = 100

    func validate() throws {
        guard limit >= 0 else { throw ValidationError("--limit must be 0 (no limit) or more") }
    }

    static var isTerminal: Bool { isatty(STDOUT_FILENO) == 1 }

    var format: OutputFormat { output ?? (Self.isTerminal ? .table : .json) }

    var style: TerminalStyle { TerminalStyle.detect(isTerminal: Self.isTerminal, environment: ProcessInfo.processInfo.environment) }

    /// `$COLUMNS`, else the terminal's width, else 80.
    var columns: Int {
        if let text = ProcessInfo.processInfo.environment["COLUMNS"], let columns = Int(text), columns > 0 { return columns }
        var size = winsize()
        if ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 { return Int(size.ws_col) }
        return 80
    }

    /// The first `limit` items, and a note on stderr about the rest.
    func limited<T>(_ items: [T], noun: String) -> ArraySlice<T> {
        guard limit > 0, items.count > limit else { return items[...] }
        Console.note("showing \(limit) of \(items.count) \(noun); --limit 0 shows all")
        return items.prefix(limit)
    }
}

/// stdout for results, stderr for everything else.
enum Console {
    static func print(_ lines: [String]) {
        guard !lines.isEmpty else { return }
        Swift.print(lines.joined(separator: "\n"))
    }

    static func printRaw(_ bytes: ArraySlice<UInt8>) {
        FileHandle.standardOutput.write(Data(bytes) + Data("\n".utf8))
    }

    /// Unbuffered, so lines interleave with stderr's in the order they were written.
    static func write(_ text: String) {
        FileHandle.standardOutput.write(Data(text.utf8))
    }

    static func writeError(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }

    static func note(_ text: String) {
        writeError("tsq: \(text)\n")
    }

    /// The server's warnings and infos, on stderr.
    static func annotations(_ reply: APIReply) {
        for warning in reply.warnings { writeError("warning: \(warning)\n") }
        for info in reply.infos { writeError("info: \(info)\n") }
    }
}
