/// Where a job's targets come from and how they are reached: the discovery mechanisms and the HTTP
/// client settings, written inline in a scrape config and in an Alertmanager config alike
/// (Prometheus embeds `discovery.Configs` and `HTTPClientConfig` in both). Decoded in one place.
package struct DiscoveryConfigs: Sendable, Equatable {
    package var staticConfigs: [StaticConfig] = []
    package var fileSDConfigs: [FileSDConfig] = []
    package var kubernetesSDConfigs: [KubernetesSDConfig] = []
    /// Authentication and TLS for requests to the targets (scrapes, alert notifications).
    package var http = HTTPClientConfig()

    package init(staticConfigs: [StaticConfig] = []) {
        self.staticConfigs = staticConfigs
    }

    /// The configuration with every relative path joined (see `PrometheusConfig.resolvingPaths`).
    func resolvingPaths(_ join: (String) -> String) -> DiscoveryConfigs {
        var copy = self
        copy.fileSDConfigs = fileSDConfigs.map { $0.resolvingPaths(join) }
        copy.kubernetesSDConfigs = kubernetesSDConfigs.map { $0.resolvingPaths(join) }
        copy.http = http.resolvingPaths(join)
        return copy
    }
}

extension DiscoveryConfigs: Decodable {
    enum CodingKeys: String, CodingKey, CaseIterable {
        case staticConfigs = "static_configs"
        case fileSDConfigs = "file_sd_configs"
        case kubernetesSDConfigs = "kubernetes_sd_configs"
    }

    /// Reads the inline keys from the enclosing mapping's decoder.
    package init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        staticConfigs = try container.decodeIfPresent([StaticConfig].self, forKey: .staticConfigs) ?? []
        fileSDConfigs = try container.decodeIfPresent([FileSDConfig].self, forKey: .fileSDConfigs) ?? []
        kubernetesSDConfigs = try container.decodeIfPresent([KubernetesSDConfig].self, forKey: .kubernetesSDConfigs) ?? []
        http = try HTTPClientConfig(from: decoder)
    }
}
