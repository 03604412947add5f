import SQLKit

extension SQLStore {
    /// Rows one purge statement deletes at most: short transactions, so requests queue behind none for long.
    public static let purgeBatch = 500

    public func purge(now: Int64, retention: Int64) async throws -> PurgeReport {
        let cutoff = now.subtractingReportingOverflow(max(0, retention)).partialValue
        var report = PurgeReport()
        report.tickets = try await deleteInBatches(from: "tickets", key: "hash", where: "expires_at < \(bind: now)")
        report.decoupledAuthorizations = try await deleteInBatches(
            from: "decoupled_authorizations", key: "hash", where: "expires_at < \(bind: now)")
        // A used code stays until it expires, so that a replay is recognised and revokes its grant.
        report.authorizationCodes = try await deleteInBatches(from: "authorization_codes", key: "hash", where: "expires_at < \(bind: now)")
        report.assertions = try await deleteInBatches(from: "used_assertions", key: "hash", where: "expires_at < \(bind: now)")
        // Tokens stay for `retention` after they end, so introspection can still say expired or revoked; a rotated
        // refresh token stays until it expires, so that its replay is recognised.
        report.accessTokens = try await deleteInBatches(
            from: "access_tokens", key: "hash", where: "expires_at < \(bind: cutoff) OR revoked_at < \(bind: cutoff)")
        report.refreshTokens = try await deleteInBatches(
            from: "refresh_tokens", key: "hash", where: "expires_at < \(bind: cutoff) OR revoked_at < \(bind: cutoff)")
        // A grant goes once nothing refers to it: no token, no code, no grant derived from it.
        report.grants = try await deleteInBatches(
            from: "grants", key: "id",
            where: """
                created_at < \(bind: cutoff) \
                AND NOT EXISTS (SELECT 1 FROM access_tokens WHERE access_tokens.grant_id = grants.id) \
                AND NOT EXISTS (SELECT 1 FROM refresh_tokens WHERE refresh_tokens.grant_id = grants.id) \
                AND NOT EXISTS (SELECT 1 FROM authorization_codes WHERE authorization_codes.grant_id = grants.id) \
                AND NOT EXISTS (SELECT 1 FROM grants AS derived WHERE derived.parent_id = grants.id)
                """)
        report.apiTokens = try await deleteInBatches(from: "api_tokens", key: "id", where: "expires_at < \(bind: now)")
        if report.apiTokens > 0 { cache.invalidate(.apiTokens) }
        report.cacheChanges = try await deleteInBatches(
            from: "cache_changes", key: "version", where: "changed_at < \(bind: now.subtractingReportingOverflow(Self.changeLogRetention).partialValue)")
        report.tokenBatches = try await deleteInBatches(from: "token_batches", key: "request_id", where: "modified_at < \(bind: cutoff)")
        return report
    }

    /// Deletes the rows `condition` selects, a batch per transaction; returns how many.
    private func deleteInBatches(from table: String, key: String, where condition: SQLQueryString) async throws -> Int {
        var total = 0
        while true {
            let deleted = try await session.transaction { db in
                try await db.raw(
                    """
                    DELETE FROM \(ident: table) WHERE \(ident: key) IN \
                    (SELECT \(ident: key) FROM \(ident: table) WHERE \(condition) LIMIT \(literal: Self.purgeBatch)) RETURNING \(ident: key)
                    """
                ).all().count
            }
            total += deleted
            if deleted < Self.purgeBatch { return total }
            await Task.yield()
        }
    }
}
