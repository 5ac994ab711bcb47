import Testing

@testable import alertd
@testable import RuleFiles

@Suite("Rule templates: execution")
struct TemplateExecutionTests {
    static let context = TemplateContext(
        labels: ["instance": "db-1.example.com:5432", "job": "postgres", "severity": "page"],
        externalLabels: ["cluster": "prod"], externalURL: "https://prom.example.com/prometheus", value: 0.873,
        query: { expression in
            guard expression == "up" else { throw TemplateRunError("unexpected query \(expression)") }
            return [TemplateSample(labels: ["instance": "b", "__name__": "up"], value: 0), TemplateSample(labels: ["instance": "a", "__name__": "up"], value: 1)]
        })

    static func run(_ text: String, value: Double? = nil) throws -> String {
        var context = Self.context
        if let value { context.value = value }
        return try Template(text, name: "__alert_T", variables: RuleFile.templateVariables, functions: TemplateFunctions.names).execute(context)
    }

    @Test("expands as Prometheus does", arguments: [
        ("Instance {{ $labels.instance }} of {{ $labels.job }} down", "Instance db-1.example.com:5432 of postgres down"),
        ("{{ $value }}", "0.873"),
        ("{{ .Value }} {{ .Labels.job }} {{ .ExternalLabels.cluster }}", "0.873 postgres prod"),
        ("{{ $labels.missing }}|", "|"),
        ("{{ $value | humanizePercentage }}", "87.3%"),
        ("{{ printf \"%.2f\" $value }}", "0.87"),
        ("{{ printf \"%s=%d %5.1f|%-4s|\" \"n\" 42 3.14159 \"ab\" }}", "n=42   3.1|ab  |"),
        ("{{ if gt $value 0.5 }}high{{ else }}low{{ end }}", "high"),
        ("{{ if lt $value 0.5 }}low{{ else if lt $value 0.9 }}mid{{ else }}high{{ end }}", "mid"),
        ("{{ with query \"up\" }}{{ . | first | value }}{{ end }}", "0"),
        ("{{ range query \"up\" | sortByLabel \"instance\" }}{{ .Labels.instance }}={{ .Value }} {{ end }}", "a=1 b=0 "),
        ("{{ range $i, $s := query \"up\" }}{{ $i }}:{{ label \"instance\" $s }} {{ end }}", "0:b 1:a "),
        ("{{ range $k, $v := $labels }}{{ $k }} {{ end }}", "instance job severity "),
        ("{{ reReplaceAll \"(.*)-(\\\\d+)\\\\..*\" \"$1 #$2\" $labels.instance }}", "db #1"),
        ("{{ $labels.instance | stripPort }} {{ $labels.instance | stripDomain }} {{ stripPort \"[::1]:9090\" }}", "db-1.example.com db-1:5432 ::1"),
        ("{{ reReplaceAll \"a*\" \"X\" \"baaac\" }}", "XbXcX"),
        ("{{ match \"^db-\" $labels.instance }} {{ match \"^web\" $labels.instance }}", "true false"),
        ("{{ title \"hello world\" }} {{ toUpper \"a\" }} {{ toLower \"B\" }}", "Hello World A b"),
        ("{{ externalURL }} {{ pathPrefix }}", "https://prom.example.com/prometheus /prometheus"),
        ("{{ $x := 1 }}{{ $x = 2 }}{{ $x }}", "2"),
        ("{{- \"a\" }}  {{- \"b\" -}}  c", "abc"),
        ("{{ and 1 0 }} {{ or 0 \"x\" }} {{ not true }} {{ len $labels }} {{ index $labels \"job\" }}", "0 x false 3 postgres"),
        ("{{ eq $labels.job \"mysql\" \"postgres\" }} {{ ne 1 2 }}", "true true"),
        ("{{ range query \"up\" }}{{ if eq .Value 0.0 }}{{ continue }}{{ end }}{{ .Labels.instance }}{{ end }}", "a"),
        ("{{ range query \"up\" }}{{ .Labels.instance }}{{ break }}{{ end }}", "b"),
        ("{{ args 1 \"x\" }}", "map[arg0:1 arg1:x]"),
        ("{{ print 1 2 \"a\" \"b\" 3 }}", "1 2ab3"),
        ("{{ 1e6 }} {{ 0.1 }} {{ 7 }}", "1e+06 0.1 7"),
    ])
    func expands(template: String, expected: String) throws {
        #expect(try Self.run(template) == expected)
    }

