import SpecRuntime
import WarrantAPI
import WarrantStore

/// OAuth 2.0 Token Exchange (RFC 8693): who asks, whether the request is well formed, what the subject and
/// actor tokens are, and (when the service exchanges directly) warrant's policy and the issued token.
struct TokenExchange: Sendable {
    let store: any WarrantStore
    let issuer: TokenIssuer
    let signer: TokenSigner
    let clients: ClientDirectory
    let presented: PresentedTokens

    var now: @Sendable () -> Int64 { issuer.now }

    /// What warrant learned about a subject or actor token.
    struct ExchangedToken {
        /// The user the token stands for.
        var subject: String?
        /// Who the token stands for: its user, or the client it was issued to.
        var identity: String?
        /// The scopes it grants, when it says.
        var scopes: [String]?
        /// Its delegation chain.
        var act: JSONValue?
        /// For access and refresh tokens of this service.
        var info: TokenInfo?
        /// The grant of a token of this service: tokens issued in exchange join it, so revoking it revokes them.
        var grantId: String?
        /// RFC 8693 §4.4: who may act for the subject (`sub`, and `iss` when it says).
        var mayAct: JSONValue?
        /// The `iss` of a JWT.
        var issuer: String?
        /// Whom an ID token of this service was issued to (`aud` and `azp`); nil for other tokens.
        var idTokenAudience: [String]?
    }

    enum Outcome {
        /// Valid; the front end applies its policy (TOKEN_EXCHANGE).
        case delegated(TokenResponse)
        /// Warrant applied the policy and issued a token.
        case issued(TokenEndpointResponse, TokenResponse)
        case refused(OAuthError, invalidClient: Bool)
    }

    /// How the client of an exchange identified itself.
    struct Credentials {
        var form: [String: String]
        var basicId: String?
        var basicSecret: String?
        /// A JSON request: its client_secret member serves client_secret_basic clients as well.
        var json = false

        var identifiesClient: Bool {
            basicId != nil || basicSecret != nil || ["client_id", "client_secret", "client_assertion"].contains { form[$0] != nil }
        }
    }


