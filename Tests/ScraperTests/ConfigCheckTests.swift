import Config
import Testing
import TestSupport

/// `PrometheusConfig.problems`: every problem of a file with its line and key (`tsq check config`).
@Suite("Config check")
struct ConfigCheckTests {
    @Test("the platform's configuration, in block style, has no problems and loads")
    func platformPasses() throws {
        #expect(PrometheusConfig.problems(yaml: PlatformConfig.blockStyle, source: "prometheus.yml") == [])
        let config = try PrometheusConfig.load(yaml: PlatformConfig.blockStyle)
        #expect(config.scrapeConfigs.map(\.jobName) == ["kubernetes-pods", "node-exporter"])
        #expect(config.scrapeConfigs[0].relabelConfigs.count == 3)
    }

    @Test("every problem is reported, each with its line and key")
    func everyProblem() {
        let yaml = """
            global:
              scrape_interval: 15s
              scrape_intreval: 10s
            scrape_configs:
            - job_name: a
              static_configs: [{targets: ['x:1']}]
              relabel_configs:
              - source_labels: [x]
                regex: '(unclosed'
            - static_configs: [{targets: ['y:1']}]
            - job_name: c
              scrape_interval: soon

            """
        let problems = PrometheusConfig.problems(yaml: yaml, source: "p.yml")
        #expect(problems.count == 4, "\(problems)")
        #expect(problems.contains { $0.line == 3 && $0.key == "global.scrape_intreval" && $0.message.contains("not found") })
        #expect(problems.contains { $0.line == 9 && $0.key == "scrape_configs[0].relabel_configs[0].regex" })
        #expect(problems.contains { $0.line == 10 && $0.key == "scrape_configs[1]" && $0.message == "missing field job_name" })
        #expect(problems.contains { $0.line == 12 && $0.key == "scrape_configs[2].scrape_interval" })
        #expect(problems.allSatisfy { $0.description.hasPrefix("p.yml:\($0.line ?? 0): ") })
    }

    @Test("a cross-field problem points at the job it names")
    func duplicateJob() {
        let yaml = "scrape_configs:\n- job_name: a\n- job_name: b\n- job_name: a\n"
        #expect(PrometheusConfig.problems(yaml: yaml, source: "p.yml") == [
            ConfigProblem(source: "p.yml", line: 4, key: "scrape_configs[2]", message: "found multiple scrape configs with job name \"a\""),
        ])
    }

    @Test("a YAML syntax error is one problem")
    func syntax() {
        let problems = PrometheusConfig.problems(yaml: "scrape_configs: [\n", source: "p.yml")
        #expect(problems.count == 1)
    }
}
