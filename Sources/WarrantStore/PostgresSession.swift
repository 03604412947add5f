import Logging
import PostgresKit
import PostgresNIO
import SQLKit
import Synchronization

/// A PostgreSQL database shared by any number of warrant processes, through a pool of connections.
///
/// Transactions run at SERIALIZABLE, as SQLite's do: every statement of ``SQLStore`` sees the database as if
/// the units of work ran one after another, on every node, without the statements having to lock rows. A
/// unit that PostgreSQL aborts to keep that promise (a serialization failure or a deadlock) runs again, a few
/// times, after a short random pause. The same holds on CockroachDB and YugabyteDB, whose default is
/// SERIALIZABLE too.
///
/// A unit of work that cannot finish within `timeout` (no connection to be had, a database that stopped
/// answering) fails with ``StoreError/unavailable(_:)``; so does every connection fault. The pool reconnects
/// by itself once the database is back.
public final class PostgresSession: DatabaseSession {
    private let client: PostgresClient
    private let runner: Task<Void, Never>
    private let timeout: Duration
    private let logger: Logger

    /// Attempts of a transaction PostgreSQL aborted for a conflict with another one.
    static let attempts = 8

    /// Connects lazily: the pool opens connections as units of work need them, up to `poolSize`.
    /// - Parameter timeout: the longest a unit of work may take, waiting for a connection included.
    public init(location: PostgresLocation, poolSize: Int, timeout: Duration, logger: Logger) throws {
        var configuration = PostgresClient.Configuration(
            host: location.host, port: location.port, username: location.username, password: location.password,
            database: location.database, tls: try location.tls())
        configuration.options.maximumConnections = max(1, poolSize)
        configuration.options.minimumConnections = 0
        configuration.options.connectTimeout = timeout
        // The server ends any statement that outlives a unit of work's deadline, so an abandoned one holds no
        // locks for long; `warrant` names the sessions in pg_stat_activity.
        let milliseconds = max(1, timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000)
        configuration.options.additionalStartupParameters = [
            ("statement_timeout", "\(milliseconds)"), ("application_name", "warrant"),
        ]
        var background = logger
        background[metadataKey: "database"] = "\(location.redacted)"
        // PostgresNIO logs statements with their values at debug and trace (token hashes, private keys), and
        // each failed connection attempt at info; the store reports what callers need to know.
        background.logLevel = max(logger.logLevel, .warning)
        let client = PostgresClient(configuration: configuration, backgroundLogger: background)
        self.client = client
        self.timeout = timeout
        self.logger = logger
        self.runner = Task { await client.run() }
    }