    func exchange(_ spec: IssueSpec, credentials: Credentials, service: ServicePolicy) async throws -> Outcome
    {
        func refuse(_ error: String, _ description: String) -> Outcome {
            .refused(OAuthError(error, description, .tokenExchangeRefused), invalidClient: false)
        }
        let direct = service.tokenExchange.direct

        // Who is asking.
        var client: ClientAuthenticator.Authenticated?
        if credentials.identifiesClient {
            let authenticator = ClientAuthenticator(
                clients: clients, signer: signer, now: now, serviceApiKey: service.apiKey, audiences: service.tokenEndpointAudiences,
                allowedMethods: service.tokenAuthMethods, trustedRoots: service.trustedRoots, fapiModes: service.document.fapiModes ?? [],
                issuer: service.issuer, audienceRestrictedToIssuer: service.document.clientAssertionAudRestrictedToIssuer == true)
            switch try await authenticator.authenticate(
                form: credentials.form, basicId: credentials.basicId, basicSecret: credentials.basicSecret, secretCarrierFree: credentials.json)
            {
            case .failure(let error): return .refused(error, invalidClient: error.isInvalidClient)
            case .success(let authenticated): client = authenticated
            }
        } else if direct || service.tokenExchange.identifiableClientsOnly || FAPIRules(service.document.fapiModes ?? []).security {
            return .refused(.invalidClient("The client must identify itself to exchange tokens."), invalidClient: true)
        }
        guard service.grantTypes.contains(.tokenExchange) else {
            return .refused(.unsupportedGrantType("The service does not support token exchange."), invalidClient: false)
        }
        if let client {
            guard client.client.grantTypes.contains(.tokenExchange) else {
                return refuse("unauthorized_client", "The client may not use the token exchange grant.")
            }
            // As Authlete's: the per-client permission counts only when the service asks for it.
            if service.tokenExchange.permittedClientsOnly, !client.client.tokenExchangePermitted {
                return refuse("unauthorized_client", "The client is not permitted to exchange tokens.")
            }
            // Exchange checks no proof and takes no certificate, so it would give such a client bearer tokens.
            if client.client.dpopRequired || client.client.certificateBoundTokens || service.fapi(for: client.client).security {
                return refuse("invalid_request", "The client's tokens must be sender-constrained (DPoP or mutual TLS); token exchange issues bearer tokens.")
            }
            if client.client.isPublic, service.tokenExchange.confidentialClientsOnly {
                return refuse("unauthorized_client", "Only confidential clients may exchange tokens.")
            }
        }

        // The request itself (RFC 8693 §2.1).
        if (spec.actorToken == nil) != (spec.actorTokenType == nil) {
            return refuse("invalid_request", "actor_token_type must be present exactly when actor_token is.")
        }
        let accepted = service.tokenExchange.acceptedTokenTypes
        guard let subjectType = ProtocolValues.tokenType(spec.subjectTokenType), accepted.contains(subjectType) else {
            return refuse("invalid_request", "subject_token_type '\(spec.subjectTokenType.rawValue)' is not accepted.")
        }
        var actorType: TokenType?
        if let given = spec.actorTokenType {
            guard let type = ProtocolValues.tokenType(given), accepted.contains(type) else {
                return refuse("invalid_request", "actor_token_type '\(given.rawValue)' is not accepted.")
            }
            actorType = type
        }
        var requestedType: TokenType?
        if let given = spec.requestedTokenType {
            guard let type = ProtocolValues.tokenType(given) else { return refuse("invalid_request", "requested_token_type '\(given.rawValue)' is unknown.") }
            requestedType = type
        }
        let resources = spec.resource ?? []
        if let bad = resources.first(where: { !URLRules.isResourceIndicator($0) }) {
            return refuse("invalid_target", "resource '\(bad)' must be an absolute URI without a fragment.")
        }
        let audiences = spec.audience ?? []
        var requestedScopes: [String]?
        if let text = spec.scope {
            let scopes = ProtocolValues.words(text)
            let supported = service.scopeNames
            if let unknown = scopes.first(where: { !supported.contains($0) }) {
                return refuse("invalid_scope", "The scope '\(unknown)' is not supported.")
            }
            requestedScopes = scopes
        }

        // The tokens.
        let subject: ExchangedToken
        switch try await examine(spec.subjectToken, as: subjectType, service: service, direct: direct) {
        case .success(let token): subject = token
        case .failure(let problem): return refuse("invalid_request", "subject_token \(problem)")
        }
        var actor: ExchangedToken?
        if let actorToken = spec.actorToken, let actorType {
            switch try await examine(actorToken, as: actorType, service: service, direct: direct) {
            case .success(let token): actor = token
            case .failure(let problem): return refuse("invalid_request", "actor_token \(problem)")
            }
        }

        var response = TokenResponse(
            resultCode: ResultCode.tokenExchangeValid.code, resultMessage: ResultCode.tokenExchangeValid.message, action: .tokenExchange,
            grantType: .tokenExchange, clientId: client?.client.clientId ?? 0, clientIdAlias: client?.client.alias,
            clientIdAliasUsed: client?.aliasUsed ?? false,
            clientAuthMethod: client?.client.tokenAuthMethod, scopes: requestedScopes,
            resources: resources.isEmpty ? nil : resources, audiences: audiences.isEmpty ? nil : audiences, requestedTokenType: requestedType,
            subjectToken: spec.subjectToken, subjectTokenType: subjectType, subjectTokenInfo: subject.info, actorToken: spec.actorToken,
            actorTokenType: actorType, actorTokenInfo: actor?.info)
        guard direct, let client else { return .delegated(response) }

        // Warrant's policy: audiences are clients of the service; scopes only narrow the subject token's.
        for audience in audiences where try await clients.client(named: audience, serviceApiKey: service.apiKey) == nil {
            return refuse("invalid_target", "audience '\(audience)' is not a client of this service.")
        }
        let clientNames = client.client.names
        // An ID token of this service stands for a login at the client it was issued to, and no other.
        for (role, token) in [("subject_token", Optional(subject)), ("actor_token", actor)] {
            if let audience = token?.idTokenAudience, clientNames.isDisjoint(with: audience) {
                return refuse("invalid_request", "\(role) is an ID token issued to another client.")
            }
        }
        // RFC 8693 §4.4: the subject token names who may act for it; the actor is the actor token's party, or else
        // the client asking.
        if let mayAct = subject.mayAct {
            let actorNames = actor.map { Set([$0.identity].compactMap { $0 }) } ?? clientNames
            guard let allowed = mayAct["sub"]?.stringValue, actorNames.contains(allowed) else {
                return refuse("invalid_request", "The subject token's may_act does not name the actor.")
            }
            if let issuer = mayAct["iss"]?.stringValue, issuer != actor?.issuer ?? service.issuer {
                return refuse("invalid_request", "The subject token's may_act names an actor of another issuer.")
            }
        }
        // A subject token that states no scopes (an ID token, most foreign JWTs) allows openid only.
        let granted = (subject.scopes ?? ["openid"]).filter(client.client.mayRequest)
        let scopes: [String]
        if let requestedScopes {
            if let extra = requestedScopes.first(where: { !granted.contains($0) }) {
                return refuse("invalid_scope", "The scope '\(extra)' is not granted by the subject token.")
            }
            scopes = requestedScopes
        } else {
            scopes = subject.scopes == nil ? [] : granted
        }
        // The new actor heads the chain; the subject token's earlier actors follow (RFC 8693 §4.1).
        var act = subject.act
        if let actor {
            var members: [String: JSONValue] = ["sub": .string(actor.identity ?? "")]
            if let prior = subject.act { members["act"] = prior }
            act = .object(members)
        }
        let details = GrantDetails(
            subject: subject.subject, sub: nil, scopes: scopes, resources: resources, authTime: nil, acr: nil, claims: nil,
            idtHeaderParams: nil, idTokenAudType: nil, sessionId: nil, nonce: nil, jwtAtClaims: nil, requestedIdTokenClaims: [],
            clientIdentifier: client.identifier, redirectUri: nil, redirectUriGiven: false, codeChallenge: nil, codeChallengeMethod: nil,
            accessTokenDuration: nil, audiences: audiences.isEmpty ? nil : audiences, act: act)

        let issuedType = requestedType ?? .accessToken
        if issuedType == .idToken, let other = audiences.first(where: { !clientNames.contains($0) }) {
            return refuse("invalid_target", "An ID token is issued to the requesting client only, not to audience '\(other)'.")
        }
        var body: TokenEndpointResponse
        switch issuedType {
        case .accessToken, .jwt:
            let refreshable = issuedType == .accessToken && subject.subject != nil && service.issuesRefreshTokens(to: client.client)
            // A JWT is asked for: the service's format when it signs access tokens, RS256 when they are opaque.
            let format: ServicePolicy.AccessTokenFormat? =
                issuedType == .jwt ? (service.accessTokenFormat == .opaque ? .jwt(.RS256) : service.accessTokenFormat) : nil
            let tokens = try await DirectIssuance(store: store, issuer: issuer).issue(
                IssueRequest(
                    service: service, client: client.client, details: details, grantType: .tokenExchange,
                    refresh: refreshable ? .new() : .none, format: format),
                parentGrantId: subject.grantId)
            guard let issued = issuedType == .jwt ? tokens.jwtAccessToken : tokens.presentedAccessToken else {
                return refuse("invalid_request", "The service cannot issue JWT access tokens.")
            }
            body = TokenEndpointResponse(
                accessToken: issued, tokenType: "Bearer",
                expiresIn: tokens.expiresIn, refreshToken: tokens.refreshToken, scope: scopes.isEmpty ? nil : scopes.joined(separator: " "),
                issuedTokenType: issuedType == .jwt ? .jwt : .accessToken)
            response.accessToken = tokens.accessToken
            response.accessTokenExpiresAt = tokens.accessRecord.expiresAt
            response.accessTokenDuration = tokens.expiresIn
            response.jwtAccessToken = tokens.jwtAccessToken
            response.refreshToken = tokens.refreshToken
            response.refreshTokenExpiresAt = tokens.refreshRecord?.expiresAt
            response.refreshTokenDuration = tokens.refreshExpiresIn
        case .idToken:
            guard subject.subject != nil else { return refuse("invalid_request", "An ID token needs a subject token that stands for a user.") }
            let idToken = try await issuer.idToken(IDTokenRequest(service: service, client: client.client, details: details))
            let lifetime = service.idTokenLifetime(for: client.client)
            // Not an access token, so not a Bearer one (RFC 8693 §2.2.1).
            body = TokenEndpointResponse(
                accessToken: idToken, tokenType: "N_A", expiresIn: lifetime, scope: scopes.isEmpty ? nil : scopes.joined(separator: " "),
                issuedTokenType: .idToken)
            response.idToken = idToken
        default:
            return refuse("invalid_request", "warrant cannot issue a token of type \(issuedType.rawValue).")
        }
        let content = body.jsonValue.serializedString
        response.resultCode = ResultCode.tokenExchanged.code
        response.resultMessage = ResultCode.tokenExchanged.message
        response.action = .ok
        response.responseContent = content
        response.subject = subject.subject
        response.scopes = scopes
        return .issued(body, response)
    }

