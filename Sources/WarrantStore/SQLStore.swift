import Foundation
import Logging
import Metrics
import SQLKit
import Synchronization
import Tracing

/// ``WarrantStore`` over SQLKit: the same statements for every database SQLKit speaks.
public final class SQLStore: WarrantStore {
    let session: any DatabaseSession
    /// API tokens, services, clients and signing keys, so requests read them without a round trip; every
    /// write below that changes one invalidates it once the write is done, and logs the change for the other
    /// processes on the database (``followChanges()``).
    let cache: RecordCache
    /// The last change of the database's change log this process's cache has taken in.
    let changesSeen = Mutex<Int64>(0)

    public func apiTokenCacheCounters() async -> CacheCounters? { cache.apiTokenCounters }

    /// Seals private signing keys before they are stored, and opens them when read.
    let keyEncryption: KeyEncryption

    /// - Parameters:
    ///   - metrics: where the record cache counts its hits and misses.
    ///   - keyEncryption: the key-encryption keys of private signing keys.
    public init(
        session: any DatabaseSession, metrics: any MetricsFactory = NOOPMetricsHandler.instance, keyEncryption: KeyEncryption = .none
    ) {
        self.session = session
        self.cache = RecordCache(metrics: metrics)
        self.keyEncryption = keyEncryption
    }

    /// Opens the embedded SQLite database at `path` and brings its schema up to date.
    /// - Parameters:
    ///   - metrics: where the database's latency, failures and connections in use, and the cache's hits, are counted.
    ///   - keyEncryption: the key-encryption keys of private signing keys.
    ///   - tracer: where each unit of work gets a span; nil, the process's (`InstrumentationSystem`).
    public static func openSQLite(
        path: String, logger: Logger, metrics: any MetricsFactory = NOOPMetricsHandler.instance, keyEncryption: KeyEncryption = .none,
        tracer: (any Tracer)? = nil
    ) async throws -> SQLStore {
        let session = try await SQLiteSession.open(path: path, logger: logger)
        do {
            let applied = try await Migrations.run(on: session, now: Clock.nowMilliseconds)
            if !applied.isEmpty { logger.info("database schema migrated", metadata: ["path": "\(path)", "versions": "\(applied)"]) }
        } catch StoreError.unavailable(let fault) {
            // A database that is up to date can serve reads while its file or disk refuses writes; the health
            // check says so, and writes resume by themselves once the fault clears.
            guard try await Migrations.recorded(on: session) == Migrations.all.map(\.version) else {
                try? await session.close()
                throw StoreError.unavailable(fault)
            }
            logger.error("database does not take writes; serving what reads can", metadata: ["path": "\(path)", "fault": "\(fault)"])
        }
        return SQLStore(
            session: MeasuredSession(
                session, system: "sqlite", connections: session.connections, metrics: metrics, tracer: tracer ?? InstrumentationSystem.tracer),
            metrics: metrics,
            keyEncryption: keyEncryption)
    }

    /// Connects to a PostgreSQL database, which other warrant processes may share, and brings its schema up
    /// to date (once, whichever process starts first).
    /// - Parameters:
    ///   - poolSize: the most connections this process opens.
    ///   - timeout: the longest one unit of work may take, waiting for a connection included.
    ///   - metrics: where the database's latency, failures and connections in use, and the cache's hits, are counted.
    ///   - keyEncryption: the key-encryption keys of private signing keys.
    ///   - tracer: where each unit of work gets a span; nil, the process's (`InstrumentationSystem`).
    public static func openPostgres(
        location: PostgresLocation, poolSize: Int, timeout: Duration, logger: Logger,
        metrics: any MetricsFactory = NOOPMetricsHandler.instance, keyEncryption: KeyEncryption = .none, tracer: (any Tracer)? = nil
    ) async throws -> SQLStore {
        let session = try PostgresSession(location: location, poolSize: poolSize, timeout: timeout, logger: logger)
        let store = SQLStore(
            session: MeasuredSession(
                session, system: "postgresql", connections: max(1, poolSize), metrics: metrics, tracer: tracer ?? InstrumentationSystem.tracer),
            metrics: metrics,
            keyEncryption: keyEncryption)
        do {
            // A database that does not answer fails the start within the timeout; a migration, though, may take
            // long (an index over a large table) while other processes wait for it: ten minutes.
            try await store.ping()
            let applied = try await Migrations.run(on: session.migrating(within: .seconds(600)), now: Clock.nowMilliseconds)
            if !applied.isEmpty {
                logger.info("database schema migrated", metadata: ["database": "\(location.redacted)", "versions": "\(applied)"])
            }
            try await store.startFollowingChanges()
        } catch {
            try? await session.close()
            throw error
        }
        return store
    }

