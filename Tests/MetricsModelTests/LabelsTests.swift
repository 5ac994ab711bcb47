import Testing

@testable import MetricsModel

@Suite("Labels")
struct LabelsTests {
    @Test("labels are sorted by name and later duplicates win")
    func sortedAndUnique() {
        let labels = Labels([Label("b", "2"), Label("a", "1"), Label("b", "3")])
        #expect(labels.array == [Label("a", "1"), Label("b", "3")])
        #expect(labels["b"] == "3")
        #expect(labels["c"] == nil)
        #expect(labels.get("c") == "")
    }

    @Test("equal label sets hash equally however they were built")
    func hashing() {
        let a: Labels = ["job": "api", "instance": "x:1"]
        let b = Labels([Label("instance", "x:1"), Label("job", "api")])
        #expect(a == b)
        #expect(a.stableHash == b.stableHash)
        #expect(Set([a, b]).count == 1)
        // The separator byte keeps ("ab","c") and ("a","bc") apart.
        #expect(Labels(["ab": "c"]).stableHash != Labels(["a": "bc"]).stableHash)
    }

    @Test("the stable hash does not change between releases")
    func stableHashPinned() {
        // Pinned: the hash shards series and may be persisted, so a change here is a format change.
        let labels: Labels = ["__name__": "up", "job": "node"]
        #expect(labels.stableHash == 0x72e5_5447_476f_45b6)
        #expect(Labels(["__name__": "up", "job": "nodf"]).stableHash != labels.stableHash)
    }

    @Test("comparison is pairwise by name, then value, then length")
    func comparison() {
        let a: Labels = ["a": "1"]
        let b: Labels = ["a": "2"]
        let c: Labels = ["a": "1", "b": "1"]
        let d: Labels = ["b": "0"]
        #expect(a < b)
        #expect(a < c)
        #expect(c < b)
        #expect(b < d)
        #expect(!(a < a))
    }

    @Test("the builder keeps order, drops empty values and deletes")
    func builder() {
        var builder = LabelsBuilder(["b": "2", "d": "4"])
        builder.set("c", "3")
        builder.set("a", "1")
        builder.set("d", "")
        builder.delete("b")
        builder.delete("missing")
        #expect(builder.labels() == ["a": "1", "c": "3"])
        #expect(builder.get("c") == "3")
        #expect(builder.has("a"))
        #expect(!builder.has("d"))
    }

    @Test("a series prints as PromQL writes it")
    func description() {
        #expect(Labels(["__name__": "up", "job": "a\"b"]).description == #"up{job="a\"b"}"#)
        #expect(Labels(["__name__": "up"]).description == "up")
        #expect(Labels(["job": "x"]).description == #"{job="x"}"#)
    }

    @Test("legacy and UTF-8 name validation", arguments: [
        ("foo", true, true, true), ("_foo1", true, true, true), ("1foo", false, false, true),
        ("foo:bar", false, true, true), ("foo.bar", false, false, true), ("", false, false, false), ("é", false, false, true),
    ])
    func nameValidation(name: String, legacyLabel: Bool, legacyMetric: Bool, utf8: Bool) {
        #expect(LabelName.isValid(name, scheme: .legacy) == legacyLabel)
        #expect(LabelName.isValidMetricName(name, scheme: .legacy) == legacyMetric)
        #expect(LabelName.isValid(name, scheme: .utf8) == utf8)
    }

    @Test("the stale marker is one exact NaN, distinct from ordinary NaN")
    func staleMarker() {
        #expect(StaleMarker.value.isNaN)
        #expect(StaleMarker.isStale(StaleMarker.value))
        #expect(!StaleMarker.isStale(.nan))
        #expect(!StaleMarker.isStale(StaleMarker.normalNaN))
        #expect(StaleMarker.value.bitPattern == 0x7ff0_0000_0000_0002)
        // Samples compare bit-exactly, so NaN payloads survive a round trip through equality.
        #expect(Sample(timestamp: 1, value: StaleMarker.value) != Sample(timestamp: 1, value: StaleMarker.normalNaN))
        #expect(Sample(timestamp: 1, value: .nan) == Sample(timestamp: 1, value: .nan))
    }
}
