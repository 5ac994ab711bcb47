import Foundation
import MetricsModel
import Relabel

/// `alerting:`: where alerts go; alertd's notifier sends them.
package struct AlertingConfig: Sendable, Equatable, Decodable {
    package var alertmanagers: [AlertmanagerConfig] = []
    package var alertRelabelConfigs: [RelabelConfig] = []

    package init() {}

    enum CodingKeys: String, CodingKey, CaseIterable {
        case alertmanagers
        case alertRelabelConfigs = "alert_relabel_configs"
    }

    package init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        alertmanagers = try container.decodeIfPresent([AlertmanagerConfig].self, forKey: .alertmanagers) ?? []
        alertRelabelConfigs = try container.decodeIfPresent([RelabelConfig].self, forKey: .alertRelabelConfigs) ?? []
    }
}

/// One `alerting.alertmanagers` entry.
package struct AlertmanagerConfig: Sendable, Equatable, Decodable {
    package var scheme = "http"
    package var pathPrefix = ""
    package var timeout = PromDuration.seconds(10)
    package var apiVersion = "v2"
    /// Where the Alertmanagers are, and authentication and TLS for notifications.
    package var discovery = DiscoveryConfigs()
    package var relabelConfigs: [RelabelConfig] = []

    enum CodingKeys: String, CodingKey, CaseIterable {
        case scheme, timeout
        case pathPrefix = "path_prefix"
        case apiVersion = "api_version"
        case relabelConfigs = "relabel_configs"
    }

    package init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        scheme = try container.decodeIfPresent(String.self, forKey: .scheme) ?? scheme
        guard scheme == "http" || scheme == "https" else {
            throw DecodingError.dataCorruptedError(forKey: .scheme, in: container, debugDescription: "unknown scheme \"\(scheme)\"")
        }
        pathPrefix = try container.decodeIfPresent(String.self, forKey: .pathPrefix) ?? ""
        timeout = try container.decodeIfPresent(PromDuration.self, forKey: .timeout) ?? timeout
        apiVersion = try container.decodeIfPresent(String.self, forKey: .apiVersion) ?? apiVersion
        guard apiVersion == "v2" else {
            throw DecodingError.dataCorruptedError(
                forKey: .apiVersion, in: container, debugDescription: "expected Alertmanager api version to be one of [v2] but got \(apiVersion)")
        }
        discovery = try DiscoveryConfigs(from: decoder)
        relabelConfigs = try container.decodeIfPresent([RelabelConfig].self, forKey: .relabelConfigs) ?? []
    }
}

/// One `remote_write:` entry: where the standalone alertd writes rule results (metricsd shipping
/// its samples comes with its own issue).
package struct RemoteWriteConfig: Sendable, Equatable, Decodable {
    package var url: String
    package var name = ""
    package var remoteTimeout = PromDuration.seconds(30)
    package var headers: [String: String] = [:]
    package var writeRelabelConfigs: [RelabelConfig] = []
    package var queue = QueueConfig()
    package var http = HTTPClientConfig()

    /// `queue_config`, with Prometheus's defaults.
    package struct QueueConfig: Sendable, Equatable, Decodable {
        package var capacity = 10_000
        package var maxShards = 50
        var minShards = 1
        package var maxSamplesPerSend = 2_000
        package var batchSendDeadline = PromDuration.seconds(5)
        package var minBackoff = PromDuration(milliseconds: 30)
        package var maxBackoff = PromDuration.seconds(5)
        package var retryOnHTTP429 = true

        package init() {}

        enum CodingKeys: String, CodingKey, CaseIterable {
            case capacity
            case maxShards = "max_shards"
            case minShards = "min_shards"
            case maxSamplesPerSend = "max_samples_per_send"
            case batchSendDeadline = "batch_send_deadline"
            case minBackoff = "min_backoff"
            case maxBackoff = "max_backoff"
            case retryOnHTTP429 = "retry_on_http_429"
            case sampleAgeLimit = "sample_age_limit"
        }

        package init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            capacity = try container.decodeIfPresent(Int.self, forKey: .capacity) ?? capacity
            maxShards = try container.decodeIfPresent(Int.self, forKey: .maxShards) ?? maxShards
            minShards = try container.decodeIfPresent(Int.self, forKey: .minShards) ?? minShards
            maxSamplesPerSend = try container.decodeIfPresent(Int.self, forKey: .maxSamplesPerSend) ?? maxSamplesPerSend
            batchSendDeadline = try container.decodeIfPresent(PromDuration.self, forKey: .batchSendDeadline) ?? batchSendDeadline
            minBackoff = try container.decodeIfPresent(PromDuration.self, forKey: .minBackoff) ?? minBackoff
            maxBackoff = try container.decodeIfPresent(PromDuration.self, forKey: .maxBackoff) ?? maxBackoff
            retryOnHTTP429 = try container.decodeIfPresent(Bool.self, forKey: .retryOnHTTP429) ?? retryOnHTTP429
            for (value, key) in [(capacity, CodingKeys.capacity), (maxShards, .maxShards), (minShards, .minShards), (maxSamplesPerSend, .maxSamplesPerSend)]
            where value <= 0 {
                throw DecodingError.dataCorruptedError(forKey: key, in: container, debugDescription: "\(key.stringValue) must be positive")
            }
            if minShards > maxShards {
                throw DecodingError.dataCorruptedError(forKey: .minShards, in: container, debugDescription: "min_shards is greater than max_shards")
            }
        }
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case url, name, headers
        case remoteTimeout = "remote_timeout"
        case writeRelabelConfigs = "write_relabel_configs"
        case queue = "queue_config"
    }

    package init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        url = try container.decode(String.self, forKey: .url)
        guard let parsed = URL(string: url), let scheme = parsed.scheme, ["http", "https"].contains(scheme), parsed.host != nil else {
            throw DecodingError.dataCorruptedError(forKey: .url, in: container, debugDescription: "invalid remote_write URL \"\(url)\"")
        }
        name = try container.decodeIfPresent(String.self, forKey: .name) ?? ""
        remoteTimeout = try container.decodeIfPresent(PromDuration.self, forKey: .remoteTimeout) ?? remoteTimeout
        headers = try container.decodeIfPresent([String: String].self, forKey: .headers) ?? [:]
        for header in headers.keys where ["authorization", "content-encoding", "content-type", "user-agent", "x-prometheus-remote-write-version"]
            .contains(header.lowercased())
        {
            throw DecodingError.dataCorruptedError(forKey: .headers, in: container, debugDescription: "\(header) is a reserved header. It must not be changed")
        }
        writeRelabelConfigs = try container.decodeIfPresent([RelabelConfig].self, forKey: .writeRelabelConfigs) ?? []
        queue = try container.decodeIfPresent(QueueConfig.self, forKey: .queue) ?? QueueConfig()
        http = try HTTPClientConfig(from: decoder)
    }
}
