import Config
import Foundation
import Logging
import Synchronization
import Testing
import TestSupport

@testable import Scraper

@Suite("file_sd_configs")
struct FileDiscoveryTests {
    @Test("JSON and YAML files give groups with __meta_filepath; edits and removals are picked up")
    func readsAndWatches() async throws {
        let directory = try makeTemporaryDirectory("file-sd")
        defer { removeTemporaryDirectory(directory) }
        let json = directory.appendingPathComponent("a.json")
        let yaml = directory.appendingPathComponent("b.yml")
        try #"[{"targets": ["127.0.0.1:9100", "127.0.0.1:9101"], "labels": {"env": "prod"}}, {"targets": ["127.0.0.1:9200"]}]"#
            .write(to: json, atomically: true, encoding: .utf8)
        try "- targets: ['127.0.0.1:9300']\n  labels: {team: db}\n".write(to: yaml, atomically: true, encoding: .utf8)

        let latest = KubernetesDiscoveryHTTPTests.Collector()
        var discovery = FileDiscovery(config: FileSDConfig(files: [directory.path + "/*.json", directory.path + "/*.yml"]), logger: Logger(label: "test"))
        discovery.pollInterval = .milliseconds(50)
        let configured = discovery
        let task = Task { await configured.run { latest.record($0) } }
        defer { task.cancel() }
        func targets() -> Set<String> {
            Set(latest.snapshot.values.flatMap { $0.discoveredLabelSets.map { "\($0["__address__"]!)|\($0["env"] ?? $0["team"] ?? "")" } })
        }
        #expect(await eventually(within: underLoad) { targets() == ["127.0.0.1:9100|prod", "127.0.0.1:9101|prod", "127.0.0.1:9200|", "127.0.0.1:9300|db"] })
        #expect(latest.snapshot[json.path + ":0"]?.labels["__meta_filepath"] == json.path)

        // Rewritten with one group fewer: the second group's source empties.
        try #"[{"targets": ["127.0.0.1:9100"], "labels": {"env": "dev"}}]"#.write(to: json, atomically: true, encoding: .utf8)
        #expect(await eventually(within: underLoad) { targets() == ["127.0.0.1:9100|dev", "127.0.0.1:9300|db"] })
        // A broken file keeps its previous groups; a deleted file drops them.
        try "[{not json".write(to: json, atomically: true, encoding: .utf8)
        try FileManager.default.removeItem(at: yaml)
        #expect(await eventually(within: underLoad) { targets() == ["127.0.0.1:9100|dev"] })
    }

    @Test("invalid targets in a file are reported, not loaded")
    func invalidTarget() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("file-sd-bad-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: file) }
        try #"[{"targets": ["http://host/path"]}]"#.write(to: file, atomically: true, encoding: .utf8)
        #expect(throws: DiscoveryError.self) { try FileDiscovery.read(file.path) }
    }
}
