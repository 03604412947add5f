import Logging
import WarrantAPI
import WarrantStore

/// The refresh token grant (RFC 6749 §6): the store retires (or, when the service keeps refresh tokens,
/// locks) the refresh token in the statement that checks it, so a revocation or a second use cannot slip in
/// between; a rotated token presented again revokes its grant (RFC 9700 §4.14.2).
struct RefreshGrant: Sendable {
    let store: any WarrantStore
    let issuer: TokenIssuer
    let logger: Logger

    func run(_ request: TokenGrantRequest) async throws -> TokenResponse {
        let service = request.service
        let client = request.client.client
        func fail(_ error: OAuthError) -> TokenResponse { TokenAnswer.failure(error, service: service) }
        guard let value = request.form["refresh_token"] else { return fail(.invalidRequest("refresh_token is missing.")) }
        let hash = Secrets.hash(value)
        let now = issuer.now()
        guard let old = try await store.refreshToken(hash: hash), old.serviceApiKey == service.apiKey else {
            return fail(.invalidGrant("The refresh token is unknown."))
        }
        guard old.clientId == client.clientId else { return fail(.invalidGrant("The refresh token was issued to another client.")) }
        guard old.revokedAt == nil, old.expiresAt >= now, let grant = try await store.grant(id: old.grantId) else {
            return fail(.invalidGrant("The refresh token has expired or was revoked."))
        }
        // A public client's refresh token is bound to its DPoP key (RFC 9449 §5): only a proof by it refreshes.
        let binding = RefreshBinding(payload: old.payload)
        if let bound = binding.certificateThumbprint, request.certificate != bound {
            return fail(OAuthError("invalid_grant", "The refresh token is bound to a TLS client certificate the request does not carry.", .certificateMismatch))
        }
        if let bound = binding.dpopJkt {
            guard let proof = request.dpop else {
                return fail(OAuthError("invalid_dpop_proof", "The refresh token is bound to a DPoP key; send a DPoP proof by it.", .dpopProofMissing))
            }
            guard proof.jkt == bound else {
                return fail(OAuthError("invalid_dpop_proof", "The DPoP proof is not by the key the refresh token is bound to.", .dpopProofInvalid))
            }
        }
        var details: GrantDetails
        switch request.tokenDetails(granted: try GrantDetails.decoded(grant.payload)) {
        case .failure(let error): return fail(error)
        case .success(let narrowed): details = narrowed
        }
        // Scopes the client may no longer request do not come back with a refresh.
        let granted = old.scopes.split(separator: " ").map(String.init).filter(client.mayRequest)
        if let requested = request.form["scope"] {
            let scopes = requested.split(separator: " ").map(String.init)
            guard Set(scopes).isSubset(of: granted) else { return fail(.invalidScope("A refresh can only narrow the scopes of the grant.")) }
            details.scopes = scopes
        } else {
            details.scopes = granted
        }
        // FAPI 2.0 §5.3.2.1: no rotation, so a retried refresh cannot revoke the grant.
        let keep = service.refreshTokenKept || service.fapi(for: client).security
        var issue = request.issueRequest(details: details, grantType: .refreshToken, grantId: grant.id)
        if !keep {
            issue.refresh = .new(duration: request.call.refreshTokenDuration, expiresAt: service.refreshTokenExpiryKept ? old.expiresAt : nil)
        }
        var tokens = try await issuer.issue(issue)
        if keep {
            // The same refresh token keeps working; the new access token points at it.
            tokens.refreshToken = value
            tokens.accessRecord.refreshTokenHash = hash
            tokens.refreshExpiresIn = old.expiresAt.saturatingSubtracting(now) / 1000
        } else {
            // Scopes narrowed for this access token stay as the grant's for the next refresh.
            tokens.refreshRecord?.scopes = old.scopes
        }
        let rotation = try await ChosenValues.storing {
            try await store.refresh(
                hash: hash, clientId: client.clientId, rotate: !keep, accessToken: tokens.accessRecord, refreshToken: tokens.refreshRecord,
                now: now)
        }
        switch rotation {
        case .unknown:
            return fail(.invalidGrant("The refresh token is unknown."))
        case .inactive:
            return fail(.invalidGrant("The refresh token has expired or was revoked."))
        case .replayed(let grantId):
            logger.warning("rotated refresh token presented again; grant revoked", metadata: ["grant": "\(grantId)"])
            return fail(.invalidGrant("The refresh token was already used; its tokens are revoked."))
        case .rotated:
            break
        }
        var response = TokenAnswer.success(tokens, for: request, grantType: .refreshToken, subject: details.subject)
        if service.idTokenReissuable, details.scopes.contains("openid"), details.subject != nil {
            response.action = .idTokenReissuable
            response.resultCode = ResultCode.idTokenReissuable.code
            response.resultMessage = ResultCode.idTokenReissuable.message
            response.requestedIdTokenClaims = details.requestedIdTokenClaims
        }
        return response
    }
}
