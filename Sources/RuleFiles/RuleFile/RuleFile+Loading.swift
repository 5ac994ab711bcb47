import Foundation
import MetricsModel
import PromQL
import Yams

extension RuleFile {
    /// Group keys Prometheus 3 accepts, and rule keys.
    static let groupKeys: Set<String> = ["name", "interval", "query_offset", "limit", "labels", "rules"]
    static let ruleKeys: Set<String> = ["record", "alert", "expr", "for", "keep_firing_for", "labels", "annotations"]

    /// Variables Prometheus defines before a rule's label and annotation templates.
    package static let templateVariables: Set<String> = ["$labels", "$externalLabels", "$externalURL", "$value"]

    /// Reads and checks a rule file. Every problem found is returned, as promtool reports them;
    /// the file is nil when there is any. `ignoreUnknownFields` accepts keys Prometheus does not know.
    package static func load(path: String, ignoreUnknownFields: Bool = false) -> (RuleFile?, [RuleFileError]) {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            return (nil, [RuleFileError(file: path, message: "cannot read: \(error.localizedDescription)")])
        }
        return parse(text, path: path, ignoreUnknownFields: ignoreUnknownFields)
    }

    package static func parse(_ text: String, path: String, ignoreUnknownFields: Bool = false) -> (RuleFile?, [RuleFileError]) {
        var errors: [RuleFileError] = []
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch {
            return (nil, [RuleFileError(file: path, message: "yaml: \(error)")])
        }
        guard let root else { return (RuleFile(path: path, groups: []), []) }
        guard let top = root.mapping else { return (nil, [RuleFileError(file: path, message: "yaml: the file must be a mapping with groups")]) }
        if !ignoreUnknownFields {
            let unknown = unknownKeys(top)
            if !unknown.isEmpty {
                let lines = unknown.map { "  line \($0.line): field \($0.name) not found in type \($0.type)" }
                errors.append(RuleFileError(file: path, message: "yaml: unmarshal errors:\n" + lines.joined(separator: "\n")))
                return (nil, errors)
            }
        }
        var groups: [RuleGroupSpec] = []
        var names = Set<String>()
        for groupNode in top["groups"]?.sequence.map(Array.init) ?? [] {
            guard let group = groupNode.mapping else {
                errors.append(RuleFileError(file: path, line: groupNode.mark?.line, column: groupNode.mark?.column, message: "a group must be a mapping"))
                continue
            }
            let name = group["name"]?.string ?? ""
            func fail(_ message: String, at node: Node? = nil) {
                errors.append(RuleFileError(file: path, line: node?.mark?.line, column: node?.mark?.column, group: name.isEmpty ? nil : name, message: message))
            }
            if name.isEmpty { fail("Groupname must not be empty") }
            if !name.isEmpty && !names.insert(name).inserted { fail("groupname: \"\(name)\" is repeated in the same file") }
            var spec = RuleGroupSpec(name: name)
            spec.interval = duration(group["interval"], "interval", fail)
            spec.queryOffset = duration(group["query_offset"], "query_offset", fail)
            if let limit = group["limit"] {
                if let value = limit.int, value >= 0 { spec.limit = value } else { fail("limit must be a non-negative integer", at: limit) }
            }
            spec.labels = strings(group["labels"], "labels", fail)
            for (name, _) in spec.labels where !LabelName.isValid(name) { fail("invalid label name: \(name)") }
            for (index, ruleNode) in (group["rules"]?.sequence.map(Array.init) ?? []).enumerated() {
                var ruleErrors: [RuleFileError] = []
                if let rule = self.rule(ruleNode, path: path, group: name, index: index + 1, errors: &ruleErrors) { spec.rules.append(rule) }
                errors += ruleErrors
            }
            groups.append(spec)
        }
        return errors.isEmpty ? (RuleFile(path: path, groups: groups), []) : (nil, errors)
    }

    /// One rule, checked as Prometheus's `RuleNode.Validate` and template parsing check it.
    static func rule(_ node: Node, path: String, group: String, index: Int, errors: inout [RuleFileError]) -> RuleSpec? {
        let fields = node.mapping
        let record = fields?["record"]?.string ?? ""
        let alert = fields?["alert"]?.string ?? ""
        let name = record.isEmpty ? alert : record
        var failed = false
        func fail(_ message: String, at position: Node? = nil) {
            failed = true
            errors.append(RuleFileError(file: path, line: position?.mark?.line, column: position?.mark?.column, group: group, ruleIndex: index, ruleName: name, message: message))
        }
        if !record.isEmpty && !alert.isEmpty { fail("only one of 'record' and 'alert' must be set", at: fields?["record"]) }
        if record.isEmpty && alert.isEmpty {
            fail(fields?["record"] != nil || fields?["alert"] != nil ? "field 'record' or 'alert' must not be empty" : "one of 'record' or 'alert' must be set",
                 at: node)
        }
        let exprNode = fields?["expr"]
        let exprText = exprNode?.string ?? ""
        var expr: Expr?
        if exprText.isEmpty {
            fail("field 'expr' must be set in rule", at: exprNode ?? node)
        } else {
            do {
                expr = try Parser.parse(exprText)
            } catch {
                fail("could not parse expression: \(error)", at: exprNode)
            }
        }
        let hold = duration(fields?["for"], "for") { message, _ in fail(message, at: fields?["for"]) } ?? 0
        let keep = duration(fields?["keep_firing_for"], "keep_firing_for") { message, _ in fail(message, at: fields?["keep_firing_for"]) } ?? 0
        let labels = strings(fields?["labels"], "labels") { message, at in fail(message, at: at) }
        let annotations = strings(fields?["annotations"], "annotations") { message, at in fail(message, at: at) }
        if !record.isEmpty {
            if !annotations.isEmpty { fail("invalid field 'annotations' in recording rule", at: fields?["annotations"]) }
            if fields?["for"] != nil { fail("invalid field 'for' in recording rule", at: fields?["for"]) }
            if fields?["keep_firing_for"] != nil { fail("invalid field 'keep_firing_for' in recording rule", at: fields?["keep_firing_for"]) }
            if !LabelName.isValidMetricName(record) { fail("invalid recording rule name: \(record)", at: fields?["record"]) }
        }
        for (label, _) in labels.sorted(by: { $0.key < $1.key }) {
            if !LabelName.isValid(label) || label == LabelNames.metricName { fail("invalid label name: \(label)", at: fields?["labels"]) }
        }
        for (annotation, _) in annotations.sorted(by: { $0.key < $1.key }) where !LabelName.isValid(annotation) {
            fail("invalid annotation name: \(annotation)", at: fields?["annotations"])
        }
        if !alert.isEmpty {
            // Templates are parsed now, as Prometheus does, with the variables it defines.
            let templateName = "__alert_" + alert
            for (kind, values) in [("label", labels), ("annotation", annotations)] {
                for (key, value) in values.sorted(by: { $0.key < $1.key }) {
                    do {
                        _ = try Template(value, name: templateName, variables: templateVariables, functions: TemplateFunctions.names)
                    } catch {
                        fail("\(kind) \"\(key)\": \(error)")
                    }
                }
            }
        }
        guard !failed, let expr else { return nil }
        return RuleSpec(
            kind: record.isEmpty ? .alerting : .recording, name: name, exprText: exprText, expr: expr, holdDuration: hold,
            keepFiringFor: keep, labels: labels, annotations: annotations, line: node.mark?.line ?? 0)
    }

    /// A duration field in ms; nil when absent.
    static func duration(_ node: Node?, _ key: String, _ fail: (String, Node?) -> Void) -> Int64? {
        guard let node else { return nil }
        guard let text = node.string, let parsed = PromDuration(parsing: text) else {
            fail("\(key): not a valid duration string: \"\(node.string ?? "")\"", node)
            return nil
        }
        return parsed.milliseconds
    }

    /// A mapping of strings (labels, annotations).
    static func strings(_ node: Node?, _ key: String, _ fail: (String, Node?) -> Void) -> [String: String] {
        guard let node else { return [:] }
        guard let mapping = node.mapping else {
            fail("\(key) must be a mapping of strings", node)
            return [:]
        }
        var out: [String: String] = [:]
        for (name, value) in mapping {
            guard let nameText = name.string, let valueText = value.string else {
                fail("\(key) must be a mapping of strings", name)
                continue
            }
            out[nameText] = valueText
        }
        return out
    }

    /// Keys outside Prometheus's rule file format, with their lines and the Go type promtool names.
    static func unknownKeys(_ top: Node.Mapping) -> [(line: Int, name: String, type: String)] {
        var found: [(line: Int, name: String, type: String)] = []
        for (key, value) in top {
            let name = key.string ?? ""
            guard name == "groups" else {
                found.append((key.mark?.line ?? 0, name, "rulefmt.RuleGroups"))
                continue
            }
            for group in value.sequence.map(Array.init) ?? [] {
                for (groupKey, groupValue) in group.mapping ?? [:] {
                    let groupName = groupKey.string ?? ""
                    guard groupKeys.contains(groupName) else {
                        found.append((groupKey.mark?.line ?? 0, groupName, "rulefmt.RuleGroup"))
                        continue
                    }
                    guard groupName == "rules" else { continue }
                    for rule in groupValue.sequence.map(Array.init) ?? [] {
                        for (ruleKey, _) in rule.mapping ?? [:] where !ruleKeys.contains(ruleKey.string ?? "") {
                            found.append((ruleKey.mark?.line ?? 0, ruleKey.string ?? "", "rulefmt.Rule"))
                        }
                    }
                }
            }
        }
        return found.sorted { $0.line < $1.line }
    }
}
