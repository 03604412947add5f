import Foundation
import SpecRuntime
import WarrantAPI
import WarrantStore

extension WarrantEngine {
    public func authToken(_ input: Operations.AuthToken.Input) async throws -> Operations.AuthToken.Output {
        let (_, record) = try await access.service(try serviceID(input.path.serviceId), input.credentials)
        let service = try apiService(from: record, result: nil)
        var form: [String: String] = [:]
        let pairs: [(name: String, value: String)]
        do {
            pairs = try FormEncoding.pairs(from: input.body.parameters)
        } catch {
            return .ok(tokenFailure(.invalidRequest("The parameters are malformed: \(error.description)."), service: service))
        }
        for (name, value) in pairs {
            if form[name] != nil, name != "resource", name != "audience" {
                return .ok(tokenFailure(.invalidRequest("The parameter '\(name)' must not be repeated."), service: service))
            }
            form[name] = value
        }
        // Token exchange may come from clients warrant cannot identify; it authenticates on its own terms.
        if form["grant_type"] == Self.tokenExchangeGrant {
            return .ok(try await exchangeThroughTokenEndpoint(input.body, pairs: pairs, form: form, service: service, serviceApiKey: record.apiKey))
        }
        let audiences = [service.tokenEndpoint?.absoluteString, service.issuer?.absoluteString].compactMap { $0 }
        let authenticator = ClientAuthenticator(
            engine: self, serviceApiKey: record.apiKey, audiences: audiences, allowedMethods: service.supportedTokenAuthMethods)
        let authenticated: ClientAuthenticator.Authenticated
        switch try await authenticator.authenticate(form: form, basicId: input.body.clientId, basicSecret: input.body.clientSecret) {
        case .failure(let error): return .ok(tokenFailure(error, service: service, action: error.isInvalidClient ? .invalidClient : .badRequest))
        case .success(let client): authenticated = client
        }
        guard let grantTypeText = form["grant_type"] else {
            return .ok(tokenFailure(.invalidRequest("grant_type is missing."), service: service))
        }
        guard let grantType = GrantTypes.enumValue(grantTypeText), (service.supportedGrantTypes ?? []).contains(grantType) else {
            return .ok(tokenFailure(.unsupportedGrantType("The grant type '\(grantTypeText)' is not supported."), service: service))
        }
        guard (authenticated.client.grantTypes ?? []).contains(grantType) else {
            return .ok(tokenFailure(.unauthorizedClient("The client may not use the grant type '\(grantTypeText)'."), service: service))
        }
        let context = TokenContext(service: service, serviceApiKey: record.apiKey, client: authenticated, form: form, request: input.body)
        switch grantType {
        case .authorizationCode: return .ok(try await authorizationCodeGrant(context))
        case .refreshToken: return .ok(try await refreshTokenGrant(context))
        case .clientCredentials: return .ok(try await clientCredentialsGrant(context))
        case .password: return .ok(try await passwordGrant(context))
        default:
            return .ok(tokenFailure(.unsupportedGrantType("The grant type '\(grantTypeText)' is not supported yet."), service: service))
        }
    }

    struct TokenContext {
        var service: Service
        var serviceApiKey: Int64
        var client: ClientAuthenticator.Authenticated
        var form: [String: String]
        var request: TokenRequest
    }

    // MARK: Grants