    /// Widths and precisions as Go's `fmt` reads them; each expected text is promtool 2.42's output
    /// for the same annotation. The first two crashed the process before (a fuzz find: a width of
    /// 5,555,555,555,555 spaces was allocated).
    @Test("printf widths and precisions are bounded as in Go", arguments: [
        ("{{ printf \"%5555555555555d|\" 1 }}", "%!(NOVERB)%!(EXTRA int=1)"),
        ("{{ printf \"%.99999999d|\" 1 }}", "%!(NOVERB)%!(EXTRA int=1)"),
        ("{{ printf \"%d %.\" 1 }}", "1 %!.(MISSING)"),
        ("{{ printf \"%\u{663}d|\" 1 }}", "%!\u{663}(int=1)d|"),
        ("{{ printf \"%12d|\" 1 }}", "           1|"),
        ("{{ printf \"%10000001d\" 1 | len }}", "10000001"),
    ])
    func printfWidths(template: String, expected: String) throws {
        #expect(try Self.run(template) == expected)
    }

    /// A fuzz find: numbers past Int64 trapped converting to whole seconds. `humanizeDuration`
    /// prints what promtool 2.42 prints for them; `toDuration` (newer than 2.42) refuses them.
    @Test("durations past 64 bits are printed as Prometheus prints them, or refused", arguments: [
        ("{{ 801e22 | humanizeDuration }}", "-106751991167300d -15h -30m -8s"),
        ("{{ -801e22 | humanizeDuration }}", "--106751991167300d -15h -30m -8s"),
        ("{{ 9.3e18 | humanizeDuration }}", "-106751991167300d -15h -30m -8s"),
        ("{{ 9.2e18 | humanizeDuration }}", "106481481481481d 11h 33m 20s"),
        ("{{ 9e9 | toDuration }}", "2500000h0m0s"),
    ])
    func hugeDurations(template: String, expected: String) throws {
        #expect(try Self.run(template) == expected)
    }

    @Test("toDuration refuses what a Go duration cannot hold", arguments: ["1e300", "-9.3e9", "\"NaN\"", "\"+Inf\""])
    func toDurationRefuses(argument: String) {
        #expect(throws: TemplateError.self) { try Self.run("{{ \(argument) | toDuration }}") }
    }

    @Test("humanize functions match Prometheus's", arguments: [
        ("{{ humanize 1234567 }}", "1.235M"), ("{{ humanize 0.0123 }}", "12.3m"), ("{{ humanize 0 }}", "0"), ("{{ humanize 999 }}", "999"),
        ("{{ humanize1024 1048576 }}", "1Mi"), ("{{ humanize1024 512 }}", "512"),
        ("{{ humanizeDuration 90061 }}", "1d 1h 1m 1s"), ("{{ humanizeDuration 3600 }}", "1h 0m 0s"), ("{{ humanizeDuration 61 }}", "1m 1s"),
        ("{{ humanizeDuration 1.5 }}", "1.5s"), ("{{ humanizeDuration 0.25 }}", "250ms"), ("{{ humanizeDuration 0 }}", "0s"),
        ("{{ humanizeTimestamp 1435065584.128 }}", "2015-06-23 13:19:44.128 +0000 UTC"),
        ("{{ humanize \"2048\" }}", "2.048k"),
        ("{{ toDuration 90 }}", "1m30s"), ("{{ parseDuration \"1h5m\" }}", "3900"),
    ])
    func humanize(template: String, expected: String) throws {
        #expect(try Self.run(template) == expected)
    }

    @Test("failures say where and why, as Go's executor does", arguments: [
        ("{{ query \"nope\" | first }}", "error calling query"),
        ("{{ $labels.instance | first }}", "error calling first"),
        ("{{ with query \"up\" }}{{ .Labels.instance }}{{ end }}", "can't evaluate field Labels in type template.queryResult"),
        ("{{ humanizeTimestamp 1e300 }}", "overflows int64"),
        ("{{ gt $value 1 }}", "incompatible types for comparison"),
        ("{{ humanize \"abc\" }}", "error calling humanize"),
        ("{{ .Nope }}", "can't evaluate field Nope"),
    ])
    func failures(template: String, fragment: String) {
        do {
            let output = try Self.run(template)
            Issue.record("expanded to \(output)")
        } catch {
            #expect("\(error)".hasPrefix("template: __alert_T:1: executing \"__alert_T\": "), "\(error)")
            #expect("\(error)".contains(fragment), "\(error)")
        }
    }
}