    public func close() async throws {
        try await session.close()
    }

    /// The schema versions recorded in the database.
    public func schemaVersions() async throws -> [Int] {
        try await Migrations.recorded(on: session)
    }

    public func ping() async throws {
        _ = try await session.read { db in try await db.raw("SELECT 1 AS one").all() }
    }

    public func schemaStatus() async throws -> SchemaStatus { SchemaStatus(recorded: try await schemaVersions()) }

    public func checkWritable(now: Int64) async throws {
        try await session.transaction { db in
            try await db.raw("UPDATE health_probe SET checked_at = \(bind: now) WHERE id = 1").run()
        }
    }

    /// Runs an insert, turning a unique-key conflict into ``StoreError/duplicate(_:)``.
    @discardableResult
    func inserting<T: Sendable>(_ what: String, _ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        do {
            return try await session.transaction(body)
        } catch where session.isUniqueViolation(error) {
            throw StoreError.duplicate(what)
        }
    }

    // MARK: Organizations and API tokens

    public func organizationCount() async throws -> Int {
        try await session.read { db in
            try await db.select().column(SQLFunction("COUNT", args: SQLLiteral.all), as: "count").from("organizations")
                .first()?.decode(column: "count", as: Int.self) ?? 0
        }
    }

    public func createOrganization(_ organization: OrganizationRecord, token: APITokenRecord) async throws {
        try await inserting("organization") { db in
            try await db.insert(into: "organizations").columns("id", "name", "created_at")
                .values(SQLBind(organization.id), SQLBind(organization.name), SQLBind(organization.createdAt)).run()
            try await Self.insert(token, into: db)
        }
    }

    public func createFirstOrganization(_ organization: OrganizationRecord, token: APITokenRecord) async throws -> Bool {
        try await inserting("organization") { db in
            // Under SERIALIZABLE, of two transactions that both found none and inserted, one is aborted and
            // runs again, and then finds the other's.
            guard try await db.select().column("id").from("organizations").limit(1).first() == nil else { return false }
            try await db.insert(into: "organizations").columns("id", "name", "created_at")
                .values(SQLBind(organization.id), SQLBind(organization.name), SQLBind(organization.createdAt)).run()
            try await Self.insert(token, into: db)
            return true
        }
    }

    public func apiToken(hash: String) async throws -> APITokenRecord? {
        let generation: UInt64
        switch cache.apiToken(hash) {
        case .hit(let record): return record
        case .miss(let current): generation = current
        }
        let record = try await session.read { db in
            try await db.select().column("*").from("api_tokens").where("token_hash", .equal, hash).first().map(Self.apiToken)
        }
        if let record { cache.store(record, at: generation) }
        return record
    }

    public func insertAPIToken(_ token: APITokenRecord) async throws {
        try await inserting("api token") { db in try await Self.insert(token, into: db) }
    }

    public func apiTokens(serviceApiKey: Int64) async throws -> [APITokenRecord] {
        try await session.read { db in
            try await db.select().column("*").from("api_tokens").where("service_api_key", .equal, serviceApiKey)
                .orderBy("created_at").all().map(Self.apiToken)
        }
    }

