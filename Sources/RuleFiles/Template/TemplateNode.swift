/// The parse tree of a Go `text/template`, the subset Prometheus rule templates use.
indirect enum TemplateNode: Sendable, Equatable {
    /// Literal text between actions.
    case text(String)
    /// `{{ pipeline }}`: its value is printed unless the pipeline declares or assigns a variable.
    case action(TemplatePipeline, line: Int)
    case ifNode(TemplatePipeline, then: [TemplateNode], otherwise: [TemplateNode], line: Int)
    case rangeNode(TemplatePipeline, body: [TemplateNode], otherwise: [TemplateNode], line: Int)
    case withNode(TemplatePipeline, body: [TemplateNode], otherwise: [TemplateNode], line: Int)
    case breakNode(line: Int)
    case continueNode(line: Int)
}

/// `$a, $b := cmd | cmd …`, or `$a = …`.
struct TemplatePipeline: Sendable, Equatable {
    var declarations: [String] = []
    /// `=` rather than `:=`: assigns to variables already declared.
    var isAssignment = false
    var commands: [[TemplateOperand]] = []
}

/// One argument of a command.
indirect enum TemplateOperand: Sendable, Equatable {
    case dot
    /// `.A.B` on the dot.
    case field([String])
    /// `$x.A.B` (`$` alone is the template's data).
    case variable(String, fields: [String])
    case function(String)
    case string(String)
    case number(Double, text: String)
    case bool(Bool)
    case nilValue
    /// `(pipeline).A.B`.
    case parenthesized(TemplatePipeline, fields: [String])
}
