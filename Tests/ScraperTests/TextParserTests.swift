import MetricsModel
import Testing
import TestSupport

@testable import Exposition
@testable import Scraper

@Suite("Exposition parser")
struct TextParserTests {
    /// All series of an input as (labels, value, timestamp).
    static func series(_ text: String, _ format: ExpositionFormat = .prometheusText) throws -> [(Labels, Double, Int64?)] {
        var parser = TextParser(text, format: format)
        var out: [(Labels, Double, Int64?)] = []
        while let entry = try parser.next() {
            if entry == .series { out.append((parser.labels(), parser.value, parser.timestamp)) }
        }
        return out
    }

    static func error(_ text: String, _ format: ExpositionFormat = .prometheusText) -> ExpositionError? {
        var parser = TextParser(text, format: format)
        do {
            while try parser.next() != nil {}
            return nil
        } catch {
            return error
        }
    }

    @Test("special values parse, and NaN is never the stale marker")
    func specialValues() throws {
        let rows = try Self.series("a NaN\nb +Inf\nc -Inf\nd 1e-3\ne -0\n")
        #expect(rows[0].1.isNaN && !StaleMarker.isStale(rows[0].1))
        #expect(rows[1].1 == .infinity)
        #expect(rows[2].1 == -.infinity)
        #expect(rows[3].1 == 0.001)
        #expect(rows[4].1 == 0 && rows[4].1.sign == .minus)
    }

    @Test("Prometheus text timestamps are integer milliseconds; OpenMetrics ones are float seconds")
    func timestamps() throws {
        #expect(try Self.series("a 1 1700000000123\n")[0].2 == 1_700_000_000_123)
        #expect(try Self.series("a 1 -5\n")[0].2 == -5)
        #expect(try Self.series("a 1 1700000000.5\n# EOF\n", .openMetrics)[0].2 == 1_700_000_000_500)
        #expect(try Self.series("a 1\n")[0].2 == nil)
    }