    public func rotateOrganizationToken(retiring id: String, retireAt: Int64, replacement: APITokenRecord, now: Int64) async throws -> Bool {
        do {
            return try await rotateOrganizationToken(id, retireAt: retireAt, replacement: replacement, now: now)
        } catch where session.isUniqueViolation(error) {
            throw StoreError.duplicate("api token")
        }
    }

    private func rotateOrganizationToken(_ id: String, retireAt: Int64, replacement: APITokenRecord, now: Int64) async throws -> Bool {
        try await transaction(changing: .apiTokens) { db in
            guard
                let row = try await db.select().column("expires_at").from("api_tokens").where("id", .equal, id)
                    .where("organization_id", .equal, replacement.organizationId).where("service_api_key", .is, SQLLiteral.null).first()
            else { return false }
            let expiresAt = try row.decode(column: "expires_at", as: Int64?.self)
            if let expiresAt, expiresAt < now { return false }
            try await Self.insert(replacement, into: db)
            try await db.update("api_tokens").set("expires_at", to: min(expiresAt ?? retireAt, retireAt)).where("id", .equal, id).run()
            return true
        }
    }

    public func deleteAPIToken(id: String, serviceApiKey: Int64) async throws -> Bool {
        try await transaction(changing: .apiTokens) { db in
            let found = try await db.select().column("id").from("api_tokens").where("id", .equal, id)
                .where("service_api_key", .equal, serviceApiKey).first() != nil
            if found { try await db.delete(from: "api_tokens").where("id", .equal, id).run() }
            return found
        }
    }

    private static func insert(_ token: APITokenRecord, into db: any SQLDatabase) async throws {
        try await db.insert(into: "api_tokens")
            .columns("id", "token_hash", "organization_id", "service_api_key", "description", "created_at", "expires_at")
            .values(
                SQLBind(token.id), SQLBind(token.hash), SQLBind(token.organizationId), SQLBind(token.serviceApiKey),
                SQLBind(token.description), SQLBind(token.createdAt), SQLBind(token.expiresAt)
            ).run()
    }

    private static func apiToken(_ row: any SQLRow) throws -> APITokenRecord {
        APITokenRecord(
            id: try row.decode(column: "id", as: String.self), hash: try row.decode(column: "token_hash", as: String.self),
            organizationId: try row.decode(column: "organization_id", as: Int64.self),
            serviceApiKey: try row.decode(column: "service_api_key", as: Int64?.self),
            description: try row.decode(column: "description", as: String?.self),
            createdAt: try row.decode(column: "created_at", as: Int64.self), expiresAt: try row.decode(column: "expires_at", as: Int64?.self))
    }

    // MARK: Services

    public func insertService(_ service: ServiceRecord, keys: [SigningKeyRecord]) async throws {
        let keys = try keys.map(sealed)
        try await inserting("service") { db in
            try await db.insert(into: "services").columns("api_key", "organization_id", "document", "created_at", "modified_at")
                .values(
                    SQLBind(service.apiKey), SQLBind(service.organizationId), SQLBind(service.document),
                    SQLBind(service.createdAt), SQLBind(service.modifiedAt)
                ).run()
            for key in keys { try await Self.insert(key, into: db) }
        }
    }

    public func service(apiKey: Int64) async throws -> ServiceRecord? {
        let generation: UInt64
        switch cache.service(apiKey) {
        case .hit(let record): return record
        case .miss(let current): generation = current
        }
        let record = try await session.read { db in
            try await db.select().column("*").from("services").where("api_key", .equal, apiKey).first().map(Self.service)
        }
        if let record { cache.store(record, at: generation) }
        return record
    }

    public func services(organizationId: Int64, offset: Int, limit: Int) async throws -> Page<ServiceRecord> {
        try await session.read { db in
            let total = try await db.select().column(SQLFunction("COUNT", args: SQLLiteral.all), as: "count").from("services")
                .where("organization_id", .equal, organizationId).first()?.decode(column: "count", as: Int.self) ?? 0
            let records = try await db.select().column("*").from("services").where("organization_id", .equal, organizationId)
                .orderBy("created_at").orderBy("api_key").offset(offset).limit(limit).all().map(Self.service)
            return Page(total: total, records: records)
        }
    }

