import SQLKit

/// Batches of token creations: a status row, and the batch's tokens stored with its completion in one
/// transaction.
extension SQLStore {
    public func insertTokenBatch(_ batch: TokenBatchRecord) async throws {
        try await inserting("token batch") { db in
            try await db.insert(into: "token_batches")
                .columns("request_id", "service_api_key", "state", "token_count", "error_code", "error_description", "created_at", "modified_at")
                .values(
                    SQLBind(batch.requestId), SQLBind(batch.serviceApiKey), SQLBind(batch.state.rawValue), SQLBind(batch.tokenCount),
                    SQLBind(batch.errorCode), SQLBind(batch.errorDescription), SQLBind(batch.createdAt), SQLBind(batch.modifiedAt)
                ).run()
        }
    }

    public func completeTokenBatch(requestId: String, serviceApiKey: Int64, issues: [IssuedRecords], now: Int64) async throws -> Bool {
        try await inserting("token") { db in
            // The statement that marks the batch done is the one that checks it is still running.
            guard
                try await db.update("token_batches").set("state", to: TokenBatchRecord.State.succeeded.rawValue)
                    .set("token_count", to: issues.count).set("modified_at", to: now).where("request_id", .equal, requestId)
                    .where("service_api_key", .equal, serviceApiKey).where("state", .equal, TokenBatchRecord.State.running.rawValue)
                    .returning("request_id").first() != nil
            else { return false }
            // The clients were checked when the batch was accepted; one deleted since gets no tokens.
            for clientId in Set(issues.map(\.accessToken.clientId)) {
                guard
                    try await db.select().column("client_id").from("clients").where("service_api_key", .equal, serviceApiKey)
                        .where("client_id", .equal, clientId).first() != nil
                else { throw StoreError.missing("client \(clientId)") }
            }
            for issue in issues { try await Self.store(issue, in: db) }
            return true
        }
    }

    public func failTokenBatch(
        requestId: String, serviceApiKey: Int64, errorCode: String, errorDescription: String, now: Int64
    ) async throws -> Bool {
        try await session.transaction { db in
            try await db.update("token_batches").set("state", to: TokenBatchRecord.State.failed.rawValue).set("error_code", to: errorCode)
                .set("error_description", to: errorDescription).set("modified_at", to: now).where("request_id", .equal, requestId)
                .where("service_api_key", .equal, serviceApiKey).where("state", .equal, TokenBatchRecord.State.running.rawValue)
                .returning("request_id").first() != nil
        }
    }

    public func tokenBatch(requestId: String, serviceApiKey: Int64) async throws -> TokenBatchRecord? {
        try await session.read { db in
            guard
                let row = try await db.select().column("*").from("token_batches").where("request_id", .equal, requestId)
                    .where("service_api_key", .equal, serviceApiKey).first()
            else { return nil }
            return TokenBatchRecord(
                requestId: requestId, serviceApiKey: serviceApiKey,
                state: TokenBatchRecord.State(rawValue: try row.decode(column: "state", as: String.self)) ?? .failed,
                tokenCount: try row.decode(column: "token_count", as: Int64.self),
                errorCode: try row.decode(column: "error_code", as: String?.self),
                errorDescription: try row.decode(column: "error_description", as: String?.self),
                createdAt: try row.decode(column: "created_at", as: Int64.self), modifiedAt: try row.decode(column: "modified_at", as: Int64.self))
        }
    }
}
