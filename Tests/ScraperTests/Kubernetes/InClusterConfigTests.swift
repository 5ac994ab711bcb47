import Config
import Foundation
import Testing
import TestSupport

@testable import Scraper

/// The in-cluster connection: service host and port from the environment, the service account's
/// token (re-read per request), CA and namespace from its directory.
@Suite("Kubernetes in-cluster configuration")
struct InClusterConfigTests {
    @Test("the service account directory and KUBERNETES_SERVICE_* give the API server, token, CA and namespace")
    func resolvesFromServiceAccount() throws {
        let directory = try makeTemporaryDirectory("sa")
        defer { removeTemporaryDirectory(directory) }
        try "token-1\n".write(to: directory.appendingPathComponent("token"), atomically: true, encoding: .utf8)
        try "-----BEGIN CERTIFICATE-----\n".write(to: directory.appendingPathComponent("ca.crt"), atomically: true, encoding: .utf8)
        try "monitoring\n".write(to: directory.appendingPathComponent("namespace"), atomically: true, encoding: .utf8)
        let environment = [
            "KUBERNETES_SERVICE_HOST": "fd00::1", "KUBERNETES_SERVICE_PORT": "443", "METRICSD_SERVICE_ACCOUNT_DIR": directory.path,
        ]
        var config = KubernetesSDConfig(role: .pod)
        config.namespaces.ownNamespace = true
        let connection = try KubernetesAPIClient.Connection.resolve(config, environment: environment)
        #expect(connection.baseURL == "https://[fd00::1]:443")
        #expect(connection.http.tlsConfig.caFile == directory.appendingPathComponent("ca.crt").path)
        #expect(connection.ownNamespace == "monitoring")
        #expect(try connection.authorization() == "Bearer token-1")
        // The kubelet rotates the token file; the next request reads the new one.
        try "token-2\n".write(to: directory.appendingPathComponent("token"), atomically: true, encoding: .utf8)
        #expect(try connection.authorization() == "Bearer token-2")
        let scopes = KubernetesDiscovery.scopes(config, ownNamespace: connection.ownNamespace, resources: [.pods])
        #expect(scopes.map(\.namespace) == ["monitoring"])
    }

    @Test("without api_server or the in-cluster environment, discovery says what is missing")
    func notInCluster() {
        #expect(throws: DiscoveryError.self) { try KubernetesAPIClient.Connection.resolve(KubernetesSDConfig(role: .node), environment: [:]) }
    }
}
