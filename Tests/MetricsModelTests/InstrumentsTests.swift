import MetricsModel
import Testing

@Suite("Self-metric instruments")
struct InstrumentsTests {
    @Test("a histogram writes cumulative buckets, +Inf, sum and count per label set")
    func histogram() {
        let histogram = Histogram("h_seconds", "help", labels: ["handler"], buckets: [0.1, 1])
        histogram.observe(0.05, "/a")
        histogram.observe(0.5, "/a")
        histogram.observe(5, "/a")
        histogram.observe(1, "/b")
        var text = MetricsText()
        histogram.write(to: &text)
        #expect(text.text == """
            # HELP h_seconds help
            # TYPE h_seconds histogram
            h_seconds_bucket{handler="/a",le="0.1"} 1
            h_seconds_bucket{handler="/a",le="1"} 2
            h_seconds_bucket{handler="/a",le="+Inf"} 3
            h_seconds_sum{handler="/a"} 5.55
            h_seconds_count{handler="/a"} 3
            h_seconds_bucket{handler="/b",le="0.1"} 0
            h_seconds_bucket{handler="/b",le="1"} 1
            h_seconds_bucket{handler="/b",le="+Inf"} 1
            h_seconds_sum{handler="/b"} 1
            h_seconds_count{handler="/b"} 1

            """)
    }

    @Test("an unlabelled histogram shows zeros before its first observation; a labelled one shows nothing")
    func emptyHistograms() {
        var text = MetricsText()
        Histogram("a", "help", buckets: [1]).write(to: &text)
        Histogram("b", "help", labels: ["x"], buckets: [1]).write(to: &text)
        #expect(text.text.contains(#"a_bucket{le="+Inf"} 0"#) && text.text.contains("a_count 0"))
        #expect(!text.text.contains("b_"))
    }

    @Test("a summary's quantiles are the nearest ranks of the recent window; sum and count cover everything")
    func summary() {
        let summary = Summary("s", "help", quantiles: [0.5, 0.9, 0.99], window: 10)
        for value in 1...20 { summary.observe(Double(value)) }
        var text = MetricsText()
        summary.write(to: &text)
        // The window holds 11...20: the median is the 5th of them, the 0.9 quantile the 9th.
        #expect(text.text.contains(#"s{quantile="0.5"} 15"#))
        #expect(text.text.contains(#"s{quantile="0.9"} 19"#))
        #expect(text.text.contains(#"s{quantile="0.99"} 20"#))
        #expect(text.text.contains("s_sum 210\ns_count 20\n"))
    }

    @Test("an initialised summary series exists before its first observation, with NaN quantiles")
    func initialisedSummary() {
        let summary = Summary("q", "help", labels: ["slice"], quantiles: [0.5])
        summary.initialize("inner_eval")
        var text = MetricsText()
        summary.write(to: &text)
        #expect(text.text.contains(#"q{slice="inner_eval",quantile="0.5"} NaN"#))
        #expect(text.text.contains(#"q_count{slice="inner_eval"} 0"#))
    }

    @Test("counter label values are escaped")
    func counterEscaping() {
        let counter = Counter("c_total", "help", labels: ["path"])
        counter.add(2, "a\"b\\c\nd")
        var text = MetricsText()
        counter.write(to: &text)
        #expect(text.text.contains(#"c_total{path="a\"b\\c\nd"} 2"#))
        #expect(counter.value("a\"b\\c\nd") == 2)
    }

    @Test("exponential buckets multiply from the start")
    func exponential() {
        #expect(Histogram.exponential(start: 1, factor: 2, count: 4) == [1, 2, 4, 8])
    }
}
