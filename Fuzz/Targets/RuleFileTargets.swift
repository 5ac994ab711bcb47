import PromQL
import RuleFiles

/// Rule files as alertd and `tsq check rules` load them, and the template language of their labels
/// and annotations, parsed and then run.
enum RuleFileTargets {
    static let ruleFile = FuzzTarget(name: "rule-file", summary: "rule file loader (YAML, queries, templates) and its lint",
                                     seeds: { ruleFileSeeds.map { Array($0.utf8) } }) { bytes in
        let (file, _) = RuleFile.parse(String(decoding: bytes, as: UTF8.self), path: "fuzz.yml")
        guard let file else { return }
        _ = RuleLint.duplicates(file)
    }

    static let template = FuzzTarget(name: "template", summary: "rule templates parsed and executed (Go text/template with Prometheus's functions)",
                                     seeds: { templateSeeds.map { Array($0.utf8) } }) { bytes in
        guard let template = try? Template(String(decoding: bytes, as: UTF8.self), name: "fuzz", variables: RuleFile.templateVariables,
                                           functions: TemplateFunctions.names)
        else { return }
        _ = try? template.execute(context)
    }

    /// An alert's labels and value, and a `query` function that parses its query and answers two
    /// samples (the evaluator has its own target).
    static let context = TemplateContext(
        labels: ["alertname": "HighLatency", "instance": "api-0.toolbox:8008", "job": "api", "severity": "page"],
        externalLabels: ["cluster": "prod"], externalURL: "http://metrics.example:9090", value: 0.731,
        query: { text in
            _ = try Parser.parse(text)
            return [TemplateSample(labels: ["__name__": "up", "instance": "a:1"], value: 1),
                    TemplateSample(labels: ["__name__": "up", "instance": "b:2"], value: 1e-7)]
        })

    static let templateSeeds = [
        "{{ $labels.instance }} is at {{ $value | humanizePercentage }}",
        "{{ with query \"up\" }}{{ . | first | value | humanize }}{{ end }}",
        "{{ range $i, $s := query \"up == 1\" }}{{ $i }}: {{ $s.Labels.instance }}={{ $s.Value | humanize1024 }} {{ end }}",
        "{{ if gt $value 0.5 }}{{ $externalLabels.cluster | toUpper }}{{ else }}{{ printf \"%.2f\" $value }}{{ end }}",
        "{{ reReplaceAll \"(.*):(.*)\" \"$2\" $labels.instance | title }} {{ $labels.job | stripPort }} {{ 90061 | humanizeDuration }}",
        "{{ define \"x\" }}[{{ . }}]{{ end }}{{ template \"x\" $labels.severity }} {{ len $labels }} {{ index $labels \"job\" }}",
        "{{- /* comment */ -}} {{ $x := 1 }}{{ $x = 2 }}{{ and $x (not false) }} {{ or 0 \"\" \"z\" }} {{ html \"<a>\" }} {{ js \"'\" }}",
        "{{ 1700000000 | humanizeTimestamp }} {{ $externalURL | safeHtml }} {{ match \"^api\" $labels.job }} {{ \"a.b:1\" | stripDomain }}",
    ]

    static let ruleFileSeeds = [
        """
        groups:
          - name: api
            interval: 30s
            limit: 10
            labels: {team: platform}
            rules:
              - record: job:http_requests:rate5m
                expr: sum by (job) (rate(http_requests_total[5m]))
              - alert: HighLatency
                expr: histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket[5m]))) > 0.5
                for: 10m
                keep_firing_for: 5m
                labels: {severity: page}
                annotations:
                  summary: "{{ $labels.instance }} p99 at {{ $value | humanizeDuration }}"
                  description: '{{ with query "up" }}{{ . | first | value }}{{ end }}'
        """,
        """
        groups:
          - name: db
            query_offset: 1m
            rules:
              - alert: PostgresDown
                expr: pg_up == 0
                labels: {severity: "{{ if eq $value 0.0 }}page{{ end }}"}
              - record: instance:cache_hits:ratio
                expr: rate(redis_keyspace_hits_total[5m]) / (rate(redis_keyspace_hits_total[5m]) + rate(redis_keyspace_misses_total[5m]))
        """,
    ]
}