    public func updateService(_ service: ServiceRecord) async throws -> Bool {
        try await transaction(changing: .service(service.apiKey)) { db in
            guard try await db.select().column("api_key").from("services").where("api_key", .equal, service.apiKey).first() != nil
            else { return false }
            try await db.update("services").set("document", to: service.document).set("modified_at", to: service.modifiedAt)
                .where("api_key", .equal, service.apiKey).run()
            return true
        }
    }

    public func deleteService(apiKey: Int64) async throws -> Bool {
        try await transaction(changing: .everything(of: apiKey)) { db in
            guard try await db.select().column("api_key").from("services").where("api_key", .equal, apiKey).first() != nil
            else { return false }
            for table in [
                "clients", "signing_keys", "api_tokens", "tickets", "grants", "authorization_codes", "access_tokens", "refresh_tokens",
                "granted_scopes", "token_batches", "decoupled_authorizations",
            ] {
                try await db.delete(from: table).where("service_api_key", .equal, apiKey).run()
            }
            try await db.delete(from: "services").where("api_key", .equal, apiKey).run()
            return true
        }
    }

    private static func service(_ row: any SQLRow) throws -> ServiceRecord {
        ServiceRecord(
            apiKey: try row.decode(column: "api_key", as: Int64.self),
            organizationId: try row.decode(column: "organization_id", as: Int64.self),
            document: try row.decode(column: "document", as: String.self),
            createdAt: try row.decode(column: "created_at", as: Int64.self),
            modifiedAt: try row.decode(column: "modified_at", as: Int64.self))
    }

    // MARK: Clients

    public func insertClient(_ client: ClientRecord) async throws {
        try await inserting("client") { db in
            try await db.insert(into: "clients")
                .columns("client_id", "service_api_key", "alias", "developer", "secret_hash", "document", "created_at", "modified_at")
                .values(
                    SQLBind(client.clientId), SQLBind(client.serviceApiKey), SQLBind(client.alias), SQLBind(client.developer),
                    SQLBind(client.secretHash), SQLBind(client.document), SQLBind(client.createdAt), SQLBind(client.modifiedAt)
                ).run()
        }
    }

    public func client(serviceApiKey: Int64, clientId: Int64) async throws -> ClientRecord? {
        let key = RecordCache.ClientKey(serviceApiKey: serviceApiKey, clientId: clientId)
        let generation: UInt64
        switch cache.client(key) {
        case .hit(let record): return record
        case .miss(let current): generation = current
        }
        let record = try await session.read { db in
            try await db.select().column("*").from("clients").where("service_api_key", .equal, serviceApiKey)
                .where("client_id", .equal, clientId).first().map(Self.client)
        }
        if let record { cache.store(record, at: generation) }
        return record
    }

    public func client(serviceApiKey: Int64, alias: String) async throws -> ClientRecord? {
        try await session.read { db in
            try await db.select().column("*").from("clients").where("service_api_key", .equal, serviceApiKey)
                .where("alias", .equal, alias).first().map(Self.client)
        }
    }

    public func clients(serviceApiKey: Int64, developer: String?, offset: Int, limit: Int) async throws -> Page<ClientRecord> {
        try await session.read { db in
            func filtered(_ query: SQLSelectBuilder) -> SQLSelectBuilder {
                let query = query.where("service_api_key", .equal, serviceApiKey)
                return developer.map { query.where("developer", .equal, $0) } ?? query
            }
            let total = try await filtered(db.select().column(SQLFunction("COUNT", args: SQLLiteral.all), as: "count").from("clients"))
                .first()?.decode(column: "count", as: Int.self) ?? 0
            let records = try await filtered(db.select().column("*").from("clients")).orderBy("created_at").orderBy("client_id")
                .offset(offset).limit(limit).all().map(Self.client)
            return Page(total: total, records: records)
        }
    }

