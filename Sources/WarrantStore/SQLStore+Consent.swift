import SQLKit

/// What users granted clients: the consent recorded per client and user, and the clients a user has live
/// tokens for.
extension SQLStore {
    public func grantedScopes(serviceApiKey: Int64, clientId: Int64, subject: String) async throws -> GrantedScopesRecord? {
        try await session.read { db in try await Self.grantedScopes(serviceApiKey, clientId, subject, in: db) }
    }

    public func deleteGrantedScopes(serviceApiKey: Int64, clientId: Int64, subject: String) async throws -> Bool {
        try await session.transaction { db in
            try await db.delete(from: "granted_scopes").where("service_api_key", .equal, serviceApiKey).where("client_id", .equal, clientId)
                .where("subject", .equal, subject).returning("subject").first() != nil
        }
    }

    public func authorizedClients(
        serviceApiKey: Int64, subject: String, developer: String?, now: Int64, offset: Int, limit: Int
    ) async throws -> Page<ClientRecord> {
        try await session.read { db in
            // Each EXISTS is answered by the (service_api_key, subject) index of its token table.
            let developerFilter: SQLQueryString = developer.map { "AND c.developer = \(bind: $0)" } ?? ""
            let authorized: SQLQueryString = """
                FROM clients c WHERE c.service_api_key = \(bind: serviceApiKey) \(developerFilter) AND (\
                EXISTS (SELECT 1 FROM access_tokens t WHERE t.service_api_key = c.service_api_key AND t.subject = \(bind: subject) \
                AND t.client_id = c.client_id AND t.revoked_at IS NULL AND t.expires_at >= \(bind: now)) OR \
                EXISTS (SELECT 1 FROM refresh_tokens r WHERE r.service_api_key = c.service_api_key AND r.subject = \(bind: subject) \
                AND r.client_id = c.client_id AND r.revoked_at IS NULL AND r.rotated_at IS NULL AND r.expires_at >= \(bind: now)))
                """
            let total = try await db.raw("SELECT COUNT(*) AS count \(authorized)").first()?.decode(column: "count", as: Int.self) ?? 0
            let records = try await db.raw(
                "SELECT c.* \(authorized) ORDER BY c.created_at, c.client_id LIMIT \(bind: limit) OFFSET \(bind: offset)"
            ).all().map(Self.client)
            return Page(total: total, records: records)
        }
    }

    /// Merges one more grant into the client's and user's record, inside the caller's transaction. The
    /// upsert keeps a first grant racing another from failing on the key.
    static func record(_ consent: GrantedScopesRecord, in db: any SQLDatabase) async throws {
        let existing = try await grantedScopes(consent.serviceApiKey, consent.clientId, consent.subject, in: db)
        let merged = existing?.granting(consent.latestScopes, at: consent.modifiedAt) ?? consent
        try await db.raw(
            """
            INSERT INTO granted_scopes (service_api_key, client_id, subject, latest_scopes, merged_scopes, modified_at) VALUES \
            (\(bind: merged.serviceApiKey), \(bind: merged.clientId), \(bind: merged.subject), \(bind: merged.latestScopes), \
            \(bind: merged.mergedScopes), \(bind: merged.modifiedAt)) ON CONFLICT (service_api_key, client_id, subject) DO UPDATE SET \
            latest_scopes = excluded.latest_scopes, merged_scopes = excluded.merged_scopes, modified_at = excluded.modified_at
            """
        ).run()
    }

    private static func grantedScopes(_ serviceApiKey: Int64, _ clientId: Int64, _ subject: String, in db: any SQLDatabase) async throws
        -> GrantedScopesRecord?
    {
        guard
            let row = try await db.select().column("*").from("granted_scopes").where("service_api_key", .equal, serviceApiKey)
                .where("client_id", .equal, clientId).where("subject", .equal, subject).first()
        else { return nil }
        return GrantedScopesRecord(
            serviceApiKey: serviceApiKey, clientId: clientId, subject: subject,
            latestScopes: try row.decode(column: "latest_scopes", as: String.self),
            mergedScopes: try row.decode(column: "merged_scopes", as: String.self),
            modifiedAt: try row.decode(column: "modified_at", as: Int64.self))
    }
}
