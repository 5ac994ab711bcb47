import MetricsModel
import Relabel
import Foundation
import Yams

extension CodingUserInfoKey {
    /// The environment variables `$(NAME)` expands from while decoding.
    static let environment = CodingUserInfoKey(rawValue: "toolboxmetrics.environment")!
}

/// A `prometheus.yml`-compatible configuration: the parts ToolboxMetrics reads so far.
package struct PrometheusConfig: Sendable, Equatable {
    package var global = GlobalConfig()
    package var scrapeConfigs: [ScrapeConfig] = []
    package var storage = StorageConfig()
    /// Rule file paths (globs allowed in the last element), for alertd.
    package var ruleFiles: [String] = []
    package var alerting = AlertingConfig()
    package var remoteWrite: [RemoteWriteConfig] = []
    package var remoteRead: [RemoteReadConfig] = []

    package init(global: GlobalConfig = GlobalConfig(), scrapeConfigs: [ScrapeConfig] = []) {
        self.global = global
        self.scrapeConfigs = scrapeConfigs
    }

    /// Reads and parses the file at `path`; relative paths inside it are taken from its directory.
    package static func load(file path: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws(ConfigError) -> PrometheusConfig {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ConfigError(source: path, message: "cannot read: \(error.localizedDescription)")
        }
        return try load(yaml: text, source: path, environment: environment).resolvingPaths(relativeTo: directory(of: path))
    }

    /// Parses YAML text; `source` names the file in errors. `environment` supplies `$(NAME)` in
    /// discovery selectors. Relative paths stay as written (see `load(file:)`).
    package static func load(
        yaml: String, source: String = "<config>", environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(ConfigError) -> PrometheusConfig {
        try ConfigKeys.check(yaml, source: source)
        // An empty file (or one of comments only) is the default configuration, as in Prometheus.
        // (A syntax error falls through to the decoder, which describes it.)
        if case .success(let document) = Result(catching: { try Yams.compose(yaml: yaml) }), document == nil || document?.null != nil {
            return PrometheusConfig()
        }
        let config: PrometheusConfig
        do {
            config = try YAMLDecoder().decode(PrometheusConfig.self, from: yaml, userInfo: [.environment: environment])
        } catch let error as DecodingError {
            throw ConfigError(source: source, message: ConfigError.describe(error))
        } catch {
            throw ConfigError(source: source, message: YAMLErrorText.describe(error))
        }
        try config.validate(source: source)
        return config
    }

    /// Cross-field checks Prometheus makes after decoding.
    func validate(source: String) throws(ConfigError) {
        for pattern in ruleFiles where pattern.isEmpty || !Self.isValidGlob(pattern) {
            throw ConfigError(source: source, message: "invalid rule file path \"\(pattern)\"")
        }
        var names = Set<String>()
        for remote in remoteWrite where !remote.name.isEmpty {
            if !names.insert(remote.name).inserted {
                throw ConfigError(source: source, message: "found multiple remote write configs with job name \"\(remote.name)\"")
            }
        }
        names = []
        for remote in remoteRead where !remote.name.isEmpty {
            if !names.insert(remote.name).inserted {
                throw ConfigError(source: source, message: "found multiple remote read configs with job name \"\(remote.name)\"")
            }
        }
        var seen = Set<String>()
        for scrape in scrapeConfigs {
            if scrape.jobName.isEmpty { throw ConfigError(source: source, message: "job_name is empty") }
            if !seen.insert(scrape.jobName).inserted {
                throw ConfigError(source: source, message: "found multiple scrape configs with job name \"\(scrape.jobName)\"")
            }
            let interval = scrape.scrapeInterval ?? global.scrapeInterval
            let timeout = scrape.scrapeTimeout ?? min(global.scrapeTimeout, interval)
            if timeout > interval {
                throw ConfigError(source: source, message: "scrape timeout greater than scrape interval for scrape config with job name \"\(scrape.jobName)\"")
            }
            // A target is host:port; a URL's scheme and path belong in `scheme` and `metrics_path`.
            for target in scrape.discovery.staticConfigs.flatMap(\.targets) where target.contains("/") {
                throw ConfigError(source: source, message: "\"\(target)\" is not a valid hostname (job \"\(scrape.jobName)\": write host:port, with scheme and metrics_path apart)")
            }
        }
    }
}

extension PrometheusConfig {
    /// Whether `[` … `]` classes in a glob are closed, the one malformation `filepath.Match` reports.
    static func isValidGlob(_ pattern: String) -> Bool {
        var open = false
        for character in pattern {
            if character == "[" { if open { return false }; open = true }
            if character == "]" { open = false }
        }
        return !open
    }
}

/// `storage:` (only `tsdb.out_of_order_time_window` so far).
package struct StorageConfig: Sendable, Equatable, Decodable {
    package var outOfOrderTimeWindow = PromDuration(milliseconds: 0)

    package init() {}

    enum CodingKeys: String, CodingKey, CaseIterable { case tsdb }
    enum TSDBKeys: String, CodingKey, CaseIterable { case outOfOrderTimeWindow = "out_of_order_time_window" }

    package init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        if container.contains(.tsdb) {
            let tsdb = try container.nestedContainer(keyedBy: TSDBKeys.self, forKey: .tsdb)
            outOfOrderTimeWindow = try tsdb.decodeIfPresent(PromDuration.self, forKey: .outOfOrderTimeWindow) ?? outOfOrderTimeWindow
        }
    }
}

