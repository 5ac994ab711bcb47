import Config
import Logging
import PromQL
import RuleFiles
import Scraper
import ServiceLifecycle
import Synchronization
import MetricsModel

/// Rule files that failed to load: every problem, each placed by file, line, group and rule.
package struct RuleLoadError: Error, Sendable, CustomStringConvertible {
    package var errors: [RuleFileError]
    package var description: String { errors.map(\.description).joined(separator: "; ") }
}

/// Runs the rule groups of `rule_files`: each group on its own schedule, reading through a querier
/// (the engine over the local store in metricsd, a remote server in the standalone alertd) and
/// writing recording-rule results and `ALERTS` to a store (the local one, or remote write). `apply` loads a new
/// configuration's files (all or nothing) and keeps the alerts of rules that stay; groups removed
/// get stale markers. Runs as a service so it stops, with its groups, before the store closes.
package final class RuleManager<Store: Appendable>: Service, Sendable {
    /// Settings from metricsd's (or alertd's) flags.
    package struct Options: Sendable {
        /// `--rules.alert.for-outage-tolerance`: how long a `for` state survives a restart (ms).
        package var outageTolerance: Int64 = 3_600_000
        /// `--rules.alert.for-grace-period`: at least this long (ms) before a restored alert fires.
        package var gracePeriod: Int64 = 600_000
        /// `--rules.alert.resend-delay`: how often a firing alert is sent again (ms).
        package var resendDelay: Int64 = 60_000
        /// `--web.external-url`: in `generatorURL` and the templates' `externalURL`.
        package var externalURL = ""
        package init() {}
    }

    let store: Store
    let querier: any RuleQuerier
    let options: Options
    let notify: @Sendable ([NotificationAlert]) -> Void
    let logger: Logger
    package let metrics = RuleMetrics()

    private struct State {
        var runners: [String: RuleGroupRunner<Store>] = [:]
        /// Set after the first configuration: only groups loaded at start restore `for` state.
        var loadedOnce = false
    }

    private let state = Mutex(State())
    /// Serialises `apply` calls (a SIGHUP and a `/-/reload` at once).
    private let applying = AsyncLock()

    package init(
        store: Store, querier: any RuleQuerier, options: Options = Options(), notify: @escaping @Sendable ([NotificationAlert]) -> Void = { _ in },
        logger: Logger
    ) {
        self.store = store
        self.querier = querier
        self.options = options
        self.notify = notify
        self.logger = logger
    }

    /// Loads `config.rule_files` and runs their groups. If any file fails to load, throws every
    /// problem and leaves the running groups as they were.
    package func apply(_ config: PrometheusConfig) async throws(RuleLoadError) {
        let files = try Self.load(config.ruleFiles)
        await applying.withLock { await self.replace(with: files, config: config) }
    }

    /// Reads every file the patterns name, in order.
    static func load(_ patterns: [String]) throws(RuleLoadError) -> [RuleFile] {
        var files: [RuleFile] = []
        var errors: [RuleFileError] = []
        for path in patterns.flatMap(FileDiscovery.expand) {
            let (file, problems) = RuleFile.load(path: path)
            errors += problems
            if let file { files.append(file) }
        }
        guard errors.isEmpty else { throw RuleLoadError(errors: errors) }
        return files
    }

    private func replace(with files: [RuleFile], config: PrometheusConfig) async {
        let context = RuleRunContext(
            querier: querier, externalLabels: config.global.externalLabels, externalURL: options.externalURL,
            outageTolerance: options.outageTolerance, gracePeriod: options.gracePeriod, resendDelay: options.resendDelay,
            notify: notify, metrics: metrics, logger: logger)
        var next: [String: RuleGroupRunner<Store>] = [:]
        var order: [String] = []
        for file in files {
            for group in file.groups {
                do {
                    let run = try RuleGroupRun(group)
                    let runner = RuleGroupRunner(
                        run: run, file: file.path, interval: group.interval ?? config.global.evaluationInterval.milliseconds,
                        queryOffset: group.queryOffset ?? config.global.ruleQueryOffset.milliseconds, store: store, context: context)
                    next[runner.key] = runner
                    order.append(runner.key)
                } catch {
                    // The loader has compiled every template already; this cannot fail for a loaded file.
                    logger.error("rule group skipped", metadata: ["file": "\(file.path)", "group": "\(group.name)", "error": "\(error)"])
                }
            }
        }
        let (old, restore) = state.withLock { state in
            defer { state.loadedOnce = true }
            return (state.runners, !state.loadedOnce)
        }
        for (key, runner) in old {
            await runner.stop()
            if let replacement = next[key] {
                replacement.adopt(runner.current)
            } else {
                runner.markStale()
            }
        }
        for key in order {
            next[key]!.start(restore: restore && old[key] == nil)
        }
        state.withLock { $0.runners = next }
        logger.info("rule groups loaded", metadata: ["groups": "\(next.count)", "rules": "\(files.reduce(0) { $0 + $1.ruleCount })"])
    }

    /// Waits for shutdown, then stops every group after its current evaluation.
    package func run() async throws {
        try? await gracefulShutdown()
        let runners = state.withLock { state in
            defer { state.runners = [:] }
            return Array(state.runners.values)
        }
        for runner in runners { await runner.stop() }
    }

    /// Every group in file order, then by name.
    package func groups() -> [RuleGroupStatus] {
        state.withLock { Array($0.runners.values) }.map(\.status).sorted { ($0.file, $0.name) < ($1.file, $1.name) }
    }
}

extension RuleGroupRunner {
    /// Takes over a replaced group's alerts, series and health.
    func adopt(_ old: RuleGroupRun) {
        var group = current
        group.copyState(from: old)
        replace(group)
    }
}
