import WarrantAPI
import WarrantStore

/// The end of an authorization the user approved (/auth/authorization/issue): the grant, and the code, the
/// access token and the ID token the response type asks for, stored together in one transaction, with the
/// parameters of the authorization response.
struct AuthorizationIssuance: Sendable {
    let store: any WarrantStore
    let issuer: TokenIssuer

    struct Issued {
        /// The authorization response's parameters, in order.
        var parameters: [(String, String)]
        var code: String?
        var tokens: IssuedTokens?
        var idToken: String?
    }

    /// - Parameters:
    ///   - body: what the front end says about the user (subject, claims, authentication time).
    ///   - request: the authorization request the ticket carried.
    func issue(
        _ body: AuthorizationIssueRequest, for request: ParsedAuthorizationRequest, service: ServicePolicy, client: ClientPolicy
    ) async throws -> Issued {
        let time = issuer.now()
        var details = GrantDetails(
            subject: body.subject, sub: body.sub, scopes: body.scopes ?? request.scopes, resources: request.resources,
            // Authlete's SDKs send 0 for "not given".
            authTime: body.authTime.flatMap { $0 > 0 ? $0 : nil }, acr: body.acr, claims: body.claims, idtHeaderParams: body.idtHeaderParams,
            idTokenAudType: body.idTokenAudType?.rawValue, sessionId: body.sessionId, nonce: request.nonce, jwtAtClaims: body.jwtAtClaims,
            requestedIdTokenClaims: request.claimNames,
            clientIdentifier: client.identifier(aliasUsed: request.clientIdAliasUsed),
            redirectUri: request.redirectUri, redirectUriGiven: request.redirectUriGiven, codeChallenge: request.codeChallenge,
            codeChallengeMethod: request.codeChallengeMethod, accessTokenDuration: body.accessTokenDuration,
            properties: StoredProperty.from(body.properties), userInfoClaims: request.userInfoClaims, consentedClaims: body.consentedClaims)
        // Binds the code only; tokens are bound by the proof at the token endpoint.
        details.dpopJkt = request.dpopJkt
        // What the user granted (checked by the caller), or else what the request asked for.
        details.authorizationDetails =
            body.authorizationDetails?.elements ?? request.authorizationDetails.flatMap { try? JSONValue(parsing: $0) }?.arrayValue
        let grant = GrantRecord(
            id: Secrets.identifier(), serviceApiKey: service.apiKey, clientId: request.clientId, subject: body.subject,
            payload: try GrantDetails.json(details), createdAt: time)

        var parameters: [(String, String)] = []
        var code: String?
        var codeRecord: AuthorizationCodeRecord?
        if request.wantsCode {
            let value = Secrets.token()
            code = value
            codeRecord = AuthorizationCodeRecord(
                hash: Secrets.hash(value), grantId: grant.id, serviceApiKey: service.apiKey, clientId: request.clientId, payload: "{}",
                createdAt: time,
                // FAPI 2.0 §5.3.2.1: codes live at most 60 s under the security profile.
                expiresAt: Bounds.expiry(
                    from: time,
                    seconds: service.fapi(for: client).security
                        ? min(service.authorizationCodeDuration, FAPIRules.codeLifetime) : service.authorizationCodeDuration))
            parameters.append(("code", value))
        }
        var tokens: IssuedTokens?
        if request.wantsToken {
            // Implicit and hybrid flows never get a refresh token from the authorization endpoint.
            let issued = try await issuer.issue(
                IssueRequest(
                    service: service, client: client, grantId: grant.id, details: details, grantType: .implicit,
                    accessTokenValue: body.accessToken, accessDuration: body.accessTokenDuration))
            tokens = issued
            parameters += [
                ("access_token", issued.presentedAccessToken), ("token_type", issued.tokenType), ("expires_in", String(issued.expiresIn)),
            ]
            if !issued.scopes.isEmpty { parameters.append(("scope", issued.scopes.joined(separator: " "))) }
        }
        var idToken: String?
        if request.wantsIDToken {
            let made = try await issuer.idToken(
                IDTokenRequest(service: service, client: client, details: details, accessToken: tokens?.presentedAccessToken, code: code))
            idToken = made
            parameters.append(("id_token", made))
        }
        try await ChosenValues.storing { try await store.insertGrant(
                grant, code: codeRecord, accessToken: tokens?.accessRecord, refreshToken: nil,
                consent: .given(with: grant, scopes: details.scopes)) }
        return Issued(parameters: parameters, code: code, tokens: tokens, idToken: idToken)
    }
}
