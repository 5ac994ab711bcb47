import Foundation
import Testing
import TestSupport

@testable import alertd
@testable import RuleFiles

@Suite("Rule files: loading and checks")
struct RuleFileTests {
    static func errors(_ yaml: String) -> [String] {
        RuleFile.parse(yaml, path: "r.yml").1.map(\.description)
    }

    @Test("a valid file loads with its groups and rules")
    func loads() throws {
        let yaml = """
            groups:
              - name: api
                interval: 30s
                query_offset: 1m
                limit: 10
                labels: {team: platform}
                rules:
                  - record: job:http_requests:rate5m
                    expr: sum by (job) (rate(http_requests_total[5m]))
                  - alert: HighErrorRate
                    expr: job:http_errors:ratio5m > 0.05
                    for: 10m
                    keep_firing_for: 5m
                    labels: {severity: page}
                    annotations:
                      summary: "{{ $labels.job }} errors at {{ $value | humanizePercentage }}"
            """
        let (file, errors) = RuleFile.parse(yaml, path: "r.yml")
        #expect(errors == [])
        let group = try #require(file?.groups.first)
        #expect(group.name == "api" && group.interval == 30_000 && group.queryOffset == 60_000 && group.limit == 10 && group.labels == ["team": "platform"])
        #expect(group.rules.map(\.kind) == [.recording, .alerting])
        #expect(group.rules[1].holdDuration == 600_000 && group.rules[1].keepFiringFor == 300_000 && group.rules[1].line == 10)
    }

    @Test("each problem is placed by file, position, group and rule", arguments: [
        ("groups:\n  - name: g\n    rules:\n      - record: x\n        expr: 'test +'\n",
         "r.yml: 5:15: group \"g\", rule 1, \"x\": could not parse expression: 1:7: parse error: unexpected end of input"),
        ("groups:\n  - name: g\n    rules:\n      - expr: up\n",
         "r.yml: 4:9: group \"g\", rule 1, \"\": one of 'record' or 'alert' must be set"),
        ("groups:\n  - name: g\n    rules:\n      - record: x\n",
         "r.yml: 4:9: group \"g\", rule 1, \"x\": field 'expr' must be set in rule"),
        ("groups:\n  - name: g\n    rules:\n      - record: x\n        expr: up\n        for: 5m\n",
         "r.yml: 6:14: group \"g\", rule 1, \"x\": invalid field 'for' in recording rule"),
        ("groups:\n  - name: g\n    rules:\n      - record: x\n        expr: up\n        annotations: {a: b}\n",
         "r.yml: 6:22: group \"g\", rule 1, \"x\": invalid field 'annotations' in recording rule"),
        ("groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up\n        labels: {__name__: b}\n",
         "r.yml: 6:17: group \"g\", rule 1, \"A\": invalid label name: __name__"),
        ("groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up\n        annotations: {s: '{{ $label.x }}'}\n",
         "r.yml: group \"g\", rule 1, \"A\": annotation \"s\": template: __alert_A:1: undefined variable \"$label\""),
        ("groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up\n        labels: {s: '{{ nope }}'}\n",
         "r.yml: group \"g\", rule 1, \"A\": label \"s\": template: __alert_A:1: function \"nope\" not defined"),
        ("groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up\n        for: soon\n",
         "r.yml: 6:14: group \"g\", rule 1, \"A\": for: not a valid duration string: \"soon\""),
        ("groups:\n  - name: g\n    rules: []\n  - name: g\n    rules: []\n", "r.yml: group \"g\", groupname: \"g\" is repeated in the same file"),
        ("groups:\n  - rules: []\n", "r.yml: Groupname must not be empty"),
        ("groups:\n  - name: g\n    namespace: x\n    rules:\n      - alert: A\n        expr: up\n        severity: page\n",
         "r.yml: yaml: unmarshal errors:\n  line 3: field namespace not found in type rulefmt.RuleGroup\n  line 7: field severity not found in type rulefmt.Rule"),
    ])
    func problem(yaml: String, expected: String) {
        #expect(Self.errors(yaml) == [expected])
    }

    @Test("every problem of a file is reported, not only the first")
    func allProblems() {
        let yaml = "groups:\n  - name: g\n    rules:\n      - record: a\n        expr: 'sum('\n      - record: b\n        expr: up\n        for: 1m\n"
        #expect(Self.errors(yaml).count == 2)
    }

    @Test("unknown fields are accepted when asked")
    func ignoreUnknown() {
        let yaml = "groups:\n  - name: g\n    namespace: x\n    rules:\n      - record: a\n        expr: up\n"
        #expect(RuleFile.parse(yaml, path: "r.yml", ignoreUnknownFields: true).1 == [])
    }

    @Test("duplicate rules are found once per name and label set")
    func duplicates() throws {
        let yaml = """
            groups:
              - name: a
                rules:
                  - {record: x, expr: up}
                  - {record: x, expr: up}
                  - {record: x, expr: up, labels: {k: v}}
              - name: b
                rules:
                  - {record: x, expr: up}
                  - {record: y, expr: up}
            """
        let file = try #require(RuleFile.parse(yaml, path: "r.yml").0)
        #expect(RuleLint.duplicates(file) == [RuleLint.Duplicate(name: "x", labels: [:])])
    }

    @Test("promtool's own rule files give promtool's verdicts", SharedConformance.required, arguments: [
        ("rules.yml", true), ("rules-bad.yml", false), ("rules_duplicates.yml", true), ("rules_extrafields.yml", false),
        ("bad-rules-syntax.yml", false), ("bad-rules-error.yml", true),
    ])
    func sharedFiles(name: String, valid: Bool) throws {
        let path = try #require(SharedConformance.directory).appendingPathComponent("rules/\(name)").path
        let (file, errors) = RuleFile.load(path: path)
        #expect((file != nil) == valid, "\(errors)")
        if name == "rules-bad.yml" {
            #expect(errors.map(\.description) == [
                "\(path): group \"alerts\", rule 1, \"InstanceDown\": annotation \"summary\": template: __alert_InstanceDown:1: undefined variable \"$label\"",
            ])
        }
        if name == "rules.yml" { #expect(file?.ruleCount == 5) }
    }
}