    private func authorizationCodeGrant(_ context: TokenContext) async throws -> TokenResponse {
        guard let code = context.form["code"] else { return tokenFailure(.invalidRequest("code is missing."), service: context.service) }
        let grant: GrantRecord
        switch try await store.redeemCode(
            hash: Secrets.hash(code), serviceApiKey: context.serviceApiKey, clientId: context.client.record.clientId, now: now())
        {
        case .unknown:
            return tokenFailure(.invalidGrant("The authorization code is unknown."), service: context.service)
        case .replayed(let grantId):
            logger.warning("authorization code presented twice; grant revoked", metadata: ["grant": "\(grantId)"])
            return tokenFailure(.invalidGrant("The authorization code was used before; its tokens are revoked."), service: context.service)
        case .otherClient:
            return tokenFailure(.invalidGrant("The authorization code was issued to another client."), service: context.service)
        case .expired:
            return tokenFailure(.invalidGrant("The authorization code has expired."), service: context.service)
        case .redeemed(_, let redeemedGrant):
            grant = redeemedGrant
        }
        var details = try Self.details(grant.payload)
        if let properties = StoredProperty.from(context.request.properties) { details.properties = properties }
        let givenRedirect = context.form["redirect_uri"]
        if details.redirectUriGiven || givenRedirect != nil {
            guard let givenRedirect, let expected = details.redirectUri, RedirectMatching.same(givenRedirect, expected) else {
                return tokenFailure(.invalidGrant("redirect_uri does not match the authorization request."), service: context.service)
            }
        }
        switch (details.codeChallenge, context.form["code_verifier"]) {
        case (let challenge?, let verifier?):
            guard PKCE.verify(verifier: verifier, challenge: challenge, method: details.codeChallengeMethod ?? "plain") else {
                return tokenFailure(.invalidGrant("code_verifier does not match the code_challenge."), service: context.service)
            }
        case (.some, nil):
            return tokenFailure(.invalidGrant("code_verifier is missing."), service: context.service)
        case (nil, .some):
            // A verifier for a code issued without a challenge would let an attacker downgrade PKCE.
            return tokenFailure(.invalidGrant("code_verifier was sent but the authorization request had no code_challenge."), service: context.service)
        case (nil, nil):
            break
        }
        var tokens = try await makeTokens(
            service: context.service, serviceApiKey: context.serviceApiKey, client: context.client.client, grantId: grant.id, details: details,
            grantType: .authorizationCode, withRefreshToken: issuesRefreshTokens(context), accessTokenValue: context.request.accessToken,
            accessDuration: context.request.accessTokenDuration, refreshDuration: context.request.refreshTokenDuration)
        if details.scopes.contains("openid") {
            tokens.idToken = try await makeIDToken(
                service: context.service, serviceApiKey: context.serviceApiKey, client: context.client.client, details: details,
                accessToken: tokens.jwtAccessToken ?? tokens.accessToken, code: nil)
        }
        try await storingChosenValues { try await store.insertTokens(accessToken: tokens.accessRecord, refreshToken: tokens.refreshRecord) }
        return tokenSuccess(tokens, context: context, grantType: .authorizationCode, subject: details.subject)
    }

