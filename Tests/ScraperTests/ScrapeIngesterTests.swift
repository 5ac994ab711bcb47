import Config
import MetricsModel
import Relabel
import Testing
import TSDB

@testable import Scraper

@Suite("Scrape ingestion")
struct ScrapeIngesterTests {
    /// Collects appended samples instead of storing them.
    struct RecordingAppender: Appender {
        var samples: [(Labels, Sample)] = []
        mutating func append(_ ref: SeriesRef, _ labels: Labels, _ sample: Sample) throws -> SeriesRef {
            samples.append((labels, sample))
            return 0
        }
        mutating func commit() throws {}
        mutating func rollback() { samples = [] }
    }

    static func target(_ config: ScrapeConfig) throws -> Target {
        try #require(try Target.populate(["__address__": "host:9100", "env": "prod"], config: config, global: GlobalConfig()))
    }

    @Test("target labels are attached and clashes become exported_ labels")
    func exportedLabels() throws {
        let config = ScrapeConfig(jobName: "node")
        var ingester = ScrapeIngester(target: try Self.target(config), config: config)
        var appender = RecordingAppender()
        _ = try ingester.ingest(Array("m{job=\"inner\",exported_job=\"x\"} 1\n".utf8), format: .prometheusText, timestamp: 1000, into: &appender)
        let labels = try #require(appender.samples.first?.0)
        #expect(labels == ["__name__": "m", "job": "node", "instance": "host:9100", "env": "prod", "exported_job": "x", "exported_exported_job": "inner"])
    }

    @Test("a scraped label with an empty value is no label in the stored series")
    func emptyScrapedLabel() throws {
        let config = ScrapeConfig(jobName: "node")
        var ingester = ScrapeIngester(target: try Self.target(config), config: config)
        var appender = RecordingAppender()
        _ = try ingester.ingest(Array("m{a=\"\",b=\"x\"} 1\n".utf8), format: .prometheusText, timestamp: 1000, into: &appender)
        #expect(appender.samples.first?.0 == ["__name__": "m", "b": "x", "job": "node", "instance": "host:9100", "env": "prod"])
    }

    @Test("a target group's empty-valued label stays among the discovered labels but is no target label")
    func emptyGroupLabel() throws {
        let config = ScrapeConfig(jobName: "node")
        let target = try #require(try Target.populate(["__address__": "host:9100", "team": "", "env": "prod"], config: config, global: GlobalConfig()))
        #expect(target.labels == ["job": "node", "instance": "host:9100", "env": "prod"])
        #expect(target.discoveredLabels["team"] == "")
    }

    @Test("TYPE, HELP and UNIT lines become the target's metadata, flagged only when they change")
    func metadata() throws {
        let config = ScrapeConfig(jobName: "node")
        var ingester = ScrapeIngester(target: try Self.target(config), config: config)
        var appender = RecordingAppender()
        let body = "# HELP http_requests_total Requests served.\n# TYPE http_requests_total counter\nhttp_requests_total 3\n# TYPE temp gauge\ntemp 1\n"
        _ = try ingester.ingest(Array(body.utf8), format: .prometheusText, timestamp: 1000, into: &appender)
        #expect(ingester.metadata["http_requests_total"] == MetricMetadata(type: .counter, help: "Requests served."))
        #expect(ingester.metadata["temp"] == MetricMetadata(type: .gauge))
        #expect(ingester.metadataChanged)
        _ = try ingester.ingest(Array(body.utf8), format: .prometheusText, timestamp: 2000, into: &appender)
        #expect(!ingester.metadataChanged)
        let openMetrics = "# TYPE temp_celsius gauge\n# UNIT temp_celsius celsius\ntemp_celsius 1\n# EOF\n"
        _ = try ingester.ingest(Array(openMetrics.utf8), format: .openMetrics, timestamp: 3000, into: &appender)
        #expect(ingester.metadataChanged)
        #expect(ingester.metadata == ["temp_celsius": MetricMetadata(type: .gauge, unit: "celsius")])
    }

