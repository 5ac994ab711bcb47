/// What a rule template runs with: the alert's labels and value, the external labels and URL, and
/// the query function (an instant query at the evaluation time).
package struct TemplateContext: Sendable {
    package var labels: [String: String]
    package var externalLabels: [String: String]
    package var externalURL: String
    package var value: Double
    package var query: @Sendable (String) throws -> [TemplateSample]

    package init(
        labels: [String: String], externalLabels: [String: String] = [:], externalURL: String = "", value: Double,
        query: @escaping @Sendable (String) throws -> [TemplateSample] = { _ in [] }
    ) {
        self.labels = labels
        self.externalLabels = externalLabels
        self.externalURL = externalURL
        self.value = value
        self.query = query
    }
}

extension Template {
    /// Runs the template. Errors read as Go's: `template: <name>:<line>: executing …: <reason>`.
    package func execute(_ context: TemplateContext) throws(TemplateError) -> String {
        let data = TemplateValue.record([
            "Labels": .labels(context.labels), "ExternalLabels": .labels(context.externalLabels),
            "ExternalURL": .string(context.externalURL), "Value": .float(context.value),
        ])
        var run = TemplateRun(name: name, context: context, scopes: [[
            "$": data, "$labels": .labels(context.labels), "$externalLabels": .labels(context.externalLabels),
            "$externalURL": .string(context.externalURL), "$value": .float(context.value),
        ]])
        var out = ""
        _ = try run.run(nodes, dot: data, into: &out)
        return out
    }
}

/// One execution: the variables in scope and the output so far.
struct TemplateRun {
    let name: String
    let context: TemplateContext
    var scopes: [[String: TemplateValue]]

    /// How a list of nodes ended: normally, or by `{{break}}`/`{{continue}}` inside a range.
    enum Flow { case normal, breakLoop, continueLoop }

    func error(_ message: String, line: Int) -> TemplateError {
        TemplateError(name: name, line: line, message: "executing \"\(name)\": \(message)")
    }

    mutating func run(_ nodes: [TemplateNode], dot: TemplateValue, into out: inout String) throws(TemplateError) -> Flow {
        for node in nodes {
            switch node {
            case .text(let text):
                out += text
            case .action(let pipeline, let line):
                let value = try evaluate(pipeline, dot: dot, line: line)
                if pipeline.declarations.isEmpty { out += value.printed }
            case .ifNode(let pipeline, let then, let otherwise, let line):
                scopes.append([:])
                let flow = try run(try evaluate(pipeline, dot: dot, line: line).isTrue ? then : otherwise, dot: dot, into: &out)
                scopes.removeLast()
                if flow != .normal { return flow }
            case .withNode(let pipeline, let body, let otherwise, let line):
                scopes.append([:])
                let value = try evaluate(pipeline, dot: dot, line: line)
                let flow = try run(value.isTrue ? body : otherwise, dot: value.isTrue ? value : dot, into: &out)
                scopes.removeLast()
                if flow != .normal { return flow }
            case .rangeNode(let pipeline, let body, let otherwise, let line):
                scopes.append([:])
                let names = pipeline.declarations
                var bare = pipeline
                bare.declarations = []
                let items: [(TemplateValue, TemplateValue)]
                switch try evaluate(bare, dot: dot, line: line) {
                case .list(let list): items = list.enumerated().map { (.int($0.offset), $0.element) }
                case .labels(let labels): items = labels.sorted { $0.key < $1.key }.map { (.string($0.key), .string($0.value)) }
                case .map(let map): items = map.sorted { $0.key < $1.key }.map { (.string($0.key), $0.value) }
                case .int(let count): items = (0..<max(count, 0)).map { (.int($0), .int($0)) }
                case .null: items = []
                case let other: throw error("range can't iterate over \(other.printed)", line: line)
                }
                if items.isEmpty { _ = try run(otherwise, dot: dot, into: &out) }
                for (key, element) in items {
                    if names.count == 1 { scopes[scopes.count - 1][names[0]] = element }
                    if names.count == 2 {
                        scopes[scopes.count - 1][names[0]] = key
                        scopes[scopes.count - 1][names[1]] = element
                    }
                    if try run(body, dot: element, into: &out) == .breakLoop { break }
                }
                scopes.removeLast()
            case .breakNode:
                return .breakLoop
            case .continueNode:
                return .continueLoop
            }
        }
        return .normal
    }

