import Logging
import SQLKit
import SQLiteKit
import SQLiteNIO
import Synchronization

/// The embedded database: one SQLite file in WAL mode, used by one connection at a time, with concurrent
/// transactions committed in groups.
///
/// Faults of the file or its disk surface as ``StoreError/unavailable(_:)``. A connection that found its file
/// read-only is replaced (at most once a second) until the file takes writes again: SQLite opens a read-only
/// file read-only and would stay so, while a full disk clears by itself.
public final class SQLiteSession: DatabaseSession {
    private struct Current: Sendable {
        var connection: SQLiteConnection
        var database: any SQLDatabase
        /// Set when a write found the file read-only; the next unit of work reopens first.
        var reopenWanted = false
        var lastReopen: ContinuousClock.Instant
    }

    private let path: String
    private let logger: Logger
    private let current: Mutex<Current>
    private let turnstile = Turnstile()
    private let pending = Mutex(PendingWrites())

    /// A connection that only reads, with its own queue: in WAL mode readers do not wait for the writer.
    private struct Reader: Sendable {
        var connection: SQLiteConnection
        var database: any SQLDatabase
        var turnstile: Turnstile
    }

    private let readers: [Reader]
    /// The connections: the writer and the readers.
    var connections: Int { 1 + readers.count }
    private let nextReader = Atomic<Int>(0)

    /// Opens (creating if needed) the database file, with one connection that writes and `readers` more
    /// that serve reads (none: reads share the writer's connection).
    public static func open(path: String, logger: Logger, readers count: Int = 2) async throws -> SQLiteSession {
        let (connection, database) = try await connect(path: path, logger: logger)
        var readers: [Reader] = []
        do {
            for _ in 0..<max(0, count) {
                let (reader, readerDatabase) = try await connect(
                    path: path, logger: logger, pragmas: ["PRAGMA query_only = ON", "PRAGMA busy_timeout = 5000"])
                readers.append(Reader(connection: reader, database: readerDatabase, turnstile: Turnstile()))
            }
        } catch {
            for reader in readers { try? await reader.connection.close() }
            try? await connection.close()
            throw error
        }
        return SQLiteSession(path: path, logger: logger, connection: connection, database: database, readers: readers)
    }

    private static let writerPragmas = [
        "PRAGMA journal_mode = WAL", "PRAGMA synchronous = NORMAL", "PRAGMA foreign_keys = ON", "PRAGMA busy_timeout = 5000",
    ]

    private static func connect(path: String, logger: Logger, pragmas: [String] = writerPragmas) async throws -> (
        SQLiteConnection, any SQLDatabase
    ) {
        let connection: SQLiteConnection
        do {
            connection = try await SQLiteConnection.open(storage: .file(path: path), logger: logger)
        } catch {
            throw fault(of: error) ?? error
        }
        // Statements are never logged: their bind values include token hashes and private keys.
        let database = connection.sql(queryLogLevel: nil)
        do {
            for pragma in pragmas {
                try await database.raw(SQLQueryString(pragma)).run()
            }
        } catch {
            try? await connection.close()
            throw fault(of: error) ?? error
        }
        return (connection, database)
    }

    private init(path: String, logger: Logger, connection: SQLiteConnection, database: any SQLDatabase, readers: [Reader]) {
        self.path = path
        self.logger = logger
        self.current = Mutex(Current(connection: connection, database: database, lastReopen: .now))
        self.readers = readers
    }

