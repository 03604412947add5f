import SpecRuntime
import WarrantAPI
import WarrantStore

/// The JWT bearer grant (RFC 7523 §2.1): a signed assertion about a user is exchanged for an access token.
/// As Authlete does, warrant checks the assertion's form and claims and hands it to the front end with
/// JWT_BEARER to verify; with the service's `jwtGrantDirect` it verifies the signature itself (the client's
/// registered keys, or a trusted issuer's) and issues the token.
struct JWTBearerGrant: Sendable {
    let store: any WarrantStore
    let issuer: TokenIssuer
    let signer: TokenSigner

    /// What the assertion turned out to be after the checks that need no key.
    enum Assertion {
        /// A JWE: warrant cannot read it; the front end decrypts and verifies it.
        case encrypted
        case unsigned
        case signed(claims: [String: JSONValue])
    }

    static func refusal(_ description: String) -> OAuthError { OAuthError("invalid_grant", description, .jwtBearerRefused) }

    /// Authlete's checks (its API reference, JWT_BEARER): a JWT, iss and sub strings, aud naming the issuer or
    /// the token endpoint, exp not reached, iat and nbf not in the future (60 s of skew); the service's
    /// settings for encrypted and unsigned assertions.
    func examine(_ assertion: String?, service: ServicePolicy) -> Result<Assertion, OAuthError> {
        guard let assertion, !assertion.isEmpty else { return .failure(.invalidRequest("assertion is missing.")) }
        let parts = assertion.split(separator: ".", omittingEmptySubsequences: false)
        if parts.count == 5 {
            return service.jwtGrant.encryptedRejected || service.jwtGrant.direct
                ? .failure(Self.refusal("Encrypted assertions are not accepted.")) : .success(.encrypted)
        }
        guard parts.count == 3, let headerData = Base64URL.decode(String(parts[0])), let header = try? JSONValue(parsing: Array(headerData)),
            let payloadData = Base64URL.decode(String(parts[1])), case .object(let claims) = try? JSONValue(parsing: Array(payloadData))
        else { return .failure(Self.refusal("The assertion is not a JWT.")) }
        guard claims["iss"]?.stringValue != nil else { return .failure(Self.refusal("The assertion has no iss string.")) }
        guard claims["sub"]?.stringValue != nil else { return .failure(Self.refusal("The assertion has no sub string.")) }
        let audiences = JSONClaims.audience(of: claims)
        guard audiences.contains(where: service.tokenEndpointAudiences.contains) else {
            return .failure(Self.refusal("The assertion's aud must name the issuer or the token endpoint."))
        }
        let skew = Bounds.milliseconds(fromSeconds: ClockSkew.seconds)
        let now = issuer.now()
        guard let exp = claims["exp"].flatMap(JSONClaims.seconds) else { return .failure(Self.refusal("The assertion has no exp.")) }
        guard Bounds.milliseconds(fromSeconds: exp).saturatingAdding(skew) >= now else { return .failure(Self.refusal("The assertion has expired.")) }
        for name in ["iat", "nbf"] {
            guard let value = claims[name] else { continue }
            guard let seconds = JSONClaims.seconds(value) else { return .failure(Self.refusal("The assertion's \(name) is not a number.")) }
            guard Bounds.milliseconds(fromSeconds: seconds) <= now.saturatingAdding(skew) else {
                return .failure(Self.refusal("The assertion's \(name) is in the future."))
            }
        }
        if header["alg"]?.stringValue == "none" {
            return service.jwtGrant.unsignedRejected || service.jwtGrant.direct
                ? .failure(Self.refusal("Unsigned assertions are not accepted.")) : .success(.unsigned)
        }
        return .success(.signed(claims: claims))
    }

    /// JWT_BEARER: the checked request for the front end, which verifies the assertion and issues the token
    /// with /auth/token/create (grantType JWT_BEARER).
    static func delegated(assertion: String, client: ClientAuthenticator.Authenticated?, form: [String: String], resources: [String])
        -> TokenResponse
    {
        let result = ResultCode.jwtBearerValid
        return TokenResponse(
            resultCode: result.code, resultMessage: result.message, action: .jwtBearer, grantType: .jwtBearer,
            clientId: client?.client.clientId ?? 0, clientIdAlias: client?.client.alias, clientIdAliasUsed: client?.aliasUsed ?? false,
            clientAuthMethod: client?.client.tokenAuthMethod, scopes: form["scope"].map(ProtocolValues.words),
            resources: resources.isEmpty ? nil : resources, assertion: assertion)
    }

