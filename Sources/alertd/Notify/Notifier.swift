import AsyncHTTPClient
import Config
import Foundation
import Logging
import MetricsModel
import NIOCore
import Relabel
import ServiceLifecycle
import Synchronization

/// Sends alerts to Alertmanager's API v2, as Prometheus's notifier does: alerts get the external
/// labels they lack and `alert_relabel_configs`, wait in a bounded queue (when full, the oldest are
/// dropped and counted), and go in batches of at most 64 to every discovered Alertmanager at once.
/// A batch no Alertmanager accepted is dropped and counted; the rules resend firing alerts.
package final class Notifier: Service, Sendable {
    /// `--alertmanager.notification-queue-capacity`.
    let capacity: Int
    let logger: Logger
    static let maxBatch = 64

    private struct State {
        var queue: [NotificationAlert] = []
        var externalLabels: [String: String] = [:]
        var relabelConfigs: [RelabelConfig] = []
        var sets: [AlertmanagerSet] = []
        var client: HTTPClient?
        var pendingConfig: AlertingConfig?
        var dropped = 0.0
        var sent: [String: Double] = [:]
        var errors: [String: Double] = [:]
        var latency: [String: (sum: Double, count: Double)] = [:]
    }

    private let state = Mutex(State())
    private let wake: AsyncStream<Void>
    private let signal: AsyncStream<Void>.Continuation

    package init(capacity: Int = 10_000, logger: Logger) {
        self.capacity = max(capacity, 1)
        self.logger = logger
        (wake, signal) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// Takes a configuration's `alerting` section and external labels. Alertmanager discovery
    /// starts once the service runs.
    package func apply(_ config: PrometheusConfig) async {
        let (old, client) = state.withLock { state in
            state.externalLabels = config.global.externalLabels
            state.relabelConfigs = config.alerting.alertRelabelConfigs
            guard let client = state.client else {
                state.pendingConfig = config.alerting
                return ([AlertmanagerSet](), HTTPClient?.none)
            }
            return (state.sets, client)
        }
        guard let client else { return }
        for set in old { await set.stop() }
        let sets = config.alerting.alertmanagers.map { AlertmanagerSet(config: $0, client: client, logger: logger) }
        for set in sets { set.start() }
        state.withLock { $0.sets = sets }
    }

    /// Queues alerts for sending.
    package func send(_ alerts: [NotificationAlert]) {
        let queued = state.withLock { state -> Bool in
            guard !state.sets.isEmpty || state.pendingConfig.map({ !$0.alertmanagers.isEmpty }) == true else { return false }
            var prepared: [NotificationAlert] = []
            for var alert in alerts {
                var builder = LabelsBuilder(alert.labels)
                for (name, value) in state.externalLabels where !builder.has(name) { builder.set(name, value) }
                guard Relabeler.process(&builder, state.relabelConfigs) else { continue }
                alert.labels = builder.labels()
                prepared.append(alert)
            }
            state.queue += prepared
            if state.queue.count > capacity {
                let overflow = state.queue.count - capacity
                state.queue.removeFirst(overflow)
                state.dropped += Double(overflow)
            }
            return !prepared.isEmpty
        }
        if queued { signal.yield() }
    }

    package func run() async throws {
        var configuration = HTTPClient.Configuration()
        configuration.redirectConfiguration = .follow(max: 10, allowCycles: false)
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        let pending = state.withLock { state in
            state.client = client
            defer { state.pendingConfig = nil }
            return state.pendingConfig
        }
        if let pending {
            let sets = pending.alertmanagers.map { AlertmanagerSet(config: $0, client: client, logger: logger) }
            for set in sets { set.start() }
            state.withLock { $0.sets = sets }
        }
        await cancelWhenGracefulShutdown {
            for await _ in self.wake {
                while let batch = self.nextBatch() {
                    await self.deliver(batch, client: client)
                }
            }
        }
        // Alerts still queued at shutdown get one last try, as Prometheus's notifier drains on stop.
        while let batch = nextBatch() { await deliver(batch, client: client) }
        let sets = state.withLock { state in
            defer { state.sets = [] }
            return state.sets
        }
        for set in sets { await set.stop() }
        try await client.shutdown()
    }

    private func nextBatch() -> [NotificationAlert]? {
        state.withLock { state in
            guard !state.queue.isEmpty else { return nil }
            let count = min(Self.maxBatch, state.queue.count)
            defer { state.queue.removeFirst(count) }
            return Array(state.queue.prefix(count))
        }
    }

    /// Posts one batch to every Alertmanager at once; counts it dropped if none took it.
    private func deliver(_ batch: [NotificationAlert], client: HTTPClient) async {
        let targets = state.withLock { $0.sets }.flatMap { set in set.urls.active.map { (set.config, $0) } }
        let body = NotificationAlert.body(batch)
        let delivered = await withTaskGroup(of: Bool.self) { group in
            for (config, url) in targets {
                group.addTask { await self.post(body, count: batch.count, to: url, config: config, client: client) }
            }
            var any = false
            for await ok in group { any = any || ok }
            return any
        }
        if !delivered {
            state.withLock { $0.dropped += Double(batch.count) }
        }
    }

    private func post(_ body: Data, count: Int, to url: String, config: AlertmanagerConfig, client: HTTPClient) async -> Bool {
        let started = ContinuousClock.now
        var ok = false
        do {
            var request = HTTPClientRequest(url: url)
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/json")
            request.headers.add(name: "User-Agent", value: "ToolboxMetrics/\(BuildInfo.version)")
            if let authorization = try config.discovery.http.authorizationHeader() { request.headers.add(name: "Authorization", value: authorization) }
            if let tls = try config.discovery.http.tlsConfig.nioConfiguration() { request.tlsConfiguration = tls }
            request.body = .bytes(ByteBuffer(bytes: body))
            let response = try await client.execute(request, timeout: .milliseconds(config.timeout.milliseconds))
            _ = try? await response.body.collect(upTo: 1 << 20)
            if (200..<300).contains(Int(response.status.code)) {
                ok = true
            } else {
                logger.error("error sending alerts", metadata: ["alertmanager": "\(url)", "status": "\(response.status.code)", "count": "\(count)"])
            }
        } catch {
            logger.error("error sending alerts", metadata: ["alertmanager": "\(url)", "error": "\(error)", "count": "\(count)"])
        }
        let seconds = RuleGroupRun.seconds(ContinuousClock.now - started)
        state.withLock { state in
            state.sent[url, default: 0] += Double(count)
            if !ok { state.errors[url, default: 0] += Double(count) }
            state.latency[url, default: (0, 0)].sum += seconds
            state.latency[url, default: (0, 0)].count += 1
        }
        return ok
    }

    /// The Alertmanagers alerts go to, and those relabeling dropped, for `/api/v1/alertmanagers`.
    package func alertmanagers() -> (active: [String], dropped: [String]) {
        let sets = state.withLock { $0.sets }
        let urls = sets.map(\.urls)
        return (urls.flatMap(\.active), urls.flatMap(\.dropped))
    }

    /// Notification metrics under Prometheus's names.
    package func renderMetrics() -> String {
        let active = alertmanagers().active
        let state = state.withLock { state in (state.queue.count, state.dropped, state.sent, state.errors, state.latency) }
        let (length, dropped, sent, errors, latency) = state
        var out = ""
        func family(_ name: String, _ type: String, _ help: String, _ samples: [(String, Double)]) {
            out += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
            for (labels, value) in samples { out += name + labels + " " + GoFloat.formatG(value) + "\n" }
        }
        family("prometheus_notifications_alertmanagers_discovered", "gauge", "The number of alertmanagers discovered and active.", [("", Double(active.count))])
        family("prometheus_notifications_dropped_total", "counter", "Total number of alerts dropped due to errors when sending to Alertmanager.", [("", dropped)])
        family("prometheus_notifications_queue_capacity", "gauge", "The capacity of the alert notifications queue.", [("", Double(capacity))])
        family("prometheus_notifications_queue_length", "gauge", "The number of alert notifications in the queue.", [("", Double(length))])
        let urls = Set(sent.keys).union(active).sorted()
        if !urls.isEmpty {
            func labels(_ url: String) -> String { "{alertmanager=\(goQuote(url))}" }
            family("prometheus_notifications_sent_total", "counter", "Total number of alerts sent.", urls.map { (labels($0), sent[$0] ?? 0) })
            family("prometheus_notifications_errors_total", "counter", "Total number of sent alerts affected by errors.", urls.map { (labels($0), errors[$0] ?? 0) })
            out += "# HELP prometheus_notifications_latency_seconds Latency quantiles for sending alert notifications.\n# TYPE prometheus_notifications_latency_seconds summary\n"
            for url in urls {
                let value = latency[url] ?? (0, 0)
                out += "prometheus_notifications_latency_seconds_sum\(labels(url)) \(GoFloat.formatG(value.sum))\n"
                out += "prometheus_notifications_latency_seconds_count\(labels(url)) \(GoFloat.formatG(value.count))\n"
            }
        }
        return out
    }
}
