import Yams

/// A YAML parse error as one line, without the quoted snippet of the file Yams appends: the line
/// a syntax error sits on may hold a password, and configuration errors reach logs and API answers.
package enum YAMLErrorText {
    package static func describe(_ error: any Error) -> String {
        guard let yaml = error as? YamlError else { return "\(error)" }
        func context(_ context: YamlError.Context?) -> String {
            context.map { "\($0.text) in line \($0.mark.line), column \($0.mark.column): " } ?? ""
        }
        switch yaml {
        case let .scanner(c, problem, mark, _): return "\(mark): error: scanner: \(context(c))\(problem)"
        case let .parser(c, problem, mark, _): return "\(mark): error: parser: \(context(c))\(problem)"
        case let .composer(c, problem, mark, _): return "\(mark): error: composer: \(context(c))\(problem)"
        case let .reader(problem, offset, _, _): return "error: reader: \(problem) at byte \(offset.map(String.init) ?? "?")"
        default: return "\(yaml)"
        }
    }
}
