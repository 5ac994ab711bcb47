import ArgumentParser
import MetricsModel

/// `tsq bench …`: micro-benchmarks of the hot paths. Build with `-c release` before trusting a figure.
struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure hot paths (run from a release build).",
        subcommands: [ParseBench.self, RelabelBench.self, EncodingBench.self, HeadBench.self, IngestBench.self, HistogramStorageBench.self]
    )
}

/// Timing helpers shared by the benchmarks: repeated runs, median and range.
enum Stopwatch {
    /// Runs `body` `runs` times after one warm-up and returns the nanoseconds of each run.
    static func measure(runs: Int, _ body: () throws -> Void) rethrows -> [Double] {
        try body()
        let clock = ContinuousClock()
        var samples: [Double] = []
        for _ in 0..<runs {
            let elapsed = try clock.measure(body)
            samples.append(elapsed.inSeconds * 1e9)
        }
        return samples
    }

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        let mid = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
    }

    /// "median X (min–max)" with one decimal.
    static func summary(_ perItem: [Double], unit: String) -> String {
        let format = { (v: Double) in String(Int((v * 10).rounded()) / 10) + "." + String(Int((v * 10).rounded()) % 10) }
        return "median \(format(median(perItem))) \(unit) (\(format(perItem.min() ?? 0))–\(format(perItem.max() ?? 0)))"
    }
}
