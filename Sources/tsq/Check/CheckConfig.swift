import ArgumentParser
import Config
import Foundation

/// `tsq check config`: a prometheus.yml validated as metricsd loads it, every problem reported
/// with its file, line and key.
struct CheckConfig: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config", abstract: "Validate prometheus.yml files as metricsd would load them.",
        discussion: "Prints each problem as file:line: key: reason and exits 1 if any file has one.")

    @Argument(help: "Configuration files.")
    var files: [String]

    func validate() throws {
        if files.isEmpty { throw ValidationError("give at least one configuration file") }
    }

    func run() throws {
        var failed = 0
        for file in files {
            let text: String
            do {
                text = try String(contentsOfFile: file, encoding: .utf8)
            } catch {
                print("\(file): cannot read: \(error.localizedDescription)")
                failed += 1
                continue
            }
            let problems = PrometheusConfig.problems(yaml: text, source: file)
            if problems.isEmpty {
                let config = try? PrometheusConfig.load(file: file)
                let jobs = config?.scrapeConfigs.count ?? 0
                print("\(file): SUCCESS: \(jobs) scrape config\(jobs == 1 ? "" : "s"), \(config?.ruleFiles.count ?? 0) rule file pattern(s)")
            } else {
                failed += 1
                for problem in problems { print(problem.description) }
            }
        }
        if failed > 0 { throw TSQFailure(.failed, "\(failed) of \(files.count) file(s) failed the check") }
    }
}