    /// Hands out references and can forget them, as the head does when a series leaves it.
    struct RefAppender: Appender {
        var refs: [Labels: SeriesRef] = [:]
        var labelsByRef: [SeriesRef: Labels] = [:]
        var samples: [(Labels, Sample)] = []
        var byRef = 0
        mutating func append(_ ref: SeriesRef, _ labels: Labels, _ sample: Sample) throws -> SeriesRef {
            if ref != 0, let known = labelsByRef[ref] {
                byRef += 1
                samples.append((known, sample))
                return ref
            }
            guard !labels.isEmpty else { throw AppendError.unknownReference(ref) }
            let assigned = refs[labels] ?? SeriesRef(refs.count + 1)
            refs[labels] = assigned
            labelsByRef[assigned] = labels
            samples.append((labels, sample))
            return assigned
        }
        mutating func forgetAll() { labelsByRef = [:]; refs = [:] }
        mutating func commit() throws {}
        mutating func rollback() {}
    }

    @Test("known series append by reference; a forgotten reference falls back to rebuilt labels")
    func appendsByReference() throws {
        var config = ScrapeConfig(jobName: "node")
        config.metricRelabelConfigs = [try RelabelConfig(sourceLabels: ["__name__"], regex: "dropped_.*", action: .drop)]
        var ingester = ScrapeIngester(target: try Self.target(config), config: config)
        var appender = RefAppender()
        let body = Array("a{x=\"1\"} 1\nb 2\ndropped_total 3\n".utf8)
        _ = try ingester.ingest(body, format: .prometheusText, timestamp: 1000, into: &appender)
        _ = try ingester.ingest(body, format: .prometheusText, timestamp: 2000, into: &appender)
        #expect(appender.byRef == 2)
        appender.forgetAll()
        _ = try ingester.ingest(body, format: .prometheusText, timestamp: 3000, into: &appender)
        let third = appender.samples.suffix(2).map { $0.0 }
        #expect(third.contains(["__name__": "a", "x": "1", "job": "node", "instance": "host:9100", "env": "prod"]))
        #expect(third.contains(["__name__": "b", "job": "node", "instance": "host:9100", "env": "prod"]))
        // A series that vanishes is marked stale through its reference.
        _ = try ingester.ingest(Array("a{x=\"1\"} 1\n".utf8), format: .prometheusText, timestamp: 4000, into: &appender)
        let stale = try #require(appender.samples.last)
        #expect(stale.0["__name__"] == "b" && StaleMarker.isStale(stale.1.value))
    }

    @Test("honor_labels keeps the scraped values")
    func honorLabels() throws {
        var config = ScrapeConfig(jobName: "node")
        config.honorLabels = true
        var ingester = ScrapeIngester(target: try Self.target(config), config: config)
        var appender = RecordingAppender()
        _ = try ingester.ingest(Array("m{job=\"inner\"} 1\n".utf8), format: .prometheusText, timestamp: 1000, into: &appender)
        #expect(appender.samples.first?.0["job"] == "inner")
    }

    @Test("metric_relabel_configs drop series and the cache remembers the drop")
    func metricRelabel() throws {
        var config = ScrapeConfig(jobName: "node")
        config.metricRelabelConfigs = [try RelabelConfig(sourceLabels: ["__name__"], regex: "go_.*", action: .drop)]
        var ingester = ScrapeIngester(target: try Self.target(config), config: config)
        for round in 0..<2 {
            var appender = RecordingAppender()
            let report = try ingester.ingest(Array("go_goroutines 5\nkeep_me 1\n".utf8), format: .prometheusText, timestamp: Int64(round) * 1000, into: &appender)
            #expect(report.samplesScraped == 2)
            #expect(report.samplesPostRelabel == 1)
            #expect(report.seriesAdded == (round == 0 ? 1 : 0))
            #expect(appender.samples.map(\.0.metricName) == ["keep_me"])
        }
    }

    @Test("a series that disappears gets a stale marker")
    func staleness() throws {
        let config = ScrapeConfig(jobName: "node")
        var ingester = ScrapeIngester(target: try Self.target(config), config: config)
        var first = RecordingAppender()
        _ = try ingester.ingest(Array("a 1\nb 1\n".utf8), format: .prometheusText, timestamp: 1000, into: &first)
        var second = RecordingAppender()
        _ = try ingester.ingest(Array("a 2\n".utf8), format: .prometheusText, timestamp: 2000, into: &second)
        let stale = second.samples.filter { StaleMarker.isStale($0.1.value) }
        #expect(stale.map(\.0.metricName) == ["b"])
        #expect(stale.first?.1.timestamp == 2000)
    }

