import Testing

@testable import Terminal

@Suite("Text table")
struct TextTableTests {
    @Test("columns align, numbers right-aligned, and no line ends in spaces")
    func aligned() {
        var table = TextTable(headers: ["METRIC", "VALUE", "TIMESTAMP"], alignments: [.left, .right, .left])
        table.append([#"up{job="node"}"#, "1", "2026-12-03T10:00:00Z"])
        table.append([#"up{job="metricsd",instance="x"}"#, "0.25", ""])
        #expect(table.render() == [
            "METRIC                           VALUE  TIMESTAMP",
            #"up{job="node"}                       1  2026-12-03T10:00:00Z"#,
            #"up{job="metricsd",instance="x"}   0.25"#,
        ])
    }
}