/// `global:`.
package struct GlobalConfig: Sendable, Equatable {
    package var scrapeInterval = PromDuration.seconds(60)
    package var scrapeTimeout = PromDuration.seconds(10)
    package var evaluationInterval = PromDuration.seconds(60)
    /// `rule_query_offset`: rule groups without their own `query_offset` query this far in the past.
    package var ruleQueryOffset = PromDuration(milliseconds: 0)
    package var externalLabels: [String: String] = [:]
    /// `scrape_protocols`, `scrape_native_histograms`, `always_scrape_classic_histograms` and
    /// `convert_classic_histograms_to_nhcb` for scrape configs that do not set their own.
    package var histograms = HistogramScrapeOptions()
    /// `sample_limit`, `label_limit`, … `keep_dropped_targets` for jobs that do not set their own.
    package var scrapeLimits = ScrapeLimits()
    package init() {}
}

/// One `scrape_configs:` entry.
package struct ScrapeConfig: Sendable, Equatable {
    package var jobName: String
    package var scrapeInterval: PromDuration?
    package var scrapeTimeout: PromDuration?
    package var metricsPath = "/metrics"
    package var scheme = "http"
    package var params: [String: [String]] = [:]
    package var honorLabels = false
    package var honorTimestamps = true
    /// `sample_limit`, `body_size_limit`, `target_limit` and the other limits (globals applied).
    package var limits = ScrapeLimits()
    /// Formats asked for and what becomes of native and classic histograms (globals applied).
    package var histograms = HistogramScrapeOptions()
    /// Where the targets come from, and authentication and TLS for the scrapes.
    package var discovery = DiscoveryConfigs()
    package var relabelConfigs: [RelabelConfig] = []
    package var metricRelabelConfigs: [RelabelConfig] = []

    package init(jobName: String) {
        self.jobName = jobName
    }
}

/// A `static_configs:` entry: a target group written in the config.
package struct StaticConfig: Sendable, Equatable, Decodable {
    package var targets: [String]
    package var labels: [String: String]

    package init(targets: [String], labels: [String: String] = [:]) {
        self.targets = targets
        self.labels = labels
    }

    enum CodingKeys: String, CodingKey, CaseIterable { case targets, labels }

    package init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        targets = try container.decodeIfPresent([String].self, forKey: .targets) ?? []
        labels = try container.decodeIfPresent([String: String].self, forKey: .labels) ?? [:]
    }
}

/// A configuration that cannot be loaded, with the file and the reason.
package struct ConfigError: Error, Sendable, CustomStringConvertible {
    package let source: String
    package let message: String

    package init(source: String, message: String) {
        self.source = source
        self.message = message
    }

    package var description: String { "\(source): \(message)" }

    static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
        }
        switch error {
        case .dataCorrupted(let context):
            // Errors thrown by our own decoders (relabel validation, regex compilation) arrive wrapped.
            if let underlying = context.underlyingError {
                if let decoding = underlying as? DecodingError { return describe(decoding) }
                return "\(path(context)): \(underlying)"
            }
            return "\(path(context)): \(context.debugDescription)"
        case .keyNotFound(let key, let context): return "\(path(context)): missing field \(key.stringValue)"
        case .typeMismatch(_, let context): return "\(path(context)): \(context.debugDescription)"
        case .valueNotFound(_, let context): return "\(path(context)): \(context.debugDescription)"
        @unknown default: return "\(error)"
        }
    }
}
