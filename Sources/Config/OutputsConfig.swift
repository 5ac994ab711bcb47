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

/// One `remote_write:` entry: a receiver metricsd ships its samples to (and the standalone alertd
/// its rule results).
package struct RemoteWriteConfig: Sendable, Equatable, Decodable {
    package var url: String
    package var name = ""
    package var remoteTimeout = PromDuration.seconds(30)
    package var headers: [String: String] = [:]
    package var writeRelabelConfigs: [RelabelConfig] = []
    package var queue = QueueConfig()
    package var metadata = MetadataConfig()
    /// Accepted as Prometheus has it; metricsd stores no exemplars, so there are none to send.
    package var sendExemplars = false
    /// Whether native histogram samples are sent (Prometheus's `send_native_histograms`, off by
    /// default as there: a receiver without native histograms would refuse the whole request).
    package var sendNativeHistograms = false
    package var http = HTTPClientConfig()

    /// `metadata_config`, with Prometheus's defaults: metric metadata sent every `send_interval`.
    package struct MetadataConfig: Sendable, Equatable, Decodable {
        package var send = true
        package var sendInterval = PromDuration.seconds(60)
        package var maxSamplesPerSend = 2_000

        package init() {}

        enum CodingKeys: String, CodingKey, CaseIterable {
            case send
            case sendInterval = "send_interval"
            case maxSamplesPerSend = "max_samples_per_send"
        }

        package init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            send = try container.decodeIfPresent(Bool.self, forKey: .send) ?? send
            sendInterval = try container.decodeIfPresent(PromDuration.self, forKey: .sendInterval) ?? sendInterval
            maxSamplesPerSend = try container.decodeIfPresent(Int.self, forKey: .maxSamplesPerSend) ?? maxSamplesPerSend
            guard maxSamplesPerSend > 0 else {
                throw DecodingError.dataCorruptedError(forKey: .maxSamplesPerSend, in: container, debugDescription: "max_samples_per_send must be positive")
            }
            guard sendInterval.milliseconds > 0 else {
                throw DecodingError.dataCorruptedError(forKey: .sendInterval, in: container, debugDescription: "send_interval must be positive")
            }
        }
    }

    /// `queue_config`, with Prometheus's defaults.
    package struct QueueConfig: Sendable, Equatable, Decodable {
        package var capacity = 10_000
        package var maxShards = 50
        package var minShards = 1
        package var maxSamplesPerSend = 2_000
        package var batchSendDeadline = PromDuration.seconds(5)
        package var minBackoff = PromDuration(milliseconds: 30)
        package var maxBackoff = PromDuration.seconds(5)
        package var retryOnHTTP429 = true
        /// Samples older than this when sent are dropped (and counted); 0 keeps every sample.
        package var sampleAgeLimit = PromDuration.seconds(0)

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
            sampleAgeLimit = try container.decodeIfPresent(PromDuration.self, forKey: .sampleAgeLimit) ?? sampleAgeLimit
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
        case metadata = "metadata_config"
        case sendExemplars = "send_exemplars"
        case sendNativeHistograms = "send_native_histograms"
        case protobufMessage = "protobuf_message"
    }

    package init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        // `$(NAME)`/`${NAME}` from the environment, so one manifest serves any central store.
        let environment = decoder.userInfo[.environment] as? [String: String] ?? ProcessInfo.processInfo.environment
        url = try EnvironmentExpansion.expand(container.decode(String.self, forKey: .url), environment: environment)
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
        metadata = try container.decodeIfPresent(MetadataConfig.self, forKey: .metadata) ?? MetadataConfig()
        sendExemplars = try container.decodeIfPresent(Bool.self, forKey: .sendExemplars) ?? false
        sendNativeHistograms = try container.decodeIfPresent(Bool.self, forKey: .sendNativeHistograms) ?? false
        let message = try container.decodeIfPresent(String.self, forKey: .protobufMessage) ?? "prometheus.WriteRequest"
        guard message == "prometheus.WriteRequest" else {
            throw DecodingError.dataCorruptedError(
                forKey: .protobufMessage, in: container,
                debugDescription: "protobuf_message \"\(message)\" is not supported: metricsd sends remote write 1.0 (prometheus.WriteRequest), which remote write 2.0 receivers also accept")
        }
        http = try HTTPClientConfig(from: decoder)
    }
}