    private func refreshTokenGrant(_ context: TokenContext) async throws -> TokenResponse {
        guard let value = context.form["refresh_token"] else {
            return tokenFailure(.invalidRequest("refresh_token is missing."), service: context.service)
        }
        let hash = Secrets.hash(value)
        guard let old = try await store.refreshToken(hash: hash), old.serviceApiKey == context.serviceApiKey else {
            return tokenFailure(.invalidGrant("The refresh token is unknown."), service: context.service)
        }
        guard old.clientId == context.client.record.clientId else {
            return tokenFailure(.invalidGrant("The refresh token was issued to another client."), service: context.service)
        }
        guard old.revokedAt == nil, old.expiresAt >= now(), let grant = try await store.grant(id: old.grantId) else {
            return tokenFailure(.invalidGrant("The refresh token has expired or was revoked."), service: context.service)
        }
        var details = try Self.details(grant.payload)
        if let properties = StoredProperty.from(context.request.properties) { details.properties = properties }
        // Scopes the client may no longer request do not come back with a refresh.
        let requestable = Self.requestableScopes(of: context.client.client)
        let granted = old.scopes.split(separator: " ").map(String.init).filter { requestable?.contains($0) ?? true }
        if let requested = context.form["scope"] {
            let scopes = requested.split(separator: " ").map(String.init)
            guard Set(scopes).isSubset(of: granted) else {
                return tokenFailure(.invalidScope("A refresh can only narrow the scopes of the grant."), service: context.service)
            }
            details.scopes = scopes
        } else {
            details.scopes = granted
        }
        let keep = context.service.refreshTokenKept == true
        let keepExpiry = context.service.refreshTokenDurationKept == true && context.service.refreshTokenDurationReset != true
        var tokens = try await makeTokens(
            service: context.service, serviceApiKey: context.serviceApiKey, client: context.client.client, grantId: grant.id, details: details,
            grantType: .refreshToken, withRefreshToken: !keep, accessTokenValue: context.request.accessToken, accessDuration: context.request.accessTokenDuration,
            refreshDuration: context.request.refreshTokenDuration, refreshExpiresAt: keepExpiry ? old.expiresAt : nil)
        if keep {
            // The same refresh token keeps working; the new access token points at it.
            tokens.refreshToken = value
            tokens.accessRecord.refreshTokenHash = hash
            tokens.refreshExpiresIn = old.expiresAt.saturatingSubtracting(now()) / 1000
        } else {
            // Scopes narrowed for this access token stay as the grant's for the next refresh.
            tokens.refreshRecord?.scopes = old.scopes
        }
        let rotation = try await storingChosenValues {
            try await store.refresh(
                hash: hash, clientId: context.client.record.clientId, rotate: !keep, accessToken: tokens.accessRecord,
                refreshToken: tokens.refreshRecord, now: now())
        }
        switch rotation {
        case .unknown:
            return tokenFailure(.invalidGrant("The refresh token is unknown."), service: context.service)
        case .inactive:
            return tokenFailure(.invalidGrant("The refresh token has expired or was revoked."), service: context.service)
        case .replayed(let grantId):
            logger.warning("rotated refresh token presented again; grant revoked", metadata: ["grant": "\(grantId)"])
            return tokenFailure(.invalidGrant("The refresh token was already used; its tokens are revoked."), service: context.service)
        case .rotated:
            break
        }
        var response = tokenSuccess(tokens, context: context, grantType: .refreshToken, subject: details.subject)
        if context.service.idTokenReissuable == true, details.scopes.contains("openid"), details.subject != nil {
            response.action = .idTokenReissuable
            response.resultCode = ResultCode.idTokenReissuable.code
            response.resultMessage = ResultCode.idTokenReissuable.message
            response.requestedIdTokenClaims = details.requestedIdTokenClaims
        }
        return response
    }

    private func clientCredentialsGrant(_ context: TokenContext) async throws -> TokenResponse {
        guard context.client.client.clientType != .public else {
            return tokenFailure(.unauthorizedClient("A public client cannot use the client_credentials grant."), service: context.service)
        }
        let scopes: [String]
        switch requestedScopes(context) {
        case .failure(let error): return tokenFailure(error, service: context.service)
        case .success(let requested): scopes = requested
        }
        if scopes.contains("openid") {
            return tokenFailure(.invalidScope("openid makes no sense without a user."), service: context.service)
        }
        let details = grantDetails(context, subject: nil, scopes: scopes)
        let tokens = try await makeTokens(
            service: context.service, serviceApiKey: context.serviceApiKey, client: context.client.client, grantId: nil, details: details,
            grantType: .clientCredentials, withRefreshToken: false, accessTokenValue: context.request.accessToken, accessDuration: context.request.accessTokenDuration)
        try await storingChosenValues { try await store.insertTokens(accessToken: tokens.accessRecord, refreshToken: nil) }
        return tokenSuccess(tokens, context: context, grantType: .clientCredentials, subject: nil)
    }

    private func passwordGrant(_ context: TokenContext) async throws -> TokenResponse {
        guard let username = context.form["username"], let password = context.form["password"] else {
            return tokenFailure(.invalidRequest("username and password are required."), service: context.service)
        }
        let ticket = Secrets.token()
        let time = now()
        let scopes: [String]
        switch requestedScopes(context) {
        case .failure(let error): return tokenFailure(error, service: context.service)
        case .success(let requested): scopes = requested
        }
        let details = grantDetails(context, subject: nil, scopes: scopes)
        try await store.insertTicket(
            TicketRecord(
                hash: Secrets.hash(ticket), kind: .password, serviceApiKey: context.serviceApiKey, clientId: context.client.record.clientId,
                payload: try Self.json(details), createdAt: time,
                expiresAt: Bounds.expiry(
                    from: time, seconds: context.service.authorizationResponseDuration ?? ServiceMetadata.defaultTicketDuration)))
        return TokenResponse(
            resultCode: ResultCode.passwordGrant.code, resultMessage: ResultCode.passwordGrant.message, action: .password,
            username: username, password: password, ticket: ticket, grantType: .password, clientId: context.client.record.clientId,
            scopes: details.scopes)
    }

