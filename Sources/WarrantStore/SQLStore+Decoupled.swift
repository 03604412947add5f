import SQLKit

/// Authorizations decided on another device (the device flow, CIBA): each step is one conditional statement,
/// so a record is decided once, polls keep their interval, and one poll redeems.
extension SQLStore {
    public func insertDecoupledAuthorization(_ record: DecoupledAuthorizationRecord) async throws {
        try await inserting("decoupled authorization") { db in
            try await db.insert(into: "decoupled_authorizations")
                .columns(
                    "hash", "kind", "lookup_hash", "service_api_key", "client_id", "state", "payload", "poll_interval", "polled_at", "created_at",
                    "expires_at"
                )
                .values(
                    SQLBind(record.hash), SQLBind(record.kind.rawValue), SQLBind(record.lookupHash), SQLBind(record.serviceApiKey),
                    SQLBind(record.clientId), SQLBind(record.state.rawValue), SQLBind(record.payload), SQLBind(record.interval),
                    SQLBind(record.polledAt), SQLBind(record.createdAt), SQLBind(record.expiresAt)
                ).run()
        }
    }

    public func decoupledAuthorization(lookupHash: String, kind: DecoupledAuthorizationRecord.Kind, serviceApiKey: Int64) async throws
        -> DecoupledAuthorizationRecord?
    {
        try await session.read { db in
            try await db.select().column("*").from("decoupled_authorizations").where("service_api_key", .equal, serviceApiKey)
                .where("kind", .equal, kind.rawValue).where("lookup_hash", .equal, lookupHash).first().map { try Self.decoupled($0, kind: kind) }
        }
    }

    public func decideDecoupledAuthorization(
        lookupHash: String, kind: DecoupledAuthorizationRecord.Kind, serviceApiKey: Int64, state: DecoupledAuthorizationRecord.State,
        payload: String, now: Int64
    ) async throws -> Bool {
        try await session.transaction { db in
            try await db.update("decoupled_authorizations").set("state", to: state.rawValue).set("payload", to: payload)
                .where("service_api_key", .equal, serviceApiKey).where("kind", .equal, kind.rawValue).where("lookup_hash", .equal, lookupHash)
                .where("state", .equal, DecoupledAuthorizationRecord.State.pending.rawValue).where("expires_at", .greaterThanOrEqual, now)
                .returning("hash").first() != nil
        }
    }

