import SpecRuntime
import WarrantAPI
import WarrantStore

/// A token request once the client authenticated: what every grant at the token endpoint starts from.
struct TokenGrantRequest: Sendable {
    var service: ServicePolicy
    var client: ClientAuthenticator.Authenticated
    /// The form parameters, each once (`resource` and `audience` may repeat and keep their last value here).
    var form: [String: String]
    /// The front end's call, with what it adds to the form (chosen token values, lifetimes, properties).
    var call: TokenRequest
    /// The key of the DPoP proof that came with the request and verified; the tokens are bound to it.
    var dpop: DPoPProof.Verified? = nil
    /// The thumbprint of the TLS client certificate the tokens are bound to (RFC 8705 §3), when they are.
    var certificate: String? = nil
    /// The `resource` parameters (RFC 8707), each an absolute URI without a fragment.
    var resources: [String] = []

    /// What a grant's access token is made from: the grant's details with the call's properties, and the
    /// resources and authorization_details the request narrows them to (the grant keeps them all, so a later
    /// refresh can choose again).
    func tokenDetails(granted: GrantDetails) -> Result<GrantDetails, OAuthError> {
        var details = granted
        if let properties = StoredProperty.from(call.properties) { details.properties = properties }
        switch narrowedResources(granted: details.resources) {
        case .failure(let error): return .failure(error)
        case .success(let resources): details.resources = resources
        }
        switch RichAuthorization.narrowed(form["authorization_details"], granted: details.authorizationDetails) {
        case .failure(let error): return .failure(error)
        case .success(let elements): details.authorizationDetails = elements
        }
        return .success(details)
    }

    /// The resources the access token is for (RFC 8707 §2.2): those the request names, which must be among
    /// those the authorization named; all of those when the request names none.
    func narrowedResources(granted: [String]) -> Result<[String], OAuthError> {
        guard !resources.isEmpty else { return .success(granted) }
        guard !granted.isEmpty else { return .failure(OAuthError("invalid_target", "The authorization named no resource; a token request cannot add one.")) }
        if let other = resources.first(where: { !granted.contains($0) }) {
            return .failure(OAuthError("invalid_target", "The resource '\(other)' is not one the authorization named."))
        }
        return .success(resources)
    }

    /// The requested scopes the service knows (its defaults when none is requested); a scope the client may
    /// not request is an error.
    func requestedScopes() -> Result<[String], OAuthError> {
        guard let text = form["scope"] else {
            return .success(service.defaultScopes.filter(client.client.mayRequest))
        }
        var scopes: [String] = []
        for scope in text.split(separator: " ").map(String.init) where service.scopeNames.contains(scope) && !scopes.contains(scope) {
            guard client.client.mayRequest(scope) else { return .failure(.invalidScope("The client may not request the scope '\(scope)'.")) }
            scopes.append(scope)
        }
        return .success(scopes)
    }

    /// The details of a grant made at the token endpoint itself (no authorization request before it).
    func details(subject: String?, scopes: [String]) -> GrantDetails {
        GrantDetails(
            subject: subject, sub: nil, scopes: scopes, resources: resources, authTime: nil, acr: nil, claims: nil, idtHeaderParams: nil,
            idTokenAudType: nil, sessionId: nil, nonce: nil, jwtAtClaims: call.jwtAtClaims, requestedIdTokenClaims: [],
            clientIdentifier: client.identifier, redirectUri: nil, redirectUriGiven: false, codeChallenge: nil, codeChallengeMethod: nil,
            accessTokenDuration: call.accessTokenDuration, properties: StoredProperty.from(call.properties))
    }

    /// The issuance every grant starts from; the grant adds its grant ID and refresh token.
    func issueRequest(details: GrantDetails, grantType: GrantType, grantId: String?) -> IssueRequest {
        IssueRequest(
            service: service, client: client.client, grantId: grantId, details: details, grantType: grantType,
            accessTokenValue: call.accessToken, accessDuration: call.accessTokenDuration, dpopJkt: dpop?.jkt,
            certificateThumbprint: certificate)
    }

    /// A refresh token, when the service and the client allow them, with the lifetime the call asked for.
    var refreshIfAllowed: IssueRequest.Refresh {
        service.issuesRefreshTokens(to: client.client) ? .new(duration: call.refreshTokenDuration) : .none
    }
}

/// The token endpoint's answers.
enum TokenAnswer {
    static func success(_ tokens: IssuedTokens, for request: TokenGrantRequest, grantType: GrantType, subject: String?) -> TokenResponse {
        let client = request.client
        var response = TokenResponse(
            resultCode: ResultCode.tokenIssued.code, resultMessage: ResultCode.tokenIssued.message, action: .ok,
            responseContent: TokenIssuer.responseBody(tokens, service: request.service), accessToken: tokens.accessToken,
            accessTokenExpiresAt: tokens.accessRecord.expiresAt, accessTokenDuration: tokens.expiresIn, refreshToken: tokens.refreshToken,
            refreshTokenExpiresAt: tokens.refreshRecord?.expiresAt, refreshTokenDuration: tokens.refreshExpiresIn, idToken: tokens.idToken,
            grantType: grantType, clientId: client.client.clientId, clientIdAlias: client.client.alias, clientIdAliasUsed: client.aliasUsed,
            clientAuthMethod: client.client.tokenAuthMethod, subject: subject, scopes: tokens.scopes,
            properties: StoredProperty.list(tokens.properties), jwtAccessToken: tokens.jwtAccessToken,
            resources: request.resources.isEmpty ? nil : request.resources,
            accessTokenResources: tokens.resources.isEmpty ? nil : tokens.resources, refreshTokenScopes: tokens.refreshTokenScopes,
            sessionId: tokens.sessionId, serviceAttributes: request.service.document.attributes,
            clientAttributes: client.client.document.attributes)
        response.authorizationDetails = RichAuthorization.wire(tokens.authorizationDetails)
        return response
    }

    static func failure(_ error: OAuthError, service: ServicePolicy, action: TokenAction = .badRequest) -> TokenResponse {
        TokenResponse(
            resultCode: error.result.code, resultMessage: "[\(error.result.code)] \(error.description)", action: action,
            responseContent: error.jsonBody(omitDescription: service.omitsErrorDescriptions))
    }
}

/// Token values a caller chose (Authlete's `accessToken` and `refreshToken` parameters).
enum ChosenValues {
    /// Runs a store write of tokens whose values a caller may have chosen: a value in use already is the
    /// caller's mistake (400), and the write stored nothing.
    static func storing<T>(_ write: () async throws -> T) async throws -> T {
        do {
            return try await write()
        } catch StoreError.duplicate {
            throw APIFailure(400, .tokenValueTaken)
        }
    }

    /// Refuses, before a ticket is used up, an access token value a caller chose that is in use already.
    static func requireUnused(_ value: String?, in store: any WarrantStore) async throws {
        if let value, try await store.accessToken(hash: Secrets.hash(value)) != nil { throw APIFailure(400, .tokenValueTaken) }
    }
}