    /// Checks a subject or actor token: one of this service's live tokens, or a JWT signed by this service or a
    /// trusted issuer. SAML assertions pass unverified only when the front end decides (not direct).
    private func examine(_ token: String, as type: TokenType, service: ServicePolicy, direct: Bool) async throws
        -> Result<ExchangedToken, ExchangeProblem>
    {
        switch type {
        case .accessToken:
            guard let found = try await presented.accessToken(token, serviceApiKey: service.apiKey).live else {
                return .failure("is not an active access token of this service.")
            }
            let details = found.details
            if details.confirmation != nil { return .failure(Self.boundToken) }
            let info = try await tokenInfo(
                clientId: found.record.clientId, details: details, subject: found.record.subject, scopes: found.record.scopes,
                expiresAt: found.record.expiresAt, service: service)
            let extra = details.jwtAtClaims.flatMap { try? JSONValue(parsing: $0) }
            return .success(
                ExchangedToken(
                    subject: found.record.subject, identity: found.record.subject ?? details.clientIdentifier,
                    scopes: ProtocolValues.words(found.record.scopes), act: details.act, info: info, grantId: found.record.grantId,
                    mayAct: extra?["may_act"]))
        case .refreshToken:
            guard let refresh = try await presented.refreshToken(token, serviceApiKey: service.apiKey).live,
                let grant = try await store.grant(id: refresh.grantId)
            else { return .failure("is not an active refresh token of this service.") }
            if RefreshBinding(payload: refresh.payload).isBound { return .failure(Self.boundToken) }
            let details = try GrantDetails.decoded(grant.payload)
            let info = try await tokenInfo(
                clientId: refresh.clientId, details: details, subject: refresh.subject, scopes: refresh.scopes, expiresAt: refresh.expiresAt,
                service: service)
            return .success(
                ExchangedToken(
                    subject: refresh.subject, identity: refresh.subject ?? details.clientIdentifier,
                    scopes: ProtocolValues.words(refresh.scopes), act: details.act, info: info, grantId: refresh.grantId))
        case .idToken, .jwt:
            let verified: VerifiedJWT
            switch await verifiedJWT(token, service: service, isIDToken: type == .idToken) {
            case .failure(let problem): return .failure(problem)
            case .success(let jwt): verified = jwt
            }
            let claims = verified.claims
            guard let sub = claims["sub"]?.stringValue, !sub.isEmpty else { return .failure("has no sub claim.") }
            if claims["cnf"] != nil { return .failure(Self.boundToken) }
            let act: JSONValue? = if case .object? = claims["act"] { claims["act"] } else { nil }
            var exchanged = ExchangedToken(
                subject: sub, identity: sub, scopes: claims["scope"]?.stringValue.map(ProtocolValues.words), act: act, mayAct: claims["may_act"],
                issuer: claims["iss"]?.stringValue)
            guard verified.fromThisService else { return .success(exchanged) }
            // A JWT access token of this service is only as good as its stored record (revocation, expiry).
            if let jti = claims["jti"]?.stringValue, let record = try await store.accessToken(hash: jti), record.serviceApiKey == service.apiKey {
                if type == .idToken { return .failure("is an access token, not an ID token.") }
                guard record.revokedAt == nil, record.expiresAt >= now() else { return .failure("is an access token that was revoked or has expired.") }
                exchanged.grantId = record.grantId
                exchanged.scopes = ProtocolValues.words(record.scopes)
            } else if type == .idToken {
                exchanged.idTokenAudience = JSONClaims.audience(of: claims) + [claims["azp"]?.stringValue].compactMap { $0 }
            }
            return .success(exchanged)
        case .saml1 where !direct, .saml2 where !direct:
            return .success(ExchangedToken())
        default:
            return .failure("of type \(type.rawValue) cannot be verified by warrant.")
        }
    }

