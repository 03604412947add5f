import Foundation
import SpecRuntime
import WarrantAPI
import WarrantStore

/// What a grant remembers from the authorization: everything later tokens and ID tokens are made from.
struct GrantDetails: Codable, Equatable, Sendable {
    var subject: String?
    /// The `sub` of ID tokens when it differs from the subject (pairwise identifiers).
    var sub: String?
    var scopes: [String]
    var resources: [String]
    var authTime: Int64?
    var acr: String?
    /// User claims for ID tokens, as a JSON object in text.
    var claims: String?
    var idtHeaderParams: String?
    var idTokenAudType: String?
    var sessionId: String?
    var nonce: String?
    var jwtAtClaims: String?
    /// Claims the authorization request asked for in ID tokens (for /idtoken/reissue).
    var requestedIdTokenClaims: [String]
    /// The client_id value the client used (its alias or its number).
    var clientIdentifier: String
    var redirectUri: String?
    var redirectUriGiven: Bool
    var codeChallenge: String?
    var codeChallengeMethod: String?
    var accessTokenDuration: Int64?
    // Added after the first release; absent in older rows.
    var properties: [StoredProperty]? = nil
    /// The userinfo member of the claims request, as JSON text.
    var userInfoClaims: String? = nil
    var consentedClaims: [String]? = nil
    /// The grant type (Authlete's name) a token was issued by.
    var grantType: String? = nil
    /// `audience` values of a token exchange: the token's aud, with `resources`.
    var audiences: [String]? = nil
    /// The delegation chain of a token exchange (RFC 8693 §4.1): the current actor, prior ones nested.
    var act: JSONValue? = nil

    /// The `aud` of JWTs made from these details: audiences and resources, or else the client.
    var tokenAudience: [String] {
        let named = (audiences ?? []) + resources
        return named.isEmpty ? [clientIdentifier] : named
    }
}

/// A property (key, value, hidden) as tokens keep it.
struct StoredProperty: Codable, Equatable, Sendable {
    var key: String
    var value: String
    var hidden: Bool

    init(_ property: Property) {
        (key, value, hidden) = (property.key, property.value, property.hidden)
    }

    var property: Property { Property(key: key, value: value, hidden: hidden) }

    static func from(_ properties: [Property]?) -> [StoredProperty]? {
        guard let properties, !properties.isEmpty else { return nil }
        return properties.map(StoredProperty.init)
    }

    /// Every property, hidden ones included, for the service's own back end (never for the client).
    static func list(_ properties: [StoredProperty]?) -> [Property]? {
        guard let properties, !properties.isEmpty else { return nil }
        return properties.map(\.property)
    }
}

/// Claims each standard scope stands for (OpenID Connect Core §5.4).
enum ScopeClaims {
    static let byScope: [String: [String]] = [
        "profile": [
            "name", "family_name", "given_name", "middle_name", "nickname", "preferred_username", "profile", "picture", "website",
            "gender", "birthdate", "zoneinfo", "locale", "updated_at",
        ],
        "email": ["email", "email_verified"],
        "address": ["address"],
        "phone": ["phone_number", "phone_number_verified"],
    ]

    static func allowed(scopes: [String], requested: [String]) -> Set<String> {
        Set(scopes.flatMap { byScope[$0] ?? [] } + requested)
    }
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
    var grantId: String?
    var sessionId: String?
    var properties: [StoredProperty]?
}

