import ArgumentParser
import Config
import MetricsModel
import TSDB

/// `metricsd --agent` and its storage flags, with Prometheus's agent names.
struct AgentFlags: ParsableArguments {
    @Flag(name: .customLong("agent"), help: "Run as an agent: discover, scrape and remote_write, keeping only a WAL (no local queries, rules or blocks).")
    var enabled = false

    @Option(name: .customLong("storage.agent.path"), help: "Base path for the agent's WAL.")
    var path = "data-agent/"

    @Option(name: .customLong("storage.agent.wal-truncate-frequency"),
            help: "How often the agent's WAL is truncated: series with no sample since the last truncation are forgotten and segments every remote_write destination has sent are deleted.")
    var truncateFrequency = "2h"

    @Option(name: .customLong("storage.agent.retention.max-time"),
            help: "How old unsent data may grow before it is given up (as --storage.remote.wal-hold-max-age; 0s keeps that flag's value).")
    var retentionMaxTime = "0s"

    func validate() throws {
        _ = try truncateInterval()
        guard PromDuration(parsing: retentionMaxTime) != nil else {
            throw ValidationError("--storage.agent.retention.max-time: invalid duration \(retentionMaxTime)")
        }
    }

    func truncateInterval() throws -> PromDuration {
        guard let interval = PromDuration(parsing: truncateFrequency), interval.milliseconds > 0 else {
            throw ValidationError("--storage.agent.wal-truncate-frequency: invalid duration \(truncateFrequency)")
        }
        return interval
    }

    /// The agent store's settings; `wal` and `clock` come from the shared storage flags.
    func storeOptions(wal: WALOptions, clock: SampleClock) throws -> AgentStore.Options {
        var options = AgentStore.Options()
        options.wal = wal
        options.clock = clock
        options.seriesIdle = try truncateInterval().milliseconds
        return options
    }

    var values: [String: String] {
        [
            "agent": String(enabled), "storage.agent.path": path, "storage.agent.wal-truncate-frequency": truncateFrequency,
            "storage.agent.retention.max-time": retentionMaxTime,
        ]
    }

    /// What the agent refuses in a configuration, as Prometheus's agent does.
    static func check(_ config: PrometheusConfig) throws {
        if !config.ruleFiles.isEmpty {
            throw ConfigError(source: "configuration", message: "field rule_files is not allowed in agent mode")
        }
        if !config.alerting.alertmanagers.isEmpty {
            throw ConfigError(source: "configuration", message: "field alerting is not allowed in agent mode")
        }
        if !config.remoteRead.isEmpty {
            throw ConfigError(source: "configuration", message: "field remote_read is not allowed in agent mode")
        }
    }
}
