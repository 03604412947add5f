import SQLKit

/// The schema, as numbered migrations. Each runs once, in its own transaction, and is recorded in
/// `schema_migrations`; a database opened by a newer version gets only what it lacks. Types and statements
/// are portable (SQLite and PostgreSQL).
enum Migrations {
    struct Migration: Sendable {
        var version: Int
        var name: String
        var apply: @Sendable (any SQLDatabase) async throws -> Void
    }

    static let all: [Migration] = [
        Migration(version: 1, name: "organizations, API tokens, services, clients, signing keys") { db in
            try await db.create(table: "organizations")
                .column("id", type: .bigint, .primaryKey(autoIncrement: false))
                .column("name", type: .text, .notNull)
                .column("created_at", type: .bigint, .notNull)
                .run()
            try await db.create(table: "api_tokens")
                .column("id", type: .text, .primaryKey(autoIncrement: false))
                .column("token_hash", type: .text, .notNull, .unique)
                .column("organization_id", type: .bigint, .notNull, .references("organizations", "id"))
                .column("service_api_key", type: .bigint)
                .column("description", type: .text)
                .column("created_at", type: .bigint, .notNull)
                .run()
            try await db.create(table: "services")
                .column("api_key", type: .bigint, .primaryKey(autoIncrement: false))
                .column("organization_id", type: .bigint, .notNull, .references("organizations", "id"))
                .column("document", type: .text, .notNull)
                .column("created_at", type: .bigint, .notNull)
                .column("modified_at", type: .bigint, .notNull)
                .run()
            try await db.create(table: "clients")
                .column("client_id", type: .bigint, .primaryKey(autoIncrement: false))
                .column("service_api_key", type: .bigint, .notNull, .references("services", "api_key"))
                .column("alias", type: .text)
                .column("developer", type: .text)
                .column("secret_hash", type: .text)
                .column("document", type: .text, .notNull)
                .column("created_at", type: .bigint, .notNull)
                .column("modified_at", type: .bigint, .notNull)
                .run()
            try await db.create(index: "clients_alias").unique().on("clients").column("service_api_key").column("alias").run()
            try await db.create(index: "clients_developer").on("clients").column("service_api_key").column("developer").run()
            try await db.create(table: "signing_keys")
                .column("kid", type: .text, .primaryKey(autoIncrement: false))
                .column("service_api_key", type: .bigint, .notNull, .references("services", "api_key"))
                .column("algorithm", type: .text, .notNull)
                .column("private_jwk", type: .text, .notNull)
                .column("created_at", type: .bigint, .notNull)
                .column("retired_at", type: .bigint)
                .column("published_until", type: .bigint)
                .run()
            try await db.create(index: "signing_keys_service").on("signing_keys").column("service_api_key").run()
        },
        Migration(version: 2, name: "tickets, grants, authorization codes, access and refresh tokens") { db in
            try await db.create(table: "tickets")
                .column("hash", type: .text, .primaryKey(autoIncrement: false))
                .column("kind", type: .text, .notNull)
                .column("service_api_key", type: .bigint, .notNull)
                .column("client_id", type: .bigint, .notNull)
                .column("payload", type: .text, .notNull)
                .column("created_at", type: .bigint, .notNull)
                .column("expires_at", type: .bigint, .notNull)
                .run()
            try await db.create(table: "grants")
                .column("id", type: .text, .primaryKey(autoIncrement: false))
                .column("service_api_key", type: .bigint, .notNull)
                .column("client_id", type: .bigint, .notNull)
                .column("subject", type: .text)
                .column("payload", type: .text, .notNull)
                .column("created_at", type: .bigint, .notNull)
                .column("revoked_at", type: .bigint)
                .run()
            try await db.create(table: "authorization_codes")
                .column("hash", type: .text, .primaryKey(autoIncrement: false))
                .column("grant_id", type: .text, .notNull)
                .column("service_api_key", type: .bigint, .notNull)
                .column("client_id", type: .bigint, .notNull)
                .column("payload", type: .text, .notNull)
                .column("created_at", type: .bigint, .notNull)
                .column("expires_at", type: .bigint, .notNull)
                .column("used_at", type: .bigint)
                .run()
            try await db.create(table: "access_tokens")
                .column("hash", type: .text, .primaryKey(autoIncrement: false))
                .column("grant_id", type: .text)
                .column("service_api_key", type: .bigint, .notNull)
                .column("client_id", type: .bigint, .notNull)
                .column("subject", type: .text)
                .column("scopes", type: .text, .notNull)
                .column("refresh_token_hash", type: .text)
                .column("payload", type: .text, .notNull)
                .column("created_at", type: .bigint, .notNull)
                .column("expires_at", type: .bigint, .notNull)
                .column("revoked_at", type: .bigint)
                .run()
            try await db.create(index: "access_tokens_grant").on("access_tokens").column("grant_id").run()
            try await db.create(table: "refresh_tokens")
                .column("hash", type: .text, .primaryKey(autoIncrement: false))
                .column("grant_id", type: .text, .notNull)
                .column("service_api_key", type: .bigint, .notNull)
                .column("client_id", type: .bigint, .notNull)
                .column("subject", type: .text)
                .column("scopes", type: .text, .notNull)
                .column("payload", type: .text, .notNull)
                .column("created_at", type: .bigint, .notNull)
                .column("expires_at", type: .bigint, .notNull)
                .column("rotated_at", type: .bigint)
                .column("revoked_at", type: .bigint)
                .run()
            try await db.create(index: "refresh_tokens_grant").on("refresh_tokens").column("grant_id").run()
        },
        Migration(version: 3, name: "client assertions seen, against replay") { db in
            try await db.create(table: "used_assertions")
                .column("hash", type: .text, .primaryKey(autoIncrement: false))
                .column("expires_at", type: .bigint, .notNull)
                .run()
        },
        Migration(version: 4, name: "derived grants, retiring API tokens, a health probe; an index behind every lookup and purge") { db in
            try await db.alter(table: "grants").column("parent_id", type: .text).run()
            try await db.alter(table: "api_tokens").column("expires_at", type: .bigint).run()
            // One row the health check rewrites: proof that the database still takes writes.
            try await db.create(table: "health_probe")
                .column("id", type: .bigint, .primaryKey(autoIncrement: false))
                .column("checked_at", type: .bigint, .notNull)
                .run()
            try await db.insert(into: "health_probe").columns("id", "checked_at").values(SQLBind(1), SQLBind(0)).run()
            let indexes: [(name: String, table: String, columns: [String])] = [
                ("grants_parent", "grants", ["parent_id"]),
                ("grants_client", "grants", ["service_api_key", "client_id"]),
                ("grants_created", "grants", ["created_at"]),
                ("api_tokens_expiry", "api_tokens", ["expires_at"]),
                ("access_tokens_refresh", "access_tokens", ["refresh_token_hash"]),
                ("access_tokens_client", "access_tokens", ["service_api_key", "client_id"]),
                ("access_tokens_subject", "access_tokens", ["service_api_key", "subject"]),
                ("access_tokens_expiry", "access_tokens", ["expires_at"]),
                ("access_tokens_revoked", "access_tokens", ["revoked_at"]),
                ("refresh_tokens_client", "refresh_tokens", ["service_api_key", "client_id"]),
                ("refresh_tokens_subject", "refresh_tokens", ["service_api_key", "subject"]),
                ("refresh_tokens_expiry", "refresh_tokens", ["expires_at"]),
                ("refresh_tokens_revoked", "refresh_tokens", ["revoked_at"]),
                ("authorization_codes_grant", "authorization_codes", ["grant_id"]),
                ("authorization_codes_client", "authorization_codes", ["service_api_key", "client_id"]),
                ("authorization_codes_expiry", "authorization_codes", ["expires_at"]),
                ("tickets_client", "tickets", ["service_api_key", "client_id"]),
                ("tickets_expiry", "tickets", ["expires_at"]),
                ("used_assertions_expiry", "used_assertions", ["expires_at"]),
                ("api_tokens_service", "api_tokens", ["service_api_key"]),
                ("services_organization", "services", ["organization_id"]),
            ]
            for index in indexes {
                let builder = db.create(index: index.name).on(index.table)
                for column in index.columns { builder.column(column) }
                try await builder.run()
            }
        },
        Migration(version: 5, name: "the scopes each user granted each client; token batches") { db in
            try await db.create(table: "granted_scopes")
                .column("service_api_key", type: .bigint, .notNull)
                .column("client_id", type: .bigint, .notNull)
                .column("subject", type: .text, .notNull)
                .column("latest_scopes", type: .text, .notNull)
                .column("merged_scopes", type: .text, .notNull)
                .column("modified_at", type: .bigint, .notNull)
                .primaryKey("service_api_key", "client_id", "subject")
                .run()
            try await db.create(table: "token_batches")
                .column("request_id", type: .text, .primaryKey(autoIncrement: false))
                .column("service_api_key", type: .bigint, .notNull)
                .column("state", type: .text, .notNull)
                .column("token_count", type: .bigint, .notNull)
                .column("error_code", type: .text)
                .column("error_description", type: .text)
                .column("created_at", type: .bigint, .notNull)
                .column("modified_at", type: .bigint, .notNull)
                .run()
            try await db.create(index: "token_batches_modified").on("token_batches").column("modified_at").run()
            try await db.create(index: "token_batches_service").on("token_batches").column("service_api_key").run()
        },
        Migration(version: 6, name: "changes to cached records, for the other processes on the database") { db in
            // One row counts the changes; each change is logged under the count it took (see CacheChangeLog).
            try await db.create(table: "cache_version")
                .column("id", type: .bigint, .primaryKey(autoIncrement: false))
                .column("version", type: .bigint, .notNull)
                .run()
            try await db.insert(into: "cache_version").columns("id", "version").values(SQLBind(1), SQLBind(0)).run()
            try await db.create(table: "cache_changes")
                .column("version", type: .bigint, .primaryKey(autoIncrement: false))
                .column("kind", type: .text, .notNull)
                .column("service_api_key", type: .bigint)
                .column("client_id", type: .bigint)
                .column("changed_at", type: .bigint, .notNull)
                .run()
            try await db.create(index: "cache_changes_changed").on("cache_changes").column("changed_at").run()
        },
        Migration(version: 7, name: "authorizations decided on another device: the device flow") { db in
            try await db.create(table: "decoupled_authorizations")
                .column("hash", type: .text, .primaryKey(autoIncrement: false))
                .column("kind", type: .text, .notNull)
                .column("lookup_hash", type: .text, .notNull)
                .column("service_api_key", type: .bigint, .notNull)
                .column("client_id", type: .bigint, .notNull)
                .column("state", type: .text, .notNull)
                .column("payload", type: .text, .notNull)
                .column("poll_interval", type: .bigint, .notNull)
                .column("polled_at", type: .bigint)
                .column("created_at", type: .bigint, .notNull)
                .column("expires_at", type: .bigint, .notNull)
                .run()
            try await db.create(index: "decoupled_authorizations_lookup").unique().on("decoupled_authorizations")
                .column("service_api_key").column("kind").column("lookup_hash").run()
            try await db.create(index: "decoupled_authorizations_client").on("decoupled_authorizations").column("service_api_key").column("client_id").run()
            try await db.create(index: "decoupled_authorizations_expiry").on("decoupled_authorizations").column("expires_at").run()
        },
    ]

