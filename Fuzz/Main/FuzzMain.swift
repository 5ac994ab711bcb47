import Foundation
import FuzzTargets

#if FUZZING
import CFuzzerDriver

/// Built by `scripts/fuzz` with `-sanitize=fuzzer,address -D FUZZING`: libFuzzer's driver runs the
/// target named by `FUZZ_TARGET` with the command line's libFuzzer flags.
let selected = ProcessInfo.processInfo.environment["FUZZ_TARGET"].flatMap(FuzzTarget.named)

// public because libFuzzer's runtime calls it by this C name.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    selected?.run(size == 0 || data == nil ? [] : Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}

// public because the package manager links the executable's entry by this C name
// (`--defsym main=fuzz_main`), so libFuzzer's own main is not linked: this one hands over to its driver.
@_cdecl("fuzz_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    guard let selected else {
        FileHandle.standardError.write(Data("FUZZ_TARGET names one of: \(FuzzTarget.all.map(\.name).joined(separator: " "))\n".utf8))
        return 2
    }
    if let folder = ProcessInfo.processInfo.environment["FUZZ_WRITE_SEEDS"] {
        writeSeeds(of: selected, into: folder)
        return 0
    }
    var count = argc
    var vector = argv
    return LLVMFuzzerRunDriver(&count, &vector) { data, size in fuzzOneInput(data, size) }
}
#else
/// The plain build: runs saved inputs through a target, to reproduce a crash or replay a corpus.
///     fuzz --list
///     fuzz --seeds TARGET FOLDER
///     fuzz TARGET FILE|FOLDER...
@main
struct FuzzReplay {
    static func main() {
        let arguments = Array(CommandLine.arguments.dropFirst())
        if arguments.count == 3, arguments[0] == "--seeds", let target = FuzzTarget.named(arguments[1]) {
            writeSeeds(of: target, into: arguments[2])
            return
        }
        if arguments.first == "--list" || arguments.isEmpty {
            for target in FuzzTarget.all { print("\(target.name.padding(toLength: 16, withPad: " ", startingAt: 0)) \(target.summary)") }
            return
        }
        guard let target = FuzzTarget.named(arguments[0]) else {
            FileHandle.standardError.write(Data("fuzz: no target \(arguments[0]) (fuzz --list names them)\n".utf8))
            exit(2)
        }
        var count = 0
        for path in arguments.dropFirst() {
            for file in inputs(at: path) {
                guard let data = FileManager.default.contents(atPath: file) else { continue }
                target.run(Array(data))
                count += 1
            }
        }
        print("\(target.name): \(count) inputs ran")
    }

    /// A file, or the files of a folder (not recursing).
    static func inputs(at path: String) -> [String] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { return [] }
        guard isDirectory.boolValue else { return [path] }
        let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        return names.sorted().map { path + "/" + $0 }
    }
}
#endif

/// Writes a target's seeds as files `seed-N` in `folder` (made if missing).
func writeSeeds(of target: FuzzTarget, into folder: String) {
    try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    for (index, seed) in target.seeds().enumerated() {
        FileManager.default.createFile(atPath: "\(folder)/seed-\(index)", contents: Data(seed))
    }
}