    // MARK: Pipelines

    mutating func evaluate(_ pipeline: TemplatePipeline, dot: TemplateValue, line: Int) throws(TemplateError) -> TemplateValue {
        var value: TemplateValue?
        for command in pipeline.commands {
            value = try evaluate(command, dot: dot, piped: value, line: line)
        }
        let result = value ?? .null
        for variable in pipeline.declarations {
            if pipeline.isAssignment, let index = scopes.lastIndex(where: { $0[variable] != nil }) {
                scopes[index][variable] = result
            } else {
                scopes[scopes.count - 1][variable] = result
            }
        }
        return result
    }

    mutating func evaluate(_ command: [TemplateOperand], dot: TemplateValue, piped: TemplateValue?, line: Int) throws(TemplateError) -> TemplateValue {
        guard case .function(let function) = command[0] else {
            guard command.count == 1, piped == nil else { throw error("can't give argument to non-function \(Self.describe(command[0]))", line: line) }
            return try operand(command[0], dot: dot, line: line)
        }
        var arguments: [TemplateValue] = []
        for argument in command.dropFirst() { arguments.append(try operand(argument, dot: dot, line: line)) }
        if let piped { arguments.append(piped) }
        do {
            return try TemplateFunctions.call(function, arguments, context: context)
        } catch {
            throw self.error("error calling \(function): \(error.message)", line: line)
        }
    }

    mutating func operand(_ operand: TemplateOperand, dot: TemplateValue, line: Int) throws(TemplateError) -> TemplateValue {
        switch operand {
        case .dot: return dot
        case .field(let fields): return try access(dot, fields, line: line)
        case .variable(let variable, let fields):
            guard let value = scopes.last(where: { $0[variable] != nil })?[variable] else { throw error("undefined variable \"\(variable)\"", line: line) }
            return try access(value, fields, line: line)
        case .function(let function):
            do {
                return try TemplateFunctions.call(function, [], context: context)
            } catch {
                throw self.error("error calling \(function): \(error.message)", line: line)
            }
        case .string(let text): return .string(text)
        case .number(let value, let text):
            return !text.contains(".") && !text.lowercased().contains("e") && value == value.rounded() && abs(value) < 1e15 ? .int(Int(value)) : .float(value)
        case .bool(let value): return .bool(value)
        case .nilValue: return .null
        case .parenthesized(let pipeline, let fields): return try access(try evaluate(pipeline, dot: dot, line: line), fields, line: line)
        }
    }

    func access(_ value: TemplateValue, _ fields: [String], line: Int) throws(TemplateError) -> TemplateValue {
        var current = value
        for field in fields {
            switch current {
            case .record(let members):
                guard let member = members[field] else { throw error("can't evaluate field \(field)", line: line) }
                current = member
            case .labels(let labels): current = .string(labels[field] ?? "")
            case .map(let map): current = map[field] ?? .null
            case .sample(let sample):
                switch field {
                case "Labels": current = .labels(sample.labels)
                case "Value": current = .float(sample.value)
                default: throw error("can't evaluate field \(field) in type *template.sample", line: line)
                }
            case .null: throw error("nil pointer evaluating \(field)", line: line)
            default: throw error("can't evaluate field \(field) in type \(current.kindName)", line: line)
            }
        }
        return current
    }

    static func describe(_ operand: TemplateOperand) -> String {
        switch operand {
        case .string(let text): return "\"\(text)\""
        case .number(_, let text): return text
        case .variable(let name, let fields): return ([name] + fields).joined(separator: ".")
        case .field(let fields): return "." + fields.joined(separator: ".")
        default: return "value"
        }
    }
}
