/// A problem in a rule file, placed as promtool places it: the file, the position of the YAML
/// node at fault when there is one, the group, the rule (counted from 1) and its name.
package struct RuleFileError: Error, Sendable, Equatable, CustomStringConvertible {
    package var file: String
    package var line: Int?
    package var column: Int?
    package var group: String?
    package var ruleIndex: Int?
    package var ruleName: String?
    package var message: String

    package var description: String {
        var text = file + ": "
        if let line, let column { text += "\(line):\(column): " }
        if let group { text += "group \"\(group)\", " }
        if let ruleIndex { text += "rule \(ruleIndex), \"\(ruleName ?? "")\": " }
        return text + message
    }
}
