import Config

/// The YAML loaders: prometheus.yml (with the key check `tsq check config` runs) and the web
/// configuration file.
enum ConfigTargets {
    static let prometheus = FuzzTarget(name: "config", summary: "prometheus.yml and --web.config.file loaders, and tsq check config's problems",
                                       seeds: { seeds.map { Array($0.utf8) } }) { bytes in
        let text = String(decoding: bytes, as: UTF8.self)
        _ = try? PrometheusConfig.load(yaml: text, environment: [:])
        _ = PrometheusConfig.problems(yaml: text, source: "fuzz", environment: [:])
        _ = try? WebConfig.parse(text)
    }

    static let seeds = [
        """
        global:
          scrape_interval: 15s
          external_labels: {cluster: a}
          body_size_limit: 10MB
        scrape_configs:
          - job_name: node
            sample_limit: 100
            static_configs: [{targets: ['localhost:9100'], labels: {env: prod}}]
            relabel_configs:
              - source_labels: [__meta_kubernetes_pod_annotation_prometheus_io_scrape]
                action: keep
                regex: "true"
            basic_auth: {username: u, password: p}
          - job_name: pods
            kubernetes_sd_configs: [{role: pod}]
            tls_config: {insecure_skip_verify: true}
        remote_write:
          - url: http://localhost:9090/api/v1/write
            queue_config: {max_shards: 2}
        rule_files: ['rules/*.yml']
        alerting:
          alertmanagers: [{static_configs: [{targets: ['localhost:9093']}]}]
        """,
        """
        tls_server_config:
          cert_file: server.crt
          key_file: server.key
          client_auth_type: RequireAndVerifyClientCert
          min_version: TLS12
        http_server_config:
          headers: {X-Frame-Options: deny}
        basic_auth_users:
          alice: $2y$10$abcdefghijklmnopqrstuv
        """,
    ]
}
