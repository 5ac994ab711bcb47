import Testing

@testable import MetricsModel

@Suite("Regex and matchers")
struct RegexTests {
    @Test("matching is fully anchored and dot matches newline", arguments: [
        ("a|ab", "ab", true), ("a|ab", "abc", false), ("bar", "bar\n", false), ("a.b", "a\nb", true),
        ("foo", "xfoo", false), ("", "", true), ("", "x", false), ("(?i)ÉCOLE", "école", true), (#"\p{Han}+"#, "漢字", true),
    ])
    func anchoring(pattern: String, text: String, expected: Bool) throws {
        let regex = try AnchoredRegex(pattern)
        #expect(regex.matches(text) == expected)
        // The fast path and RE2 always agree.
        #expect(regex.compiled.fullMatch(text) == expected)
    }

    @Test("fast paths are chosen where the pattern allows", arguments: [
        (".*", FastPath.any), (".+", .nonEmpty), ("foo", .literal("foo")), (#"foo\.bar"#, .literal("foo.bar")),
        ("a|b|c", .set(["a", "b", "c"])), ("(?:a|b)", .set(["a", "b"])), ("foo.*", .prefix("foo")), (".*foo", .suffix("foo")),
        (".*foo.*", .contains("foo")), ("fo+", .regex(prefix: "f")), ("api_(get|post)", .regex(prefix: "api_")),
        ("a|b.*", .regex(prefix: "")), (#"\d+"#, .regex(prefix: "")), (#"foo\.*"#, .regex(prefix: "foo")),
    ])
    func fastPaths(pattern: String, expected: FastPath) {
        #expect(FastPath.analyze(pattern) == expected)
    }

    @Test("fast paths agree with RE2 on tricky inputs", arguments: [
        "foo.*", ".*foo", ".*foo.*", "a|b|", "(?:x|y)", #"a\|b"#, "fo+", "api_(get|post)", #"foo\.*"#, "é.*", ".*\n",
    ])
    func fastPathsAgree(pattern: String) throws {
        let regex = try AnchoredRegex(pattern)
        for text in ["", "foo", "xfoo", "foox", "a", "b", "a|b", "x", "y", "fooo", "api_get", "api_put", "foo...", "éa", "\n", "foo\n"] {
            #expect(regex.matches(text) == regex.compiled.fullMatch(text), "\(pattern) on \(text)")
        }
    }

    @Test("catastrophic patterns run in linear time")
    func linearTime() throws {
        let regex = try AnchoredRegex("(a+)+$")
        let input = String(repeating: "a", count: 30_000) + "!"
        let clock = ContinuousClock()
        let elapsed = clock.measure { #expect(!regex.matches(input)) }
        // A backtracking engine takes longer than the universe's age here; RE2 takes microseconds.
        #expect(elapsed < .seconds(1))
    }

    @Test("named groups in Go 1.22 form are accepted")
    func namedGroups() throws {
        let regex = try AnchoredRegex("(?<first>a)(?P<second>b)")
        #expect(regex.compiled.groupNames == [nil, "first", "second"])
        #expect(rewriteNamedGroups(#"[(?<]x\(?<y"#) == #"[(?<]x\(?<y"#)
        #expect(rewriteNamedGroups("(?<=a)") == "(?<=a)")
        #expect(rewriteNamedGroups(#"\Q(?<n>\E(?<m>x)"#) == #"\Q(?<n>\E(?P<m>x)"#)
    }

    @Test("invalid patterns fail with Go's wording", arguments: [
        ("a(b", "error parsing regexp: missing closing ): `a(b`"),
        ("a)", "error parsing regexp: unexpected ): `a)`"),
        ("x{1001}", "error parsing regexp: invalid repeat count: `{1001}`"),
    ])
    func invalidPatterns(pattern: String, message: String) {
        do {
            _ = try RE2Regex(pattern)
            Issue.record("\(pattern) compiled")
        } catch {
            #expect(error.description == message)
        }
    }

    @Test("matchers treat an absent label as empty", arguments: [
        (MatchType.equal, "", true), (.notEqual, "", false), (.regexMatch, ".*", true), (.regexNoMatch, ".+", true),
    ])
    func absentLabels(type: MatchType, value: String, expected: Bool) throws {
        let matcher = try Matcher(type, "missing", value)
        #expect(Labels(["job": "x"]).matches([matcher]) == expected)
    }

    @Test("set matchers expose their literals for index lookups")
    func setMatches() throws {
        #expect(try Matcher(.regexMatch, "a", "x|y").setMatches == ["x", "y"])
        #expect(try Matcher(.equal, "a", "x").setMatches == ["x"])
        #expect(try Matcher(.regexMatch, "a", "x.*").setMatches == nil)
        #expect(try Matcher(.notEqual, "a", "x").setMatches == nil)
    }

    @Test("matchers print as PromQL")
    func matcherDescription() throws {
        #expect(try Matcher(.regexNoMatch, "job", "a\"b").description == #"job!~"a\"b""#)
    }
}
