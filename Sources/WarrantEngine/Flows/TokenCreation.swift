import WarrantAPI
import WarrantStore

/// /auth/token/create's checks: a request becomes what to issue, or the refusal Authlete answers.
/// A batch runs the same checks on each of its requests.
struct TokenCreation: Sendable {
    let clients: ClientDirectory

    struct Refusal: Error {
        var action: TokenCreateAction
        var result: ResultCode
        var why: String
    }

    /// What to issue for the request, with the client identifier to record.
    struct Accepted: Sendable {
        var issue: IssueRequest
        var clientIdentifier: String?
    }

    func accept(_ body: TokenCreateRequest, service: ServicePolicy) async throws -> Result<Accepted, Refusal> {
        func refused(_ action: TokenCreateAction, _ result: ResultCode, _ why: String) -> Result<Accepted, Refusal> {
            .failure(Refusal(action: action, result: result, why: why))
        }
        // Authlete's SDKs send 0 and null for "not given".
        let identifier = body.clientIdentifier ?? body.clientId.flatMap { $0 > 0 ? String($0) : nil }
        guard let identifier, let (client, aliasUsed) = try await clients.client(named: identifier, serviceApiKey: service.apiKey) else {
            return refused(.badRequest, .tokenCreateInvalid, "clientId or clientIdentifier must name a client of the service.")
        }
        let grantType = body.grantType
        if case .unknown(let name) = grantType { return refused(.badRequest, .tokenCreateInvalid, "The grant type '\(name)' is unknown.") }
        if grantType == .refreshToken { return refused(.badRequest, .tokenCreateInvalid, "REFRESH_TOKEN cannot be the grant type of a new token.") }
        guard service.grantTypes.contains(grantType), client.grantTypes.contains(grantType) else {
            return refused(.forbidden, .tokenCreateForbidden, "The service or the client does not allow the grant type \(grantType.rawValue).")
        }
        let subject = body.subject.flatMap { $0.isEmpty ? nil : $0 }
        if subject == nil, grantType != .clientCredentials, grantType != .jwtBearer {
            return refused(.badRequest, .tokenCreateInvalid, "subject is required for the grant type \(grantType.rawValue).")
        }
        let scopes = body.scopes ?? []
        let supported = service.scopeNames
        if let unknown = scopes.first(where: { !supported.contains($0) }) {
            return refused(.badRequest, .tokenCreateInvalid, "The scope '\(unknown)' is not supported by the service.")
        }
        let resources = body.resources ?? []
        if let bad = resources.first(where: { !URLRules.isResourceIndicator($0) }) {
            return refused(.badRequest, .tokenCreateInvalid, "The resource '\(bad)' must be an absolute URI without a fragment.")
        }
        var details = GrantDetails(
            subject: subject, sub: nil, scopes: scopes, resources: resources, authTime: body.authTime.flatMap { $0 > 0 ? $0 : nil },
            acr: body.acr, claims: nil, idtHeaderParams: nil, idTokenAudType: nil, sessionId: body.sessionId, nonce: nil,
            jwtAtClaims: body.jwtAtClaims, requestedIdTokenClaims: [],
            clientIdentifier: body.clientIdAliasUsed == true ? (client.alias ?? identifier) : client.identifier(aliasUsed: aliasUsed),
            redirectUri: nil, redirectUriGiven: false, codeChallenge: nil, codeChallengeMethod: nil,
            accessTokenDuration: body.accessTokenDuration, properties: StoredProperty.from(body.properties))
        // A client whose tokens must be sender-constrained gets none unbound here either.
        let bound = body.dpopKeyThumbprint != nil || body.certificateThumbprint != nil
        if !bound, client.dpopRequired || client.certificateBoundTokens || service.fapi(for: client).security {
            return refused(.badRequest, .tokenCreateInvalid, "The client's tokens must be bound: give dpopKeyThumbprint or certificateThumbprint.")
        }
        if client.dpopRequired, body.dpopKeyThumbprint == nil {
            return refused(.badRequest, .tokenCreateInvalid, "The client uses DPoP: give dpopKeyThumbprint.")
        }
        if client.certificateBoundTokens, body.certificateThumbprint == nil {
            return refused(.badRequest, .tokenCreateInvalid, "The client's tokens are bound to its certificate: give certificateThumbprint.")
        }
        if let elements = body.authorizationDetails?.elements {
            if case .failure(let error) = RichAuthorization.check(elements, service: service, client: client) {
                return refused(.badRequest, .tokenCreateInvalid, error.description)
            }
            details.authorizationDetails = elements
        }
        let refreshable = ![.clientCredentials, .implicit].contains(grantType) && subject != nil && service.issuesRefreshTokens(to: client)
        return .success(
            Accepted(
                issue: IssueRequest(
                    service: service, client: client, details: details, grantType: grantType,
                    refresh: refreshable ? .new(duration: body.refreshTokenDuration, value: body.refreshToken) : .none,
                    accessTokenValue: body.accessToken, accessDuration: body.accessTokenDuration, dpopJkt: body.dpopKeyThumbprint,
                    certificateThumbprint: body.certificateThumbprint),
                clientIdentifier: details.clientIdentifier))
    }
}