    /// The direct grant: the signature verified with the client's keys (iss is its client ID) or a trusted
    /// issuer's, the assertion used once, and an access token issued for its sub.
    func issue(_ request: TokenGrantRequest, assertion: String, claims: [String: JSONValue]) async throws -> TokenResponse {
        let service = request.service
        func fail(_ error: OAuthError) -> TokenResponse { TokenAnswer.failure(error, service: service) }
        let iss = claims["iss"]?.stringValue ?? ""
        // A public client's keys may ship inside an app: it could sign for any user.
        guard !request.client.client.isPublic else { return fail(.unauthorizedClient("Public clients cannot use the direct JWT bearer grant.")) }
        let jwks: String?
        var rsaAlgorithm: String?
        if request.client.client.names.contains(iss) {
            jwks = request.client.client.jwks
            rsaAlgorithm = request.client.client.tokenAuthSigningAlgorithm
        } else {
            jwks = service.jwtGrant.trustedIssuers.first { $0.issuer.absoluteString == iss }?.jwks
        }
        guard let jwks else { return fail(Self.refusal("The assertion's issuer is neither the client nor a trusted issuer.")) }
        let parts = assertion.split(separator: ".", omittingEmptySubsequences: false)
        let allowed = service.fapi(for: request.client.client).security ? FAPIRules.algorithms : ClientAssertion.allowedAlgorithms
        guard let header = Base64URL.decode(String(parts[0])).flatMap({ try? JSONValue(parsing: Array($0)) }),
            let algorithm = header["alg"]?.stringValue, allowed.contains(algorithm)
        else { return fail(Self.refusal("The assertion must be signed with one of \(allowed.sorted().joined(separator: ", ")).")) }
        // A request object signed by the same key is no assertion (as for client assertions).
        if header["typ"]?.stringValue?.lowercased() == "oauth-authz-req+jwt" || claims["response_type"] != nil {
            return fail(Self.refusal("The assertion is a request object."))
        }
        do {
            _ = try await signer.verified(assertion, as: JSONClaims.self, jwks: jwks, rsaAlgorithm: rsaAlgorithm)
        } catch {
            return fail(Self.refusal("The assertion's signature does not verify with its issuer's keys."))
        }
        // Used once: remembered until it expires, and it may not live longer than a client assertion may.
        let now = issuer.now()
        let expiresAt = Bounds.milliseconds(fromSeconds: claims["exp"].flatMap(JSONClaims.seconds) ?? 0)
            .saturatingAdding(Bounds.milliseconds(fromSeconds: ClockSkew.seconds))
        guard expiresAt <= Bounds.expiry(from: now, seconds: ClientAssertion.maximumLifetime) else {
            return fail(Self.refusal("The assertion must expire within \(ClientAssertion.maximumLifetime / 60) minutes."))
        }
        guard let jti = claims["jti"]?.stringValue, !jti.isEmpty else { return fail(Self.refusal("The assertion has no jti.")) }
        // Recorded as client assertions are (issuer and jti), so one JWT cannot serve as both in one request.
        guard try await store.recordAssertion(hash: Secrets.hash(iss + " " + jti), expiresAt: expiresAt, now: now) else {
            return fail(Self.refusal("The assertion was used before."))
        }
        let scopes: [String]
        switch request.requestedScopes() {
        case .failure(let error): return fail(error)
        case .success(let requested): scopes = requested
        }
        let subject = claims["sub"]?.stringValue
        let tokens = try await issuer.issue(
            request.issueRequest(details: request.details(subject: subject, scopes: scopes), grantType: .jwtBearer, grantId: nil))
        try await ChosenValues.storing { try await store.insertTokens(accessToken: tokens.accessRecord, refreshToken: nil) }
        var response = TokenAnswer.success(tokens, for: request, grantType: .jwtBearer, subject: subject)
        response.resultCode = ResultCode.jwtBearerIssued.code
        response.resultMessage = ResultCode.jwtBearerIssued.message
        response.assertion = assertion
        return response
    }
}
