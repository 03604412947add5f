/// Persistence of the authorization and token flows.
public protocol GrantStore: Sendable {
    /// Records a client assertion (RFC 7523) until it expires; false when it was seen before (a replay).
    func recordAssertion(hash: String, expiresAt: Int64, now: Int64) async throws -> Bool

    func insertTicket(_ ticket: TicketRecord) async throws
    /// Removes and returns a ticket that exists and has not expired: a ticket works once.
    func consumeTicket(hash: String, kind: TicketRecord.Kind, serviceApiKey: Int64, now: Int64) async throws -> TicketRecord?

    /// Records a grant with what is issued from it at once: a code, or (implicit) an access token, or both.
    func insertGrant(_ grant: GrantRecord, code: AuthorizationCodeRecord?, accessToken: AccessTokenRecord?) async throws
    func grant(id: String) async throws -> GrantRecord?
    /// Marks a code used; a code presented a second time revokes its grant instead.
    func redeemCode(hash: String, serviceApiKey: Int64, now: Int64) async throws -> CodeRedemption
    /// Revokes a grant and every token issued from it.
    func revokeGrant(id: String, now: Int64) async throws

    /// Stores tokens. Tokens of a grant revoked in the meantime (a replay raced the request) are stored revoked.
    func insertTokens(accessToken: AccessTokenRecord, refreshToken: RefreshTokenRecord?) async throws
    func accessToken(hash: String) async throws -> AccessTokenRecord?
    func refreshToken(hash: String) async throws -> RefreshTokenRecord?
    /// Issues tokens for a refresh token. With `rotate`, the old refresh token is retired; one that was
    /// retired before is a replay and revokes the grant.
    func refresh(
        hash: String, rotate: Bool, accessToken: AccessTokenRecord, refreshToken: RefreshTokenRecord?, now: Int64
    ) async throws -> RefreshRotation
}
