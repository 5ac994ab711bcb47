import Testing

@testable import MetricsModel

@Suite("Go float parsing and formatting")
struct GoFloatTests {
    @Test("formatting matches strconv.FormatFloat(f, 'g', -1, 64)", arguments: [
        (1.0, "1"), (0.1, "0.1"), (1e-9, "1e-09"), (0.0001, "0.0001"), (0.00001, "1e-05"), (123456.0, "123456"),
        (1234567.0, "1.234567e+06"), (1e21, "1e+21"), (-2.5, "-2.5"), (100.0, "100"), (7.424100000000001e-05, "7.424100000000001e-05"),
        (Double.infinity, "+Inf"), (-Double.infinity, "-Inf"), (5e-324, "5e-324"), (1.7976931348623157e308, "1.7976931348623157e+308"),
    ])
    func formatG(value: Double, expected: String) {
        #expect(GoFloat.formatG(value) == expected)
    }

    @Test("OpenMetrics formatting adds .0 to integral values", arguments: [(1.0, "1.0"), (0.5, "0.5"), (1e6, "1e+06"), (Double.nan, "NaN")])
    func formatOpenMetrics(value: Double, expected: String) {
        #expect(GoFloat.formatOpenMetrics(value) == expected)
    }

    @Test("parsing accepts Go's decimal forms", arguments: [
        ("1", 1.0), ("-1.5", -1.5), ("+3", 3.0), (".5", 0.5), ("5.", 5.0), ("1e3", 1000.0), ("1E-3", 0.001), ("Inf", .infinity),
        ("-inf", -.infinity), ("+Infinity", .infinity), ("0.1", 0.1), ("12345678901234567890", 12345678901234567890.0),
        ("4.9351e-05", 4.9351e-05), ("2.2250738585072014e-308", 2.2250738585072014e-308), ("1e-400", 0.0),
    ])
    func parse(text: String, expected: Double) throws {
        let value = try GoFloat.parse(text).get()
        #expect(value == expected)
    }

    @Test("parsing refuses hex floats, separators and junk", arguments: [
        ("0x1p-3", GoFloat.ParseError.unsupportedCharacter), ("1_000", .unsupportedCharacter), ("0x10", .invalidSyntax),
        ("true", .invalidSyntax), ("", .invalidSyntax), ("1e", .invalidSyntax), ("1.2.3", .invalidSyntax), (" 1", .invalidSyntax),
        ("1e400", .outOfRange), ("nan(1)", .invalidSyntax),
    ])
    func parseErrors(text: String, expected: GoFloat.ParseError) {
        #expect(throws: expected) { try GoFloat.parse(text).get() }
    }

    @Test("NaN parses in any case")
    func nan() throws {
        #expect(try GoFloat.parse("NaN").get().isNaN)
        #expect(try GoFloat.parse("nan").get().isNaN)
    }

    @Test("shortest formatting round-trips random doubles")
    func roundTrip() throws {
        var state: UInt64 = 7
        for _ in 0..<20_000 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            let value = Double(bitPattern: state)
            guard value.isFinite else { continue }
            #expect(try GoFloat.parse(GoFloat.formatG(value)).get() == value)
        }
    }
}
