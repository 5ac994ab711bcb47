/// A template that does not parse or fails to execute, in Go's words:
/// `template: <name>:<line>: <message>`.
package struct TemplateError: Error, Sendable, Equatable, CustomStringConvertible {
    package let name: String
    package let line: Int
    package let message: String

    package var description: String { "template: \(name):\(line): \(message)" }
}
