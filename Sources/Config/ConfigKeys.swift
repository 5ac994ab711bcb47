import Yams
import Relabel

/// Rejects keys Prometheus would not accept, naming the line, before decoding (Swift's `Decodable`
/// ignores unknown keys, Prometheus's loader does not).
///
/// The keys each section accepts are its types' `CodingKeys`, so a key the decoder reads can never be
/// refused here, plus the keys Prometheus accepts there that ToolboxMetrics does not act on (other
/// discovery mechanisms, proxies, native-histogram settings, …), listed per section as `notModelled`.
/// Sections under a not-modelled key are checked at their own level only.
enum ConfigKeys {
    struct Section {
        let keys: Set<String>
        /// Sections nested under a key: a mapping, or a sequence of mappings.
        let children: [String: Section]

        init(keys: Set<String>, children: [String: Section] = [:]) {
            self.keys = keys
            self.children = children
        }
    }

    /// The YAML keys a `CodingKeys` enumeration decodes.
    static func keys<Keys: CodingKey & CaseIterable>(_ type: Keys.Type) -> Set<String> {
        Set(Keys.allCases.map(\.stringValue))
    }

    static let relabel = Section(keys: keys(RelabelConfig.CodingKeys.self))

    static let staticConfig = Section(keys: keys(StaticConfig.CodingKeys.self))

    static let tlsConfig = Section(keys: keys(HTTPClientConfig.TLSConfig.CodingKeys.self))

    /// Prometheus's common HTTP client keys ToolboxMetrics accepts and ignores.
    static let httpClientNotModelled: Set<String> = [
        "enable_http2", "proxy_url", "no_proxy", "proxy_from_environment", "proxy_connect_header", "http_headers",
    ]

    static let httpClientKeys = keys(HTTPClientConfig.CodingKeys.self).union(httpClientNotModelled)

    static let httpClientChildren: [String: Section] = [
        "tls_config": tlsConfig,
        "basic_auth": Section(keys: keys(HTTPClientConfig.BasicAuth.CodingKeys.self).union(["username_file"])),
        "authorization": Section(keys: keys(HTTPClientConfig.Authorization.CodingKeys.self)),
        "oauth2": Section(keys: keys(HTTPClientConfig.OAuth2.CodingKeys.self).union(["tls_config", "proxy_url", "no_proxy", "proxy_from_environment", "proxy_connect_header"])),
    ]

    static let kubernetesSDConfig = Section(
        keys: keys(KubernetesSDConfig.CodingKeys.self).union(httpClientKeys),
        children: httpClientChildren.merging([
            "namespaces": Section(keys: keys(KubernetesSDConfig.Namespaces.CodingKeys.self)),
            "selectors": Section(keys: keys(KubernetesSDConfig.Selector.CodingKeys.self)),
            "attach_metadata": Section(keys: keys(KubernetesSDConfig.AttachMetadata.CodingKeys.self)),
        ]) { _, new in new })

    static let fileSDConfig = Section(keys: keys(FileSDConfig.CodingKeys.self))

    /// Discovery mechanisms Prometheus has and ToolboxMetrics does not run.
    static let discoveryNotModelled: Set<String> = ["dns_sd_configs", "consul_sd_configs", "ec2_sd_configs", "http_sd_configs"]

    /// The inline discovery block and HTTP client settings (`DiscoveryConfigs`).
    static let discoveryKeys = keys(DiscoveryConfigs.CodingKeys.self).union(discoveryNotModelled).union(httpClientKeys)

    static let discoveryChildren = httpClientChildren.merging([
        "static_configs": staticConfig, "kubernetes_sd_configs": kubernetesSDConfig, "file_sd_configs": fileSDConfig,
    ]) { _, new in new }

    static let scrapeConfig = Section(
        keys: keys(ScrapeConfig.CodingKeys.self).union(keys(ScrapeLimits.CodingKeys.self)).union(discoveryKeys).union([
            "track_timestamps_staleness", "fallback_scrape_protocol", "enable_compression", "metric_name_validation_scheme", "metric_name_escaping_scheme", "scrape_failure_log_file",
        ]).union(keys(HistogramScrapeOptions.CodingKeys.self)),
        children: discoveryChildren.merging(["relabel_configs": relabel, "metric_relabel_configs": relabel]) { _, new in new })

