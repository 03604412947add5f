import Dispatch

/// Maps over a collection on all cores, keeping the order of the input (spec files, generated areas).
public enum ConcurrentMap {
    public static func map<Element: Sendable, Result: Sendable>(
        _ elements: [Element], _ transform: @Sendable (Element) -> Result
    ) -> [Result] {
        let results = ResultSlots<Result>(count: elements.count)
        DispatchQueue.concurrentPerform(iterations: elements.count) { index in
            results.set(index, transform(elements[index]))
        }
        return results.values
    }
}

/// One slot per index, each written by exactly one iteration of `concurrentPerform`.
private final class ResultSlots<Value: Sendable>: @unchecked Sendable {
    private var slots: [Value?]

    init(count: Int) {
        slots = Array(repeating: nil, count: count)
    }

    func set(_ index: Int, _ value: Value) {
        // Distinct indices never overlap, and concurrentPerform returns only after every write.
        slots.withUnsafeMutableBufferPointer { $0[index] = value }
    }

    var values: [Value] { slots.map { $0! } }
}
