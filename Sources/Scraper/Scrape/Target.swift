import Config
import MetricsModel
import Relabel

/// A scrape target after relabeling: where to scrape and the labels its series get.
package struct Target: Sendable, Hashable {
    /// The labels attached to every scraped series (`job`, `instance`, user labels).
    package let labels: Labels
    /// The labels discovery produced, before relabeling (for `/api/v1/targets`).
    package let discoveredLabels: Labels
    /// The full URL scraped.
    package let url: String
    package let interval: PromDuration
    package let timeout: PromDuration

    /// What makes two targets the same scrape: a loop keeps running while its key stays (Prometheus
    /// hashes the labels and the URL).
    package struct Key: Hashable, Sendable {
        let labels: Labels
        let url: String
        let interval: PromDuration
        let timeout: PromDuration
    }

    package var key: Key { Key(labels: labels, url: url, interval: interval, timeout: timeout) }

    /// Applies Prometheus's target population to discovered labels: defaults, `relabel_configs`,
    /// then `instance` from `__address__` and removal of `__`-prefixed labels.
    /// Returns nil when relabeling drops the target; throws when it leaves no address.
    package static func populate(
        _ discovered: Labels, config: ScrapeConfig, global: GlobalConfig
    ) throws(TargetError) -> Target? {
        let interval = config.scrapeInterval ?? global.scrapeInterval
        let timeout = config.scrapeTimeout ?? min(global.scrapeTimeout, interval)
        var builder = LabelsBuilder(withDefaults(discovered, config: config, global: global))
        guard Relabeler.process(&builder, config.relabelConfigs) else { return nil }

        let address = builder.get(LabelNames.address)
        guard !address.isEmpty else { throw TargetError("no address") }
        guard !address.contains("/") else { throw TargetError("\(address) is not a valid hostname") }
        let scheme = builder.get(LabelNames.scheme)
        guard scheme == "http" || scheme == "https" else { throw TargetError("invalid scheme \"\(scheme)\"") }
        let path = builder.get(LabelNames.metricsPath)
        let targetInterval = PromDuration(parsing: builder.get(LabelNames.scrapeInterval)) ?? interval
        let targetTimeout = PromDuration(parsing: builder.get(LabelNames.scrapeTimeout)) ?? timeout

        var query: [String] = []
        for label in builder.current where label.name.hasPrefix(LabelNames.paramPrefix) {
            query.append(PercentEncoding.encode(String(label.name.dropFirst(LabelNames.paramPrefix.count))) + "=" + PercentEncoding.encode(label.value))
        }
        var url = "\(scheme)://\(address)\(path.hasPrefix("/") ? path : "/" + path)"
        if !query.isEmpty { url += "?" + query.joined(separator: "&") }

        if !builder.has(LabelNames.instance) { builder.set(LabelNames.instance, address) }
        // Labels starting with "__" are internal and never reach the series; a label whose value is
        // empty (from a target group, say) is no label. Discovered labels keep both, as Prometheus shows them.
        builder.removeAll { $0.name.hasPrefix(LabelNames.reservedPrefix) || $0.value.isEmpty }
        return Target(labels: builder.labels(), discoveredLabels: discovered, url: url, interval: targetInterval, timeout: targetTimeout)
    }

    /// Discovered labels plus the job's defaults (`job`, `__scheme__`, `__metrics_path__`,
    /// `__scrape_interval__`, `__scrape_timeout__`, `__param_*`) where discovery did not set them:
    /// what relabeling starts from and what the targets API shows as `discoveredLabels`.
    package static func withDefaults(_ discovered: Labels, config: ScrapeConfig, global: GlobalConfig) -> Labels {
        let interval = config.scrapeInterval ?? global.scrapeInterval
        let timeout = config.scrapeTimeout ?? min(global.scrapeTimeout, interval)
        var builder = LabelsBuilder(discovered)
        let defaults: [(String, String)] = [
            (LabelNames.job, config.jobName), (LabelNames.scheme, config.scheme), (LabelNames.metricsPath, config.metricsPath),
            (LabelNames.scrapeInterval, interval.description), (LabelNames.scrapeTimeout, timeout.description),
        ]
        for (name, value) in defaults where !builder.has(name) { builder.set(name, value) }
        for (name, values) in config.params where !builder.has(LabelNames.paramPrefix + name) {
            if let first = values.first { builder.set(LabelNames.paramPrefix + name, first) }
        }
        return builder.labels()
    }

    /// The targets of discovered groups: relabeled, deduplicated by key (the first wins, as in
    /// Prometheus), dropped ones kept for the API.
    package static func targets(_ groups: [TargetGroup], config: ScrapeConfig, global: GlobalConfig)
        -> (active: [Target], dropped: [Labels], errors: [String])
    {
        var active: [Target] = []
        var seen = Set<Key>()
        var dropped: [Labels] = []
        var errors: [String] = []
        for group in groups {
            for pairs in group.discoveredLabelSets {
                let discovered = withDefaults(Labels(pairs), config: config, global: global)
                do {
                    if let target = try populate(discovered, config: config, global: global) {
                        if seen.insert(target.key).inserted { active.append(target) }
                    } else {
                        dropped.append(discovered)
                    }
                } catch {
                    errors.append("instance \(pairs[LabelNames.address] ?? "") in job \(config.jobName): \(error)")
                }
            }
        }
        return (active, dropped, errors)
    }

    /// The static groups of a scrape config, sourced by index as in Prometheus.
    static func staticGroups(_ config: ScrapeConfig) -> [TargetGroup] {
        config.discovery.staticConfigs.enumerated().map { index, group in
            TargetGroup(source: String(index), labels: group.labels, targets: group.targets.map { [LabelNames.address: $0] })
        }
    }
}

/// A target that cannot be scraped as configured.
package struct TargetError: Error, Sendable, CustomStringConvertible {
    package let description: String
    init(_ description: String) { self.description = description }
}
