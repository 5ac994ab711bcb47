import MetricsModel
import PromQL
import PromQLTesting
import Testing

@testable import alertd
@testable import RuleFiles

@Suite("Recording rules over native histograms")
struct HistogramRuleTests {
    static func histogram(_ count: Double) -> FloatHistogram {
        var h = FloatHistogram()
        h.positiveSpans = [HistogramSpan(offset: 0, length: 2)]
        h.positiveBuckets = [count, count]
        h.count = 2 * count
        h.sum = count
        return h
    }

    static func storage() -> MemoryStorage {
        let storage = MemoryStorage()
        for pod in ["a", "b"] {
            storage.add(["__name__": "latency", "job": "api", "pod": pod], (0...2).map { HistogramSample(timestamp: Int64($0) * 60_000, histogram: histogram(Double($0 + 1))) })
        }
        return storage
    }

    static let rules = """
        groups:
          - name: g
            rules:
              - record: job:latency:sum
                expr: sum by (job) (latency)
              - record: job:latency_count:sum
                expr: histogram_count(sum by (job) (latency))
        """

    @Test("a rule whose result holds histograms writes them, and its float results as before")
    func writesHistograms() throws {
        let storage = Self.storage()
        let (file, errors) = RuleFile.parse(Self.rules, path: "r.yml")
        try #require(errors.isEmpty)
        var run = try RuleGroupRun(try #require(file?.groups.first))
        var histograms: [(Labels, HistogramSample)] = []
        var floats: [(Labels, Sample)] = []
        let failures = run.evaluate(at: 120_000, engine: Engine(), storage: storage, writeHistograms: { histograms += $0 }) { floats += $0 }
        #expect(failures.isEmpty, "\(failures)")
        #expect(histograms.map(\.0) == [["__name__": "job:latency:sum", "job": "api"]])
        #expect(histograms.first?.1.timestamp == 120_000)
        #expect(histograms.first?.1.histogram.count == 12)
        #expect(histograms.first?.1.histogram.positiveBuckets == [6, 6])
        #expect(floats.map(\.0) == [["__name__": "job:latency_count:sum", "job": "api"]])
        #expect(floats.first?.1.value == 12)
        #expect(run.lastSampleCount == 2)
    }

    @Test("a caller that keeps no histograms fails the rule with a clear error, and the float rule still runs")
    func refusedWhereNotStored() throws {
        let (file, _) = RuleFile.parse(Self.rules, path: "r.yml")
        var run = try RuleGroupRun(try #require(file?.groups.first))
        var floats: [(Labels, Sample)] = []
        let failures = run.evaluate(at: 120_000, engine: Engine(), storage: Self.storage()) { floats += $0 }
        #expect(failures.map(\.rule) == ["job:latency:sum"])
        #expect(failures.first?.message == "rule result holds native histograms, which are not stored here")
        #expect(floats.count == 1)
    }
}
