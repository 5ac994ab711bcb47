import MetricsModel
import Testing

@testable import Relabel

@Suite("Relabeler")
struct RelabelerTests {
    /// The platform's pod rules, as its infrastructure document writes them.
    static let platformPodRules: [RelabelConfig] = [
        try! RelabelConfig(sourceLabels: ["__meta_kubernetes_pod_annotation_prometheus_io_scrape"], regex: "true", action: .keep),
        try! RelabelConfig(sourceLabels: ["__meta_kubernetes_pod_annotation_prometheus_io_path"], regex: "(.+)", targetLabel: "__metrics_path__"),
        try! RelabelConfig(
            sourceLabels: ["__address__", "__meta_kubernetes_pod_annotation_prometheus_io_port"],
            regex: #"([^:]+)(?::\d+)?;(\d+)"#, targetLabel: "__address__", replacement: "$1:$2"),
    ]

    @Test("the platform's pod rules keep annotated pods and rewrite path and port")
    func platformPodRulesRewrite() throws {
        let target: Labels = [
            "__address__": "10.1.2.3:8080",
            "__meta_kubernetes_pod_annotation_prometheus_io_scrape": "true",
            "__meta_kubernetes_pod_annotation_prometheus_io_path": "/custom/metrics",
            "__meta_kubernetes_pod_annotation_prometheus_io_port": "8008",
        ]
        let result = try #require(Relabeler.process(target, Self.platformPodRules))
        #expect(result["__address__"] == "10.1.2.3:8008")
        #expect(result["__metrics_path__"] == "/custom/metrics")
    }

    @Test("the platform's pod rules drop pods without the scrape annotation")
    func platformPodRulesDrop() {
        let target: Labels = ["__address__": "10.1.2.3:8080", "__meta_kubernetes_pod_annotation_prometheus_io_scrape": "false"]
        #expect(Relabeler.process(target, Self.platformPodRules) == nil)
    }

    @Test("labelmap copies node labels under their captured names")
    func labelMapNodeLabels() throws {
        let rule = try RelabelConfig(regex: "__meta_kubernetes_node_label_(.+)", action: .labelMap)
        let input: Labels = ["__meta_kubernetes_node_label_kubernetes_io_os": "linux", "__address__": "n1:9100"]
        let result = try #require(Relabeler.process(input, [rule]))
        #expect(result["kubernetes_io_os"] == "linux")
        #expect(result["__meta_kubernetes_node_label_kubernetes_io_os"] == "linux")
    }

    @Test("hashmod matches Prometheus's md5-based shard", arguments: [("baz", UInt64(1000), "976"), ("foo\nbar", 1000, "734")])
    func hashMod(value: String, modulus: UInt64, expected: String) throws {
        let rule = try RelabelConfig(sourceLabels: ["a"], modulus: modulus, targetLabel: "shard", action: .hashMod)
        let result = try #require(Relabeler.process(["a": value], [rule]))
        #expect(result["shard"] == expected)
    }

    @Test("MD5 matches RFC 1321 test vectors", arguments: [
        ("", "d41d8cd98f00b204e9800998ecf8427e"),
        ("abc", "900150983cd24fb0d6963f7d28e17f72"),
        ("message digest", "f96b697d7cb7938d525a2f31aaf161d0"),
        ("12345678901234567890123456789012345678901234567890123456789012345678901234567890", "57edf4a22be3c955ac49da2e2107b67a"),
    ])
    func md5Vectors(input: String, hex: String) {
        let digest = MD5.digest(input.utf8).map { $0.hexadecimal(digits: 2) }.joined()
        #expect(digest == hex)
    }

    @Test("templates follow Go's Expand rules", arguments: [
        ("$1", "x"), ("${1}", "x"), ("$$1", "$1"), ("$1x", ""), ("${1}x", "xx"), ("$name", "y"), ("${name}-", "y-"),
        ("$9", ""), ("$", "$"), ("a$-b", "a$-b"), ("${1", "${1"), ("$01", ""),
    ])
    func templateExpansion(template: String, expected: String) throws {
        let regex = try AnchoredRegex("(x)(?P<name>y)")
        var offsets: [Int64] = []
        #expect(regex.match("xy", groupOffsets: &offsets))
        let parsed = Template(template, regex: regex.compiled)
        #expect(parsed.expand(source: "xy", offsets: offsets) == expected)
    }

    @Test("replace with an empty result deletes the target label")
    func replaceEmptyDeletes() throws {
        let rule = try RelabelConfig(sourceLabels: ["a"], regex: "foo", targetLabel: "b", replacement: "")
        let result = try #require(Relabeler.process(["a": "foo", "b": "old"], [rule]))
        #expect(result["b"] == nil)
    }

    @Test("the fast path sets a constant when the source is empty")
    func replaceFastPath() throws {
        let rule = try RelabelConfig(targetLabel: "env", replacement: "prod")
        let result = try #require(Relabeler.process(["a": "1"], [rule]))
        #expect(result["env"] == "prod")
    }

    @Test("actions parse case-insensitively and unknown ones fail")
    func actionParsing() throws {
        #expect(try RelabelAction(parsing: "LabelMap") == .labelMap)
        #expect(throws: RelabelError.self) { try RelabelAction(parsing: "explode") }
    }

    @Test("an invalid regex is a config error with Go's wording")
    func invalidRegex() {
        #expect(throws: RelabelError.self) { try RelabelConfig(regex: "a(b", action: .keep) }
        do {
            _ = try RelabelConfig(regex: "a(b", action: .keep)
        } catch {
            #expect("\(error)".contains("missing closing )"))
        }
    }

    @Test("labeldrop and labelkeep validate that only regex is set")
    func labelDropValidation() throws {
        let bad = try RelabelConfig(sourceLabels: ["a"], action: .labelDrop)
        #expect(throws: RelabelError.self) { try bad.validate() }
        let good = try RelabelConfig(regex: "tmp_.*", action: .labelDrop)
        try good.validate()
    }
}
