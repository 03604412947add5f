/// Persistence of the authorization and token flows.
public protocol GrantStore: Sendable {
    /// Records a client assertion (RFC 7523) until it expires; false when it was seen before (a replay).
    func recordAssertion(hash: String, expiresAt: Int64, now: Int64) async throws -> Bool

    func insertTicket(_ ticket: TicketRecord) async throws
    /// Removes and returns a ticket that exists and has not expired, in one statement: a ticket works once.
    func consumeTicket(hash: String, kind: TicketRecord.Kind, serviceApiKey: Int64, now: Int64) async throws -> TicketRecord?
    /// A ticket that exists and has not expired, left in place.
    func ticket(hash: String, kind: TicketRecord.Kind, serviceApiKey: Int64, now: Int64) async throws -> TicketRecord?
    /// Replaces the payload of a ticket that exists and has not expired; false when there is none.
    func updateTicket(hash: String, kind: TicketRecord.Kind, serviceApiKey: Int64, payload: String, now: Int64) async throws -> Bool

    /// Records a grant with what is issued from it at once (a code, tokens, or both), in one transaction.
    /// A token value that exists already throws ``StoreError/duplicate(_:)`` and stores nothing.
    /// - Parameter consent: the scopes the user granted, merged into the client's and user's
    ///   ``GrantedScopesRecord`` in the same transaction (nil for grants no user gave).
    func insertGrant(
        _ grant: GrantRecord, code: AuthorizationCodeRecord?, accessToken: AccessTokenRecord?, refreshToken: RefreshTokenRecord?,
        consent: GrantedScopesRecord?
    ) async throws
    func grant(id: String) async throws -> GrantRecord?
    /// Marks a code used when it is the client's, unexpired and unused, in the statement that checks so; a code
    /// presented a second time revokes its grant instead.
    func redeemCode(hash: String, serviceApiKey: Int64, clientId: Int64, now: Int64) async throws -> CodeRedemption
    /// Revokes a grant, the grants derived from it, and every token issued from them; returns how many live
    /// access tokens they had.
    @discardableResult func revokeGrant(id: String, now: Int64) async throws -> Int

    /// Stores tokens. Tokens of a grant revoked in the meantime (a replay raced the request) are stored revoked.
    /// A token value that exists already throws ``StoreError/duplicate(_:)`` and stores nothing.
    func insertTokens(accessToken: AccessTokenRecord, refreshToken: RefreshTokenRecord?) async throws
    func accessToken(hash: String) async throws -> AccessTokenRecord?
    func refreshToken(hash: String) async throws -> RefreshTokenRecord?
    /// Issues tokens for a refresh token when it is the client's, live and unrotated, checked by the statement
    /// that retires it (with `rotate`) or locks it, so a revocation cannot slip between. One that was retired
    /// before is a replay and revokes the grant.
    func refresh(
        hash: String, clientId: Int64, rotate: Bool, accessToken: AccessTokenRecord, refreshToken: RefreshTokenRecord?, now: Int64
    ) async throws -> RefreshRotation

    /// Revokes one access token; false when there is none, or it was revoked already.
    func revokeAccessToken(hash: String, now: Int64) async throws -> Bool
    /// Deletes an access token of the service; false when there is none.
    func deleteAccessToken(hash: String, serviceApiKey: Int64) async throws -> Bool
    /// Writes an access token's scopes, expiry and payload; false when it is gone.
    func updateAccessToken(_ token: AccessTokenRecord) async throws -> Bool
    /// The service's access tokens that are neither expired nor revoked, newest first.
    func liveAccessTokens(serviceApiKey: Int64, clientId: Int64?, subject: String?, now: Int64, offset: Int, limit: Int) async throws
        -> Page<AccessTokenRecord>
    /// Revokes every live access and refresh token of a client, a subject, or a subject at a client;
    /// returns how many access tokens were revoked.
    func revokeTokens(serviceApiKey: Int64, clientId: Int64?, subject: String?, now: Int64) async throws -> Int
    /// Gives every live access token and live unrotated refresh token of a subject at a client new scopes,
    /// and each access token the payload `rewrite` makes of its own (a refresh token's scopes are its column
    /// alone), in one transaction; returns how many tokens changed. A rewrite that throws changes nothing.
    func rescopeLiveTokens(
        serviceApiKey: Int64, clientId: Int64, subject: String, scopes: String, now: Int64,
        _ rewrite: @escaping @Sendable (_ payload: String) throws -> String
    ) async throws -> Int

