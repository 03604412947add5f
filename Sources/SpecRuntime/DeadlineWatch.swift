import Synchronization

/// One clock for the deadlines of every request body in the process.
///
/// A `Task.sleep` per request (a timeout child task) keeps its timer, and what the timer holds, until the
/// deadline passes even when the body arrived at once: at 25,000 requests/s with a 30 s body timeout that
/// held over 200 MB. Here a single task wakes four times a second while anything is watched and runs the
/// expiry of what is overdue; a finished request just forgets its entry.
final class DeadlineWatch: Sendable {
    static let shared = DeadlineWatch()

    /// How late an expiry may run.
    static let resolution: Duration = .milliseconds(250)

    private struct Entry {
        var deadline: ContinuousClock.Instant
        var expire: @Sendable () -> Void
    }

    private struct State {
        var nextID: UInt64 = 0
        var entries: [UInt64: Entry] = [:]
        var ticking = false
    }

    private let state = Mutex(State())

    /// Runs `expire` once `timeout` has passed, unless ``forget(_:)`` is called first.
    func watch(for timeout: Duration, expire: @escaping @Sendable () -> Void) -> UInt64 {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        let (id, start) = state.withLock { state in
            state.nextID &+= 1
            state.entries[state.nextID] = Entry(deadline: deadline, expire: expire)
            defer { state.ticking = true }
            return (state.nextID, !state.ticking)
        }
        if start { Task.detached { await self.tick() } }
        return id
    }

    func forget(_ id: UInt64) {
        _ = state.withLock { $0.entries.removeValue(forKey: id) }
    }

    private func tick() async {
        while true {
            try? await Task.sleep(for: Self.resolution)
            let now = ContinuousClock.now
            let (overdue, stop) = state.withLock { state -> ([Entry], Bool) in
                let overdue = state.entries.filter { $0.value.deadline <= now }
                for id in overdue.keys { state.entries[id] = nil }
                if state.entries.isEmpty { state.ticking = false }
                return (Array(overdue.values), state.entries.isEmpty)
            }
            for entry in overdue { entry.expire() }
            if stop { return }
        }
    }
}

/// Whether an expiry ran, for the one who watched.
final class ExpiryFlag: Sendable {
    private let value = Atomic<Bool>(false)
    func fire() { value.store(true, ordering: .sequentiallyConsistent) }
    var fired: Bool { value.load(ordering: .sequentiallyConsistent) }
}