    @Test("sample_limit fails the whole scrape")
    func sampleLimit() throws {
        var config = ScrapeConfig(jobName: "node")
        config.limits.sampleLimit = 1
        var ingester = ScrapeIngester(target: try Self.target(config), config: config)
        var appender = RecordingAppender()
        #expect(throws: ScrapeIngester.Failure.self) {
            try ingester.ingest(Array("a 1\nb 1\n".utf8), format: .prometheusText, timestamp: 1000, into: &appender)
        }
    }

    @Test("label_limit, label_name_length_limit and label_value_length_limit (in bytes) fail the whole scrape with Prometheus's words", arguments: [
        // The final labels count, target labels among them: `ok` has __name__, env, instance and job.
        ("label_limit: 5", #"m{a="1",b="2",c="3"} 1"#, "label_limit exceeded (metric: m, number of labels: 7, limit: 5)"),
        ("label_name_length_limit: 8", #"m{long_name_here="1"} 1"#, "label_name_length_limit exceeded (metric: m, label name: long_name_here, length: 14, limit: 8)"),
        ("label_value_length_limit: 10", #"m{a="123456789012"} 1"#, #"label_value_length_limit exceeded (metric: m, label name: a, value: "123456789012", length: 12, limit: 10)"#),
        ("label_value_length_limit: 10", #"m{a="éééééé"} 1"#, #"label_value_length_limit exceeded (metric: m, label name: a, value: "éééééé", length: 12, limit: 10)"#),
    ])
    func labelLimits(setting: String, line: String, message: String) throws {
        let config = try PrometheusConfig.load(yaml: "scrape_configs:\n- job_name: node\n  \(setting)\n").scrapeConfigs[0]
        var ingester = ScrapeIngester(target: try Self.target(config), config: config)
        var appender = RecordingAppender()
        do {
            _ = try ingester.ingest(Array("ok 1\n\(line)\n".utf8), format: .prometheusText, timestamp: 1000, into: &appender)
            Issue.record("\(setting): the scrape passed")
        } catch {
            #expect(error.description == message)
        }
        // Within the limit, the same series is stored.
        let loose = try PrometheusConfig.load(yaml: "scrape_configs:\n- job_name: node\n").scrapeConfigs[0]
        var free = ScrapeIngester(target: try Self.target(loose), config: loose)
        #expect(try free.ingest(Array("\(line)\n".utf8), format: .prometheusText, timestamp: 1000, into: &appender).samplesPostRelabel == 1)
    }

    @Test("limits under global: apply to jobs that do not set their own; a job's own value wins")
    func globalLimits() throws {
        let config = try PrometheusConfig.load(yaml: """
            global:
              sample_limit: 100
              label_limit: 10
              label_value_length_limit: 200
              body_size_limit: 1MB
              target_limit: 5
              keep_dropped_targets: 2
            scrape_configs:
            - job_name: inherits
            - job_name: own
              sample_limit: 7
              target_limit: 1
            """)
        let inherits = config.scrapeConfigs[0], own = config.scrapeConfigs[1]
        #expect([inherits.limits.sampleLimit, inherits.limits.labelLimit, inherits.limits.labelValueLengthLimit, inherits.limits.bodySizeLimit, inherits.limits.targetLimit, inherits.limits.keepDroppedTargets]
                == [100, 10, 200, 1 << 20, 5, 2])
        #expect([own.limits.sampleLimit, own.limits.labelLimit, own.limits.targetLimit] == [7, 10, 1])
    }

    @Test("honor_timestamps uses the exposed timestamp")
    func timestamps() throws {
        let config = ScrapeConfig(jobName: "node")
        var ingester = ScrapeIngester(target: try Self.target(config), config: config)
        var appender = RecordingAppender()
        _ = try ingester.ingest(Array("a 1 5000\nb 1\n".utf8), format: .prometheusText, timestamp: 9000, into: &appender)
        #expect(appender.samples.map(\.1.timestamp) == [5000, 9000])
    }
}

@Suite("Targets and configuration")
struct TargetTests {
    @Test("a static target gets job, instance and its URL")
    func populate() throws {
        var config = ScrapeConfig(jobName: "api")
        config.metricsPath = "/custom"
        config.params = ["module": ["http 2xx"]]
        let target = try #require(try Target.populate(["__address__": "10.0.0.1:8008"], config: config, global: GlobalConfig()))
        #expect(target.labels == ["job": "api", "instance": "10.0.0.1:8008"])
        #expect(target.url == "http://10.0.0.1:8008/custom?module=http%202xx")
        #expect(target.interval == .seconds(60))
    }

    @Test("the platform's prometheus.yml pod rules decide scrape path and port")
    func platformRules() throws {
        let yaml = """
            global: {scrape_interval: 15s, evaluation_interval: 15s}
            scrape_configs:
            - job_name: 'kubernetes-pods'
              relabel_configs:
              - {source_labels: [__meta_kubernetes_pod_annotation_prometheus_io_scrape], action: keep, regex: true}
              - {source_labels: [__meta_kubernetes_pod_annotation_prometheus_io_path], action: replace, target_label: __metrics_path__, regex: (.+)}
              - {source_labels: [__address__, __meta_kubernetes_pod_annotation_prometheus_io_port], action: replace, regex: '([^:]+)(?::\\d+)?;(\\d+)', replacement: $1:$2, target_label: __address__}
            """
        let config = try PrometheusConfig.load(yaml: yaml)
        let scrape = try #require(config.scrapeConfigs.first)
        let discovered: Labels = [
            "__address__": "10.1.0.7", "__meta_kubernetes_pod_annotation_prometheus_io_scrape": "true",
            "__meta_kubernetes_pod_annotation_prometheus_io_path": "/stats", "__meta_kubernetes_pod_annotation_prometheus_io_port": "9876",
        ]
        let target = try #require(try Target.populate(discovered, config: scrape, global: config.global))
        #expect(target.url == "http://10.1.0.7:9876/stats")
        #expect(target.interval == .seconds(15))
        #expect(target.labels == ["job": "kubernetes-pods", "instance": "10.1.0.7:9876"])
    }

    @Test("the platform document's unquoted regex is invalid YAML, refused as Prometheus 2.42 refuses it")
    func platformDocumentFlowScalar() {
        // `[` may not appear in a plain scalar inside a flow mapping; promtool says
        // "yaml: line 7: did not find expected ',' or '}'" for the same text.
        let yaml = "scrape_configs:\n- job_name: p\n  relabel_configs:\n  - {source_labels: [a], regex: ([^:]+)(?::\\d+)?;(\\d+), target_label: b}\n"
        #expect(throws: ConfigError.self) { try PrometheusConfig.load(yaml: yaml) }
    }

    @Test("invalid configurations are refused with the reason", arguments: [
        ("scrape_configs: [{job_name: a}, {job_name: a}]", "multiple scrape configs"),
        ("global: {scrape_interval: 15x}", "not a valid duration"),
        ("scrape_configs: [{job_name: a, scrape_interval: 5s, scrape_timeout: 10s}]", "scrape timeout greater"),
        ("scrape_configs: [{job_name: a, relabel_configs: [{action: explode}]}]", "unknown relabel action"),
        ("scrape_configs: [{job_name: a, relabel_configs: [{regex: 'a(', target_label: x}]}]", "missing closing )"),
        ("global:\n  scrape_intervall: 15s\n", "line 2: field scrape_intervall not found in global"),
        ("scrape_configs:\n- job_name: a\n  static_config: []\n", "line 3: field static_config not found in scrape_configs[0]"),
        ("scrape_configs:\n- job_name: a\n  relabel_configs:\n  - {action: keep, regexp: x}\n", "line 4: field regexp not found in scrape_configs[0].relabel_configs[0]"),
        ("bogus: 1\n", "line 1: field bogus not found in the configuration"),
        ("scrape_configs: [{job_name: a, body_size_limit: 10 MB}]", "invalid size \"10 MB\""),
        ("scrape_configs: [{job_name: a, body_size_limit: 10XB}]", "invalid size"),
        ("scrape_configs: [{job_name: a, body_size_limit: -1}]", "cannot be negative"),
        ("scrape_configs: [{job_name: a, body_size_limit: 99999999EB}]", "invalid size"),
        ("scrape_configs: [{job_name: a, static_configs: [{targets: ['http://x:9100']}]}]", "is not a valid hostname"),
    ])
    func invalidConfigs(yaml: String, reason: String) {
        do {
            _ = try PrometheusConfig.load(yaml: yaml, source: "test.yml")
            Issue.record("loaded")
        } catch {
            #expect(error.description.contains(reason), "\(error.description)")
            #expect(error.description.hasPrefix("test.yml: "))
        }
    }

    static let sizeCases: [(String, Int)] = [
        ("10MB", 10_485_760), ("10MiB", 10_485_760), ("512KB", 524_288), ("1GB", 1_073_741_824), ("3B", 3), ("0", 0), ("1048576", 1_048_576),
        ("2TB", 2_199_023_255_552), ("1EB", 1_152_921_504_606_846_976),
    ]

    @Test("sizes take Prometheus's units (powers of 1024), or bare bytes", arguments: sizeCases)
    func sizes(text: String, bytes: Int) throws {
        #expect(ByteSize.parse(text) == bytes)
        let config = try PrometheusConfig.load(yaml: "scrape_configs: [{job_name: a, body_size_limit: \(text)}]")
        #expect(config.scrapeConfigs[0].limits.bodySizeLimit == bytes)
    }

    @Test("an empty file, or one of comments only, is the default configuration", arguments: ["", "\n\n", "# nothing here\n", "---\n"])
    func emptyConfig(yaml: String) throws {
        let config = try PrometheusConfig.load(yaml: yaml)
        #expect(config == PrometheusConfig())
    }

    @Test("durations parse and print as Prometheus's", arguments: [
        ("15s", Int64(15_000), "15s"), ("1m30s", 90_000, "1m30s"), ("1h", 3_600_000, "1h"), ("0", 0, "0s"), ("2d", 172_800_000, "2d"),
        ("500ms", 500, "500ms"), ("1w", 604_800_000, "1w"),
    ])
    func durations(text: String, milliseconds: Int64, canonical: String) throws {
        let duration = try #require(PromDuration(parsing: text))
        #expect(duration.milliseconds == milliseconds)
        #expect(duration.description == canonical)
    }

    @Test("malformed durations are refused", arguments: ["", "s", "1", "1s1m", "1.5s", "-1s", "1x", "99999999999999999999s"])
    func badDurations(text: String) {
        #expect(PromDuration(parsing: text) == nil)
    }
}

@Suite("Scrape ingestion into the head's bounds")
struct ScrapeBoundsTests {
    @Test("a scraped sample dated far ahead (year 3000) is dropped as out of bounds; the rest of the scrape is stored")
    func futureTimestamp() throws {
        let now: Int64 = 1_800_000_000_000
        let head = Head(options: HeadOptions(clock: SampleClock(now: { now })))
        let config = ScrapeConfig(jobName: "node")
        var ingester = ScrapeIngester(target: try ScrapeIngesterTests.target(config), config: config)
        var appender = head.appender()
        let body = "future_metric 1 32503680000000\nold_metric 1 1000\nlive_metric 2\n"
        let report = try ingester.ingest(Array(body.utf8), format: .prometheusText, timestamp: now, into: &appender)
        try appender.commit()
        #expect(report.outOfBounds == 2)
        #expect(report.outOfOrder == 0)
        #expect(head.series([]).map { $0[LabelNames.metricName] } == ["live_metric"])
        #expect(head.maxTime == now)
        // The same explicit timestamp and value again (a target that repeats its sample) is no
        // refusal; a new value at that timestamp is a duplicate.
        let repeated = "stamped 1 \(now - 1000)\n"
        var first = head.appender()
        _ = try ingester.ingest(Array(repeated.utf8), format: .prometheusText, timestamp: now + 1, into: &first)
        try first.commit()
        var second = head.appender()
        let again = try ingester.ingest(Array(repeated.utf8), format: .prometheusText, timestamp: now + 2, into: &second)
        #expect(again.outOfOrder + again.outOfBounds + again.duplicateTimestamp == 0)
        var third = head.appender()
        let changed = try ingester.ingest(Array("stamped 2 \(now - 1000)\n".utf8), format: .prometheusText, timestamp: now + 3, into: &third)
        #expect(changed.duplicateTimestamp == 1)
    }
}
