import MetricsModel

/// A PromQL function as the parser resolves it: its signature, its flags and the engine's
/// implementation, one entry per name in `Function.registry` (Prometheus's `FunctionCalls` and
/// `Functions` in one table), so evaluation never looks a function up by its name.
package struct Function: Sendable, Equatable, CustomStringConvertible {
    package let name: String
    let arguments: [ValueType]
    /// How many trailing arguments may be left out.
    package let optional: Int
    /// Whether the last argument repeats (label_join, sort_by_label).
    let variadic: Bool
    package let returns: ValueType
    package let flags: Flags
    let implementation: Implementation

    package struct Flags: OptionSet, Sendable {
        package let rawValue: Int
        package init(rawValue: Int) { self.rawValue = rawValue }

        /// The result keeps the input's `__name__` (last_over_time, sort, label_replace, …).
        static let keepsName = Flags(rawValue: 1 << 0)
        /// Meant for counters: a name without a counter suffix gets an info annotation (rate, increase).
        package static let counter = Flags(rawValue: 1 << 1)
        /// Reads the samples' start timestamps, where the storage keeps them.
        static let usesStartTimestamps = Flags(rawValue: 1 << 2)
        /// Acts on native histograms only; over float samples its result is empty.
        static let nativeHistogramsOnly = Flags(rawValue: 1 << 3)
    }

    /// How the engine computes a function.
    enum Implementation: Sendable {
        /// Once over its arguments, every step at a time.
        case steps(@Sendable (inout Evaluation, [Expr], SourcePositions) throws -> StepValue)
        /// Over the range-vector argument, one window (series and step) at a time.
        case window(@Sendable (WindowInput) throws -> Double?)
    }

    init(_ name: String, _ arguments: [ValueType], optional: Int = 0, variadic: Bool = false, returns: ValueType = .vector,
         flags: Flags = [], _ implementation: Implementation) {
        self.name = name
        self.arguments = arguments
        self.optional = optional
        self.variadic = variadic
        self.returns = returns
        self.flags = flags
        self.implementation = implementation
    }

    /// The function called `name`, if PromQL has one.
    package static func named(_ name: String) -> Function? { registry[name] }

    /// Every function, by name.
    package static var all: [String: Function] { registry }

    /// The position of the range-vector argument, for functions over one.
    var matrixArgument: Int? { arguments.firstIndex(of: .matrix) }

    package static func == (lhs: Function, rhs: Function) -> Bool { lhs.name == rhs.name }

    package var description: String { name }
}

/// What a window function sees of one window.
struct WindowInput {
    /// The window's samples, oldest first (never empty).
    let window: UnsafeBufferPointer<Sample>
    /// Their start timestamps, when the storage keeps them (a view, like `window`).
    let starts: UnsafeBufferPointer<Int64>?
    let range: Int64
    /// The window's end: the step's time after `@` and offset.
    let end: Int64
    /// The step's evaluation time.
    let stepTime: Int64
    /// The scalar arguments at this step, in order (no function takes more than two).
    let scalars: (Double, Double)
    /// False when the series has no counter reset inside this window (rate and increase skip the pass).
    let mayReset: Bool
}
