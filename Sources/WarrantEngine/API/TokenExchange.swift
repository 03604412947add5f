import Foundation
import SpecRuntime
import WarrantAPI
import WarrantStore

/// OAuth 2.0 Token Exchange (RFC 8693), for form requests through /auth/token and JSON requests through
/// /auth/token/exchange: one implementation, checked against the spec's `IssueSpec`.
extension WarrantEngine {
    static let tokenExchangeGrant = "urn:ietf:params:oauth:grant-type:token-exchange"

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

    enum ExchangeOutcome {
        /// Valid; the front end applies its policy (TOKEN_EXCHANGE).
        case delegated(TokenResponse)
        /// Warrant applied the policy and issued a token.
        case issued(TokenEndpointResponse, TokenResponse)
        case refused(OAuthError, invalidClient: Bool)
    }

    /// How the client of an exchange identified itself.
    struct ExchangeCredentials {
        var form: [String: String]
        var basicId: String?
        var basicSecret: String?
        /// A JSON request: its client_secret member serves client_secret_basic clients as well.
        var json = false

        var identifiesClient: Bool {
            basicId != nil || basicSecret != nil || ["client_id", "client_secret", "client_assertion"].contains { form[$0] != nil }
        }
    }

    /// The JSON form: always decided by warrant, so the service must exchange directly.
    public func tokenExchange(_ input: Operations.TokenExchange.Input) async throws -> Operations.TokenExchange.Output {
        let (_, record) = try await access.service(try serviceID(input.path.serviceId), input.credentials)
        let service = try apiService(from: record, result: nil)
        let spec = input.body
        let credentials = ExchangeCredentials(
            form: [
                "client_id": spec.clientId, "client_secret": spec.clientSecret, "client_assertion": spec.clientAssertion,
                "client_assertion_type": spec.clientAssertionType,
            ].compactMapValues { $0 }, json: true)
        let outcome: ExchangeOutcome
        if service.tokenExchangeDirect != true {
            outcome = .refused(
                .unsupportedGrantType("The service does not exchange tokens directly; send the request through /auth/token."),
                invalidClient: false)
        } else {
            outcome = try await exchange(spec, credentials: credentials, service: service, serviceApiKey: record.apiKey)
        }
        switch outcome {
        case .issued(let body, _):
            return .ok(body)
        case .refused(let error, _):
            let omit = service.errorDescriptionOmitted == true
            return .badRequest(
                TokenExchangeError(error: error.error, errorDescription: omit ? nil : "[\(error.result.code)] \(error.description)"))
        case .delegated:
            // A direct exchange always decides; reaching this is a bug.
            throw APIFailure(500, .internalError)
        }
    }

    /// The form sent to the token endpoint (parsed there into `pairs`), decoded and checked as an `IssueSpec`.
    func exchangeThroughTokenEndpoint(
        _ request: TokenRequest, pairs: [(name: String, value: String)], form: [String: String], service: Service, serviceApiKey: Int64
    ) async throws -> TokenResponse {
        var violations = Violations(valuesAreText: true)
        let object = FormEncoding.object(from: pairs)
        let spec = IssueSpec(json: object, at: .root, violations: &violations)
        spec?.validate(at: .root, violations: &violations)
        guard let spec, violations.isEmpty else {
            let problems = violations.list.map { "\($0.path.dropFirst()): \($0.message)" }.joined(separator: "; ")
            return tokenFailure(.invalidRequest("The token exchange request is invalid: \(problems)."), service: service)
        }
        let credentials = ExchangeCredentials(form: form, basicId: request.clientId, basicSecret: request.clientSecret)
        switch try await exchange(spec, credentials: credentials, service: service, serviceApiKey: serviceApiKey) {
        case .delegated(let response), .issued(_, let response): return response
        case .refused(let error, let invalidClient): return tokenFailure(error, service: service, action: invalidClient ? .invalidClient : .badRequest)
        }
    }

