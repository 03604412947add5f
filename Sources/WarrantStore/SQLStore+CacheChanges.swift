import SQLKit
import Synchronization

/// The change log that keeps the record caches of several processes on one database coherent.
///
/// Every write that changes a cached record logs what it changed, in its own transaction: it counts the
/// change on the one `cache_version` row and logs it under that count in `cache_changes`. Since the counter
/// row is written by each such transaction, they commit one after another and the count has no holes. Each
/// process polls the counter (``followChanges()``, a primary-key read) and, when it moved, reads the changes
/// past the last it saw and drops those records from its cache. A hole (changes purged before this process
/// read them, or too many at once) drops the whole cache. Plain tables and statements only: this works on
/// any database speaking SQL, PostgreSQL-compatible distributed ones included, without notifications.
extension SQLStore {
    /// Changes read per poll at most; more drop the whole cache.
    static let changesPerPoll = 1000
    /// Logged changes older than this are purged (milliseconds): a process that polled not once in an hour
    /// finds a hole and starts its cache over.
    public static let changeLogRetention: Int64 = 3_600_000

    /// Runs `body` in a transaction that also logs `change`, and drops the change from this process's cache
    /// once the transaction ended, committed or not.
    func transaction<T: Sendable>(changing change: CacheChange, _ body: @escaping @Sendable (any SQLDatabase) async throws -> T)
        async throws -> T
    {
        defer { cache.invalidate(change) }
        return try await session.transaction { db in
            let value = try await body(db)
            try await Self.log(change, in: db, now: Clock.nowMilliseconds)
            return value
        }
    }

    private static func log(_ change: CacheChange, in db: any SQLDatabase, now: Int64) async throws {
        guard let row = try await db.raw("UPDATE cache_version SET version = version + 1 WHERE id = 1 RETURNING version").first() else {
            throw StoreError.missing("cache version")
        }
        let version = try row.decode(column: "version", as: Int64.self)
        let (kind, serviceApiKey, clientId): (String, Int64?, Int64?) =
            switch change {
            case .apiTokens: ("api_tokens", nil, nil)
            case .service(let apiKey): ("service", apiKey, nil)
            case .client(let apiKey, let clientId): ("client", apiKey, clientId)
            case .signingKeys(let apiKey): ("signing_keys", apiKey, nil)
            case .everything(let apiKey): ("everything", apiKey, nil)
            }
        try await db.insert(into: "cache_changes").columns("version", "kind", "service_api_key", "client_id", "changed_at")
            .values(SQLBind(version), SQLBind(kind), SQLBind(serviceApiKey), SQLBind(clientId), SQLBind(now)).run()
    }

    /// Drops from this process's cache what other processes changed since the last call; returns how many
    /// changes it read (the whole cache counts as one).
    @discardableResult
    public func followChanges() async throws -> Int {
        let seen = changesSeen.withLock { $0 }
        let (current, rows) = try await session.read { db in
            let current = try await db.select().column("version").from("cache_version").where("id", .equal, 1).first()?
                .decode(column: "version", as: Int64.self) ?? 0
            guard current != seen else { return (current, [any SQLRow]()) }
            let rows = try await db.select().column("*").from("cache_changes").where("version", .greaterThan, seen)
                .orderBy("version").limit(Self.changesPerPoll).all()
            return (current, rows)
        }
        guard current != seen else { return 0 }
        let changes = rows.compactMap(Self.change)
        let versions = try rows.map { try $0.decode(column: "version", as: Int64.self) }
        // Complete: the changes right after the last seen, without a hole, up to the count, all understood. A
        // count below the last seen (a database restored from a backup) is no run of changes either.
        let contiguous = versions.enumerated().allSatisfy { $0.element == seen + 1 + Int64($0.offset) }
        let complete =
            seen < current && !versions.isEmpty && contiguous && (versions.last ?? 0) >= current && changes.count == rows.count
        let last = max(current, versions.last ?? current)
        // A change read now may have been applied on this process already; dropping a record again costs a read.
        if complete {
            for change in changes { cache.invalidate(change) }
        } else {
            cache.invalidateAll()
        }
        changesSeen.withLock { $0 = last }
        return complete ? changes.count : 1
    }

    /// Drops the whole cache: for a process that could not read the change log, and so may have missed changes.
    public func dropCache() {
        cache.invalidateAll()
    }

    /// Starts following from the current count: the cache is empty when the store opens.
    func startFollowingChanges() async throws {
        let current = try await session.read { db in
            try await db.select().column("version").from("cache_version").where("id", .equal, 1).first()?
                .decode(column: "version", as: Int64.self) ?? 0
        }
        changesSeen.withLock { $0 = current }
    }

    private static func change(_ row: any SQLRow) -> CacheChange? {
        guard let kind = try? row.decode(column: "kind", as: String.self) else { return nil }
        let apiKey = try? row.decode(column: "service_api_key", as: Int64?.self)
        switch kind {
        case "api_tokens": return .apiTokens
        case "service": return apiKey.map { .service($0) }
        case "client":
            guard let apiKey, let clientId = try? row.decode(column: "client_id", as: Int64?.self) else { return nil }
            return .client(serviceApiKey: apiKey, clientId: clientId)
        case "signing_keys": return apiKey.map { .signingKeys($0) }
        case "everything": return apiKey.map { .everything(of: $0) }
        default: return nil
        }
    }
}
