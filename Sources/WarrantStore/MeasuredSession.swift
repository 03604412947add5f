import Metrics
import SQLKit

/// A session whose units of work are measured for the metrics: how long each takes (the wait for a connection
/// included), how many hold a connection at once beside how many the pool may open, and how many fail.
struct MeasuredSession: DatabaseSession {
    let base: any DatabaseSession
    private let readDuration: Metrics.Timer
    private let writeDuration: Metrics.Timer
    private let readFailures: Counter
    private let writeFailures: Counter
    private let inUse: Meter

    /// - Parameter connections: the most connections `base` opens.
    init(_ base: any DatabaseSession, connections: Int, metrics: any MetricsFactory) {
        self.base = base
        readDuration = Metrics.Timer(label: "warrant_database_duration_seconds", dimensions: [("kind", "read")], factory: metrics)
        writeDuration = Metrics.Timer(label: "warrant_database_duration_seconds", dimensions: [("kind", "write")], factory: metrics)
        readFailures = Counter(label: "warrant_database_failures_total", dimensions: [("kind", "read")], factory: metrics)
        writeFailures = Counter(label: "warrant_database_failures_total", dimensions: [("kind", "write")], factory: metrics)
        inUse = Meter(label: "warrant_database_connections_in_use", factory: metrics)
        Meter(label: "warrant_database_connections_max", factory: metrics).set(connections)
    }

    func read<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        try await measure(readDuration, readFailures) { try await base.read(body) }
    }

    func transaction<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        try await measure(writeDuration, writeFailures) { try await base.transaction(body) }
    }

    func close() async throws { try await base.close() }

    func isUniqueViolation(_ error: any Error) -> Bool { base.isUniqueViolation(error) }

    private func measure<T>(_ duration: Metrics.Timer, _ failures: Counter, _ work: () async throws -> T) async throws -> T {
        let start = ContinuousClock.now
        inUse.increment()
        defer {
            inUse.decrement()
            duration.record(duration: ContinuousClock.now - start)
        }
        do {
            return try await work()
        } catch {
            // A unique key refused is an answer (a name taken), not a fault of the database.
            if !base.isUniqueViolation(error) { failures.increment() }
            throw error
        }
    }
}