    func exchange(_ spec: IssueSpec, credentials: ExchangeCredentials, service: Service, serviceApiKey: Int64) async throws
        -> ExchangeOutcome
    {
        func refuse(_ error: String, _ description: String) -> ExchangeOutcome {
            .refused(OAuthError(error, description, .tokenExchangeRefused), invalidClient: false)
        }
        let direct = service.tokenExchangeDirect == true

        // Who is asking.
        var client: ClientAuthenticator.Authenticated?
        if credentials.identifiesClient {
            let audiences = [service.tokenEndpoint?.absoluteString, service.issuer?.absoluteString].compactMap { $0 }
            let authenticator = ClientAuthenticator(
                engine: self, serviceApiKey: serviceApiKey, audiences: audiences, allowedMethods: service.supportedTokenAuthMethods)
            switch try await authenticator.authenticate(
                form: credentials.form, basicId: credentials.basicId, basicSecret: credentials.basicSecret, secretCarrierFree: credentials.json)
            {
            case .failure(let error): return .refused(error, invalidClient: error.isInvalidClient)
            case .success(let authenticated): client = authenticated
            }
        } else if direct || service.tokenExchangeByIdentifiableClientsOnly == true {
            return .refused(.invalidClient("The client must identify itself to exchange tokens."), invalidClient: true)
        }
        guard (service.supportedGrantTypes ?? []).contains(.tokenExchange) else {
            return .refused(.unsupportedGrantType("The service does not support token exchange."), invalidClient: false)
        }
        if let client {
            guard (client.client.grantTypes ?? []).contains(.tokenExchange) else {
                return refuse("unauthorized_client", "The client may not use the token exchange grant.")
            }
            // As Authlete's: the per-client permission counts only when the service asks for it.
            if service.tokenExchangeByPermittedClientsOnly == true, client.client.extension?.tokenExchangePermitted != true {
                return refuse("unauthorized_client", "The client is not permitted to exchange tokens.")
            }
            if client.client.clientType == .public, service.tokenExchangeByConfidentialClientsOnly == true {
                return refuse("unauthorized_client", "Only confidential clients may exchange tokens.")
            }
        }

        // The request itself (RFC 8693 §2.1).
        if (spec.actorToken == nil) != (spec.actorTokenType == nil) {
            return refuse("invalid_request", "actor_token_type must be present exactly when actor_token is.")
        }
        let accepted = service.tokenExchangeTokenTypes ?? [.jwt, .accessToken, .refreshToken, .idToken]
        guard let subjectType = Self.tokenType(spec.subjectTokenType), accepted.contains(subjectType) else {
            return refuse("invalid_request", "subject_token_type '\(spec.subjectTokenType.rawValue)' is not accepted.")
        }
        var actorType: TokenType?
        if let given = spec.actorTokenType {
            guard let type = Self.tokenType(given), accepted.contains(type) else {
                return refuse("invalid_request", "actor_token_type '\(given.rawValue)' is not accepted.")
            }
            actorType = type
        }
        var requestedType: TokenType?
        if let given = spec.requestedTokenType {
            guard let type = Self.tokenType(given) else { return refuse("invalid_request", "requested_token_type '\(given.rawValue)' is unknown.") }
            requestedType = type
        }
        let resources = spec.resource ?? []
        if let bad = resources.first(where: { !URLRules.isResourceIndicator($0) }) {
            return refuse("invalid_target", "resource '\(bad)' must be an absolute URI without a fragment.")
        }
        let audiences = spec.audience ?? []
        var requestedScopes: [String]?
        if let text = spec.scope {
            let scopes = Self.words(text)
            let supported = Set((service.supportedScopes ?? []).map(\.name))
            if let unknown = scopes.first(where: { !supported.contains($0) }) {
                return refuse("invalid_scope", "The scope '\(unknown)' is not supported.")
            }
            requestedScopes = scopes
        }

        // The tokens.
        let subject: ExchangedToken
        switch try await examine(spec.subjectToken, as: subjectType, service: service, serviceApiKey: serviceApiKey, direct: direct) {
        case .success(let token): subject = token
        case .failure(let problem): return refuse("invalid_request", "subject_token \(problem)")
        }
        var actor: ExchangedToken?
        if let actorToken = spec.actorToken, let actorType {
            switch try await examine(actorToken, as: actorType, service: service, serviceApiKey: serviceApiKey, direct: direct) {
            case .success(let token): actor = token
            case .failure(let problem): return refuse("invalid_request", "actor_token \(problem)")
            }
        }

        var response = TokenResponse(
            resultCode: ResultCode.tokenExchangeValid.code, resultMessage: ResultCode.tokenExchangeValid.message, action: .tokenExchange,
            grantType: .tokenExchange, clientId: client?.record.clientId ?? 0, clientIdAlias: client?.client.clientIdAlias,
            clientIdAliasUsed: client.map { $0.identifier == $0.client.clientIdAlias } ?? false,
            clientAuthMethod: client.map { $0.client.tokenAuthMethod ?? .clientSecretBasic }, scopes: requestedScopes,
            resources: resources.isEmpty ? nil : resources, audiences: audiences.isEmpty ? nil : audiences, requestedTokenType: requestedType,
            subjectToken: spec.subjectToken, subjectTokenType: subjectType, subjectTokenInfo: subject.info, actorToken: spec.actorToken,
            actorTokenType: actorType, actorTokenInfo: actor?.info)
        guard direct, let client else { return .delegated(response) }

        // Warrant's policy: audiences are clients of the service; scopes only narrow the subject token's.
        for audience in audiences where try await self.client(named: audience, serviceApiKey: serviceApiKey) == nil {
            return refuse("invalid_target", "audience '\(audience)' is not a client of this service.")
        }
        let clientNames = Set([String(client.record.clientId), client.client.clientIdAlias].compactMap { $0 })
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
            if let issuer = mayAct["iss"]?.stringValue, issuer != actor?.issuer ?? service.issuer?.absoluteString {
                return refuse("invalid_request", "The subject token's may_act names an actor of another issuer.")
            }
        }
        // A subject token that states no scopes (an ID token, most foreign JWTs) allows openid only.
        let requestable = Self.requestableScopes(of: client.client)
        let granted = (subject.scopes ?? ["openid"]).filter { requestable?.contains($0) ?? true }
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
            let refreshable = issuedType == .accessToken && subject.subject != nil && Self.refreshAllowed(client: client.client, service: service)
            let tokens = try await issue(
                details, grantType: .tokenExchange, service: service, serviceApiKey: serviceApiKey, client: client.client,
                withRefreshToken: refreshable, jwtAlgorithm: issuedType == .jwt ? (service.accessTokenSignAlg?.rawValue ?? "RS256") : nil,
                parentGrantId: subject.grantId)
            guard let issued = issuedType == .jwt ? tokens.jwtAccessToken : tokens.jwtAccessToken ?? tokens.accessToken else {
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
            let idToken = try await makeIDToken(
                service: service, serviceApiKey: serviceApiKey, client: client.client, details: details, accessToken: nil, code: nil)
            let lifetime = Self.idTokenLifetime(client: client.client, service: service)
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
    private func examine(_ token: String, as type: TokenType, service: Service, serviceApiKey: Int64, direct: Bool) async throws
        -> Result<ExchangedToken, ExchangeProblem>
    {
        switch type {
        case .accessToken:
            guard let found = try await lookUpAccessToken(token, serviceApiKey: serviceApiKey).live else {
                return .failure("is not an active access token of this service.")
            }
            let details = found.details
            let info = try await tokenInfo(
                clientId: found.record.clientId, details: details, subject: found.record.subject, scopes: found.record.scopes,
                expiresAt: found.record.expiresAt, service: service)
            let extra = details.jwtAtClaims.flatMap { try? JSONValue(parsing: $0) }
            return .success(
                ExchangedToken(
                    subject: found.record.subject, identity: found.record.subject ?? details.clientIdentifier,
                    scopes: Self.words(found.record.scopes), act: details.act, info: info, grantId: found.record.grantId,
                    mayAct: extra?["may_act"]))
        case .refreshToken:
            guard let refresh = try await lookUpRefreshToken(token, serviceApiKey: serviceApiKey).live,
                let grant = try await store.grant(id: refresh.grantId)
            else { return .failure("is not an active refresh token of this service.") }
            let details = try Self.details(grant.payload)
            let info = try await tokenInfo(
                clientId: refresh.clientId, details: details, subject: refresh.subject, scopes: refresh.scopes, expiresAt: refresh.expiresAt,
                service: service)
            return .success(
                ExchangedToken(
                    subject: refresh.subject, identity: refresh.subject ?? details.clientIdentifier,
                    scopes: Self.words(refresh.scopes), act: details.act, info: info, grantId: refresh.grantId))
        case .idToken, .jwt:
            let verified: VerifiedJWT
            switch await verifiedJWT(token, service: service, serviceApiKey: serviceApiKey, isIDToken: type == .idToken) {
            case .failure(let problem): return .failure(problem)
            case .success(let jwt): verified = jwt
            }
            let claims = verified.claims
            guard let sub = claims["sub"]?.stringValue, !sub.isEmpty else { return .failure("has no sub claim.") }
            let act: JSONValue? = if case .object? = claims["act"] { claims["act"] } else { nil }
            var exchanged = ExchangedToken(
                subject: sub, identity: sub, scopes: claims["scope"]?.stringValue.map(Self.words), act: act, mayAct: claims["may_act"],
                issuer: claims["iss"]?.stringValue)
            guard verified.fromThisService else { return .success(exchanged) }
            // A JWT access token of this service is only as good as its stored record (revocation, expiry).
            if let jti = claims["jti"]?.stringValue, let record = try await store.accessToken(hash: jti), record.serviceApiKey == serviceApiKey {
                if type == .idToken { return .failure("is an access token, not an ID token.") }
                guard record.revokedAt == nil, record.expiresAt >= now() else { return .failure("is an access token that was revoked or has expired.") }
                exchanged.grantId = record.grantId
                exchanged.scopes = Self.words(record.scopes)
            } else if type == .idToken {
                exchanged.idTokenAudience = ClientAssertion.audience(of: claims) + [claims["azp"]?.stringValue].compactMap { $0 }
            }
            return .success(exchanged)
        case .saml1 where !direct, .saml2 where !direct:
            return .success(ExchangedToken())
        default:
            return .failure("of type \(type.rawValue) cannot be verified by warrant.")
        }
    }

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
    private func verifiedJWT(_ token: String, service: Service, serviceApiKey: Int64, isIDToken: Bool) async -> Result<VerifiedJWT, ExchangeProblem> {
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
        var claims: [String: JSONValue]?
        let fromThisService = issuer == service.issuer?.absoluteString
        if fromThisService {
            claims = await signer.verifiedClaims(token, serviceApiKey: serviceApiKey)
        } else if let trusted = service.tokenExchangeTrustedIssuers?.first(where: { $0.issuer.absoluteString == issuer }) {
            claims = await signer.verifiedClaims(token, jwks: trusted.jwks)
        } else {
            return .failure("is not issued by this service or a trusted issuer.")
        }
        guard let claims else { return .failure("has a signature that does not verify.") }
        let time = now()
        guard case .integer(let exp)? = claims["exp"], Bounds.milliseconds(fromSeconds: exp) >= time else {
            return .failure("has expired or has no exp.")
        }
        if case .integer(let nbf)? = claims["nbf"],
            Bounds.milliseconds(fromSeconds: nbf) > time.saturatingAdding(ClientAssertion.clockSkew * 1000)
        {
            return .failure("is not valid yet.")
        }
        if isIDToken {
            guard case .integer? = claims["iat"], claims["aud"] != nil else { return .failure("is not an ID token: iat or aud is missing.") }
        }
        return .success(VerifiedJWT(claims: claims, fromThisService: fromThisService))
    }

    private func tokenInfo(
        clientId: Int64, details: GrantDetails, subject: String?, scopes: String, expiresAt: Int64, service: Service
    ) async throws -> TokenInfo {
        let (client, aliasUsed) = try await clientFacts(clientId: clientId, serviceApiKey: service.apiKey ?? 0, details: details)
        let defined = Dictionary((service.supportedScopes ?? []).map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        return TokenInfo(
            clientId: clientId, clientIdAlias: client?.clientIdAlias, clientIdAliasUsed: aliasUsed, subject: subject,
            scopes: Self.words(scopes).map { defined[$0] ?? Scope(name: $0) }, expiresAt: expiresAt,
            properties: StoredProperty.list(details.properties), resources: details.resources.isEmpty ? nil : details.resources)
    }

    /// RFC 8693 token type identifiers as Authlete's names.
    private static func tokenType(_ identifier: TokenTypeIdentifier) -> TokenType? {
        switch identifier {
        case .accessToken: .accessToken
        case .refreshToken: .refreshToken
        case .idToken: .idToken
        case .jwt: .jwt
        case .saml1: .saml1
        case .saml2: .saml2
        case .unknown: nil
        }
    }
}
