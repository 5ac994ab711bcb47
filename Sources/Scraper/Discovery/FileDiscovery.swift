import Config
import Foundation
import Logging
import Yams

/// `file_sd_configs`: target groups read from JSON or YAML files, re-read when a file changes (polled
/// every two seconds) and at every `refresh_interval`. A file that fails to parse keeps its previous groups.
package struct FileDiscovery: Sendable {
    let config: FileSDConfig
    let logger: Logger
    var metrics = DiscoveryMetrics()
    var pollInterval: Duration = .seconds(2)

    /// What a file holds: the JSON/YAML shape Prometheus documents.
    struct FileGroup: Decodable {
        var targets: [String]
        var labels: [String: String]?
    }

    func run(send: @Sendable ([TargetGroup]) -> Void) async {
        var known: [String: (stamp: FileStamp, groupCount: Int)] = [:]
        // Paths reported missing, so a file that is not there is logged once, not every poll.
        var missing = Set<String>()
        var lastFullRefresh = ContinuousClock.now
        while !Task.isCancelled {
            let scanStarted = ContinuousClock.now
            let refreshAll = ContinuousClock.now - lastFullRefresh >= config.refreshInterval.duration
            if refreshAll { lastFullRefresh = .now }
            let paths = Set(config.files.flatMap(Self.expand))
            var changed: [TargetGroup] = []
            for path in paths.sorted() {
                guard let stamp = FileStamp(path: path) else {
                    if missing.insert(path).inserted {
                        logger.warning("file discovery: cannot read targets", metadata: ["file": "\(path)", "error": "no such file"])
                    }
                    continue
                }
                missing.remove(path)
                if !refreshAll, let previous = known[path], previous.stamp == stamp { continue }
                do {
                    let groups = try Self.read(path)
                    changed += groups
                    // Fewer groups than before: the vanished indices get empty groups.
                    for index in groups.count..<max(groups.count, known[path]?.groupCount ?? 0) {
                        changed.append(TargetGroup(source: "\(path):\(index)"))
                    }
                    known[path] = (stamp, groups.count)
                } catch {
                    metrics.fileReadErrors.add()
                    logger.error("file discovery: cannot read targets", metadata: ["file": "\(path)", "error": "\(error)"])
                    known[path] = (stamp, known[path]?.groupCount ?? 0)
                }
            }
            for (path, entry) in known where !paths.contains(path) {
                changed += (0..<entry.groupCount).map { TargetGroup(source: "\(path):\($0)") }
                known[path] = nil
            }
            metrics.fileScanSeconds.observe((ContinuousClock.now - scanStarted).seconds)
            if !changed.isEmpty { send(changed) }
            do { try await Task.sleep(for: pollInterval) } catch { return }
        }
    }

    /// The groups of one file, with `__meta_filepath`.
    static func read(_ path: String) throws -> [TargetGroup] {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let groups: [FileGroup]
        if path.hasSuffix(".json") {
            groups = try JSONDecoder().decode([FileGroup].self, from: Data(text.utf8))
        } else {
            groups = try YAMLDecoder().decode([FileGroup].self, from: text)
        }
        return try groups.enumerated().map { index, group in
            var labels = group.labels ?? [:]
            for name in labels.keys where name.isEmpty {
                throw DiscoveryError("\(path): group \(index): invalid label name \"\(name)\"")
            }
            labels["__meta_filepath"] = path
            for target in group.targets where target.isEmpty || target.contains("/") {
                throw DiscoveryError("\(path): group \(index): \"\(target)\" is not a valid hostname")
            }
            return TargetGroup(source: "\(path):\(index)", labels: labels, targets: group.targets.map { ["__address__": $0] })
        }
    }

    /// A path whose last element may hold `*`, `?` or `[...]` globs.
    package static func expand(_ pattern: String) -> [String] {
        let url = URL(fileURLWithPath: pattern)
        let name = url.lastPathComponent
        guard name.contains(where: { "*?[".contains($0) }) else { return [pattern] }
        let directory = url.deletingLastPathComponent().path
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return entries.filter { fnmatch(name, $0, 0) == 0 }.map { "\(directory)/\($0)" }.sorted()
    }
}

/// Modification time and size: enough to notice a rewritten file.
struct FileStamp: Equatable {
    let modified: Date
    let size: Int

    init?(path: String) {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
            let modified = attributes[.modificationDate] as? Date
        else { return nil }
        self.modified = modified
        size = (attributes[.size] as? NSNumber)?.intValue ?? 0
    }
}
