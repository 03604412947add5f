import Logging
import SQLKit
import SQLiteKit
import SQLiteNIO

/// The embedded database: one SQLite file in WAL mode, used by one connection at a time.
public final class SQLiteSession: DatabaseSession {
    private let connection: SQLiteConnection
    private let database: any SQLDatabase
    private let turnstile = Turnstile()

    /// Opens (creating if needed) the database file.
    public static func open(path: String, logger: Logger) async throws -> SQLiteSession {
        let connection = try await SQLiteConnection.open(storage: .file(path: path), logger: logger)
        let session = SQLiteSession(connection: connection)
        for pragma in ["PRAGMA journal_mode = WAL", "PRAGMA synchronous = NORMAL", "PRAGMA foreign_keys = ON", "PRAGMA busy_timeout = 5000"] {
            try await session.database.raw(SQLQueryString(pragma)).run()
        }
        return session
    }

    private init(connection: SQLiteConnection) {
        self.connection = connection
        // Statements are never logged: their bind values include token hashes and private keys.
        self.database = connection.sql(queryLogLevel: nil)
    }

    public func read<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        await turnstile.enter()
        do {
            let result = try await body(database)
            await turnstile.leave()
            return result
        } catch {
            await turnstile.leave()
            throw error
        }
    }

    public func transaction<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        await turnstile.enter()
        do {
            try await database.raw("BEGIN IMMEDIATE").run()
            do {
                let result = try await body(database)
                try await database.raw("COMMIT").run()
                await turnstile.leave()
                return result
            } catch {
                try? await database.raw("ROLLBACK").run()
                throw error
            }
        } catch {
            await turnstile.leave()
            throw error
        }
    }

    public func isUniqueViolation(_ error: any Error) -> Bool {
        guard let error = error as? SQLiteError else { return false }
        return [.constraintUniqueFailed, .constraintPrimaryKeyFailed, .constraintUniqueRowIDFailed].contains(error.reason)
    }

    public func close() async throws {
        try await connection.close()
    }
}