    /// Exchange checks no DPoP proof or certificate, so a sender-constrained token would come out as a bearer one.
    static let boundToken: ExchangeProblem =
        "is bound to a key or certificate (DPoP, mutual TLS, cnf); warrant does not exchange sender-constrained tokens."

    struct ExchangeProblem: Error, ExpressibleByStringInterpolation, CustomStringConvertible {
        var description: String
        init(stringLiteral value: String) { description = value }
    }

    /// A JWT whose signature verified.
    struct VerifiedJWT {
        var claims: [String: JSONValue]
        /// Signed by this service's keys (not a trusted issuer's).
        var fromThisService: Bool
    }

    /// The claims of a JWT signed with an asymmetric key of this service or of a trusted issuer, unexpired.
    private func verifiedJWT(_ token: String, service: ServicePolicy, isIDToken: Bool) async -> Result<VerifiedJWT, ExchangeProblem> {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        if parts.count == 5 { return .failure("is an encrypted JWT, which warrant cannot read.") }
        guard parts.count == 3, let headerData = Base64URL.decode(String(parts[0])),
            let header = try? JSONValue(parsing: Array(headerData)), let algorithm = header["alg"]?.stringValue
        else { return .failure("is not a JWT.") }
        guard ClientAssertion.allowedAlgorithms.contains(algorithm) else {
            return .failure("must be signed with an asymmetric algorithm, not \(algorithm).")
        }
        // RFC 9068 §2.1: at+jwt marks an access token, which is not an ID token whoever signed it.
        if isIDToken, let type = header["typ"]?.stringValue?.lowercased(), ["at+jwt", "application/at+jwt"].contains(type) {
            return .failure("is an access token (typ \(type)), not an ID token.")
        }
        guard let issuer = ClientAssertion.unverifiedIssuer(token) else { return .failure("has no iss claim.") }
        // Signature, then the claims every exchanged JWT needs: sub, and exp and nbf within the time window.
        let fromThisService = issuer == service.issuer
        let verified: ExchangedJWTClaims
        do {
            if fromThisService {
                verified = try await signer.verified(token, as: ExchangedJWTClaims.self, serviceApiKey: service.apiKey)
            } else if let trusted = service.tokenExchange.trustedIssuers.first(where: { $0.issuer.absoluteString == issuer }) {
                verified = try await signer.verified(token, as: ExchangedJWTClaims.self, jwks: trusted.jwks)
            } else {
                return .failure("is not issued by this service or a trusted issuer.")
            }
        } catch {
            return .failure(ExchangeProblem(stringLiteral: ClaimsProblem.describe(error, token: token, as: ExchangedJWTClaims.self) + "."))
        }
        let claims = verified.members
        if isIDToken {
            guard case .integer? = claims["iat"], claims["aud"] != nil else { return .failure("is not an ID token: iat or aud is missing.") }
        }
        return .success(VerifiedJWT(claims: claims, fromThisService: fromThisService))
    }

    private func tokenInfo(
        clientId: Int64, details: GrantDetails, subject: String?, scopes: String, expiresAt: Int64, service: ServicePolicy
    ) async throws -> TokenInfo {
        let (client, aliasUsed) = try await presented.client(of: clientId, serviceApiKey: service.apiKey, details: details)
        return TokenInfo(
            clientId: clientId, clientIdAlias: client?.alias, clientIdAliasUsed: aliasUsed, subject: subject,
            scopes: ProtocolValues.words(scopes).map(service.scope(named:)), expiresAt: expiresAt,
            properties: StoredProperty.list(details.properties), resources: details.resources.isEmpty ? nil : details.resources,
            authorizationDetails: RichAuthorization.wire(details.authorizationDetails))
    }

}
