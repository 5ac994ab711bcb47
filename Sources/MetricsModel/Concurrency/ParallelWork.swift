import Dispatch
import Foundation
import Synchronization

/// Spreads independent per-item work (series to decode, series to evaluate) over the machine's cores.
package enum ParallelWork {
    /// Below this much work (items × steps, say) one thread does it: splitting costs more.
    package static let minimumCost = 20_000

    /// `transform` applied to every element, in order. Runs on all active cores when `cost` is
    /// large enough; the first error thrown stops the remaining elements and is rethrown.
    package static func map<Element, Result>(_ elements: [Element], cost: Int, _ transform: (Element) throws -> Result) throws -> [Result] {
        let workers = min(ProcessInfo.processInfo.activeProcessorCount, elements.count)
        guard workers > 1, cost >= minimumCost else { return try elements.map(transform) }
        let failure = Mutex<(any Error)?>(nil)
        var results = [Result?](repeating: nil, count: elements.count)
        results.withUnsafeMutableBufferPointer { buffer in
            let output = UnsafeSendableBuffer(buffer)
            withoutActuallyEscaping(transform) { transform in
                let work = UnsafeSendableClosure(transform)
                let input = UnsafeSendableValue(elements)
                // More slices than workers, so one slow slice does not leave a core idle.
                let count = elements.count
                let slices = min(count, workers * 4)
                DispatchQueue.concurrentPerform(iterations: slices) { slice in
                    let range = (count * slice / slices)..<(count * (slice + 1) / slices)
                    for index in range {
                        if failure.withLock({ $0 != nil }) { return }
                        do {
                            output.buffer[index] = try work.closure(input.value[index])
                        } catch {
                            failure.withLock { if $0 == nil { $0 = error } }
                            return
                        }
                    }
                }
            }
        }
        if let error = failure.withLock({ $0 }) { throw error }
        return results.map { $0! }
    }
}

/// A buffer written at distinct indices from several threads.
private struct UnsafeSendableBuffer<Element>: @unchecked Sendable {
    let buffer: UnsafeMutableBufferPointer<Element>
    init(_ buffer: UnsafeMutableBufferPointer<Element>) { self.buffer = buffer }
}

/// A value only read from several threads.
private struct UnsafeSendableValue<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}

/// A closure that only reads shared state, called from several threads.
private struct UnsafeSendableClosure<Input, Output>: @unchecked Sendable {
    let closure: (Input) throws -> Output
    init(_ closure: @escaping (Input) throws -> Output) { self.closure = closure }
}
