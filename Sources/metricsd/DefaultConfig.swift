/// The configuration metricsd runs with when no `--config.file` is given: it scrapes itself and a
/// node exporter on this machine every 15 s, which is enough to see real data flow end to end.
enum DefaultConfig {
    static func yaml(selfAddress: String) -> String {
        """
        global:
          scrape_interval: 15s
          scrape_timeout: 10s
          evaluation_interval: 15s
        scrape_configs:
          - job_name: metricsd
            static_configs:
              - targets: ['\(selfAddress)']
          - job_name: node
            static_configs:
              - targets: ['127.0.0.1:9100']
        """
    }
}