    public func read<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        do {
            return try await withDeadline(ContinuousClock.now + timeout) { lease in
                try await self.client.withConnection { connection in
                    lease.hold(connection)
                    return try await body(connection.sql(queryLogLevel: nil))
                }
            }
        } catch {
            throw Self.fault(of: error) ?? error
        }
    }

    public func transaction<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        try await transaction(within: timeout, body)
    }

    /// Sent without BEGIN and COMMIT: PostgreSQL commits a statement by itself (at READ COMMITTED, which for
    /// an insert of new rows decides nothing differently). Retried on a conflict as a transaction is; past
    /// the deadline the connection is closed, and a statement that had already committed by then stays, as a
    /// COMMIT that reached the server would.
    public func singleStatement<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        try await transaction(within: timeout, body, explicit: false)
    }

    /// The session for schema migrations: its units of work may take `timeout` (an index built over a large
    /// table, a wait for another process's migration), and their statements as long.
    func migrating(within timeout: Duration) -> some DatabaseSession {
        MigrationSession(session: self, timeout: timeout)
    }

    private struct MigrationSession: DatabaseSession {
        let session: PostgresSession
        let timeout: Duration

        func read<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
            try await session.transaction(within: timeout, body, statementTimeout: true)
        }

        func transaction<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
            try await session.transaction(within: timeout, body, statementTimeout: true)
        }

        func close() async throws {}

        func isUniqueViolation(_ error: any Error) -> Bool { session.isUniqueViolation(error) }
    }

    /// - Parameters:
    ///   - statementTimeout: lifts the connection's statement timeout for this transaction.
    ///   - explicit: BEGIN and COMMIT around the body; false for one statement that commits by itself.
    private func transaction<T: Sendable>(
        within timeout: Duration, _ body: @escaping @Sendable (any SQLDatabase) async throws -> T, statementTimeout: Bool = false,
        explicit: Bool = true
    ) async throws -> T {
        // One deadline for the unit of work, its retries included.
        let deadline = ContinuousClock.now + timeout
        var attempt = 1
        while true {
            do {
                return try await withDeadline(deadline) { lease in
                    try await self.client.withConnection { connection in
                        lease.hold(connection)
                        // Statements are never logged: their bind values include token hashes and private keys.
                        let database = connection.sql(queryLogLevel: nil)
                        guard explicit else { return try await body(database) }
                        try await database.raw("BEGIN ISOLATION LEVEL SERIALIZABLE").run()
                        do {
                            if statementTimeout { try await database.raw("SET LOCAL statement_timeout = 0").run() }
                            let value = try await body(database)
                            // Past the deadline the caller has been told the database is unavailable: nothing
                            // commits behind its back.
                            try Task.checkCancellation()
                            try await database.raw("COMMIT").run()
                            return value
                        } catch {
                            try? await database.raw("ROLLBACK").run()
                            throw error
                        }
                    }
                }
            } catch where Self.isConflict(error) && attempt < Self.attempts {
                attempt += 1
                // Up to 2, 4, 8 … ms, random so that the transactions that clashed do not clash again.
                let pause = Duration.microseconds(Int.random(in: 500...(1000 << min(attempt, 7))))
                guard ContinuousClock.now + pause < deadline else { throw Self.fault(of: error) ?? error }
                try await Task.sleep(for: pause)
            } catch {
                throw Self.fault(of: error) ?? error
            }
        }
    }

    /// Runs `work`, or fails with ``StoreError/unavailable(_:)`` once the deadline passed: the caller gets its
    /// answer in time even when the database does not answer at all. The work is then cancelled (which gives
    /// up a wait for a connection, and keeps a transaction from committing) and its connection closed, which
    /// ends a statement in flight even on a connection that went silent; the pool opens a new one.
    private func withDeadline<T: Sendable>(_ deadline: ContinuousClock.Instant, _ work: @escaping @Sendable (Lease) async throws -> T)
        async throws -> T
    {
        let timeout = timeout
        let lease = Lease()
        let answered = Mutex<FirstAnswer<T>?>(nil)
        // A caller cancelled (its client went away, the server shuts down) stops waiting at once, and so does the work.
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
                let answer = FirstAnswer(continuation)
                let worker = Task {
                    do { answer.resume(with: .success(try await work(lease))) } catch { answer.resume(with: .failure(error)) }
                }
                answer.onGivingUp {
                    worker.cancel()
                    lease.close()
                }
                answered.withLock { $0 = answer }
                answer.expire(at: deadline, with: StoreError.unavailable(.failed("the database did not answer within \(timeout)")))
                if Task.isCancelled { answer.giveUp(with: CancellationError()) }
            }
        } onCancel: {
            answered.withLock { $0 }?.giveUp(with: CancellationError())
        }
    }

    /// SQLSTATE 40001 (serialization failure) and 40P01 (deadlock): the transaction may succeed if run again.
    static func isConflict(_ error: any Error) -> Bool {
        guard let state = sqlState(of: error) else { return false }
        return state == "40001" || state == "40P01"
    }

    static func sqlState(of error: any Error) -> String? {
        (error as? PSQLError)?.serverInfo?[.sqlState]
    }

    /// The fault an error of PostgreSQL stands for, or nil for errors that are not the database's (a
    /// constraint, a statement's own mistake).
    static func fault(of error: any Error) -> StoreError? {
        if let error = error as? StoreError { return error }
        guard let error = error as? PSQLError else { return nil }
        guard error.code == .server, let state = error.serverInfo?[.sqlState] else {
            // The connection: refused, closed, TLS, authentication; the pool shut down.
            return .unavailable(.failed("database connection: \(error.code)"))
        }
        let message = error.serverInfo?[.message] ?? state
        switch state {
        case "53100": return .unavailable(.diskFull)
        case "25006": return .unavailable(.readOnly)  // a standby, or default_transaction_read_only
        // Connection exceptions, insufficient resources, operator intervention (shutdown, statement timeout),
        // a transaction that kept clashing, system errors.
        case _ where ["08", "53", "57", "58", "40", "XX"].contains(String(state.prefix(2))):
            return .unavailable(.failed("database: \(message) (SQLSTATE \(state))"))
        // An authentication or authorization failure: the operator's settings.
        case _ where ["28", "42501"].contains(where: { state.hasPrefix($0) }):
            return .unavailable(.failed("database: \(message) (SQLSTATE \(state))"))
        default:
            return nil
        }
    }

    public func isUniqueViolation(_ error: any Error) -> Bool {
        Self.sqlState(of: error) == "23505"
    }

    public func close() async throws {
        runner.cancel()
        await runner.value
    }
}

