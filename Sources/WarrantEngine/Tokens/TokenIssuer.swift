import Foundation
import SpecRuntime
import WarrantAPI
import WarrantStore

/// What one issuance of tokens is made from.
struct IssueRequest: Sendable {
    enum Refresh: Sendable {
        case none
        /// A new refresh token: a lifetime the caller asked for (seconds, 0 or nil for the usual), a fixed
        /// expiry (kept from the token it replaces), or a value the caller chose.
        case new(duration: Int64? = nil, expiresAt: Int64? = nil, value: String? = nil)
    }

    var service: ServicePolicy
    var client: ClientPolicy
    /// The grant the tokens belong to; tokens without one (client credentials) get no refresh token.
    var grantId: String?
    var details: GrantDetails
    var grantType: GrantType
    var refresh: Refresh = .none
    /// An access token value the caller chose (Authlete's `accessToken`) instead of a random one.
    var accessTokenValue: String? = nil
    /// Seconds the caller asked the access token to live; nil or 0 for the usual.
    var accessDuration: Int64? = nil
    /// The access token's form when the flow decides it (a token exchange asking for a JWT); else the service's.
    var format: ServicePolicy.AccessTokenFormat? = nil
    /// The thumbprint of the DPoP key the access token is bound to, from a proof that verified; nil for a
    /// bearer token. A public client's refresh token is bound too (RFC 9449 §5).
    var dpopJkt: String? = nil
    /// The `x5t#S256` of the TLS client certificate the access token is bound to (RFC 8705 §3).
    var certificateThumbprint: String? = nil
}

/// What an ID token is made from.
struct IDTokenRequest: Sendable {
    var service: ServicePolicy
    var client: ClientPolicy
    var details: GrantDetails
    /// The access token issued with it, for at_hash.
    var accessToken: String? = nil
    /// The code issued with it, for c_hash.
    var code: String? = nil
    /// "string" or "array" when the caller chose (ID token reissue); the grant's or the service's otherwise.
    var audienceType: String? = nil
    /// The refresh token issued with it, for CIBA's rt_hash, and the auth_req_id it answers (push mode, §10.3.1).
    var refreshToken: String? = nil
    var authReqId: String? = nil
}

/// What one token request or authorization issues.
struct IssuedTokens: Sendable {
    var accessToken: String
    var accessRecord: AccessTokenRecord
    var expiresIn: Int64
    var refreshToken: String?
    var refreshRecord: RefreshTokenRecord?
    var refreshExpiresIn: Int64?
    var jwtAccessToken: String?
    var idToken: String?
    var scopes: [String]
    /// The resources the access token is for (RFC 8707).
    var resources: [String] = []
    var grantId: String?
    var sessionId: String?
    var properties: [StoredProperty]?
    /// The DPoP key the access token is bound to.
    var dpopJkt: String? = nil
    /// The authorization_details (RFC 9396) the access token carries.
    var authorizationDetails: [JSONValue]? = nil

    /// RFC 9449 §5: `DPoP` for a DPoP-bound access token.
    var tokenType: String { dpopJkt == nil ? "Bearer" : "DPoP" }

    /// The access token as the client receives it: the JWT form when there is one.
    var presentedAccessToken: String { jwtAccessToken ?? accessToken }

    /// The refresh token's scopes, which a narrowing refresh keeps apart from the access token's.
    var refreshTokenScopes: [String]? { refreshRecord.map { ProtocolValues.words($0.scopes) } }
}

/// The one way warrant makes tokens: access tokens (opaque, or RFC 9068 JWTs), refresh tokens and ID tokens.
/// It makes them and stores nothing; each flow stores what it issued in one atomic store operation.
struct TokenIssuer: Sendable {
    let signer: TokenSigner
    /// Milliseconds since the Unix epoch.
    let now: @Sendable () -> Int64

    func issue(_ request: IssueRequest) async throws -> IssuedTokens {
        var details = request.details
        details.grantType = request.grantType.rawValue
        // Only a verified proof binds a token; what a grant remembers of the authorization never does.
        details.dpopJkt = request.dpopJkt
        details.certificateThumbprint = request.certificateThumbprint
        let time = now()
        let accessSeconds =
            Bounds.givenDuration(request.accessDuration) ?? Bounds.givenDuration(details.accessTokenDuration)
            ?? request.client.accessTokenDuration ?? request.service.accessTokenDuration
        let accessExpiresAt = Bounds.expiry(from: time, seconds: accessSeconds)
        let accessToken = request.accessTokenValue ?? Secrets.token()
        let accessHash = Secrets.hash(accessToken)
        let scopes = details.scopes.joined(separator: " ")
        var refreshToken: String?
        var refreshRecord: RefreshTokenRecord?
        if case .new(let duration, let expiresAt, let chosen) = request.refresh, let grantId = request.grantId {
            let seconds =
                Bounds.givenDuration(duration) ?? request.client.refreshTokenDuration ?? request.service.refreshTokenDuration
            let value = chosen ?? Secrets.token()
            refreshToken = value
            refreshRecord = RefreshTokenRecord(
                hash: Secrets.hash(value), grantId: grantId, serviceApiKey: request.service.apiKey, clientId: request.client.clientId,
                subject: details.subject, scopes: scopes, payload: request.client.isPublic
                    ? RefreshBinding(dpopJkt: request.dpopJkt, certificateThumbprint: request.certificateThumbprint).payload : "{}",
                createdAt: time,
                expiresAt: expiresAt ?? Bounds.expiry(from: time, seconds: seconds))
        }
        var jwtAccessToken: String?
        switch request.format ?? request.service.accessTokenFormat {
        case .opaque:
            break
        case .unsupported(let name):
            throw SigningAlgorithm.Unsupported(name: name)
        case .jwt(let algorithm):
            let claims = AccessTokenClaims(
                issuer: request.service.issuer, details: details, issuedAt: time, expiresAt: accessExpiresAt, id: accessHash)
            jwtAccessToken = try await signer.sign(
                claims.members, algorithm: algorithm.rawValue, serviceApiKey: request.service.apiKey, type: "at+jwt")
        }
        let accessRecord = AccessTokenRecord(
            hash: accessHash, grantId: request.grantId, serviceApiKey: request.service.apiKey, clientId: request.client.clientId,
            subject: details.subject, scopes: scopes, refreshTokenHash: refreshRecord?.hash, payload: try GrantDetails.json(details),
            createdAt: time, expiresAt: accessExpiresAt)
        return IssuedTokens(
            accessToken: accessToken, accessRecord: accessRecord, expiresIn: accessSeconds, refreshToken: refreshToken,
            refreshRecord: refreshRecord, refreshExpiresIn: refreshRecord.map { $0.expiresAt.saturatingSubtracting(time) / 1000 },
            jwtAccessToken: jwtAccessToken, scopes: details.scopes, resources: details.resources, grantId: request.grantId,
            sessionId: details.sessionId, properties: details.properties, dpopJkt: details.dpopJkt,
            authorizationDetails: details.authorizationDetails)
    }

