import Foundation
import SpecRuntime
import WarrantAPI
import WarrantStore

extension WarrantEngine {
    public func tokenCreate(_ input: Operations.TokenCreate.Input) async throws -> Operations.TokenCreate.Output {
        let service = try await servicePolicy(input.path.serviceId, input.credentials)
        let accepted: TokenCreation.Accepted
        switch try await TokenCreation(clients: clients).accept(input.body, service: service) {
        case .success(let found): accepted = found
        case .failure(let refusal):
            return .ok(
                TokenCreateResponse(
                    resultCode: refusal.result.code, resultMessage: "[\(refusal.result.code)] \(refusal.why)", action: refusal.action))
        }
        let request = accepted.issue
        let tokens = try await DirectIssuance(store: store, issuer: issuer).issue(request)
        return .ok(
            TokenCreateResponse(
                resultCode: ResultCode.tokenCreated.code, resultMessage: ResultCode.tokenCreated.message, action: .ok,
                accessToken: tokens.accessToken, clientId: request.client.clientId, expiresAt: tokens.accessRecord.expiresAt,
                expiresIn: tokens.expiresIn, grantType: request.grantType, properties: StoredProperty.list(tokens.properties),
                refreshToken: tokens.refreshToken, scopes: request.details.scopes, subject: request.details.subject, tokenType: tokens.tokenType,
                jwtAccessToken: tokens.jwtAccessToken, authorizationDetails: RichAuthorization.wire(tokens.authorizationDetails),
                tokenId: tokens.accessRecord.hash,
                refreshTokenScopes: tokens.refreshRecord.map { ProtocolValues.words($0.scopes) }, clientIdentifier: accepted.clientIdentifier,
                sessionId: request.details.sessionId))
    }

    public func tokenUpdate(_ input: Operations.TokenUpdate.Input) async throws -> Operations.TokenUpdate.Output {
        let service = try await servicePolicy(input.path.serviceId, input.credentials)
        let body = input.body
        func refused(_ action: TokenUpdateAction, _ result: ResultCode, _ why: String? = nil) -> Operations.TokenUpdate.Output {
            .ok(TokenUpdateResponse(resultCode: result.code, resultMessage: why.map { "[\(result.code)] \($0)" } ?? result.message, action: action))
        }
        guard let hash = try await presented.accessTokenHash(identifier: body.accessToken, serviceApiKey: service.apiKey),
            var token = try await store.accessToken(hash: hash)
        else { return refused(.notFound, .tokenUpdateNotFound) }
        guard token.revokedAt == nil else { return refused(.forbidden, .tokenUpdateForbidden) }
        var details = try GrantDetails.decoded(token.payload)
        let time = now()
        if let scopes = body.scopes {
            let supported = service.scopeNames
            if let unknown = scopes.first(where: { !supported.contains($0) }) {
                return refused(.badRequest, .tokenUpdateInvalid, "The scope '\(unknown)' is not supported by the service.")
            }
            token.scopes = scopes.joined(separator: " ")
            details.scopes = scopes
            if body.accessTokenExpiresAtUpdatedOnScopeUpdate == true {
                token.expiresAt = time + (token.expiresAt - token.createdAt)
            }
        }
        if let expiresAt = body.accessTokenExpiresAt, expiresAt > 0 {
            guard expiresAt > time else { return refused(.badRequest, .tokenUpdateInvalid, "accessTokenExpiresAt is in the past.") }
            token.expiresAt = expiresAt
        }
        if let properties = body.properties { details.properties = StoredProperty.from(properties) }
        if let elements = body.authorizationDetails?.elements {
            guard let client = try await clients.client(id: token.clientId, serviceApiKey: service.apiKey) else { return refused(.notFound, .tokenUpdateNotFound) }
            if case .failure(let error) = RichAuthorization.check(elements, service: service, client: client) {
                return refused(.badRequest, .tokenUpdateInvalid, error.description)
            }
            details.authorizationDetails = elements
        }
        token.payload = try GrantDetails.json(details)
        guard try await store.updateAccessToken(token) else { return refused(.notFound, .tokenUpdateNotFound) }
        var refreshExpiresAt: Int64?
        if let refreshHash = token.refreshTokenHash { refreshExpiresAt = try await store.refreshToken(hash: refreshHash)?.expiresAt }
        return .ok(
            TokenUpdateResponse(
                resultCode: ResultCode.tokenUpdated.code, resultMessage: ResultCode.tokenUpdated.message, action: .ok,
                accessToken: body.accessToken, accessTokenExpiresAt: token.expiresAt,
                properties: StoredProperty.list(details.properties), scopes: details.scopes, tokenType: details.dpopJkt == nil ? "Bearer" : "DPoP",
                tokenId: token.hash, authorizationDetails: RichAuthorization.wire(details.authorizationDetails), refreshTokenExpiresAt: refreshExpiresAt))
    }

