import ArgumentParser
import Foundation
import MetricsModel

/// The rule-evaluation flags metricsd and alertd share, with Prometheus's names and defaults.
package struct RuleFlags: ParsableArguments {
    @Option(name: .customLong("web.external-url"), help: "The URL under which this server is reached from outside (in alerts' generatorURL and templates' externalURL); default http://<hostname>:<port>.")
    package var externalURL: String?

    @Option(name: .customLong("rules.alert.for-outage-tolerance"), help: "Max time to tolerate an outage for restoring \"for\" state of alerts.")
    package var forOutageTolerance = "1h"

    @Option(name: .customLong("rules.alert.for-grace-period"), help: "Minimum duration between alert and restored \"for\" state. This is maintained only for alerts with configured \"for\" time greater than the grace period.")
    package var forGracePeriod = "10m"

    @Option(name: .customLong("rules.alert.resend-delay"), help: "Minimum amount of time to wait before resending an alert to Alertmanager.")
    package var resendDelay = "1m"

    @Option(name: .customLong("alertmanager.notification-queue-capacity"), help: "The capacity of the queue for pending Alertmanager notifications; when full, the oldest are dropped.")
    package var notificationQueueCapacity = 10_000

    package init() {}

    package func validate() throws {
        _ = try options(listenPort: 0) as RuleManager<NoStore>.Options
        guard notificationQueueCapacity > 0 else { throw ValidationError("--alertmanager.notification-queue-capacity must be positive") }
    }

    /// The manager's settings; `listenPort` makes the default external URL.
    package func options<Store: Appendable>(listenPort: Int) throws -> RuleManager<Store>.Options {
        var options = RuleManager<Store>.Options()
        func milliseconds(_ text: String, _ flag: String) throws -> Int64 {
            guard let duration = PromDuration(parsing: text) else { throw ValidationError("--\(flag): invalid duration \(text)") }
            return duration.milliseconds
        }
        options.outageTolerance = try milliseconds(forOutageTolerance, "rules.alert.for-outage-tolerance")
        options.gracePeriod = try milliseconds(forGracePeriod, "rules.alert.for-grace-period")
        options.resendDelay = try milliseconds(resendDelay, "rules.alert.resend-delay")
        if let externalURL {
            guard let url = URL(string: externalURL), url.scheme == "http" || url.scheme == "https", url.host != nil else {
                throw ValidationError("--web.external-url: not an http(s) URL: \(externalURL)")
            }
            options.externalURL = externalURL.hasSuffix("/") ? String(externalURL.dropLast()) : externalURL
        } else {
            options.externalURL = "http://\(ProcessInfo.processInfo.hostName):\(listenPort)"
        }
        return options
    }

    /// The flags by name, for `/api/v1/status/flags`.
    package var values: [String: String] {
        [
            "web.external-url": externalURL ?? "", "rules.alert.for-outage-tolerance": forOutageTolerance,
            "rules.alert.for-grace-period": forGracePeriod, "rules.alert.resend-delay": resendDelay,
            "alertmanager.notification-queue-capacity": String(notificationQueueCapacity),
        ]
    }
}

/// A store type for checking flags before any store exists.
package struct NoStore: Appendable {
    package struct Appender: MetricsModel.Appender {
        package mutating func append(_ ref: SeriesRef, _ labels: Labels, _ sample: Sample) throws -> SeriesRef { 0 }
        package mutating func commit() throws {}
        package mutating func rollback() {}
    }

    package func appender() -> Appender { Appender() }
}