    public func updateClient(_ client: ClientRecord) async throws -> Bool {
        do {
            return try await transaction(changing: .client(serviceApiKey: client.serviceApiKey, clientId: client.clientId)) { db in
                guard try await Self.clientExists(client.serviceApiKey, client.clientId, in: db) else { return false }
                try await db.update("clients").set("alias", to: client.alias).set("developer", to: client.developer)
                    .set("document", to: client.document).set("modified_at", to: client.modifiedAt)
                    .where("service_api_key", .equal, client.serviceApiKey).where("client_id", .equal, client.clientId).run()
                return true
            }
        } catch where session.isUniqueViolation(error) {
            throw StoreError.duplicate("client alias")
        }
    }

    public func updateClient(_ client: ClientRecord, ifDocumentIs expected: String) async throws -> Bool {
        do {
            return try await transaction(changing: .client(serviceApiKey: client.serviceApiKey, clientId: client.clientId)) { db in
                try await db.update("clients").set("alias", to: client.alias).set("developer", to: client.developer)
                    .set("document", to: client.document).set("modified_at", to: client.modifiedAt)
                    .where("service_api_key", .equal, client.serviceApiKey).where("client_id", .equal, client.clientId)
                    .where("document", .equal, expected).returning("client_id").first() != nil
            }
        } catch where session.isUniqueViolation(error) {
            throw StoreError.duplicate("client alias")
        }
    }

    public func updateClientSecret(serviceApiKey: Int64, clientId: Int64, secretHash: String?, modifiedAt: Int64) async throws -> Bool {
        try await transaction(changing: .client(serviceApiKey: serviceApiKey, clientId: clientId)) { db in
            guard try await Self.clientExists(serviceApiKey, clientId, in: db) else { return false }
            try await db.update("clients").set("secret_hash", to: secretHash).set("modified_at", to: modifiedAt)
                .where("service_api_key", .equal, serviceApiKey).where("client_id", .equal, clientId).run()
            return true
        }
    }

    public func deleteClient(serviceApiKey: Int64, clientId: Int64, now: Int64) async throws -> Bool {
        try await transaction(changing: .client(serviceApiKey: serviceApiKey, clientId: clientId)) { db in
            guard try await Self.clientExists(serviceApiKey, clientId, in: db) else { return false }
            // Nothing the client held outlives it: tokens and grants are revoked (so they answer as revoked), with
            // the grants other clients derived from them by token exchange; codes and tickets are gone.
            try await Self.revokeGrants(
                rootedIn: "SELECT id FROM grants WHERE service_api_key = \(bind: serviceApiKey) AND client_id = \(bind: clientId)", now: now,
                in: db)
            for table in ["access_tokens", "refresh_tokens", "grants"] {
                try await db.update(table).set("revoked_at", to: now).where("service_api_key", .equal, serviceApiKey)
                    .where("client_id", .equal, clientId).where("revoked_at", .is, SQLLiteral.null).run()
            }
            for table in ["authorization_codes", "tickets", "granted_scopes", "decoupled_authorizations"] {
                try await db.delete(from: table).where("service_api_key", .equal, serviceApiKey).where("client_id", .equal, clientId).run()
            }
            try await db.delete(from: "clients").where("service_api_key", .equal, serviceApiKey).where("client_id", .equal, clientId).run()
            return true
        }
    }

    private static func clientExists(_ serviceApiKey: Int64, _ clientId: Int64, in db: any SQLDatabase) async throws -> Bool {
        try await db.select().column("client_id").from("clients").where("service_api_key", .equal, serviceApiKey)
            .where("client_id", .equal, clientId).first() != nil
    }