    /// Runs `body` on a reader connection, taken in turn. A read that follows a committed write sees it.
    public func read<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        guard !readers.isEmpty else { return try await exclusively { database in try await body(database) } }
        let reader = readers[Int(UInt(bitPattern: nextReader.wrappingAdd(1, ordering: .relaxed).oldValue) % UInt(readers.count))]
        await reader.turnstile.enter()
        do {
            let result = try await body(reader.database)
            await reader.turnstile.leave()
            return result
        } catch {
            await reader.turnstile.leave()
            throw Self.fault(of: error) ?? error
        }
    }

    /// Runs `body` in a transaction that may hold other callers' units too (group commit): units that arrive
    /// while a transaction runs wait, and are then run one after another in the next transaction, which
    /// commits them all at once. Each caller gets its answer only once that commit succeeded, so nothing is
    /// reported done that is not in the database. Units run in order and each sees the ones before it, as if
    /// run alone in that order. When any unit of a group fails (a constraint, its own error, a fault), the
    /// group rolls back and each of its units runs again in a transaction of its own, so one caller's
    /// failure is never another's.
    public func transaction<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            let unit = WriteUnit(
                attempt: { db in
                    let value = try await body(db)
                    return { continuation.resume(returning: value) }
                },
                fail: { continuation.resume(throwing: $0) })
            let startsDraining = pending.withLock { state in
                state.units.append(unit)
                defer { state.draining = true }
                return !state.draining
            }
            if startsDraining { Task { await self.drainWrites() } }
        }
    }

    /// A caller's transaction body, and how to answer it.
    private struct WriteUnit: Sendable {
        /// Runs the body; what it returns delivers the result, once committed.
        var attempt: @Sendable (any SQLDatabase) async throws -> @Sendable () -> Void
        var fail: @Sendable (any Error) -> Void
    }

    private struct PendingWrites {
        var units: [WriteUnit] = []
        var draining = false
    }

    /// Transactions this many units long at most, so one commit never waits on an unbounded queue.
    static let maximumGroup = 64

    private func drainWrites() async {
        while true {
            let group: [WriteUnit] = pending.withLock { state in
                let taken = Array(state.units.prefix(Self.maximumGroup))
                state.units.removeFirst(taken.count)
                if taken.isEmpty { state.draining = false }
                return taken
            }
            if group.isEmpty { return }
            await commit(group)
        }
    }

    private func commit(_ group: [WriteUnit]) async {
        do {
            let deliveries = try await exclusively { database in
                try await database.raw("BEGIN IMMEDIATE").run()
                do {
                    var deliveries: [@Sendable () -> Void] = []
                    deliveries.reserveCapacity(group.count)
                    for unit in group { deliveries.append(try await unit.attempt(database)) }
                    try await database.raw("COMMIT").run()
                    return deliveries
                } catch {
                    try? await database.raw("ROLLBACK").run()
                    throw error
                }
            }
            for deliver in deliveries { deliver() }
        } catch {
            guard group.count > 1 else {
                group[0].fail(error)
                return
            }
            for unit in group { await commit([unit]) }
        }
    }

    /// Runs a unit of work alone on the connection, reopening it first when a fault asked for that, and
    /// turns the database's faults into ``StoreError/unavailable(_:)``.
    private func exclusively<T: Sendable>(_ work: (any SQLDatabase) async throws -> T) async throws -> T {
        await turnstile.enter()
        do {
            await reopenIfWanted()
            let result = try await work(current.withLock { $0.database })
            await turnstile.leave()
            return result
        } catch {
            await turnstile.leave()
            guard let fault = Self.fault(of: error) else { throw error }
            if case .unavailable(.readOnly) = fault { current.withLock { $0.reopenWanted = true } }
            throw fault
        }
    }

    private func reopenIfWanted() async {
        let due = current.withLock { state in
            guard state.reopenWanted, state.lastReopen.duration(to: .now) >= .seconds(1) else { return false }
            state.lastReopen = .now
            return true
        }
        guard due else { return }
        do {
            let (connection, database) = try await Self.connect(path: path, logger: logger)
            let old = current.withLock { state in
                defer { (state.connection, state.database, state.reopenWanted) = (connection, database, false) }
                return state.connection
            }
            try? await old.close()
            logger.notice("database reopened after it refused writes", metadata: ["path": "\(path)"])
        } catch {
            logger.warning("database still cannot be reopened", metadata: ["path": "\(path)", "error": "\(error)"])
        }
    }

    /// The fault an error of SQLite stands for, or nil for errors that are not the database's (a constraint,
    /// a statement's own mistake).
    static func fault(of error: any Error) -> StoreError? {
        if let error = error as? StoreError { return error }
        guard let error = error as? SQLiteError else { return nil }
        switch error.reason {
        case .full:
            return .unavailable(.diskFull)
        case .readOnly, .readonlyInRecovery, .readonlyCantLock, .readonlyInRollback, .readonlyBackingMoved, .readonlyDirectory:
            return .unavailable(.readOnly)
        case .ioError, .cantOpen, .corrupt, .notADatabase, .busy, .busyTimeout, .locked, .noMemory, .cantOpenDirectory,
            .ioErrorFailedRead, .ioErrorIncompleteRead, .ioErrorFailedWrite, .ioErrorFailedSync, .ioErrorFailedDirSync,
            .ioErrorFailedTruncate, .ioErrorFailedStat, .ioErrorFailedSharedMemOpen, .ioErrorFailedSharedMemSize,
            .ioErrorFailedSharedMemMap, .ioErrorFailedMemoryMap, .ioErrorCorruptedFilesystem:
            return .unavailable(.failed(error.message))
        default:
            return nil
        }
    }

    public func isUniqueViolation(_ error: any Error) -> Bool {
        guard let error = error as? SQLiteError else { return false }
        return [.constraintUniqueFailed, .constraintPrimaryKeyFailed, .constraintUniqueRowIDFailed].contains(error.reason)
    }

    public func close() async throws {
        for reader in readers { try? await reader.connection.close() }
        try await current.withLock { $0.connection }.close()
    }
}