    @Test("label values unescape backslash, quote and newline only")
    func escapes() throws {
        let labels = try Self.series(#"a{x="q\"b\\s\nn\t"} 1"# + "\n")[0].0
        #expect(labels["x"] == "q\"b\\s\nn\\t")
    }

    @Test("le and quantile are normalised only under histogram and summary types")
    func normalisation() throws {
        let text = """
            # TYPE h histogram
            h_bucket{le="1"} 1
            h_bucket{le="1e6"} 1
            h_bucket{le="0.00001"} 1
            # TYPE s summary
            s{quantile="1"} 1
            # TYPE g gauge
            g{le="1"} 1

            """
        let rows = try Self.series(text)
        #expect(rows.map { $0.0["le"] ?? $0.0["quantile"] } == ["1.0", "1e+06", "1e-05", "1.0", "1"])
    }

    @Test("OpenMetrics info, stateset and gaugehistogram types are accepted")
    func openMetricsTypes() throws {
        let text = "# TYPE i info\ni_info{v=\"1\"} 1\n# TYPE s stateset\ns{s=\"a\"} 1\n# TYPE g gaugehistogram\ng_bucket{le=\"1\"} 1\ng_gcount 1\ng_gsum 1\n# EOF\n"
        #expect(try Self.series(text, .openMetrics).count == 5)
        // Prometheus text knows only the classic types.
        #expect(Self.error("# TYPE s stateset\n") != nil)
        #expect(Self.error("# TYPE u untyped\n") == nil)
    }

    @Test("errors name the line and column")
    func errorPosition() throws {
        let error = try #require(Self.error("ok 1\nok 2\nbad{x=1} 3\n"))
        #expect(error.line == 3)
        #expect(error.column == 7)
        #expect(error.description.hasPrefix("line 3, column 7: expected label value"))
    }

    @Test("an OpenMetrics exposition must end with # EOF")
    func missingEOF() throws {
        #expect(Self.error("a 1\n", .openMetrics)?.message == "data does not end with # EOF")
        #expect(Self.error("a 1\n# EOF\n", .openMetrics) == nil)
    }

    @Test("the content type picks the format")
    func contentType() {
        #expect(ExpositionFormat(contentType: "application/openmetrics-text; version=1.0.0; charset=utf-8") == .openMetrics)
        #expect(ExpositionFormat(contentType: "text/plain; version=0.0.4") == .prometheusText)
        #expect(ExpositionFormat(contentType: nil) == .prometheusText)
    }

    @Test("a line of a megabyte parses without trouble")
    func hugeLine() throws {
        let value = String(repeating: "x", count: 1 << 20)
        let rows = try Self.series("big{v=\"\(value)\"} 1\n")
        #expect(rows[0].0["v"]?.utf8.count == 1 << 20)
    }

    @Test("truncating a valid exposition anywhere never crashes", arguments: [ExpositionFormat.prometheusText, .openMetrics])
    func truncation(format: ExpositionFormat) {
        let text = Array("""
            # HELP http_requests_total Requests.
            # TYPE http_requests_total counter
            http_requests_total{method="get",code="200"} 1027 1395066363000
            http_requests_total{method="post",code="400"}    3 1395066363000
            # TYPE h histogram
            h_bucket{le="0.5"} 1 # {trace_id="abc"} 0.3 1.5
            h_bucket{le="+Inf"} 2
            h_count 2
            h_sum 0.8
            h_created 1.5e9
            # EOF

            """.utf8)
        for length in 0...text.count {
            var parser = TextParser(bytes: Array(text[0..<length]), format: format)
            var guardCount = 0
            while (try? parser.next()) != nil, guardCount < 100 {
                _ = parser.labels()
                _ = parser.startTimestamp()
                _ = parser.exemplar()
                guardCount += 1
            }
            #expect(guardCount < 100)
        }
    }

    @Test("random bytes never crash the parser", arguments: [ExpositionFormat.prometheusText, .openMetrics])
    func randomBytes(format: ExpositionFormat) {
        var generator = SplitMix(seed: 42)
        let alphabet = Array("ab_:{}=\",# \t\n\\.0123456789eE+-InfNaHELPTYUO\u{0}".utf8) + [0xff, 0xc3]
        for _ in 0..<3000 {
            let length = Int(generator.next() % 64)
            let bytes = (0..<length).map { _ in alphabet[Int(generator.next() % UInt64(alphabet.count))] }
            var parser = TextParser(bytes: bytes, format: format)
            var steps = 0
            while (try? parser.next()) != nil, steps < 200 {
                _ = parser.labels()
                _ = parser.startTimestamp()
                steps += 1
            }
            #expect(steps < 200)
        }
    }
}


@Suite("UTF-8 validation in the parser")
struct UTF8ValidationTests {
    @Test("label values must be well-formed UTF-8", arguments: [
        ([0x61, 0x62], true), ([0xc3, 0xa9], true), ([0xe2, 0x82, 0xac], true), ([0xf0, 0x9f, 0x98, 0x80], true),
        ([0xff], false), ([0xc0, 0xaf], false), ([0xe0, 0x80, 0xaf], false), ([0xed, 0xa0, 0x80], false),
        ([0xf4, 0x90, 0x80, 0x80], false), ([0xc3], false), ([0xe2, 0x82], false), ([0x80], false),
        (Array("0123456789abcdefé".utf8), true), (Array("0123456789abcdef".utf8) + [0xfe], false),
    ] as [([UInt8], Bool)])
    func values(bytes: [UInt8], valid: Bool) {
        let line = Array("m{l=\"".utf8) + bytes + Array("\"} 1\n".utf8)
        var parser = TextParser(bytes: line, format: .prometheusText)
        let parsed = (try? parser.next()) != nil
        #expect(parsed == valid)
        #expect((String(validating: bytes, as: UTF8.self) != nil) == valid)
    }
}
