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

extension GrantDetails {
    /// The details a grant, ticket or token stored as its payload.
    static func decoded(_ payload: String) throws -> GrantDetails {
        try StoredJSON.decode(GrantDetails.self, from: payload)
    }

    static func json(_ details: GrantDetails) throws -> String {
        try StoredJSON.encode(details)
    }
}

/// The JSON text of payloads the store keeps (grant details, parsed authorization requests); keys sorted,
/// so equal values are stored as equal text.
enum StoredJSON {
    static func encode(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    static func decode<Value: Decodable>(_ type: Value.Type, from text: String) throws -> Value {
        try JSONDecoder().decode(Value.self, from: Data(text.utf8))
    }
}
