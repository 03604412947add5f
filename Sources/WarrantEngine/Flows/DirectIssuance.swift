import WarrantAPI
import WarrantStore

/// Tokens issued outside a grant flow (/auth/token/create, a token exchange), stored in one transaction:
/// a refresh token gets a grant of its own to belong to, and so does a token derived from another grant,
/// so that revoking that grant revokes it.
struct DirectIssuance: Sendable {
    let store: any WarrantStore
    let issuer: TokenIssuer

    /// - Parameter parentGrantId: the grant the tokens derive from (a token exchange's subject token).
    func issue(_ request: IssueRequest, parentGrantId: String? = nil) async throws -> IssuedTokens {
        let (records, tokens) = try await prepare(request, parentGrantId: parentGrantId)
        try await ChosenValues.storing {
            if let grant = records.grant {
                try await store.insertGrant(grant, code: nil, accessToken: records.accessToken, refreshToken: records.refreshToken)
            } else {
                try await store.insertTokens(accessToken: records.accessToken, refreshToken: records.refreshToken)
            }
        }
        return tokens
    }

    /// The tokens and what to store for them, stored by nothing yet (a batch stores many at once).
    func prepare(_ request: IssueRequest, parentGrantId: String? = nil) async throws -> (IssuedRecords, IssuedTokens) {
        var request = request
        var grant: GrantRecord?
        let wantsRefresh = if case .new = request.refresh { true } else { false }
        if wantsRefresh || parentGrantId != nil {
            var recorded = request.details
            recorded.grantType = request.grantType.rawValue
            let record = GrantRecord(
                id: Secrets.identifier(), serviceApiKey: request.service.apiKey, clientId: request.client.clientId,
                subject: request.details.subject, payload: try GrantDetails.json(recorded), createdAt: issuer.now(), parentId: parentGrantId)
            grant = record
            request.grantId = record.id
        }
        let tokens = try await issuer.issue(request)
        return (IssuedRecords(grant: grant, accessToken: tokens.accessRecord, refreshToken: tokens.refreshRecord), tokens)
    }
}