    /// An ID token (OpenID Connect Core §2), signed with the service's key for the client's algorithm.
    func idToken(_ request: IDTokenRequest) async throws -> String {
        let algorithm = try request.client.idTokenAlgorithm.get().rawValue
        let details = request.details
        let audienceType =
            request.audienceType ?? details.idTokenAudType ?? (request.service.idTokenAudienceAsString ? "string" : "array")
        let claims = IDTokenClaims(
            issuer: request.service.issuer, details: details, issuedAt: now(), lifetime: request.service.idTokenLifetime(for: request.client),
            audienceAsString: audienceType == "string",
            accessTokenHash: request.accessToken.map { Hashing.halfHash($0, algorithm: algorithm) },
            codeHash: request.code.map { Hashing.halfHash($0, algorithm: algorithm) })
        var members = claims.members
        if let authReqId = request.authReqId {
            members["urn:openid:params:jwt:claim:auth_req_id"] = .string(authReqId)
            if let refresh = request.refreshToken { members["urn:openid:params:jwt:claim:rt_hash"] = .string(Hashing.halfHash(refresh, algorithm: algorithm)) }
        }
        var header: [String: JSONValue] = [:]
        if let text = details.idtHeaderParams, case .object(let members)? = try? JSONValue(parsing: text) { header = members }
        return try await signer.sign(members, algorithm: algorithm, serviceApiKey: request.service.apiKey, type: "JWT", extraHeader: header)
    }

    /// The token endpoint's JSON (RFC 6749 §5.1), with Keycloak's members when the service asks for them.
    static func responseBody(_ tokens: IssuedTokens, service: ServicePolicy, includeIDToken: Bool = true) -> String {
        var body: [String: JSONValue] = [
            "access_token": .string(tokens.presentedAccessToken), "token_type": .string(tokens.tokenType), "expires_in": .integer(tokens.expiresIn),
        ]
        if !tokens.scopes.isEmpty { body["scope"] = .string(tokens.scopes.joined(separator: " ")) }
        if let refresh = tokens.refreshToken { body["refresh_token"] = .string(refresh) }
        if includeIDToken, let idToken = tokens.idToken { body["id_token"] = .string(idToken) }
        if let elements = tokens.authorizationDetails { body["authorization_details"] = .array(elements) }
        // Properties that are not hidden travel in the response, as Authlete's do; they never replace a member.
        for property in tokens.properties ?? [] where !property.hidden && body[property.key] == nil {
            body[property.key] = .string(property.value)
        }
        if service.keycloakTokenResponse {
            body["refresh_expires_in"] = .integer(tokens.refreshExpiresIn ?? 0)
            body["not-before-policy"] = 0
            if let session = tokens.sessionId ?? tokens.grantId { body["session_state"] = .string(session) }
            // session_state's successor (BankID lists both): the ID token's sid, so only when there is a session.
            if let session = tokens.sessionId { body["sid"] = .string(session) }
        }
        return JSONValue.object(body).serializedString
    }
}

/// What a refresh token's payload keeps: the DPoP key and TLS certificate a public client's refresh token is
/// bound to (RFC 9449 §5, RFC 8705 §4), since no client authentication protects it.
struct RefreshBinding: Equatable {
    var dpopJkt: String?
    var certificateThumbprint: String?

    init(dpopJkt: String?, certificateThumbprint: String?) {
        self.dpopJkt = dpopJkt
        self.certificateThumbprint = certificateThumbprint
    }

    /// Read from a stored payload; rows written before bindings hold `{}`.
    init(payload: String) {
        let members = try? JSONValue(parsing: Array(payload.utf8))
        dpopJkt = members?["dpopJkt"]?.stringValue
        certificateThumbprint = members?["certificateThumbprint"]?.stringValue
    }

    var isBound: Bool { dpopJkt != nil || certificateThumbprint != nil }

    var payload: String {
        var members: [String: JSONValue] = [:]
        if let dpopJkt { members["dpopJkt"] = .string(dpopJkt) }
        if let certificateThumbprint { members["certificateThumbprint"] = .string(certificateThumbprint) }
        return JSONValue.object(members).serializedString
    }
}