    public func tokenIssue(_ input: Operations.TokenIssue.Input) async throws -> Operations.TokenIssue.Output {
        let (_, record) = try await access.service(try serviceID(input.path.serviceId), input.credentials)
        let service = try apiService(from: record, result: nil)
        // Before the ticket is used up: a value that is taken must not cost the user their login.
        try await requireUnusedAccessTokenValue(input.body.accessToken)
        guard let ticket = try await store.consumeTicket(hash: Secrets.hash(input.body.ticket), kind: .password, serviceApiKey: record.apiKey, now: now()),
            let clientRecord = try await store.client(serviceApiKey: record.apiKey, clientId: ticket.clientId)
        else {
            return .ok(
                TokenIssueResponse(
                    resultCode: ResultCode.ticketUnknown.code, resultMessage: ResultCode.ticketUnknown.message, action: .internalServerError,
                    responseContent: OAuthError("server_error", "The ticket is unknown, already used or expired.", .ticketUnknown).jsonBody()))
        }
        let client = try apiClient(from: clientRecord, result: nil)
        var details = try Self.details(ticket.payload)
        details.subject = input.body.subject
        details.jwtAtClaims = input.body.jwtAtClaims ?? details.jwtAtClaims
        if let properties = StoredProperty.from(input.body.properties) { details.properties = properties }
        let grant = GrantRecord(
            id: Secrets.identifier(), serviceApiKey: record.apiKey, clientId: ticket.clientId, subject: input.body.subject,
            payload: try Self.json(details), createdAt: now())
        let tokens = try await makeTokens(
            service: service, serviceApiKey: record.apiKey, client: client, grantId: grant.id, details: details, grantType: .password,
            withRefreshToken: Self.refreshAllowed(client: client, service: service),
            accessTokenValue: input.body.accessToken, accessDuration: input.body.accessTokenDuration,
            refreshDuration: input.body.refreshTokenDuration)
        try await storingChosenValues {
            try await store.insertGrant(grant, code: nil, accessToken: tokens.accessRecord, refreshToken: tokens.refreshRecord)
        }
        return .ok(
            TokenIssueResponse(
                resultCode: ResultCode.passwordTokensIssued.code, resultMessage: ResultCode.passwordTokensIssued.message, action: .ok,
                responseContent: tokenResponseBody(tokens, service: service), accessToken: tokens.accessToken,
                accessTokenExpiresAt: tokens.accessRecord.expiresAt, accessTokenDuration: tokens.expiresIn, refreshToken: tokens.refreshToken,
                refreshTokenExpiresAt: tokens.refreshRecord?.expiresAt, refreshTokenDuration: tokens.refreshExpiresIn, clientId: ticket.clientId,
                subject: input.body.subject, scopes: tokens.scopes, jwtAccessToken: tokens.jwtAccessToken))
    }

    public func tokenFail(_ input: Operations.TokenFail.Input) async throws -> Operations.TokenFail.Output {
        let (_, record) = try await access.service(try serviceID(input.path.serviceId), input.credentials)
        guard try await store.consumeTicket(hash: Secrets.hash(input.body.ticket), kind: .password, serviceApiKey: record.apiKey, now: now()) != nil
        else {
            return .ok(
                TokenFailResponse(
                    resultCode: ResultCode.ticketUnknown.code, resultMessage: ResultCode.ticketUnknown.message, action: .internalServerError,
                    responseContent: OAuthError("server_error", "The ticket is unknown, already used or expired.", .ticketUnknown).jsonBody()))
        }
        // Authlete answers invalid_request for wrong credentials; RFC 6749 §5.2 would say invalid_grant.
        let error: OAuthError =
            switch input.body.reason {
            case .invalidResourceOwnerCredentials:
                OAuthError("invalid_request", "The resource owner's credentials are wrong.", .passwordGrantRefused)
            case .invalidTarget: OAuthError("invalid_target", "The requested resource is not acceptable.", .passwordGrantRefused)
            default: OAuthError("server_error", "The password grant failed.", .passwordGrantRefused)
            }
        return .ok(
            TokenFailResponse(
                resultCode: ResultCode.passwordGrantRefused.code, resultMessage: ResultCode.passwordGrantRefused.message, action: .badRequest,
                responseContent: error.jsonBody()))
    }