    // MARK: Decoupled authorizations (the device flow, CIBA)

    /// A `lookupHash` (a user code, a ticket) the service has for the kind already throws ``StoreError/duplicate(_:)``.
    func insertDecoupledAuthorization(_ record: DecoupledAuthorizationRecord) async throws
    /// The record the user's side refers to, whatever its state and expiry.
    func decoupledAuthorization(lookupHash: String, kind: DecoupledAuthorizationRecord.Kind, serviceApiKey: Int64) async throws
        -> DecoupledAuthorizationRecord?
    /// Records the user's decision on a pending, unexpired record, in the statement that checks so: a decision
    /// is taken once. False when there was none to decide.
    func decideDecoupledAuthorization(
        lookupHash: String, kind: DecoupledAuthorizationRecord.Kind, serviceApiKey: Int64, state: DecoupledAuthorizationRecord.State,
        payload: String, now: Int64
    ) async throws -> Bool
    /// A client's poll: on time when it comes at least the record's interval after the previous one (less
    /// `leeway` milliseconds), and then recorded; too soon, and the interval grows by 5 seconds (RFC 8628
    /// §3.5), up to ``DecoupledAuthorizationRecord/longestInterval``. Of two polls at once, one is too soon.
    func pollDecoupledAuthorization(
        hash: String, kind: DecoupledAuthorizationRecord.Kind, serviceApiKey: Int64, clientId: Int64, leeway: Int64, now: Int64
    ) async throws -> DecoupledPoll
    /// Removes a record of the grant's client in `state` and stores the grant and tokens made from it, in one
    /// transaction; false, storing nothing, when the record is no longer there in that state (another poll
    /// redeemed it, another decision took it). `authorized` for a poll after the decision; `pending` where the
    /// decision and the tokens come at once (CIBA's push mode).
    func redeemDecoupledAuthorization(
        hash: String, kind: DecoupledAuthorizationRecord.Kind, serviceApiKey: Int64, state: DecoupledAuthorizationRecord.State,
        grant: GrantRecord, accessToken: AccessTokenRecord, refreshToken: RefreshTokenRecord?, consent: GrantedScopesRecord?
    ) async throws -> Bool

    // MARK: Token batches

    func insertTokenBatch(_ batch: TokenBatchRecord) async throws
    /// Stores every issue of a running batch and marks it succeeded with their count, in one transaction.
    /// A token value that exists already throws ``StoreError/duplicate(_:)``, a client deleted meanwhile
    /// ``StoreError/missing(_:)``, and either stores nothing; a batch that is not running (unknown, or
    /// finished) stores nothing and answers false.
    func completeTokenBatch(requestId: String, serviceApiKey: Int64, issues: [IssuedRecords], now: Int64) async throws -> Bool
    /// Marks a running batch failed; false when it is not running.
    func failTokenBatch(requestId: String, serviceApiKey: Int64, errorCode: String, errorDescription: String, now: Int64) async throws
        -> Bool
    func tokenBatch(requestId: String, serviceApiKey: Int64) async throws -> TokenBatchRecord?

    // MARK: What users granted clients

    func grantedScopes(serviceApiKey: Int64, clientId: Int64, subject: String) async throws -> GrantedScopesRecord?
    /// False when there was no record.
    func deleteGrantedScopes(serviceApiKey: Int64, clientId: Int64, subject: String) async throws -> Bool
    /// The clients holding a live access token, or a live unrotated refresh token, of the subject, in
    /// the order they were registered.
    func authorizedClients(serviceApiKey: Int64, subject: String, developer: String?, now: Int64, offset: Int, limit: Int) async throws
        -> Page<ClientRecord>
}

extension GrantStore {
    /// Records a grant no user consented to (a token created by the API, an exchange).
    public func insertGrant(
        _ grant: GrantRecord, code: AuthorizationCodeRecord?, accessToken: AccessTokenRecord?, refreshToken: RefreshTokenRecord?
    ) async throws {
        try await insertGrant(grant, code: code, accessToken: accessToken, refreshToken: refreshToken, consent: nil)
    }
}
