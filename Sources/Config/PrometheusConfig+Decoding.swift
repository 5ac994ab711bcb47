import Foundation
import MetricsModel
import Relabel

extension PrometheusConfig: Decodable {
    enum CodingKeys: String, CodingKey, CaseIterable {
        case global, storage, alerting
        case scrapeConfigs = "scrape_configs"
        case ruleFiles = "rule_files"
        case remoteWrite = "remote_write"
        case remoteRead = "remote_read"
    }

    package init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        global = try container.decodeIfPresent(GlobalConfig.self, forKey: .global) ?? GlobalConfig()
        scrapeConfigs = try container.decodeIfPresent([ScrapeConfig].self, forKey: .scrapeConfigs) ?? []
        storage = try container.decodeIfPresent(StorageConfig.self, forKey: .storage) ?? StorageConfig()
        ruleFiles = try container.decodeIfPresent([String].self, forKey: .ruleFiles) ?? []
        alerting = try container.decodeIfPresent(AlertingConfig.self, forKey: .alerting) ?? AlertingConfig()
        remoteWrite = try container.decodeIfPresent([RemoteWriteConfig].self, forKey: .remoteWrite) ?? []
        remoteRead = try container.decodeIfPresent([RemoteReadConfig].self, forKey: .remoteRead) ?? []
        for index in scrapeConfigs.indices {
            scrapeConfigs[index].histograms.inherit(global.histograms)
            scrapeConfigs[index].limits.inherit(global.scrapeLimits)
        }
    }
}

extension GlobalConfig: Decodable {
    enum CodingKeys: String, CodingKey, CaseIterable {
        case scrapeInterval = "scrape_interval"
        case scrapeTimeout = "scrape_timeout"
        case evaluationInterval = "evaluation_interval"
        case externalLabels = "external_labels"
        case ruleQueryOffset = "rule_query_offset"
    }

    package init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init()
        scrapeInterval = try container.decodeIfPresent(PromDuration.self, forKey: .scrapeInterval) ?? scrapeInterval
        scrapeTimeout = try container.decodeIfPresent(PromDuration.self, forKey: .scrapeTimeout) ?? scrapeTimeout
        evaluationInterval = try container.decodeIfPresent(PromDuration.self, forKey: .evaluationInterval) ?? evaluationInterval
        // `$(NAME)`/`${NAME}` come from the environment (Prometheus's expand-external-labels), so
        // each pod of a DaemonSet can label what it sends with its own name.
        let environment = decoder.userInfo[.environment] as? [String: String] ?? ProcessInfo.processInfo.environment
        externalLabels = try (container.decodeIfPresent([String: String].self, forKey: .externalLabels) ?? [:]).mapValues {
            try EnvironmentExpansion.expand($0, environment: environment)
        }
        ruleQueryOffset = try container.decodeIfPresent(PromDuration.self, forKey: .ruleQueryOffset) ?? ruleQueryOffset
        histograms = try HistogramScrapeOptions(from: decoder, global: true)
        scrapeLimits = try ScrapeLimits(from: decoder)
    }
}

extension ScrapeConfig: Decodable {
    enum CodingKeys: String, CodingKey, CaseIterable {
        case jobName = "job_name"
        case scrapeInterval = "scrape_interval"
        case scrapeTimeout = "scrape_timeout"
        case metricsPath = "metrics_path"
        case scheme, params
        case honorLabels = "honor_labels"
        case honorTimestamps = "honor_timestamps"
        case relabelConfigs = "relabel_configs"
        case metricRelabelConfigs = "metric_relabel_configs"
    }

    package init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(jobName: try container.decode(String.self, forKey: .jobName))
        scrapeInterval = try container.decodeIfPresent(PromDuration.self, forKey: .scrapeInterval)
        scrapeTimeout = try container.decodeIfPresent(PromDuration.self, forKey: .scrapeTimeout)
        metricsPath = try container.decodeIfPresent(String.self, forKey: .metricsPath) ?? metricsPath
        scheme = try container.decodeIfPresent(String.self, forKey: .scheme) ?? scheme
        guard scheme == "http" || scheme == "https" else {
            throw DecodingError.dataCorruptedError(forKey: .scheme, in: container, debugDescription: "unknown scheme \"\(scheme)\"")
        }
        params = try container.decodeIfPresent([String: [String]].self, forKey: .params) ?? [:]
        honorLabels = try container.decodeIfPresent(Bool.self, forKey: .honorLabels) ?? false
        honorTimestamps = try container.decodeIfPresent(Bool.self, forKey: .honorTimestamps) ?? true
        limits = try ScrapeLimits(from: decoder)
        discovery = try DiscoveryConfigs(from: decoder)
        relabelConfigs = try container.decodeIfPresent([RelabelConfig].self, forKey: .relabelConfigs) ?? []
        metricRelabelConfigs = try container.decodeIfPresent([RelabelConfig].self, forKey: .metricRelabelConfigs) ?? []
        histograms = try HistogramScrapeOptions(from: decoder, global: false)
    }
}
