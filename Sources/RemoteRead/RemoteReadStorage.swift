import AsyncHTTPClient
import Config
import Dispatch
import Foundation
import MetricsModel
import RemoteProtocol
import RemoteWrite
import ServiceLifecycle
import Synchronization

/// metricsd's `remote_read`: every selection a query makes is also sent to each configured endpoint
/// that it concerns, and what comes back is merged with the local store's series by the query API.
///
/// Which endpoints a selection concerns, as Prometheus decides it:
/// - `required_matchers`: the selection must carry each as an equality matcher;
/// - `read_recent: false` (the default): only the time before the local store's oldest sample is
///   asked for, and nothing when the selection starts after it;
/// - `filter_external_labels: true` (the default): the global external labels the selection has no
///   matcher for are added as equality matchers, and removed from the series that come back.
package final class RemoteReadStorage: SecondaryStorage, Service {
    struct Endpoint: Sendable {
        let client: RemoteReadClient
        /// Prometheus's `remote_name` label: the name, or a short hash of the URL.
        let remoteName: String

        var config: RemoteReadConfig { client.config }
        var labelValues: [String] { [remoteName, config.url] }
    }

    private struct State: Sendable {
        var endpoints: [Endpoint] = []
        var externalLabels: [String: String] = [:]
    }

    private let state = Mutex(State())
    let metrics = RemoteReadMetrics()
    let userAgent: String
    /// Made when the first endpoint is configured, so a metricsd without `remote_read` (or one that
    /// stops before running) has none to close.
    private let httpClient = Mutex<HTTPClient?>(nil)

    package init(userAgent: String = "ToolboxMetrics/\(BuildInfo.version)") {
        self.userAgent = userAgent
    }

    deinit {
        // Stopped before `run` (a start that failed after the configuration was applied).
        try? httpClient.withLock { $0 }?.syncShutdown()
    }

    /// The HTTP client. A refused connection fails the read at once (as Go's client does) instead of
    /// being retried until `remote_timeout`: every query waits for its reads.
    private var client: HTTPClient {
        httpClient.withLock { client in
            if let client { return client }
            var configuration = HTTPClient.Configuration()
            configuration.connectionPool.retryConnectionEstablishment = false
            configuration.timeout.connect = .seconds(10)
            let made = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
            client = made
            return made
        }
    }

    /// Waits for shutdown, then closes the HTTP client.
    package func run() async throws {
        try? await gracefulShutdown()
        let client = httpClient.withLock { client in
            defer { client = nil }
            return client
        }
        try await client?.shutdown()
    }

    /// Reads from the endpoints of `config` from now on (a reload replaces them all; queries in
    /// flight finish with the ones they started with).
    package func apply(_ config: PrometheusConfig) {
        let endpoints = config.remoteRead.map { remote in
            Endpoint(
                client: RemoteReadClient(config: remote, client: client, userAgent: userAgent),
                remoteName: remote.name.isEmpty ? String(RemoteStorage.hash(remote.url).prefix(6)) : remote.name)
        }
        for endpoint in endpoints { metrics.register(endpoint.labelValues) }
        state.withLock { $0 = State(endpoints: endpoints, externalLabels: config.global.externalLabels) }
    }

    /// Whether any endpoint is configured.
    package var isEmpty: Bool { state.withLock { $0.endpoints.isEmpty } }

    package func select(
        _ matchers: [Matcher], from mint: Int64, through maxt: Int64, localStart: Int64, deadline: ContinuousClock.Instant?
    ) -> SecondarySelection? {
        let current = state.withLock { $0 }
        let reads = current.endpoints.compactMap { Self.plan($0, matchers, mint: mint, maxt: maxt, localStart: localStart, externalLabels: current.externalLabels) }
        guard !reads.isEmpty else { return nil }
        let outcomes = Mutex([Result<[Received], RemoteReadClient.Failure>?](repeating: nil, count: reads.count))
        DispatchQueue.concurrentPerform(iterations: reads.count) { index in
            let outcome = run(reads[index], deadline: deadline)
            outcomes.withLock { $0[index] = outcome }
        }
        var merged: [Labels: [Sample]] = [:]
        var mergedHistograms: [Labels: [HistogramSample]] = [:]
        var warnings: [String] = []
        for (read, outcome) in zip(reads, outcomes.withLock { $0 }) {
            switch outcome {
            case .success(let series)?:
                for item in series {
                    if !item.samples.isEmpty {
                        merged[item.labels] = merged[item.labels].map { Sample.merge($0, item.samples) } ?? item.samples
                    }
                    if !item.histograms.isEmpty {
                        mergedHistograms[item.labels] = mergedHistograms[item.labels].map { HistogramSample.merge($0, item.histograms) } ?? item.histograms
                    }
                }
            case .failure(let failure)?:
                warnings.append("remote_read: \(read.endpoint.remoteName): \(failure.description)")
            case nil:
                break
            }
        }
        let series = merged.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        let histograms = mergedHistograms.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        return SecondarySelection(series: series, histograms: histograms, warnings: warnings)
    }

    /// One endpoint's part of a selection.
    struct Read: Sendable {
        let endpoint: Endpoint
        let query: RemoteReadRequest.Query
        /// External label names added as matchers, removed from the answer.
        let addedLabels: Set<String>
    }

    /// What to ask `endpoint` for this selection, or nil when it is not asked.
    static func plan(
        _ endpoint: Endpoint, _ matchers: [Matcher], mint: Int64, maxt: Int64, localStart: Int64, externalLabels: [String: String]
    ) -> Read? {
        let config = endpoint.config
        for (name, value) in config.requiredMatchers
        where !matchers.contains(where: { $0.type == .equal && $0.name == name && $0.value == value }) {
            return nil
        }
        var end = maxt
        if !config.readRecent {
            if mint > localStart { return nil }
            end = min(end, localStart)
        }
        var sent = matchers
        var added = Set<String>()
        if config.filterExternalLabels {
            for (name, value) in externalLabels.sorted(by: { $0.key < $1.key }) where !matchers.contains(where: { $0.name == name }) {
                guard let matcher = try? Matcher(.equal, name, value) else { continue }
                sent.append(matcher)
                added.insert(name)
            }
        }
        return Read(endpoint: endpoint, query: RemoteReadRequest.Query(start: mint, end: end, matchers: sent), addedLabels: added)
    }

    /// Sends one read and turns its series into label sets, counting and timing it.
    private func run(_ read: Read, deadline: ContinuousClock.Instant?) -> Result<[Received], RemoteReadClient.Failure> {
        let labelValues = read.endpoint.labelValues
        let started = ContinuousClock.now
        let result = metrics.tracking(labelValues) { Result { () throws(RemoteReadClient.Failure) in try read.endpoint.client.read(read.query, deadline: deadline) } }
        metrics.duration.observe((ContinuousClock.now - started).seconds, labelValues: labelValues)
        switch result {
        case .success(let series):
            metrics.queries.add(1, labelValues[0], labelValues[1], "200")
            return .success(series.map { Self.series($0, removing: read.addedLabels) })
        case .failure(let failure):
            metrics.queries.add(1, labelValues[0], labelValues[1], failure.status.map(String.init) ?? "")
            return .failure(failure)
        }
    }

    /// One series of an answer: its label set, float samples and native histogram samples.
    struct Received: Sendable {
        var labels: Labels
        var samples: [Sample]
        var histograms: [HistogramSample]
    }

    /// A received series as a label set (without the external labels the request added, nor empty
    /// values) and its samples of each kind in time order without stale markers.
    static func series(_ received: RemoteTimeSeries, removing added: Set<String>) -> Received {
        let labels = Labels(received.labels.filter { !$0.value.isEmpty && !added.contains($0.name) }.map { Label($0.name, $0.value) })
        return Received(labels: labels, samples: ordered(received.samples.filter { !StaleMarker.isStale($0.value) }, \.timestamp),
                        histograms: ordered(received.histograms.filter { !$0.isStale }, \.timestamp))
    }

    /// Samples sorted by time, the first of each timestamp kept: a server may send them out of
    /// order or twice.
    static func ordered<Point>(_ points: [Point], _ time: (Point) -> Int64) -> [Point] {
        guard zip(points, points.dropFirst()).contains(where: { time($0) >= time($1) }) else { return points }
        var out: [Point] = []
        for point in points.enumerated().sorted(by: { (time($0.element), $0.offset) < (time($1.element), $1.offset) }).map(\.element)
        where out.last.map(time) != time(point) {
            out.append(point)
        }
        return out
    }

    /// Self-metrics: the in-flight gauge, the query counter and the latency histogram.
    package func writeMetrics(to text: inout MetricsText) {
        guard !isEmpty else { return }
        metrics.write(to: &text)
    }
}
