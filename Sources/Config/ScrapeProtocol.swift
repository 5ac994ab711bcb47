/// An exposition format a scrape may ask for (`scrape_protocols`), with Prometheus's names.
package enum ScrapeProtocol: String, Sendable, Equatable, CaseIterable, Decodable {
    case prometheusProto = "PrometheusProto"
    case openMetricsText001 = "OpenMetricsText0.0.1"
    case openMetricsText100 = "OpenMetricsText1.0.0"
    case prometheusText004 = "PrometheusText0.0.4"
    case prometheusText100 = "PrometheusText1.0.0"

    /// The media type the `Accept` header offers for it.
    package var mediaType: String {
        switch self {
        case .prometheusProto: "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited"
        case .openMetricsText001: "application/openmetrics-text;version=0.0.1"
        case .openMetricsText100: "application/openmetrics-text;version=1.0.0"
        case .prometheusText004: "text/plain;version=0.0.4"
        case .prometheusText100: "text/plain;version=1.0.0"
        }
    }

    /// Prometheus's default order, text formats only.
    package static let textDefaults: [ScrapeProtocol] = [.openMetricsText100, .openMetricsText001, .prometheusText100, .prometheusText004]
    /// The default when native histograms are scraped: protobuf first, the only format that carries them.
    package static let nativeHistogramDefaults: [ScrapeProtocol] = [.prometheusProto] + textDefaults

    /// The `Accept` header for `protocols` in order of preference, as Prometheus writes it: each
    /// with a falling `q`, then anything at the lowest.
    package static func acceptHeader(_ protocols: [ScrapeProtocol]) -> String {
        var weight = allCases.count + 1
        var parts: [String] = []
        for scrapeProtocol in protocols {
            parts.append("\(scrapeProtocol.mediaType);q=0.\(weight)")
            weight -= 1
        }
        parts.append("*/*;q=0.\(weight)")
        return parts.joined(separator: ",")
    }

    /// A `scrape_protocols` list: known names, none twice; or why it is not one.
    static func list(_ names: [String]) -> Result<[ScrapeProtocol], ListError> {
        var out: [ScrapeProtocol] = []
        for name in names {
            guard let known = ScrapeProtocol(rawValue: name) else {
                return .failure(ListError(description: "unknown scrape protocol \(name), supported: \(allCases.map(\.rawValue).joined(separator: ", "))"))
            }
            guard !out.contains(known) else { return .failure(ListError(description: "duplicated protocol in scrape_protocols, got \(names)")) }
            out.append(known)
        }
        guard !out.isEmpty else { return .failure(ListError(description: "scrape_protocols cannot be empty")) }
        return .success(out)
    }

    struct ListError: Error, CustomStringConvertible {
        let description: String
    }
}

/// How a scrape treats native and classic histograms: `scrape_native_histograms`,
/// `always_scrape_classic_histograms` (2.x: `scrape_classic_histograms`),
/// `convert_classic_histograms_to_nhcb`, `native_histogram_bucket_limit` and
/// `native_histogram_min_bucket_factor`. The first three may be set globally.
package struct HistogramScrapeOptions: Sendable, Equatable {
    package var nativeHistograms: Bool?
    package var alwaysScrapeClassic: Bool?
    package var convertClassicToNHCB: Bool?
    package var bucketLimit = 0
    package var minBucketFactor = 0.0
    /// `scrape_protocols`; nil: the default for `nativeHistograms`.
    package var protocols: [ScrapeProtocol]?

    package init() {}

    /// The protocols asked for: the configured ones, or the default.
    package var effectiveProtocols: [ScrapeProtocol] {
        protocols ?? (nativeHistograms == true ? ScrapeProtocol.nativeHistogramDefaults : ScrapeProtocol.textDefaults)
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case nativeHistograms = "scrape_native_histograms"
        case alwaysScrapeClassic = "always_scrape_classic_histograms"
        case scrapeClassic = "scrape_classic_histograms"
        case convertClassicToNHCB = "convert_classic_histograms_to_nhcb"
        case bucketLimit = "native_histogram_bucket_limit"
        case minBucketFactor = "native_histogram_min_bucket_factor"
        case protocols = "scrape_protocols"
    }

    /// The options of a `global:` or `scrape_configs:` mapping (only the scrape config has the last two).
    init(from decoder: any Decoder, global: Bool) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        nativeHistograms = try container.decodeIfPresent(Bool.self, forKey: .nativeHistograms)
        alwaysScrapeClassic = try container.decodeIfPresent(Bool.self, forKey: .alwaysScrapeClassic)
            ?? container.decodeIfPresent(Bool.self, forKey: .scrapeClassic)
        convertClassicToNHCB = try container.decodeIfPresent(Bool.self, forKey: .convertClassicToNHCB)
        if let names = try container.decodeIfPresent([String].self, forKey: .protocols) {
            switch ScrapeProtocol.list(names) {
            case .success(let list): protocols = list
            case .failure(let error): throw DecodingError.dataCorruptedError(forKey: .protocols, in: container, debugDescription: error.description)
            }
        }
        guard !global else { return }
        bucketLimit = try container.decodeIfPresent(Int.self, forKey: .bucketLimit) ?? 0
        guard bucketLimit >= 0 else {
            throw DecodingError.dataCorruptedError(forKey: .bucketLimit, in: container, debugDescription: "native_histogram_bucket_limit must not be negative")
        }
        minBucketFactor = try container.decodeIfPresent(Double.self, forKey: .minBucketFactor) ?? 0
    }

    /// Unset fields take the global ones.
    mutating func inherit(_ global: HistogramScrapeOptions) {
        nativeHistograms = nativeHistograms ?? global.nativeHistograms
        alwaysScrapeClassic = alwaysScrapeClassic ?? global.alwaysScrapeClassic
        convertClassicToNHCB = convertClassicToNHCB ?? global.convertClassicToNHCB
        protocols = protocols ?? global.protocols
    }
}
