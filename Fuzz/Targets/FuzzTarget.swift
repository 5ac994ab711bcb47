/// One fuzz target: a name (`scripts/fuzz NAME`) and what it does with one input. A target returns
/// normally for every input, well-formed or not; a crash, a trap or a sanitizer report is a bug.
package struct FuzzTarget: Sendable {
    package let name: String
    /// What the target reads, for `fuzz --list`.
    package let summary: String
    package let run: @Sendable ([UInt8]) -> Void
    /// Well-formed inputs to start from (`scripts/fuzz` adds the conformance material's).
    package let seeds: @Sendable () -> [[UInt8]]

    init(name: String, summary: String, seeds: @escaping @Sendable () -> [[UInt8]], run: @escaping @Sendable ([UInt8]) -> Void) {
        self.name = name
        self.summary = summary
        self.seeds = seeds
        self.run = run
    }

    /// Every target, by name.
    package static let all: [FuzzTarget] = [
        ExpositionTargets.text, ExpositionTargets.openMetrics, ExpositionTargets.protobuf,
        PromQLTargets.parse, PromQLTargets.evaluate,
        RemoteWriteTargets.request,
        StorageTargets.blockChunk, StorageTargets.histogramChunk, StorageTargets.walRecord,
        StoreFileTargets.walSegment, StoreFileTargets.blockIndex, ConfigTargets.prometheus,
        RuleFileTargets.ruleFile, RuleFileTargets.template,
    ]

    package static func named(_ name: String) -> FuzzTarget? { all.first { $0.name == name } }
}
