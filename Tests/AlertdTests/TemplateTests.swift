import Testing

@testable import alertd
@testable import RuleFiles

@Suite("Rule templates: parsing")
struct TemplateTests {
    static func parse(_ text: String) throws(TemplateError) -> Template {
        try Template(text, name: "__alert_Test", variables: RuleFile.templateVariables, functions: TemplateFunctions.names)
    }

    @Test("templates Prometheus users write parse", arguments: [
        "Instance {{ $labels.instance }} down",
        "{{ $value | humanize }}% of {{ $labels.job }}",
        "{{ printf \"%.2f\" $value }}",
        "{{ with query \"up\" }}{{ . | first | value | humanize }}{{ end }}",
        "{{ range $i, $s := query \"up\" }}{{ $i }}: {{ $s.Labels.instance }}{{ else }}none{{ end }}",
        "{{ if gt $value 0.5 }}high{{ else if gt $value 0.1 }}medium{{ else }}low{{ end }}",
        "{{- /* a comment */ -}}  {{ $externalLabels.cluster }} {{ externalURL }}{{ pathPrefix }}",
        "{{ $x := 1 }}{{ $x = 2 }}{{ $x }}",
        "{{ reReplaceAll \"(.*):.*\" \"$1\" $labels.instance | toUpper }}",
        "{{ (query \"up\" | first).Labels.job }}",
        "{{ range query \"up\" }}{{ if eq .Value 0.0 }}{{ break }}{{ end }}{{ continue }}{{ end }}",
        "{{ humanizeDuration 3600 }} {{ humanizeTimestamp 0 }} {{ humanizePercentage 0.5 }} {{ humanize1024 2048 }}",
        "{{ 'a' }} {{ `raw {{ text` }} {{ -1.5e3 }} {{ 0x1F }} {{ true }} {{ nil | print }}",
        "text with } and { braces",
    ])
    func parses(text: String) throws {
        _ = try Self.parse(text)
    }

    @Test("errors name the template, the line and the fault as Go does", arguments: [
        ("Instance {{ $label.foo }} down", 1, "undefined variable \"$label\""),
        ("line one\n{{ frobnicate $value }}", 2, "function \"frobnicate\" not defined"),
        ("{{ $labels.instance ", 1, "unclosed action"),
        ("{{ if $value }}never closed", 1, "unexpected EOF"),
        ("{{ end }}", 1, "unexpected {{end}}"),
        ("{{ range $i, $s := query \"up\" }}{{ end }}{{ $s }}", 1, "undefined variable \"$s\""),
        ("{{ with $x := 1 }}{{ $x }}{{ end }}{{ $x }}", 1, "undefined variable \"$x\""),
        ("{{ $y = 2 }}", 1, "undefined variable \"$y\""),
        ("{{ }}", 1, "missing value for command"),
        ("{{ $value | }}", 1, "missing value for command"),
        ("{{ break }}", 1, "{{break}} outside {{range}}"),
        ("{{ \"unterminated }}", 1, "unclosed action"),
        ("{{ define \"x\" }}{{ end }}", 1, "{{define}} is not supported in rule templates"),
    ])
    func errors(text: String, line: Int, message: String) {
        #expect(throws: TemplateError(name: "__alert_Test", line: line, message: message)) { try Self.parse(text) }
    }

    /// A fuzz find: 1,734 nested parentheses overflowed the parser's stack. Go accepts deeper
    /// nesting (and overflows its own stack past about 100,000); rule templates here stop at 100.
    @Test("nesting is bounded: 100 levels of parentheses or blocks parse, 101 are refused")
    func nesting() throws {
        let depth = TemplateParser.maxNesting
        func parens(_ n: Int) -> String { "{{ " + String(repeating: "(", count: n) + "1" + String(repeating: ")", count: n) + " }}" }
        func blocks(_ n: Int) -> String { String(repeating: "{{ if 1 }}", count: n) + "x" + String(repeating: "{{ end }}", count: n) }
        #expect(try Self.parse(parens(depth)).execute(TemplateContext(labels: [:], value: 0)) == "1")
        #expect(try Self.parse(blocks(depth)).execute(TemplateContext(labels: [:], value: 0)) == "x")
        let refused = "template: __alert_Test:1: nesting deeper than 100 levels"
        for text in [parens(depth + 1), blocks(depth + 1), parens(100_000), blocks(100_000)] {
            #expect(throws: TemplateError.self) { try Self.parse(text) }
            do { _ = try Self.parse(text) } catch { #expect(error.description == refused) }
        }
    }

    @Test("the message reads as Prometheus prints it")
    func description() {
        #expect(TemplateError(name: "__alert_X", line: 3, message: "undefined variable \"$a\"").description
            == "template: __alert_X:3: undefined variable \"$a\"")
    }

    @Test("trim markers remove the blank space beside the action; text keeps everything else")
    func trimming() throws {
        let template = try Self.parse("a  {{- $value -}}  b {{ $value }} c")
        #expect(template.nodes.count == 5)
        #expect(template.nodes.first == .text("a"))
        #expect(template.nodes[2] == .text("b "))
        #expect(template.nodes.last == .text(" c"))
    }
}
