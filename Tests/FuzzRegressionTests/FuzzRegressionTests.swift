import Foundation
import FuzzTargets
import Testing

/// The fuzz targets' regression inputs (`Fuzz/Regressions/TARGET/`: each input a fuzzer once
/// crashed on, kept with its fix) and their seeds, run through the targets in process: a crash
/// here fails the run. `scripts/fuzz` does the fuzzing itself (CI runs each target for 30 s).
@Suite("fuzz regressions")
struct FuzzRegressionTests {
    static let regressions = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fuzz/Regressions")

    @Test("every target runs its seeds", arguments: FuzzTarget.all.map(\.name))
    func seeds(name: String) throws {
        let target = try #require(FuzzTarget.named(name))
        let seeds = target.seeds()
        #expect(!seeds.isEmpty, "\(name) has no seeds")
        for seed in seeds { target.run(seed) }
    }

    @Test("every saved crash input runs cleanly through its target")
    func savedInputs() throws {
        let folders = (try? FileManager.default.contentsOfDirectory(atPath: Self.regressions.path)) ?? []
        var ran = 0
        for folder in folders.sorted() where !folder.hasPrefix(".") {
            let target = try #require(FuzzTarget.named(folder), "Fuzz/Regressions/\(folder) names no target")
            let directory = Self.regressions.appendingPathComponent(folder)
            for file in try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted() where !file.hasPrefix(".") {
                target.run(Array(try Data(contentsOf: directory.appendingPathComponent(file))))
                ran += 1
            }
        }
        print("fuzz regressions: \(ran) saved inputs ran")
    }
}