    static let alertmanager = Section(
        keys: keys(AlertmanagerConfig.CodingKeys.self).union(discoveryKeys).union(["alert_relabel_configs", "sigv4"]),
        children: discoveryChildren.merging(["relabel_configs": relabel, "alert_relabel_configs": relabel]) { _, new in new })

    static let remoteWrite = Section(
        keys: keys(RemoteWriteConfig.CodingKeys.self).union(httpClientKeys).union([
            "round_robin_dns", "sigv4",
            "azuread", "google_iam",
        ]),
        children: httpClientChildren.merging([
            "write_relabel_configs": relabel,
            "queue_config": Section(keys: keys(RemoteWriteConfig.QueueConfig.CodingKeys.self)),
            "metadata_config": Section(keys: keys(RemoteWriteConfig.MetadataConfig.CodingKeys.self)),
        ]) { _, new in new })

    static let remoteRead = Section(
        keys: keys(RemoteReadConfig.CodingKeys.self).union(httpClientKeys),
        children: httpClientChildren)

    static let root = Section(
        keys: keys(PrometheusConfig.CodingKeys.self).union(["scrape_config_files", "tracing", "otlp", "runtime"]),
        children: [
            "global": Section(keys: keys(GlobalConfig.CodingKeys.self).union(keys(ScrapeLimits.CodingKeys.self)).union([
                "rule_query_offset", "query_log_file", "scrape_failure_log_file", "metric_name_validation_scheme", "metric_name_escaping_scheme",
                "convert_classic_histograms_to_nhcb", "always_scrape_classic_histograms", "scrape_native_histograms", "scrape_protocols",
            ])),
            "scrape_configs": scrapeConfig,
            "alerting": Section(keys: keys(AlertingConfig.CodingKeys.self), children: [
                "alert_relabel_configs": relabel,
                "alertmanagers": alertmanager,
            ]),
            "remote_write": remoteWrite,
            "remote_read": remoteRead,
            "storage": Section(keys: keys(StorageConfig.CodingKeys.self).union(["exemplars"]), children: [
                "tsdb": Section(keys: keys(StorageConfig.TSDBKeys.self).union(["stale_series_compaction_threshold"])),
            ]),
        ])

    /// Throws `ConfigError` for the first unknown key, with its line.
    static func check(_ yaml: String, source: String) throws(ConfigError) {
        let node: Node?
        do {
            node = try Yams.compose(yaml: yaml)
        } catch {
            throw ConfigError(source: source, message: YAMLErrorText.describe(error))
        }
        guard let node, let first = unknown(in: node).first else { return }
        let line = first.line.map { "line \($0): " } ?? ""
        throw ConfigError(source: source, message: "\(line)field \(first.name) not found in \(first.path.isEmpty ? "the configuration" : first.path)")
    }

    /// Every key Prometheus would refuse, in document order: its line, the path of the mapping holding it, its name.
    static func unknown(in node: Node) -> [(line: Int?, path: String, name: String)] {
        var found: [(line: Int?, path: String, name: String)] = []
        collect(node, root, path: "", into: &found)
        return found
    }

    private static func collect(_ node: Node, _ section: Section, path: String, into found: inout [(line: Int?, path: String, name: String)]) {
        if let sequence = node.sequence {
            for (index, item) in sequence.enumerated() { collect(item, section, path: "\(path)[\(index)]", into: &found) }
            return
        }
        guard let mapping = node.mapping else { return }
        for (key, value) in mapping {
            let name = key.string ?? ""
            guard section.keys.contains(name) else {
                found.append((key.mark?.line, path, name))
                continue
            }
            if let child = section.children[name] {
                collect(value, child, path: path.isEmpty ? name : "\(path).\(name)", into: &found)
            }
        }
    }
}