extension WarrantEngine {
    /// Makes (but does not store) an access token, its optional refresh token, and the JWT form when the
    /// service signs access tokens (RFC 9068).
    func makeTokens(
        service: Service, serviceApiKey: Int64, client: OAuthClient, grantId: String?, details: GrantDetails, grantType: GrantType,
        withRefreshToken: Bool, accessTokenValue: String? = nil, accessDuration: Int64? = nil, refreshDuration: Int64? = nil,
        refreshExpiresAt: Int64? = nil, refreshTokenValue: String? = nil, jwtAlgorithm: String? = nil
    ) async throws -> IssuedTokens {
        var details = details
        details.grantType = grantType.rawValue
        let time = now()
        // Stored settings are bounded again: a value stored before the bounds existed must not overflow.
        let accessSeconds = Bounds.duration(
            Self.positive(accessDuration) ?? Self.positive(details.accessTokenDuration)
                ?? Self.positive(client.extension?.accessTokenDuration) ?? service.accessTokenDuration ?? ServiceMetadata.defaultAccessTokenDuration)
        let refreshSeconds = Bounds.duration(
            Self.positive(refreshDuration) ?? Self.positive(client.extension?.refreshTokenDuration)
                ?? service.refreshTokenDuration ?? ServiceMetadata.defaultRefreshTokenDuration)
        let accessExpiresAt = Bounds.expiry(from: time, seconds: accessSeconds)
        let accessToken = accessTokenValue ?? Secrets.token()
        let clientId = client.clientId ?? 0
        var refreshToken: String?
        var refreshRecord: RefreshTokenRecord?
        if withRefreshToken, let grantId {
            let value = refreshTokenValue ?? Secrets.token()
            refreshToken = value
            refreshRecord = RefreshTokenRecord(
                hash: Secrets.hash(value), grantId: grantId, serviceApiKey: serviceApiKey, clientId: clientId, subject: details.subject,
                scopes: details.scopes.joined(separator: " "), payload: "{}", createdAt: time,
                expiresAt: refreshExpiresAt ?? Bounds.expiry(from: time, seconds: refreshSeconds))
        }
        let accessHash = Secrets.hash(accessToken)
        var jwtAccessToken: String?
        if let name = jwtAlgorithm ?? service.accessTokenSignAlg?.rawValue {
            // Settings are checked on create and update; one stored before that is refused, not replaced.
            guard let algorithm = SigningAlgorithm(rawValue: name) else { throw SigningAlgorithm.Unsupported(name: name) }
            let audience = details.tokenAudience
            var claims: [String: JSONValue] = [
                "iss": .string(service.issuer?.absoluteString ?? ""), "sub": .string(details.subject ?? details.clientIdentifier),
                "aud": audience.count == 1 ? .string(audience[0]) : .array(audience.map(JSONValue.string)),
                "client_id": .string(details.clientIdentifier), "iat": .integer(time / 1000),
                "exp": .integer(accessExpiresAt / 1000), "jti": .string(accessHash),
            ]
            if !details.scopes.isEmpty { claims["scope"] = .string(details.scopes.joined(separator: " ")) }
            if let act = details.act { claims["act"] = act }
            if let extra = details.jwtAtClaims, case .object(let members)? = try? JSONValue(parsing: extra) {
                for (name, value) in members where claims[name] == nil { claims[name] = value }
            }
            jwtAccessToken = try await signer.sign(claims, algorithm: algorithm.rawValue, serviceApiKey: serviceApiKey, type: "at+jwt")
        }
        let accessRecord = AccessTokenRecord(
            hash: accessHash, grantId: grantId, serviceApiKey: serviceApiKey, clientId: clientId, subject: details.subject,
            scopes: details.scopes.joined(separator: " "), refreshTokenHash: refreshRecord?.hash,
            payload: try Self.json(details), createdAt: time, expiresAt: accessExpiresAt)
        return IssuedTokens(
            accessToken: accessToken, accessRecord: accessRecord, expiresIn: accessSeconds, refreshToken: refreshToken,
            refreshRecord: refreshRecord, refreshExpiresIn: refreshRecord.map { $0.expiresAt.saturatingSubtracting(time) / 1000 }, jwtAccessToken: jwtAccessToken,
            scopes: details.scopes, grantId: grantId, sessionId: details.sessionId, properties: details.properties)
    }

