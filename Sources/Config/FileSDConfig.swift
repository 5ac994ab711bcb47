import MetricsModel

/// One `file_sd_configs:` entry: JSON or YAML files of target groups, re-read when they change.
package struct FileSDConfig: Sendable, Equatable, Decodable {
    /// Paths; the last element may hold `*` / `?` globs, as in Prometheus (`dir/*.json`).
    package var files: [String]
    package var refreshInterval = PromDuration.seconds(300)

    package init(files: [String], refreshInterval: PromDuration = .seconds(300)) {
        self.files = files
        self.refreshInterval = refreshInterval
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case files
        case refreshInterval = "refresh_interval"
    }

    package init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        files = try container.decode([String].self, forKey: .files)
        refreshInterval = try container.decodeIfPresent(PromDuration.self, forKey: .refreshInterval) ?? refreshInterval
        for file in files {
            let name = file.split(separator: "/").last.map(String.init) ?? file
            let matchesExtension = [".json", ".yml", ".yaml"].contains { name.hasSuffix($0) }
            if !matchesExtension {
                throw DecodingError.dataCorruptedError(
                    forKey: .files, in: container, debugDescription: "path name \"\(file)\" is not valid for file discovery")
            }
        }
    }
}
