import MetricsModel
import PromQL
import Testing

@testable import QueryAPI

/// Native histograms in query results, as Prometheus's API writes them.
@Suite("Histogram results in JSON")
struct HistogramJSONTests {
    static let histogram: FloatHistogram = {
        var h = FloatHistogram()
        h.count = 4
        h.sum = 5
        h.zeroThreshold = 0.001
        h.zeroCount = 1
        h.positiveSpans = [HistogramSpan(offset: 0, length: 3)]
        h.positiveBuckets = [1, 2, 0]
        h.negativeSpans = [HistogramSpan(offset: 0, length: 1)]
        h.negativeBuckets = [1]
        return h
    }()

    @Test("an instant vector element is a histogram: count, sum, then populated buckets low to high with their boundary rules")
    func vector() {
        let json = ResultJSON.encode(.mixedVector(timestamp: 1_500, [
            (Labels(["__name__": "f"]), .float(2)), (Labels(["__name__": "h"]), .histogram(Self.histogram)),
        ]))
        #expect(json == #"{"resultType":"vector","result":[{"metric":{"__name__":"f"},"value":[1.5,"2"]},"#
            + #"{"metric":{"__name__":"h"},"histogram":[1.5,{"count":"4","sum":"5","buckets":[[1,"-1","-0.5","1"],[3,"-0.001","0.001","1"],[0,"0.5","1","1"],[0,"1","2","2"]]}]}]}"#)
    }

    @Test("a matrix series has values, histograms, or both; an empty histogram has no buckets member")
    func matrix() {
        let json = ResultJSON.encode(.mixedMatrix([
            (Labels(["a": "1"]), [Sample(timestamp: 1_000, value: 1)], [HistogramSample(timestamp: 2_000, histogram: FloatHistogram())]),
        ]))
        #expect(json == #"{"resultType":"matrix","result":[{"metric":{"a":"1"},"values":[[1,"1"]],"histograms":[[2,{"count":"0","sum":"0"}]]}]}"#)
    }
}
