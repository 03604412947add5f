import Logging
import WarrantAPI
import WarrantStore

/// The authorization code grant at the token endpoint (RFC 6749 §4.1.3, RFC 7636 §4.6): the code is redeemed
/// by the store's one conditional update, then the redirect URI and PKCE are checked against what the
/// authorization request carried.
struct CodeGrant: Sendable {
    let store: any WarrantStore
    let issuer: TokenIssuer
    let logger: Logger

    func run(_ request: TokenGrantRequest) async throws -> TokenResponse {
        let service = request.service
        func fail(_ error: OAuthError) -> TokenResponse { TokenAnswer.failure(error, service: service) }
        guard let code = request.form["code"] else { return fail(.invalidRequest("code is missing.")) }
        let grant: GrantRecord
        switch try await store.redeemCode(
            hash: Secrets.hash(code), serviceApiKey: service.apiKey, clientId: request.client.client.clientId, now: issuer.now())
        {
        case .unknown:
            return fail(.invalidGrant("The authorization code is unknown."))
        case .replayed(let grantId):
            logger.warning("authorization code presented twice; grant revoked", metadata: ["grant": "\(grantId)"])
            return fail(.invalidGrant("The authorization code was used before; its tokens are revoked."))
        case .otherClient:
            return fail(.invalidGrant("The authorization code was issued to another client."))
        case .expired:
            return fail(.invalidGrant("The authorization code has expired."))
        case .redeemed(_, let redeemedGrant):
            grant = redeemedGrant
        }
        var details: GrantDetails
        switch request.tokenDetails(granted: try GrantDetails.decoded(grant.payload)) {
        case .failure(let error): return fail(error)
        case .success(let narrowed): details = narrowed
        }
        if let problem = Self.redirectProblem(details, given: request.form["redirect_uri"])
            ?? Self.pkceProblem(details, verifier: request.form["code_verifier"]) ?? Self.dpopProblem(details, proof: request.dpop)
        {
            return fail(problem)
        }
        var issue = request.issueRequest(details: details, grantType: .authorizationCode, grantId: grant.id)
        issue.refresh = request.refreshIfAllowed
        var tokens = try await issuer.issue(issue)
        if details.scopes.contains("openid") {
            tokens.idToken = try await issuer.idToken(
                IDTokenRequest(service: service, client: request.client.client, details: details, accessToken: tokens.presentedAccessToken))
        }
        try await ChosenValues.storing { try await store.insertTokens(accessToken: tokens.accessRecord, refreshToken: tokens.refreshRecord) }
        return TokenAnswer.success(tokens, for: request, grantType: .authorizationCode, subject: details.subject)
    }

    /// RFC 6749 §4.1.3: redirect_uri is repeated, byte for byte, when the authorization request had it.
    static func redirectProblem(_ details: GrantDetails, given: String?) -> OAuthError? {
        guard details.redirectUriGiven || given != nil else { return nil }
        guard let given, let expected = details.redirectUri, RedirectMatching.same(given, expected) else {
            return .invalidGrant("redirect_uri does not match the authorization request.")
        }
        return nil
    }

    /// RFC 9449 §10: a code the authorization request bound to a DPoP key (dpop_jkt, or the PAR proof's key)
    /// is redeemed only with a proof by that key.
    static func dpopProblem(_ details: GrantDetails, proof: DPoPProof.Verified?) -> OAuthError? {
        guard let bound = details.dpopJkt else { return nil }
        guard let proof else { return OAuthError("invalid_dpop_proof", "The code is bound to a DPoP key; send a DPoP proof by it.", .dpopProofMissing) }
        return proof.jkt == bound ? nil : OAuthError("invalid_dpop_proof", "The DPoP proof is not by the key the code is bound to.", .dpopProofInvalid)
    }

    /// RFC 7636 §4.6: the verifier matches the challenge; a verifier without a challenge is refused too.
    static func pkceProblem(_ details: GrantDetails, verifier: String?) -> OAuthError? {
        switch (details.codeChallenge, verifier) {
        case (let challenge?, let verifier?):
            guard PKCE.verify(verifier: verifier, challenge: challenge, method: details.codeChallengeMethod ?? "plain") else {
                return .invalidGrant("code_verifier does not match the code_challenge.")
            }
            return nil
        case (.some, nil):
            return .invalidGrant("code_verifier is missing.")
        case (nil, .some):
            // A verifier for a code issued without a challenge would let an attacker downgrade PKCE.
            return .invalidGrant("code_verifier was sent but the authorization request had no code_challenge.")
        case (nil, nil):
            return nil
        }
    }
}
