import Foundation
import MetricsModel

/// One `remote_read:` entry: a store whose series queries read as well as the local store's
/// (Prometheus's remote read, `SAMPLES` responses).
package struct RemoteReadConfig: Sendable, Equatable, Decodable {
    package var url: String
    package var name = ""
    package var remoteTimeout = PromDuration.seconds(60)
    package var headers: [String: String] = [:]
    /// Selections that do not carry every one of these as an equality matcher are not sent.
    package var requiredMatchers: [String: String] = [:]
    /// Whether to read time ranges the local store holds too; off, only what lies before the
    /// local store's oldest sample is asked for.
    package var readRecent = false
    /// Whether the global external labels are added to each request as equality matchers and
    /// removed from the series that come back.
    package var filterExternalLabels = true
    package var http = HTTPClientConfig()

    enum CodingKeys: String, CodingKey, CaseIterable {
        case url, name, headers
        case remoteTimeout = "remote_timeout"
        case requiredMatchers = "required_matchers"
        case readRecent = "read_recent"
        case filterExternalLabels = "filter_external_labels"
    }

    /// Headers metricsd sets itself, which `headers:` may not replace (Prometheus's list).
    static let reservedHeaders: Set<String> = [
        "authorization", "host", "content-encoding", "content-type", "x-prometheus-remote-read-version", "user-agent",
        "connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "www-authenticate",
    ]

    package init(url: String) {
        self.url = url
    }

    package init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let environment = decoder.userInfo[.environment] as? [String: String] ?? ProcessInfo.processInfo.environment
        guard let written = try container.decodeIfPresent(String.self, forKey: .url), !written.isEmpty else {
            throw DecodingError.dataCorruptedError(forKey: .url, in: container, debugDescription: "url for remote_read is empty")
        }
        url = try EnvironmentExpansion.expand(written, environment: environment)
        guard let parsed = URL(string: url), let scheme = parsed.scheme, ["http", "https"].contains(scheme), parsed.host != nil else {
            throw DecodingError.dataCorruptedError(forKey: .url, in: container, debugDescription: "invalid remote_read URL \"\(url)\"")
        }
        name = try container.decodeIfPresent(String.self, forKey: .name) ?? ""
        remoteTimeout = try container.decodeIfPresent(PromDuration.self, forKey: .remoteTimeout) ?? remoteTimeout
        guard remoteTimeout.milliseconds > 0 else {
            throw DecodingError.dataCorruptedError(forKey: .remoteTimeout, in: container, debugDescription: "remote_timeout must be positive")
        }
        headers = try container.decodeIfPresent([String: String].self, forKey: .headers) ?? [:]
        for header in headers.keys where Self.reservedHeaders.contains(header.lowercased()) {
            throw DecodingError.dataCorruptedError(forKey: .headers, in: container, debugDescription: "\(header) is a reserved header. It must not be changed")
        }
        requiredMatchers = try container.decodeIfPresent([String: String].self, forKey: .requiredMatchers) ?? [:]
        readRecent = try container.decodeIfPresent(Bool.self, forKey: .readRecent) ?? false
        filterExternalLabels = try container.decodeIfPresent(Bool.self, forKey: .filterExternalLabels) ?? true
        http = try HTTPClientConfig(from: decoder)
    }
}
