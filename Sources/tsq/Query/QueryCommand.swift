import ArgumentParser
import Foundation

/// `tsq query`: an instant query, or a range query with `--start`/`--end` (and `--chart`).
struct QueryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "query",
        abstract: "Run a PromQL query: instant, or over a range with --start/--end.",
        discussion: """
            Times are RFC 3339, Unix seconds, now, or relative: now-1h (or -1h). A range query without
            --step takes one giving about 250 points, rounded as Grafana rounds intervals. -o chart (or
            --chart) draws the range in the terminal; without --start it charts the last hour.
            """)

    @Argument(help: "The PromQL expression.")
    var expr: String

    @Option(help: "Evaluation time of an instant query (default now).")
    var time: String?

    @Option(help: "Start of a range query.")
    var start: String?

    @Option(help: "End of a range query (default now).")
    var end: String?

    @Option(help: "Resolution of a range query: a duration (15s) or seconds.")
    var step: String?

    @Flag(help: "Draw a range query as a chart (same as -o chart).")
    var chart = false

    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions

    var isRange: Bool { start != nil || end != nil || step != nil || chart || output.output == .chart }

    func validate() throws {
        if time != nil && isRange { throw ValidationError("--time is for instant queries; a range query takes --start, --end and --step") }
        if chart, let format = output.output, format != .chart { throw ValidationError("--chart and -o \(format.rawValue) disagree") }
    }

    func run() async throws {
        let now = TimeArgument.now
        var parameters = [("query", expr)]
        var path = "/api/v1/query"
        var window: (start: Int64, end: Int64, step: Int64)?
        if isRange {
            let end = try Self.time(end, "--end", now: now) ?? now
            let start = try Self.time(start, "--start", now: now) ?? end - 3_600_000
            guard start <= end else { throw TSQFailure(.usage, "--start is after --end") }
            let step: Int64
            if let text = self.step {
                guard let parsed = PromDurationArgument.milliseconds(text), parsed > 0 else {
                    throw TSQFailure(.usage, "--step: cannot parse \"\(text)\" as a positive duration, e.g. 15s")
                }
                step = parsed
            } else {
                step = Self.defaultStep(start: start, end: end)
            }
            window = (start, end, step)
            path = "/api/v1/query_range"
            parameters += [("start", TimeArgument.apiText(start)), ("end", TimeArgument.apiText(end)), ("step", TimeArgument.apiText(step))]
        } else if let instant = try Self.time(time, "--time", now: now) {
            parameters.append(("time", TimeArgument.apiText(instant)))
        }
        let format = chart ? OutputFormat.chart : output.format
        let (output, expr, request, chartWindow) = (self.output, self.expr, (path: path, parameters: parameters), window)
        try await connection.withAPI { api in
            let reply: APIReply
            do {
                reply = try await api.call(request.path, request.parameters, post: true)
            } catch let failure as TSQFailure where failure.code == .failed {
                throw TSQFailure(.failed, Self.markPosition(failure.message, in: expr))
            }
            Console.annotations(reply)
            if format == .json { return Console.printRaw(reply.rawData) }
            var printer = ResultPrinter(output: output)
            printer.range = chartWindow
            printer.format = format
            printer.print(try QueryResult(reply.data))
        }
    }

    static func time(_ text: String?, _ flag: String, now: Int64) throws(TSQFailure) -> Int64? {
        guard let text else { return nil }
        guard let parsed = TimeArgument.milliseconds(text, now: now) else {
            throw TSQFailure(.usage, "\(flag): cannot parse \"\(text)\" as a time (RFC 3339, Unix seconds, now or now-1h)")
        }
        return parsed
    }

    /// Grafana's intervals: the span over 250 points, rounded up to the next of these (ms).
    static let niceSteps: [Int64] = [
        1, 2, 5, 10, 15, 20, 30, 60, 120, 300, 600, 900, 1200, 1800, 3600, 7200, 10800, 21600, 43200, 86400,
    ].map { $0 * 1000 }

    static func defaultStep(start: Int64, end: Int64) -> Int64 {
        let raw = max((end - start) / 250, 1)
        return niceSteps.first { $0 >= raw } ?? (raw + 86_399_999) / 86_400_000 * 86_400_000
    }

    /// A parse error's message with the query under it and a caret at the error's column, as
    /// Prometheus's UI marks it. Messages without a `line:column:` position are returned as they are.
    static func markPosition(_ message: String, in query: String) -> String {
        guard let match = message.range(of: #"(\d+):(\d+): parse error"#, options: .regularExpression) else { return message }
        let numbers = message[match].split(separator: ":").prefix(2).compactMap { Int($0) }
        guard numbers.count == 2 else { return message }
        let lines = query.split(separator: "\n", omittingEmptySubsequences: false)
        let (line, column) = (numbers[0], numbers[1])
        guard line >= 1, line <= lines.count else { return message }
        let text = String(lines[line - 1])
        // Go counts bytes; the caret goes under the character holding that byte.
        let prefix = String(decoding: text.utf8.prefix(max(0, column - 1)), as: UTF8.self)
        return message + "\n  " + text + "\n  " + String(repeating: " ", count: prefix.count) + "^"
    }
}
