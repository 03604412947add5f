import Synchronization
import Testing
@testable import WarrantEngine

/// Health checks that arrive together share one probe of the database.
@Suite struct SharedProbeTests {
    struct Refused: Error {}

    /// Probes wait here until it opens; once open, every probe passes at once.
    final class Gate: Sendable {
        private let open = Atomic<Bool>(false)
        func pass() async { while !open.load(ordering: .acquiring) { try? await Task.sleep(for: .milliseconds(5)) } }
        func openUp() { open.store(true, ordering: .releasing) }
    }

    @Test func callersDuringAProbeShareItAndTheNextCallerRunsANewOne() async throws {
        let probe = SharedProbe()
        let runs = Atomic<Int>(0)
        let (started, starting) = AsyncStream.makeStream(of: Void.self)
        let gate = Gate()
        let slow: @Sendable () async throws -> Void = {
            runs.add(1, ordering: .relaxed)
            starting.yield()
            await gate.pass()
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await probe.run(slow) }
            for await _ in started { break }
            // The probe is running: these join it.
            for _ in 0..<20 { group.addTask { try await probe.run(slow) } }
            try await Task.sleep(for: .milliseconds(300))
            gate.openUp()
            try await group.waitForAll()
        }
        #expect(runs.load(ordering: .relaxed) == 1)
        try await probe.run { runs.add(1, ordering: .relaxed) }
        #expect(runs.load(ordering: .relaxed) == 2)
    }

    @Test func everyCallerSharingAFailedProbeGetsItsError() async throws {
        let probe = SharedProbe()
        let gate = Gate()
        let failing: @Sendable () async throws -> Void = {
            await gate.pass()
            throw Refused()
        }
        let outcomes = await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<5 {
                group.addTask {
                    do { try await probe.run(failing); return false } catch { return error is Refused }
                }
            }
            try? await Task.sleep(for: .milliseconds(100))
            gate.openUp()
            return await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(outcomes == [true, true, true, true, true])
    }
}