    /// Applies the migrations the database has not seen; returns the versions applied.
    ///
    /// Several processes may start at once on one PostgreSQL database. Each migration records its version
    /// first, so a second process waits on that row until the first commits, and then finds it done.
    static func run(on session: any DatabaseSession, now: Int64) async throws -> [Int] {
        for attempt in 1...2 {
            do {
                try await session.transaction { db in
                    try await db.create(table: "schema_migrations").ifNotExists()
                        .column("version", type: .bigint, .primaryKey(autoIncrement: false))
                        .column("name", type: .text, .notNull)
                        .column("applied_at", type: .bigint, .notNull)
                        .run()
                }
                break
            } catch where attempt == 1 {
                // PostgreSQL's CREATE TABLE IF NOT EXISTS can clash with the same statement of another process
                // on its catalog (a duplicate type or key); the table then exists. Any other fault shows again.
            }
        }
        var applied: [Int] = []
        for migration in all {
            do {
                let done = try await session.transaction { db in
                    let rows = try await db.select().column("version").from("schema_migrations")
                        .where("version", .equal, migration.version).all()
                    if !rows.isEmpty { return false }
                    try await db.insert(into: "schema_migrations").columns("version", "name", "applied_at")
                        .values(SQLBind(migration.version), SQLBind(migration.name), SQLBind(now)).run()
                    try await migration.apply(db)
                    return true
                }
                if done { applied.append(migration.version) }
            } catch where session.isUniqueViolation(error) {
                // Another process applied it meanwhile.
            }
        }
        return applied
    }

    /// The versions recorded in the database, for diagnostics and tests.
    static func recorded(on session: any DatabaseSession) async throws -> [Int] {
        try await session.read { db in
            try await db.select().column("version").from("schema_migrations").orderBy("version").all()
                .map { try $0.decode(column: "version", as: Int.self) }
        }
    }
}

/// The database's migrations beside this process's.
public struct SchemaStatus: Sendable, Equatable {
    /// The newest migration the database has (nil: none).
    public var newest: Int?
    /// This process's migrations the database lacks.
    public var missing: [Int]
    /// The newest migration this process knows.
    public static var expected: Int { Migrations.all.map(\.version).max() ?? 0 }

    init(recorded: [Int]) {
        newest = recorded.max()
        let have = Set(recorded)
        missing = Migrations.all.map(\.version).filter { !have.contains($0) }
    }

    /// Whether the database has every migration this process needs (it may have newer ones, from a newer
    /// warrant sharing it during a rolling upgrade).
    public var isCurrent: Bool { missing.isEmpty }
}