    public func tokenDelete(_ input: Operations.TokenDelete.Input) async throws -> Operations.TokenDelete.Output {
        let service = try await servicePolicy(input.path.serviceId, input.credentials)
        guard let hash = try await presented.accessTokenHash(identifier: input.path.accessTokenIdentifier, serviceApiKey: service.apiKey),
            try await store.deleteAccessToken(hash: hash, serviceApiKey: service.apiKey)
        else { throw APIFailure.notFound(.tokenNotFound) }
        return .noContent
    }

    public func tokenGetList(_ input: Operations.TokenGetList.Input) async throws -> Operations.TokenGetList.Output {
        let service = try await servicePolicy(input.path.serviceId, input.credentials)
        let start = input.query.start
        let end = input.query.end
        guard start <= end else { throw APIFailure(400, .badRange) }
        var client: OAuthClient?
        if let identifier = input.query.clientIdentifier, !identifier.isEmpty {
            guard let (found, _) = try await clients.client(named: identifier, serviceApiKey: service.apiKey) else {
                throw APIFailure.notFound(.clientNotFound)
            }
            client = found.document
        }
        let subject = input.query.subject.flatMap { $0.isEmpty ? nil : $0 }
        let page = try await store.liveAccessTokens(
            serviceApiKey: service.apiKey, clientId: client?.clientId, subject: subject, now: now(), offset: Int(start), limit: Bounds.pageLimit(start: start, end: end))
        var tokens: [AccessToken] = []
        for token in page.records {
            let details = try GrantDetails.decoded(token.payload)
            var refresh: RefreshTokenRecord?
            if let hash = token.refreshTokenHash { refresh = try await store.refreshToken(hash: hash) }
            tokens.append(
                AccessToken(
                    accessTokenHash: token.hash, accessTokenExpiresAt: token.expiresAt, refreshTokenHash: token.refreshTokenHash,
                    refreshTokenExpiresAt: refresh?.expiresAt, createdAt: token.createdAt, clientId: token.clientId, subject: token.subject,
                    grantType: details.grantType.map { GrantType(rawValue: $0) }, scopes: ProtocolValues.words(token.scopes),
                    properties: StoredProperty.list(details.properties),
                    refreshTokenScopes: refresh.map { ProtocolValues.words($0.scopes) }))
        }
        return .ok(
            TokenListResponse(
                resultCode: ResultCode.tokensListed.code, resultMessage: ResultCode.tokensListed.message, start: start,
                end: start + Int32(tokens.count), totalCount: Int32(clamping: page.total), client: client, subject: subject, accessTokens: tokens))
    }

    public func tokenRevoke(_ input: Operations.TokenRevoke.Input) async throws -> Operations.TokenRevoke.Output {
        let service = try await servicePolicy(input.path.serviceId, input.credentials)
        let body = input.body
        func nonEmpty(_ text: String?) -> String? { text.flatMap { $0.isEmpty ? nil : $0 } }
        var count = 0
        if let identifier = nonEmpty(body.accessTokenIdentifier) {
            if let hash = try await presented.accessTokenHash(identifier: identifier, serviceApiKey: service.apiKey),
                try await store.revokeAccessToken(hash: hash, now: now())
            {
                count += 1
            }
        } else if let identifier = nonEmpty(body.refreshTokenIdentifier) {
            var refresh = try await store.refreshToken(hash: identifier)
            if refresh == nil { refresh = try await store.refreshToken(hash: Secrets.hash(identifier)) }
            if let refresh, refresh.serviceApiKey == service.apiKey {
                count += try await store.revokeGrant(id: refresh.grantId, now: now())
            }
        } else if nonEmpty(body.clientIdentifier) != nil || nonEmpty(body.subject) != nil {
            var clientId: Int64?
            if let identifier = nonEmpty(body.clientIdentifier) {
                guard let (found, _) = try await clients.record(named: identifier, serviceApiKey: service.apiKey) else {
                    throw APIFailure.notFound(.clientNotFound)
                }
                clientId = found.clientId
            }
            count = try await store.revokeTokens(serviceApiKey: service.apiKey, clientId: clientId, subject: nonEmpty(body.subject), now: now())
        } else {
            throw APIFailure(400, .nothingToRevoke)
        }
        return .ok(TokenRevokeResponse(resultCode: ResultCode.tokensRevoked.code, resultMessage: ResultCode.tokensRevoked.message, count: Int32(clamping: count)))
    }
}
