import Foundation
import SpecRuntime
import WarrantAPI
import WarrantStore

extension WarrantEngine {
    public func authorizationIssue(_ input: Operations.AuthorizationIssue.Input) async throws -> Operations.AuthorizationIssue.Output {
        let (_, record) = try await access.service(try serviceID(input.path.serviceId), input.credentials)
        let service = try apiService(from: record, result: nil)
        let body = input.body
        // Before the ticket is used up: a value that is taken must not cost the user their login.
        try await requireUnusedAccessTokenValue(body.accessToken)
        guard let request = try await consumeAuthorizationTicket(body.ticket, serviceApiKey: record.apiKey),
            let clientRecord = try await store.client(serviceApiKey: record.apiKey, clientId: request.clientId)
        else {
            return .ok(
                AuthorizationIssueResponse(
                    resultCode: ResultCode.ticketUnknown.code, resultMessage: ResultCode.ticketUnknown.message, action: .badRequest,
                    responseContent: OAuthError.invalidRequest("The ticket is unknown, already used or expired.").jsonBody()))
        }
        let client = try apiClient(from: clientRecord, result: nil)
        let time = now()
        let details = GrantDetails(
            subject: body.subject, sub: body.sub, scopes: body.scopes ?? request.scopes, resources: request.resources,
            // Authlete's SDKs send 0 for "not given".
            authTime: body.authTime.flatMap { $0 > 0 ? $0 : nil }, acr: body.acr, claims: body.claims, idtHeaderParams: body.idtHeaderParams,
            idTokenAudType: body.idTokenAudType?.rawValue, sessionId: body.sessionId, nonce: request.nonce, jwtAtClaims: body.jwtAtClaims,
            requestedIdTokenClaims: request.claimNames,
            clientIdentifier: request.clientIdAliasUsed ? (client.clientIdAlias ?? String(request.clientId)) : String(request.clientId),
            redirectUri: request.redirectUri, redirectUriGiven: request.redirectUriGiven, codeChallenge: request.codeChallenge,
            codeChallengeMethod: request.codeChallengeMethod, accessTokenDuration: body.accessTokenDuration,
            properties: StoredProperty.from(body.properties), userInfoClaims: request.userInfoClaims, consentedClaims: body.consentedClaims)
        let grant = GrantRecord(
            id: Secrets.identifier(), serviceApiKey: record.apiKey, clientId: request.clientId, subject: body.subject,
            payload: try Self.json(details), createdAt: time)

        var parameters: [(String, String)] = []
        var code: String?
        var codeRecord: AuthorizationCodeRecord?
        if request.wantsCode {
            let value = Secrets.token()
            code = value
            codeRecord = AuthorizationCodeRecord(
                hash: Secrets.hash(value), grantId: grant.id, serviceApiKey: record.apiKey, clientId: request.clientId, payload: "{}",
                createdAt: time,
                expiresAt: Bounds.expiry(from: time, seconds: service.authorizationCodeDuration ?? ServiceMetadata.defaultAuthorizationCodeDuration))
            parameters.append(("code", value))
        }
        var tokens: IssuedTokens?
        if request.wantsToken {
            // Implicit and hybrid flows never get a refresh token from the authorization endpoint.
            let issued = try await makeTokens(
                service: service, serviceApiKey: record.apiKey, client: client, grantId: grant.id, details: details, grantType: .implicit,
                withRefreshToken: false,
                accessTokenValue: body.accessToken, accessDuration: body.accessTokenDuration)
            tokens = issued
            parameters += [
                ("access_token", issued.jwtAccessToken ?? issued.accessToken), ("token_type", "Bearer"), ("expires_in", String(issued.expiresIn)),
            ]
            if !issued.scopes.isEmpty { parameters.append(("scope", issued.scopes.joined(separator: " "))) }
        }
        var idToken: String?
        if request.wantsIDToken {
            let made = try await makeIDToken(
                service: service, serviceApiKey: record.apiKey, client: client, details: details,
                accessToken: tokens.map { $0.jwtAccessToken ?? $0.accessToken }, code: code)
            idToken = made
            parameters.append(("id_token", made))
        }
        try await storingChosenValues { try await store.insertGrant(grant, code: codeRecord, accessToken: tokens?.accessRecord, refreshToken: nil) }
        let delivery = AuthorizationDelivery.deliver(
            parameters, to: Redirection(uri: request.redirectUri, mode: request.responseMode, state: request.state), issuer: issuer(of: service))
        return .ok(
            AuthorizationIssueResponse(
                resultCode: ResultCode.authorizationIssued.code, resultMessage: ResultCode.authorizationIssued.message,
                action: delivery.isForm ? .form : .location, responseContent: delivery.content, accessToken: tokens?.accessToken,
                accessTokenExpiresAt: tokens?.accessRecord.expiresAt, accessTokenDuration: tokens?.expiresIn, idToken: idToken,
                authorizationCode: code, jwtAccessToken: tokens?.jwtAccessToken,
                ticketInfo: request.context.map { AuthorizationTicketInfo(context: $0) }))
    }
}
