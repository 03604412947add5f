import SQLKit

/// Gives units of work exclusive use of a database connection, inside a transaction when they change data.
public protocol DatabaseSession: Sendable {
    func read<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T
    func transaction<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T
    /// A unit of work that is one statement and reads nothing another may change meanwhile (an insert of new
    /// rows): atomic by itself, it needs no transaction around it. PostgreSQL runs it without BEGIN and COMMIT,
    /// two round trips fewer; other databases as a transaction. The body must run exactly one statement.
    func singleStatement<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T
    func close() async throws
    /// Whether an error is the database refusing a duplicate unique key.
    func isUniqueViolation(_ error: any Error) -> Bool
}

extension DatabaseSession {
    public func singleStatement<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        try await transaction(body)
    }
}

/// Lets one task at a time through, in arrival order. SQLite has one writer; queueing here, rather than
/// retrying on SQLITE_BUSY, keeps a unit of work's statements together on the one connection.
actor Turnstile {
    private var busy = false
    private var waiting: [CheckedContinuation<Void, Never>] = []

    func enter() async {
        guard busy else {
            busy = true
            return
        }
        await withCheckedContinuation { waiting.append($0) }
    }

    func leave() {
        if waiting.isEmpty {
            busy = false
        } else {
            waiting.removeFirst().resume()
        }
    }
}
