import Metrics
import SQLKit
import Tracing

/// A session whose units of work are measured: for the metrics, how long each takes (the wait for a connection
/// included), how many hold a connection at once beside how many the pool may open, and how many fail; for
/// tracing, a client span each, under the request's span. Statements and their values are never recorded.
struct MeasuredSession: DatabaseSession {
    let base: any DatabaseSession
    /// `db.system.name`: sqlite or postgresql.
    private let system: String
    private let tracer: any Tracer
    private let readDuration: Metrics.Timer
    private let writeDuration: Metrics.Timer
    private let readFailures: Counter
    private let writeFailures: Counter
    private let inUse: Meter

    /// - Parameter connections: the most connections `base` opens.
    init(_ base: any DatabaseSession, system: String, connections: Int, metrics: any MetricsFactory, tracer: any Tracer) {
        self.base = base
        self.system = system
        self.tracer = tracer
        readDuration = Metrics.Timer(label: "warrant_database_duration_seconds", dimensions: [("kind", "read")], factory: metrics)
        writeDuration = Metrics.Timer(label: "warrant_database_duration_seconds", dimensions: [("kind", "write")], factory: metrics)
        readFailures = Counter(label: "warrant_database_failures_total", dimensions: [("kind", "read")], factory: metrics)
        writeFailures = Counter(label: "warrant_database_failures_total", dimensions: [("kind", "write")], factory: metrics)
        inUse = Meter(label: "warrant_database_connections_in_use", factory: metrics)
        Meter(label: "warrant_database_connections_max", factory: metrics).set(connections)
    }

    func read<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        try await measure("read", readDuration, readFailures) { try await base.read(body) }
    }

    func transaction<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        try await measure("transaction", writeDuration, writeFailures) { try await base.transaction(body) }
    }

    func singleStatement<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        try await measure("statement", writeDuration, writeFailures) { try await base.singleStatement(body) }
    }

    func close() async throws { try await base.close() }

    func isUniqueViolation(_ error: any Error) -> Bool { base.isUniqueViolation(error) }

    private func measure<T>(
        _ operation: String, _ duration: Metrics.Timer, _ failures: Counter, _ work: () async throws -> T
    ) async throws -> T {
        let start = ContinuousClock.now
        // Only work done for a request (or another traced operation) gets a span: the background polls of the
        // change log, four a second, would each make a trace of their own.
        let span = InstrumentationContext.current.map { tracer.startSpan("\(system) \(operation)", context: $0, ofKind: .client) }
        span?.attributes["db.system.name"] = system
        span?.attributes["db.operation.name"] = operation
        inUse.increment()
        defer {
            inUse.decrement()
            duration.record(duration: ContinuousClock.now - start)
            span?.end()
        }
        do {
            guard let span else { return try await work() }
            return try await InstrumentationContext.$current.withValue(span.context) { try await work() }
        } catch {
            // A unique key refused is an answer (a name taken), not a fault of the database.
            if !base.isUniqueViolation(error) {
                failures.increment()
                span?.recordError(error)
                span?.setStatus(.init(code: .error))
            }
            throw error
        }
    }
}
