import AsyncHTTPClient
import Config
import Logging

/// Runs a scrape config's discovery once: static groups, the files as they are now, and one list of
/// each Kubernetes resource. For explaining targets from a terminal, not for scraping.
package enum DiscoverySnapshot {
    package static func groups(_ config: ScrapeConfig, logger: Logger) async throws -> [TargetGroup] {
        var groups = Target.staticGroups(config)
        for fileConfig in config.discovery.fileSDConfigs {
            for path in fileConfig.files.flatMap(FileDiscovery.expand) {
                groups += try FileDiscovery.read(path)
            }
        }
        if !config.discovery.kubernetesSDConfigs.isEmpty {
            let client = HTTPClient(eventLoopGroupProvider: .singleton)
            do {
                for kubernetesConfig in config.discovery.kubernetesSDConfigs {
                    groups += try await KubernetesDiscovery(config: kubernetesConfig, logger: logger).listOnce(client: client)
                }
            } catch {
                try? await client.shutdown()
                throw error
            }
            try await client.shutdown()
        }
        return groups
    }
}