    public func pollDecoupledAuthorization(
        hash: String, kind: DecoupledAuthorizationRecord.Kind, serviceApiKey: Int64, clientId: Int64, leeway: Int64, now: Int64
    ) async throws -> DecoupledPoll {
        let record: SQLQueryString = """
            hash = \(bind: hash) AND kind = \(bind: kind.rawValue) AND service_api_key = \(bind: serviceApiKey) \
            AND client_id = \(bind: clientId) AND expires_at >= \(bind: now)
            """
        let longest = DecoupledAuthorizationRecord.longestInterval
        let polled: DecoupledPoll? = try await session.singleStatement { db in
            guard db.dialect.name == "postgresql" else {
                // SQLite, in its transaction (one writer at a time): on time, the statement that checks the
                // interval records the poll; else too soon, and the interval grows.
                let onTime: SQLQueryString = """
                    UPDATE decoupled_authorizations SET polled_at = \(bind: now) WHERE \(record) \
                    AND (polled_at IS NULL OR polled_at + poll_interval * 1000 - \(bind: leeway) <= \(bind: now)) RETURNING *
                    """
                if let row = try await db.raw(onTime).first() { return .polled(try Self.decoupled(row, kind: kind)) }
                let tooSoon: SQLQueryString = """
                    UPDATE decoupled_authorizations SET polled_at = \(bind: now), \
                    poll_interval = CASE WHEN poll_interval + 5 < \(bind: longest) THEN poll_interval + 5 ELSE \(bind: longest) END \
                    WHERE \(record) RETURNING poll_interval
                    """
                guard let row = try await db.raw(tooSoon).first() else { return nil }
                return .slowDown(interval: try row.decode(column: "poll_interval", as: Int64.self))
            }
            // PostgreSQL: one statement outside a SERIALIZABLE transaction, so that polls racing on one row wait
            // for each other's lock and see each other's poll instead of failing to serialize.
            let poll: SQLQueryString = """
                WITH previous AS (SELECT hash, polled_at, poll_interval FROM decoupled_authorizations WHERE \(record) FOR UPDATE) \
                UPDATE decoupled_authorizations AS d SET polled_at = \(bind: now), poll_interval = CASE \
                WHEN previous.polled_at IS NOT NULL AND previous.polled_at + previous.poll_interval * 1000 - \(bind: leeway) > \(bind: now) \
                THEN LEAST(previous.poll_interval + 5, \(bind: longest)) ELSE previous.poll_interval END \
                FROM previous WHERE d.hash = previous.hash \
                RETURNING d.*, (previous.polled_at IS NULL OR previous.polled_at + previous.poll_interval * 1000 - \(bind: leeway) <= \(bind: now)) AS on_time
                """
            guard let row = try await db.raw(poll).first() else { return nil }
            let found = try Self.decoupled(row, kind: kind)
            return try row.decode(column: "on_time", as: Bool.self) ? .polled(found) : .slowDown(interval: found.interval)
        }
        if let polled { return polled }
        // No live record of the client: say which.
        return try await session.read { db in
            guard
                let row = try await db.select().column("client_id").from("decoupled_authorizations").where("hash", .equal, hash)
                    .where("kind", .equal, kind.rawValue).where("service_api_key", .equal, serviceApiKey).first()
            else { return .unknown }
            return try row.decode(column: "client_id", as: Int64.self) == clientId ? .expired : .otherClient
        }
    }

    public func redeemDecoupledAuthorization(
        hash: String, kind: DecoupledAuthorizationRecord.Kind, serviceApiKey: Int64, state: DecoupledAuthorizationRecord.State,
        grant: GrantRecord, accessToken: AccessTokenRecord, refreshToken: RefreshTokenRecord?, consent: GrantedScopesRecord?
    ) async throws -> Bool {
        try await inserting("token") { db in
            guard
                try await db.delete(from: "decoupled_authorizations").where("hash", .equal, hash).where("kind", .equal, kind.rawValue)
                    .where("service_api_key", .equal, serviceApiKey).where("client_id", .equal, grant.clientId)
                    .where("state", .equal, state.rawValue).returning("hash").first() != nil
            else { return false }
            try await Self.insert(grant, into: db)
            try await Self.insert(accessToken, into: db)
            if let refreshToken { try await Self.insert(refreshToken, into: db) }
            if let consent { try await Self.record(consent, in: db) }
            return true
        }
    }

    /// A state this version does not know (a newer one wrote it) reads as failed: refused, never guessed.
    private static func decoupled(_ row: any SQLRow, kind: DecoupledAuthorizationRecord.Kind) throws -> DecoupledAuthorizationRecord {
        let state = DecoupledAuthorizationRecord.State(rawValue: try row.decode(column: "state", as: String.self)) ?? .failed
        return DecoupledAuthorizationRecord(
            hash: try row.decode(column: "hash", as: String.self), kind: kind, lookupHash: try row.decode(column: "lookup_hash", as: String.self),
            serviceApiKey: try row.decode(column: "service_api_key", as: Int64.self), clientId: try row.decode(column: "client_id", as: Int64.self),
            state: state, payload: try row.decode(column: "payload", as: String.self),
            interval: try row.decode(column: "poll_interval", as: Int64.self), polledAt: try row.decode(column: "polled_at", as: Int64?.self),
            createdAt: try row.decode(column: "created_at", as: Int64.self), expiresAt: try row.decode(column: "expires_at", as: Int64.self))
    }
}
