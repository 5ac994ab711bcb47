import Yams

/// Rejects keys Prometheus would not accept, naming the line, before decoding (Swift's `Decodable`
/// ignores unknown keys, Prometheus's loader does not). Sections whose inner keys ToolboxMetrics does
/// not model yet (discovery configs, TLS, auth) are checked at their own level only.
enum ConfigKeys {
    struct Section {
        let keys: Set<String>
        /// Sections nested under a key: a mapping, or a sequence of mappings.
        let children: [String: Section]
    }

    static let relabel = Section(keys: ["source_labels", "separator", "regex", "modulus", "target_label", "replacement", "action"], children: [:])

    static let staticConfig = Section(keys: ["targets", "labels"], children: [:])

    static let tlsConfig = Section(
        keys: ["ca", "ca_file", "cert", "cert_file", "key", "key_file", "server_name", "insecure_skip_verify", "min_version", "max_version"],
        children: [:])

    /// Prometheus's common HTTP client keys, for scrape configs and discovery.
    static let httpClientKeys: Set<String> = [
        "basic_auth", "authorization", "oauth2", "follow_redirects", "enable_http2", "tls_config", "proxy_url", "no_proxy",
        "proxy_from_environment", "proxy_connect_header", "http_headers", "bearer_token", "bearer_token_file",
    ]

    static let httpClientChildren: [String: Section] = [
        "tls_config": tlsConfig,
        "basic_auth": Section(keys: ["username", "username_file", "password", "password_file"], children: [:]),
        "authorization": Section(keys: ["type", "credentials", "credentials_file"], children: [:]),
    ]

    static let kubernetesSDConfig = Section(
        keys: httpClientKeys.union(["role", "api_server", "kubeconfig_file", "namespaces", "selectors", "attach_metadata"]),
        children: httpClientChildren.merging([
            "namespaces": Section(keys: ["own_namespace", "names"], children: [:]),
            "selectors": Section(keys: ["role", "label", "field"], children: [:]),
            "attach_metadata": Section(keys: ["node", "namespace", "deployment", "job", "cronjob"], children: [:]),
        ]) { _, new in new })

    static let fileSDConfig = Section(keys: ["files", "refresh_interval"], children: [:])

    static let scrapeConfig = Section(
        keys: [
            "job_name", "honor_labels", "honor_timestamps", "track_timestamps_staleness", "params", "scrape_interval",
            "scrape_timeout", "scrape_protocols", "fallback_scrape_protocol", "enable_compression", "metrics_path", "scheme",
            "basic_auth", "authorization", "oauth2", "follow_redirects", "enable_http2", "tls_config", "proxy_url", "no_proxy",
            "proxy_from_environment", "proxy_connect_header", "http_headers", "static_configs", "file_sd_configs",
            "kubernetes_sd_configs", "dns_sd_configs", "consul_sd_configs", "ec2_sd_configs", "http_sd_configs",
            "relabel_configs", "metric_relabel_configs", "body_size_limit", "sample_limit", "label_limit",
            "label_name_length_limit", "label_value_length_limit", "target_limit", "keep_dropped_targets",
            "native_histogram_bucket_limit", "native_histogram_min_bucket_factor", "scrape_classic_histograms",
            "always_scrape_classic_histograms", "convert_classic_histograms_to_nhcb", "metric_name_validation_scheme",
            "metric_name_escaping_scheme", "scrape_native_histograms", "scrape_failure_log_file", "bearer_token",
            "bearer_token_file",
        ],
        children: httpClientChildren.merging([
            "static_configs": staticConfig, "relabel_configs": relabel, "metric_relabel_configs": relabel,
            "kubernetes_sd_configs": kubernetesSDConfig, "file_sd_configs": fileSDConfig,
        ]) { _, new in new })

    static let root = Section(
        keys: [
            "global", "scrape_configs", "scrape_config_files", "rule_files", "alerting", "remote_write", "remote_read",
            "storage", "tracing", "otlp", "runtime",
        ],
        children: [
            "global": Section(keys: [
                "scrape_interval", "scrape_timeout", "scrape_protocols", "evaluation_interval", "rule_query_offset",
                "external_labels", "query_log_file", "scrape_failure_log_file", "body_size_limit", "sample_limit",
                "label_limit", "label_name_length_limit", "label_value_length_limit", "target_limit", "keep_dropped_targets",
                "metric_name_validation_scheme", "metric_name_escaping_scheme", "convert_classic_histograms_to_nhcb",
                "always_scrape_classic_histograms", "scrape_native_histograms",
            ], children: [:]),
            "scrape_configs": scrapeConfig,
            "alerting": Section(keys: ["alertmanagers", "alert_relabel_configs"], children: [
                "alert_relabel_configs": relabel,
                "alertmanagers": Section(
                    keys: httpClientKeys.union([
                        "scheme", "path_prefix", "timeout", "api_version", "static_configs", "file_sd_configs",
                        "kubernetes_sd_configs", "dns_sd_configs", "consul_sd_configs", "relabel_configs", "alert_relabel_configs",
                        "sigv4",
                    ]),
                    children: httpClientChildren.merging([
                        "static_configs": staticConfig, "relabel_configs": relabel, "alert_relabel_configs": relabel,
                        "file_sd_configs": fileSDConfig, "kubernetes_sd_configs": kubernetesSDConfig,
                    ]) { _, new in new }),
            ]),
            "remote_write": Section(
                keys: httpClientKeys.union([
                    "url", "name", "remote_timeout", "headers", "write_relabel_configs", "queue_config", "metadata_config",
                    "send_exemplars", "send_native_histograms", "protobuf_message", "round_robin_dns", "sigv4", "azuread",
                    "google_iam",
                ]),
                children: httpClientChildren.merging([
                    "write_relabel_configs": relabel,
                    "queue_config": Section(keys: [
                        "capacity", "max_shards", "min_shards", "max_samples_per_send", "batch_send_deadline", "min_backoff",
                        "max_backoff", "retry_on_http_429", "sample_age_limit",
                    ], children: [:]),
                    "metadata_config": Section(keys: ["send", "send_interval", "max_samples_per_send"], children: [:]),
                ]) { _, new in new }),
            "storage": Section(keys: ["tsdb", "exemplars"], children: [
                "tsdb": Section(keys: ["out_of_order_time_window", "stale_series_compaction_threshold"], children: [:]),
            ]),
        ])

    /// Throws `ConfigError` for the first unknown key, with its line.
    static func check(_ yaml: String, source: String) throws(ConfigError) {
        let node: Node?
        do {
            node = try Yams.compose(yaml: yaml)
        } catch {
            throw ConfigError(source: source, message: "\(error)")
        }
        guard let node else { return }
        try check(node, root, path: "", source: source)
    }

    private static func check(_ node: Node, _ section: Section, path: String, source: String) throws(ConfigError) {
        if let sequence = node.sequence {
            for (index, item) in sequence.enumerated() { try check(item, section, path: "\(path)[\(index)]", source: source) }
            return
        }
        guard let mapping = node.mapping else { return }
        for (key, value) in mapping {
            let name = key.string ?? ""
            guard section.keys.contains(name) else {
                let line = key.mark.map { "line \($0.line): " } ?? ""
                throw ConfigError(source: source, message: "\(line)field \(name) not found in \(path.isEmpty ? "the configuration" : path)")
            }
            if let child = section.children[name] {
                try check(value, child, path: path.isEmpty ? name : "\(path).\(name)", source: source)
            }
        }
    }
}
