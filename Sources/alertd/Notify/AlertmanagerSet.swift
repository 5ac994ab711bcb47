import AsyncHTTPClient
import Config
import Logging
import MetricsModel
import Relabel
import Scraper
import Synchronization

/// The Alertmanagers of one `alerting.alertmanagers` entry: discovered as scrape targets are
/// (static, file or Kubernetes), relabeled with its `relabel_configs`, each becoming the URL of
/// its API v2 alerts endpoint.
final class AlertmanagerSet: Sendable {
    let config: AlertmanagerConfig
    private let discovery: DiscoveryProviders
    private let current = Mutex((active: [String](), dropped: [String]()))

    init(config: AlertmanagerConfig, client: HTTPClient, logger: Logger) {
        self.config = config
        let groups = config.discovery.staticConfigs.enumerated().map { index, group in
            TargetGroup(source: String(index), labels: group.labels, targets: group.targets.map { [LabelNames.address: $0] })
        }
        discovery = DiscoveryProviders(configs: config.discovery, staticGroups: groups, client: client, logger: logger, onChange: {})
    }

    func start() { discovery.start() }
    func stop() async { await discovery.stop() }

    /// The URLs alerts go to, and those relabeling dropped.
    var urls: (active: [String], dropped: [String]) {
        current.withLock { current in
            if let groups = discovery.takeChanges() { current = Self.urls(groups, config: config) }
            return current
        }
    }

    /// `path_prefix` joined with the API v2 path, as Prometheus joins them.
    static func alertsPath(_ prefix: String) -> String {
        let trimmed = prefix.split(separator: "/").joined(separator: "/")
        return (trimmed.isEmpty ? "" : "/" + trimmed) + "/api/v2/alerts"
    }

    static func urls(_ groups: [TargetGroup], config: AlertmanagerConfig) -> (active: [String], dropped: [String]) {
        var active: [String] = []
        var dropped: [String] = []
        for discovered in groups.flatMap(\.discoveredLabelSets) {
            var builder = LabelsBuilder(Labels(discovered))
            if !builder.has("__alerts_path__") { builder.set("__alerts_path__", alertsPath(config.pathPrefix)) }
            if !builder.has(LabelNames.scheme) { builder.set(LabelNames.scheme, config.scheme) }
            let url = { (labels: LabelsBuilder) in
                labels.get(LabelNames.scheme) + "://" + labels.get(LabelNames.address) + labels.get("__alerts_path__")
            }
            let before = url(builder)
            guard Relabeler.process(&builder, config.relabelConfigs) else {
                dropped.append(before)
                continue
            }
            let address = builder.get(LabelNames.address)
            guard !address.isEmpty, !address.contains("/") else { continue }
            let result = url(builder)
            if !active.contains(result) { active.append(result) }
        }
        return (active, dropped)
    }
}