    static func client(_ row: any SQLRow) throws -> ClientRecord {
        ClientRecord(
            clientId: try row.decode(column: "client_id", as: Int64.self),
            serviceApiKey: try row.decode(column: "service_api_key", as: Int64.self),
            alias: try row.decode(column: "alias", as: String?.self), developer: try row.decode(column: "developer", as: String?.self),
            secretHash: try row.decode(column: "secret_hash", as: String?.self),
            document: try row.decode(column: "document", as: String.self),
            createdAt: try row.decode(column: "created_at", as: Int64.self),
            modifiedAt: try row.decode(column: "modified_at", as: Int64.self))
    }

    // MARK: Signing keys

    public func signingKeys(serviceApiKey: Int64) async throws -> [SigningKeyRecord] {
        let generation: UInt64
        switch cache.signingKeys(serviceApiKey) {
        case .hit(let records): return records
        case .miss(let current): generation = current
        }
        let stored = try await session.read { db in
            try await db.select().column("*").from("signing_keys").where("service_api_key", .equal, serviceApiKey)
                .orderBy("created_at", .descending).orderBy("kid").all().map(Self.signingKey)
        }
        let records = try stored.map(opened)
        // A service's keys are cached only once it has some: an unknown service stays uncached.
        if !records.isEmpty { cache.store(records, of: serviceApiKey, at: generation) }
        return records
    }

    public func rotateSigningKeys(
        serviceApiKey: Int64, newKeys: [SigningKeyRecord], retiredAt: Int64, publishedUntil: Int64, now: Int64
    ) async throws {
        let newKeys = try newKeys.map(sealed)
        do {
            try await transaction(changing: .signingKeys(serviceApiKey)) { db in
                try await Self.rotate(serviceApiKey, newKeys: newKeys, retiredAt: retiredAt, publishedUntil: publishedUntil, now: now, in: db)
            }
        } catch where session.isUniqueViolation(error) {
            throw StoreError.duplicate("signing key")
        }
    }

    private static func rotate(
        _ serviceApiKey: Int64, newKeys: [SigningKeyRecord], retiredAt: Int64, publishedUntil: Int64, now: Int64, in db: any SQLDatabase
    ) async throws {
        try await db.delete(from: "signing_keys").where("service_api_key", .equal, serviceApiKey)
            .where("published_until", .lessThan, now).run()
        try await db.update("signing_keys").set("retired_at", to: retiredAt).set("published_until", to: publishedUntil)
            .where("service_api_key", .equal, serviceApiKey).where("retired_at", .is, SQLLiteral.null).run()
        for key in newKeys { try await Self.insert(key, into: db) }
    }

    private static func insert(_ key: SigningKeyRecord, into db: any SQLDatabase) async throws {
        try await db.insert(into: "signing_keys")
            .columns("kid", "service_api_key", "algorithm", "private_jwk", "created_at", "retired_at", "published_until")
            .values(
                SQLBind(key.kid), SQLBind(key.serviceApiKey), SQLBind(key.algorithm), SQLBind(key.privateJWK),
                SQLBind(key.createdAt), SQLBind(key.retiredAt), SQLBind(key.publishedUntil)
            ).run()
    }

    static func signingKey(_ row: any SQLRow) throws -> SigningKeyRecord {
        SigningKeyRecord(
            kid: try row.decode(column: "kid", as: String.self),
            serviceApiKey: try row.decode(column: "service_api_key", as: Int64.self),
            algorithm: try row.decode(column: "algorithm", as: String.self),
            privateJWK: try row.decode(column: "private_jwk", as: String.self),
            createdAt: try row.decode(column: "created_at", as: Int64.self),
            retiredAt: try row.decode(column: "retired_at", as: Int64?.self),
            publishedUntil: try row.decode(column: "published_until", as: Int64?.self))
    }
}

/// Milliseconds since the Unix epoch, the unit of every `*At` column.
public enum Clock {
    public static var nowMilliseconds: Int64 {
        Int64((Date().timeIntervalSince1970 * 1000).rounded())
    }
}
