import ArgumentParser
import Exposition
import Foundation
import Scraper

/// `tsq check metrics`: lints exposition text from stdin, as `promtool check metrics` does.
struct CheckMetrics: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "metrics", abstract: "Lint exposition text read from stdin (e.g. curl -s host:port/metrics | tsq check metrics).",
        discussion: """
            Reports parse errors, families without HELP, counters without _total (and others with it), non-base
            units (milliseconds for seconds, …), abbreviated units, type names in metric names and camelCase.
            Exits 1 when anything is reported.
            """)

    @Flag(name: .customLong("openmetrics"), help: "Read OpenMetrics text instead of the Prometheus text format.")
    var openMetrics = false

    func run() throws {
        let input = FileHandle.standardInput.readDataToEndOfFile()
        let text = String(decoding: input, as: UTF8.self)
        let problems: [MetricsLint.Problem]
        do {
            problems = try MetricsLint.lint(text, format: openMetrics ? .openMetrics : .prometheusText)
        } catch {
            throw TSQFailure(.failed, "error while linting: \(error)")
        }
        for problem in problems { print(problem.description) }
        if !problems.isEmpty { throw TSQFailure(.failed, "\(problems.count) problem(s) found") }
    }
}
