import WarrantAPI
import WarrantStore

/// The resource owner password credentials grant (RFC 6749 §4.3), the Authlete way: the token endpoint hands
/// the credentials to the front end with a ticket (action PASSWORD); the front end checks them and ends the
/// grant with /auth/token/issue or /auth/token/fail, each of which uses the ticket up.
struct PasswordGrant: Sendable {
    let store: any WarrantStore
    let issuer: TokenIssuer

    func run(_ request: TokenGrantRequest) async throws -> TokenResponse {
        guard let username = request.form["username"], let password = request.form["password"] else {
            return TokenAnswer.failure(.invalidRequest("username and password are required."), service: request.service)
        }
        let scopes: [String]
        switch request.requestedScopes() {
        case .failure(let error): return TokenAnswer.failure(error, service: request.service)
        case .success(let requested): scopes = requested
        }
        let ticket = Secrets.token()
        let time = issuer.now()
        var details = request.details(subject: nil, scopes: scopes)
        // The proof was checked here; the tokens /auth/token/issue makes are bound to its key.
        details.dpopJkt = request.dpop?.jkt
        details.certificateThumbprint = request.certificate
        if let text = request.form["authorization_details"] {
            switch RichAuthorization.parse(text, service: request.service, client: request.client.client) {
            case .failure(let error): return TokenAnswer.failure(error, service: request.service)
            case .success(let elements): details.authorizationDetails = elements
            }
        }
        try await store.insertTicket(
            TicketRecord(
                hash: Secrets.hash(ticket), kind: .password, serviceApiKey: request.service.apiKey, clientId: request.client.client.clientId,
                payload: try GrantDetails.json(details), createdAt: time,
                expiresAt: Bounds.expiry(from: time, seconds: request.service.ticketDuration)))
        return TokenResponse(
            resultCode: ResultCode.passwordGrant.code, resultMessage: ResultCode.passwordGrant.message, action: .password,
            username: username, password: password, ticket: ticket, grantType: .password, clientId: request.client.client.clientId,
            scopes: details.scopes)
    }

    /// /auth/token/issue: the front end checked the credentials; the ticket becomes a grant with its tokens.
    func issue(_ input: TokenIssueRequest, service: ServicePolicy, clients: ClientDirectory) async throws -> TokenIssueResponse {
        // Before the ticket is used up: a value that is taken must not cost the user their login.
        try await ChosenValues.requireUnused(input.accessToken, in: store)
        guard
            let ticket = try await store.consumeTicket(
                hash: Secrets.hash(input.ticket), kind: .password, serviceApiKey: service.apiKey, now: issuer.now()),
            let client = try await clients.client(id: ticket.clientId, serviceApiKey: service.apiKey)
        else {
            return TokenIssueResponse(
                resultCode: ResultCode.ticketUnknown.code, resultMessage: ResultCode.ticketUnknown.message, action: .internalServerError,
                responseContent: OAuthError("server_error", "The ticket is unknown, already used or expired.", .ticketUnknown).jsonBody())
        }
        var details = try GrantDetails.decoded(ticket.payload)
        details.subject = input.subject
        details.jwtAtClaims = input.jwtAtClaims ?? details.jwtAtClaims
        if let properties = StoredProperty.from(input.properties) { details.properties = properties }
        let grant = GrantRecord(
            id: Secrets.identifier(), serviceApiKey: service.apiKey, clientId: ticket.clientId, subject: input.subject,
            payload: try GrantDetails.json(details), createdAt: issuer.now())
        let tokens = try await issuer.issue(
            IssueRequest(
                service: service, client: client, grantId: grant.id, details: details, grantType: .password,
                refresh: service.issuesRefreshTokens(to: client) ? .new(duration: input.refreshTokenDuration) : .none,
                accessTokenValue: input.accessToken, accessDuration: input.accessTokenDuration, dpopJkt: details.dpopJkt,
                certificateThumbprint: details.certificateThumbprint))
        try await ChosenValues.storing {
            try await store.insertGrant(
                grant, code: nil, accessToken: tokens.accessRecord, refreshToken: tokens.refreshRecord,
                consent: .given(with: grant, scopes: details.scopes))
        }
        var response = TokenIssueResponse(
            resultCode: ResultCode.passwordTokensIssued.code, resultMessage: ResultCode.passwordTokensIssued.message, action: .ok,
            responseContent: TokenIssuer.responseBody(tokens, service: service), accessToken: tokens.accessToken,
            accessTokenExpiresAt: tokens.accessRecord.expiresAt, accessTokenDuration: tokens.expiresIn, refreshToken: tokens.refreshToken,
            refreshTokenExpiresAt: tokens.refreshRecord?.expiresAt, refreshTokenDuration: tokens.refreshExpiresIn, clientId: ticket.clientId,
            clientIdAlias: client.alias, clientIdAliasUsed: client.alias != nil && details.clientIdentifier == client.alias,
            subject: input.subject, scopes: tokens.scopes, properties: StoredProperty.list(tokens.properties),
            jwtAccessToken: tokens.jwtAccessToken, accessTokenResources: tokens.resources.isEmpty ? nil : tokens.resources,
            refreshTokenScopes: tokens.refreshTokenScopes, serviceAttributes: service.document.attributes,
            clientAttributes: client.document.attributes)
        response.authorizationDetails = RichAuthorization.wire(tokens.authorizationDetails)
        return response
    }
}