/// The connection a unit of work holds, so that it can be closed when the work outlives its deadline.
private final class Lease: Sendable {
    private let state = Mutex<(connection: PostgresConnection?, closed: Bool)>((nil, false))

    func hold(_ connection: PostgresConnection) {
        let closed = state.withLock { state in
            state.connection = connection
            return state.closed
        }
        if closed { close() }
    }

    func close() {
        let connection = state.withLock { state in
            state.closed = true
            return state.connection
        }
        guard let connection else { return }
        Task { try? await connection.close() }
    }
}

/// A continuation that takes the first answer: the work's, or a timer's or a cancellation's giving up, which
/// also stops the work.
private final class FirstAnswer<T: Sendable>: Sendable {
    private struct State {
        var continuation: CheckedContinuation<T, any Error>?
        var timer: Task<Void, Never>?
        var stopWork: (@Sendable () -> Void)?
    }

    private let state: Mutex<State>

    init(_ continuation: CheckedContinuation<T, any Error>) {
        state = Mutex(State(continuation: continuation))
    }

    /// Answers, unless an answer came first; stops the timer. Returns whether this was the answer.
    @discardableResult
    func resume(with result: Result<T, any Error>) -> Bool {
        let (continuation, timer) = state.withLock { state in
            defer { (state.continuation, state.timer) = (nil, nil) }
            return (state.continuation, state.timer)
        }
        timer?.cancel()
        guard let continuation else { return false }
        continuation.resume(with: result)
        return true
    }

    /// What stops the work when the answer is given up on.
    func onGivingUp(_ stopWork: @escaping @Sendable () -> Void) {
        state.withLock { $0.stopWork = stopWork }
    }

    /// Answers `error` unless an answer came first, and then stops the work.
    func giveUp(with error: any Error) {
        let stopWork = state.withLock { $0.stopWork }
        if resume(with: .failure(error)) { stopWork?() }
    }

    /// Gives up with `error` at `deadline` unless an answer came first.
    func expire(at deadline: ContinuousClock.Instant, with error: any Error) {
        let timer = Task {
            guard (try? await Task.sleep(until: deadline, clock: .continuous)) != nil else { return }
            self.giveUp(with: error)
        }
        let answered = state.withLock { state in
            if state.continuation == nil { return true }
            state.timer = timer
            return false
        }
        if answered { timer.cancel() }
    }
}