    /// An ID token (OpenID Connect Core §2) signed with the service key of the client's algorithm.
    func makeIDToken(
        service: Service, serviceApiKey: Int64, client: OAuthClient, details: GrantDetails, accessToken: String?, code: String?,
        audienceType: String? = nil
    ) async throws -> String {
        let time = now()
        let algorithm = try SigningAlgorithm.forIDTokens(of: client).rawValue
        let lifetime = Self.idTokenLifetime(client: client, service: service)
        var claims: [String: JSONValue] = [:]
        if let extra = details.claims, case .object(let members)? = try? JSONValue(parsing: extra) {
            let allowed = ScopeClaims.allowed(scopes: details.scopes, requested: details.requestedIdTokenClaims)
            for (name, value) in members where allowed.contains(name) { claims[name] = value }
        }
        let audType = audienceType ?? details.idTokenAudType ?? service.idTokenAudType?.rawValue ?? "array"
        claims["iss"] = .string(service.issuer?.absoluteString ?? "")
        claims["sub"] = .string(details.sub ?? details.subject ?? "")
        // An ID token is for the client, or for the audiences a token exchange named.
        let audience = details.audiences.flatMap { $0.isEmpty ? nil : $0 } ?? [details.clientIdentifier]
        claims["aud"] = audType == "string" && audience.count == 1 ? .string(audience[0]) : .array(audience.map(JSONValue.string))
        claims["azp"] = .string(details.clientIdentifier)
        claims["iat"] = .integer(time / 1000)
        claims["exp"] = .integer(time / 1000 + lifetime)
        if let authTime = details.authTime { claims["auth_time"] = .integer(authTime) }
        if let nonce = details.nonce { claims["nonce"] = .string(nonce) }
        if let acr = details.acr { claims["acr"] = .string(acr) }
        if let sessionId = details.sessionId { claims["sid"] = .string(sessionId) }
        if let act = details.act { claims["act"] = act }
        if let accessToken { claims["at_hash"] = .string(Hashing.halfHash(accessToken, algorithm: algorithm)) }
        if let code { claims["c_hash"] = .string(Hashing.halfHash(code, algorithm: algorithm)) }
        var header: [String: JSONValue] = [:]
        if let text = details.idtHeaderParams, case .object(let members)? = try? JSONValue(parsing: text) { header = members }
        return try await signer.sign(claims, algorithm: algorithm, serviceApiKey: serviceApiKey, type: "JWT", extraHeader: header)
    }

    /// The token endpoint's JSON (RFC 6749 §5.1), with Keycloak's members when the service asks for them.
    func tokenResponseBody(_ tokens: IssuedTokens, service: Service, includeIDToken: Bool = true) -> String {
        var body: [String: JSONValue] = [
            "access_token": .string(tokens.jwtAccessToken ?? tokens.accessToken), "token_type": "Bearer",
            "expires_in": .integer(tokens.expiresIn),
        ]
        if !tokens.scopes.isEmpty { body["scope"] = .string(tokens.scopes.joined(separator: " ")) }
        if let refresh = tokens.refreshToken { body["refresh_token"] = .string(refresh) }
        if includeIDToken, let idToken = tokens.idToken { body["id_token"] = .string(idToken) }
        // Properties that are not hidden travel in the response, as Authlete's do; they never replace a member.
        for property in tokens.properties ?? [] where !property.hidden && body[property.key] == nil {
            body[property.key] = .string(property.value)
        }
        if service.keycloakTokenResponse == true {
            body["refresh_expires_in"] = .integer(tokens.refreshExpiresIn ?? 0)
            body["not-before-policy"] = 0
            if let session = tokens.sessionId ?? tokens.grantId { body["session_state"] = .string(session) }
        }
        return JSONValue.object(body).serializedString
    }

    /// Runs a store write of tokens whose values a caller may have chosen: a value in use already is the
    /// caller's mistake (400), and the write stored nothing.
    func storingChosenValues<T>(_ write: () async throws -> T) async throws -> T {
        do {
            return try await write()
        } catch StoreError.duplicate {
            throw APIFailure(400, .tokenValueTaken)
        }
    }

    /// Refuses, before a ticket is used up, an access token value a caller chose that is in use already.
    func requireUnusedAccessTokenValue(_ value: String?) async throws {
        if let value, try await store.accessToken(hash: Secrets.hash(value)) != nil { throw APIFailure(400, .tokenValueTaken) }
    }

    /// The grant details a grant, ticket or token stored as its payload.
    static func details(_ payload: String) throws -> GrantDetails {
        try JSONDecoder().decode(GrantDetails.self, from: Data(payload.utf8))
    }

    /// Refresh tokens go to clients that may use the refresh_token grant, on services that support it.
    static func refreshAllowed(client: OAuthClient, service: Service) -> Bool {
        (client.grantTypes ?? []).contains(.refreshToken) && (service.supportedGrantTypes ?? []).contains(.refreshToken)
    }

    /// Seconds an ID token for this client lives, bounded.
    static func idTokenLifetime(client: OAuthClient, service: Service) -> Int64 {
        Bounds.duration(
            positive(client.extension?.idTokenDuration) ?? service.idTokenDuration ?? ServiceMetadata.defaultIdTokenDuration)
    }

    /// The scopes a client may request, when its extension limits them (nil: any the service supports).
    static func requestableScopes(of client: OAuthClient) -> Set<String>? {
        guard client.extension?.requestableScopesEnabled == true else { return nil }
        return Set(client.extension?.requestableScopes ?? [])
    }

    static func positive(_ value: Int64?) -> Int64? {
        guard let value, value > 0 else { return nil }
        return value
    }
}
