import Logging
import SQLKit
import SQLiteKit
import SQLiteNIO
import Synchronization

/// The embedded database: one SQLite file in WAL mode, used by one connection at a time.
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

    /// Opens (creating if needed) the database file.
    public static func open(path: String, logger: Logger) async throws -> SQLiteSession {
        let (connection, database) = try await connect(path: path, logger: logger)
        return SQLiteSession(path: path, logger: logger, connection: connection, database: database)
    }

    private static func connect(path: String, logger: Logger) async throws -> (SQLiteConnection, any SQLDatabase) {
        let connection: SQLiteConnection
        do {
            connection = try await SQLiteConnection.open(storage: .file(path: path), logger: logger)
        } catch {
            throw fault(of: error) ?? error
        }
        // Statements are never logged: their bind values include token hashes and private keys.
        let database = connection.sql(queryLogLevel: nil)
        do {
            for pragma in ["PRAGMA journal_mode = WAL", "PRAGMA synchronous = NORMAL", "PRAGMA foreign_keys = ON", "PRAGMA busy_timeout = 5000"] {
                try await database.raw(SQLQueryString(pragma)).run()
            }
        } catch {
            try? await connection.close()
            throw fault(of: error) ?? error
        }
        return (connection, database)
    }

    private init(path: String, logger: Logger, connection: SQLiteConnection, database: any SQLDatabase) {
        self.path = path
        self.logger = logger
        self.current = Mutex(Current(connection: connection, database: database, lastReopen: .now))
    }

    public func read<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        try await exclusively { database in try await body(database) }
    }

    public func transaction<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        try await exclusively { database in
            try await database.raw("BEGIN IMMEDIATE").run()
            do {
                let result = try await body(database)
                try await database.raw("COMMIT").run()
                return result
            } catch {
                try? await database.raw("ROLLBACK").run()
                throw error
            }
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
        try await current.withLock { $0.connection }.close()
    }
}
