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
    /// The JWK thumbprint of a DPoP key (RFC 9449): on an access token, the key it is bound to (`cnf.jkt`); on
    /// a code or grant, the key the authorization request bound the code to (`dpop_jkt`, or the PAR proof's).
    var dpopJkt: String? = nil
    /// On an access token, the `x5t#S256` of the TLS client certificate it is bound to (RFC 8705 §3).
    var certificateThumbprint: String? = nil
    /// The authorization_details (RFC 9396) granted: on an access token, those it carries.
    var authorizationDetails: [JSONValue]? = nil

    /// The `cnf` claim of a bound token (RFC 7800): the keys it is bound to; nil for a bearer token.
    var confirmation: JSONValue? {
        var members: [String: JSONValue] = [:]
        if let dpopJkt { members["jkt"] = .string(dpopJkt) }
        if let certificateThumbprint { members["x5t#S256"] = .string(certificateThumbprint) }
        return members.isEmpty ? nil : .object(members)
    }

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

    init(key: String, value: String, hidden: Bool) {
        (self.key, self.value, self.hidden) = (key, value, hidden)
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
    /// The details a grant, ticket or token stored as its payload. Read with SpecRuntime's parser (an
    /// introspection reads one per request; Foundation's `JSONDecoder` was a twentieth of its time), in the
    /// format `JSONEncoder` wrote for this type: its property names, nil members left out.
    static func decoded(_ payload: String) throws -> GrantDetails {
        guard case .object(let members) = try JSONValue(parsing: Array(payload.utf8)) else { throw StoredPayloadError(member: "") }
        let read = StoredMembers(members)
        return GrantDetails(
            subject: try read.string("subject"), sub: try read.string("sub"), scopes: try read.required(read.strings("scopes"), "scopes"),
            resources: try read.required(read.strings("resources"), "resources"), authTime: try read.integer("authTime"),
            acr: try read.string("acr"), claims: try read.string("claims"), idtHeaderParams: try read.string("idtHeaderParams"),
            idTokenAudType: try read.string("idTokenAudType"), sessionId: try read.string("sessionId"), nonce: try read.string("nonce"),
            jwtAtClaims: try read.string("jwtAtClaims"),
            requestedIdTokenClaims: try read.required(read.strings("requestedIdTokenClaims"), "requestedIdTokenClaims"),
            clientIdentifier: try read.required(read.string("clientIdentifier"), "clientIdentifier"), redirectUri: try read.string("redirectUri"),
            redirectUriGiven: try read.required(read.bool("redirectUriGiven"), "redirectUriGiven"),
            codeChallenge: try read.string("codeChallenge"), codeChallengeMethod: try read.string("codeChallengeMethod"),
            accessTokenDuration: try read.integer("accessTokenDuration"), properties: try read.properties("properties"),
            userInfoClaims: try read.string("userInfoClaims"), consentedClaims: try read.strings("consentedClaims"),
            grantType: try read.string("grantType"), audiences: try read.strings("audiences"), act: members["act"].flatMap { $0 == .null ? nil : $0 },
            dpopJkt: try read.string("dpopJkt"), certificateThumbprint: try read.string("certificateThumbprint"),
            authorizationDetails: members["authorizationDetails"]?.arrayValue)
    }

    /// The payload text; the same members `JSONEncoder` wrote, keys sorted.
    static func json(_ details: GrantDetails) throws -> String {
        var members: [String: JSONValue] = [
            "scopes": .array(details.scopes.map(JSONValue.string)), "resources": .array(details.resources.map(JSONValue.string)),
            "requestedIdTokenClaims": .array(details.requestedIdTokenClaims.map(JSONValue.string)),
            "clientIdentifier": .string(details.clientIdentifier), "redirectUriGiven": .bool(details.redirectUriGiven),
        ]
        let texts: [(String, String?)] = [
            ("subject", details.subject), ("sub", details.sub), ("acr", details.acr), ("claims", details.claims),
            ("idtHeaderParams", details.idtHeaderParams), ("idTokenAudType", details.idTokenAudType), ("sessionId", details.sessionId),
            ("nonce", details.nonce), ("jwtAtClaims", details.jwtAtClaims), ("redirectUri", details.redirectUri),
            ("codeChallenge", details.codeChallenge), ("codeChallengeMethod", details.codeChallengeMethod),
            ("userInfoClaims", details.userInfoClaims), ("grantType", details.grantType), ("dpopJkt", details.dpopJkt),
            ("certificateThumbprint", details.certificateThumbprint),
        ]
        for (name, value) in texts { if let value { members[name] = .string(value) } }
        if let authTime = details.authTime { members["authTime"] = .integer(authTime) }
        if let duration = details.accessTokenDuration { members["accessTokenDuration"] = .integer(duration) }
        if let properties = details.properties {
            members["properties"] = .array(
                properties.map { .object(["key": .string($0.key), "value": .string($0.value), "hidden": .bool($0.hidden)]) })
        }
        if let claims = details.consentedClaims { members["consentedClaims"] = .array(claims.map(JSONValue.string)) }
        if let audiences = details.audiences { members["audiences"] = .array(audiences.map(JSONValue.string)) }
        if let act = details.act { members["act"] = act }
        if let elements = details.authorizationDetails { members["authorizationDetails"] = .array(elements) }
        return JSONValue.object(members).serializedString
    }
}

/// A stored payload without a member it needs, or with one of the wrong type (a row written by hand, or a
/// bug): refused, never guessed.
struct StoredPayloadError: Error, CustomStringConvertible {
    var member: String
    var description: String { member.isEmpty ? "the stored payload is not a JSON object" : "the stored payload's \(member) is missing or malformed" }
}

/// Typed reads of a stored payload's members; a member that is null counts as absent, as for `Decodable`.
struct StoredMembers {
    let members: [String: JSONValue]

    init(_ members: [String: JSONValue]) {
        self.members = members
    }

    private func value(_ name: String) -> JSONValue? {
        guard let value = members[name], value != .null else { return nil }
        return value
    }

    func required<T>(_ value: T?, _ name: String) throws -> T {
        guard let value else { throw StoredPayloadError(member: name) }
        return value
    }

    func string(_ name: String) throws -> String? {
        guard let value = value(name) else { return nil }
        guard case .string(let text) = value else { throw StoredPayloadError(member: name) }
        return text
    }

    func strings(_ name: String) throws -> [String]? {
        guard let value = value(name) else { return nil }
        guard case .array(let items) = value else { throw StoredPayloadError(member: name) }
        return try items.map { item in
            guard case .string(let text) = item else { throw StoredPayloadError(member: name) }
            return text
        }
    }

    func integer(_ name: String) throws -> Int64? {
        guard let value = value(name) else { return nil }
        guard case .integer(let number) = value else { throw StoredPayloadError(member: name) }
        return number
    }

    func bool(_ name: String) throws -> Bool? {
        guard let value = value(name) else { return nil }
        guard case .bool(let flag) = value else { throw StoredPayloadError(member: name) }
        return flag
    }

    func properties(_ name: String) throws -> [StoredProperty]? {
        guard let value = value(name) else { return nil }
        guard case .array(let items) = value else { throw StoredPayloadError(member: name) }
        return try items.map { item in
            guard case .object(let fields) = item, case .string(let key)? = fields["key"], case .string(let text)? = fields["value"],
                case .bool(let hidden)? = fields["hidden"]
            else { throw StoredPayloadError(member: name) }
            return StoredProperty(key: key, value: text, hidden: hidden)
        }
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