    // MARK: Helpers

    private func issuesRefreshTokens(_ context: TokenContext) -> Bool {
        Self.refreshAllowed(client: context.client.client, service: context.service)
    }

    /// The requested scopes the service knows (its defaults when none is requested); a scope the client may
    /// not request is an error.
    private func requestedScopes(_ context: TokenContext) -> Result<[String], OAuthError> {
        let supported = context.service.supportedScopes ?? []
        let requestable = Self.requestableScopes(of: context.client.client)
        guard let text = context.form["scope"] else {
            return .success(supported.filter(\.defaultEntry).map(\.name).filter { requestable?.contains($0) ?? true })
        }
        let known = Set(supported.map(\.name))
        var scopes: [String] = []
        for scope in text.split(separator: " ").map(String.init) where known.contains(scope) && !scopes.contains(scope) {
            guard requestable?.contains(scope) ?? true else { return .failure(.invalidScope("The client may not request the scope '\(scope)'.")) }
            scopes.append(scope)
        }
        return .success(scopes)
    }

    private func grantDetails(_ context: TokenContext, subject: String?, scopes: [String]) -> GrantDetails {
        GrantDetails(
            subject: subject, sub: nil, scopes: scopes, resources: [], authTime: nil, acr: nil, claims: nil, idtHeaderParams: nil,
            idTokenAudType: nil, sessionId: nil, nonce: nil, jwtAtClaims: context.request.jwtAtClaims, requestedIdTokenClaims: [],
            clientIdentifier: context.client.identifier, redirectUri: nil, redirectUriGiven: false, codeChallenge: nil, codeChallengeMethod: nil,
            accessTokenDuration: context.request.accessTokenDuration, properties: StoredProperty.from(context.request.properties))
    }

    private func tokenSuccess(_ tokens: IssuedTokens, context: TokenContext, grantType: GrantType, subject: String?) -> TokenResponse {
        TokenResponse(
            resultCode: ResultCode.tokenIssued.code, resultMessage: ResultCode.tokenIssued.message, action: .ok,
            responseContent: tokenResponseBody(tokens, service: context.service), accessToken: tokens.accessToken,
            accessTokenExpiresAt: tokens.accessRecord.expiresAt, accessTokenDuration: tokens.expiresIn, refreshToken: tokens.refreshToken,
            refreshTokenExpiresAt: tokens.refreshRecord?.expiresAt, refreshTokenDuration: tokens.refreshExpiresIn, idToken: tokens.idToken,
            grantType: grantType, clientId: context.client.record.clientId,
            clientIdAlias: context.client.client.clientIdAlias, clientIdAliasUsed: context.client.identifier == context.client.client.clientIdAlias,
            clientAuthMethod: context.client.client.tokenAuthMethod ?? .clientSecretBasic, subject: subject,
            scopes: tokens.scopes, properties: StoredProperty.list(tokens.properties), jwtAccessToken: tokens.jwtAccessToken,
            sessionId: tokens.sessionId)
    }

    func tokenFailure(_ error: OAuthError, service: Service, action: TokenAction = .badRequest) -> TokenResponse {
        TokenResponse(
            resultCode: error.result.code, resultMessage: "[\(error.result.code)] \(error.description)", action: action,
            responseContent: error.jsonBody(omitDescription: service.errorDescriptionOmitted == true))
    }
}

/// Grant type identifiers as Authlete's enum names.
enum GrantTypes {
    static func enumValue(_ text: String) -> GrantType? {
        GrantType.knownValues.first { ProtocolValues.grantType($0) == text }
    }
}
