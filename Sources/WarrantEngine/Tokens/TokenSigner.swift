import Foundation
import JWTKit
import SpecRuntime
import WarrantStore

/// JWT claims of any shape, for ID tokens and JWT access tokens.
struct JSONClaims: JWTPayload {
    var members: [String: JSONValue]

    init(_ members: [String: JSONValue]) {
        self.members = members
    }

    init(from decoder: any Decoder) throws {
        members = try [String: JSONValue](from: decoder)
    }

    func encode(to encoder: any Encoder) throws {
        try members.encode(to: encoder)
    }

    /// Claims are checked by the caller, who knows which ones matter.
    func verify(using algorithm: some JWTAlgorithm) async throws {}
}

/// Signs and verifies JWTs with a service's keys. Parsed keys are cached per service and rebuilt only
/// when the service's key set changes (after a rotation).
actor TokenSigner {
    private struct Keys {
        var kids: [String]
        var collection: JWTKeyCollection
        /// The newest key that still signs, by algorithm.
        var signing: [String: String]
    }

    private let store: any WarrantStore
    private var cache: [Int64: Keys] = [:]
    /// Others' key sets (client jwks, trusted issuers), parsed once per distinct JWK Set text.
    private var foreignKeys: [String: JWTKeyCollection] = [:]
    private static let foreignKeysLimit = 256

    init(store: any WarrantStore) {
        self.store = store
    }

    private func keys(for serviceApiKey: Int64) async throws -> Keys {
        let records = try await store.signingKeys(serviceApiKey: serviceApiKey)
        let kids = records.map(\.kid)
        if let cached = cache[serviceApiKey], cached.kids == kids { return cached }
        let collection = JWTKeyCollection()
        var signing: [String: String] = [:]
        for record in records {
            try await collection.add(jwk: try JSONDecoder().decode(JWK.self, from: Data(record.privateJWK.utf8)))
            if record.retiredAt == nil, signing[record.algorithm] == nil { signing[record.algorithm] = record.kid }
        }
        let keys = Keys(kids: kids, collection: collection, signing: signing)
        cache[serviceApiKey] = keys
        return keys
    }

    /// A compact JWS of `claims`, signed with the service's current key for `algorithm`.
    func sign(
        _ claims: [String: JSONValue], algorithm: String, serviceApiKey: Int64, type: String? = nil,
        extraHeader: [String: JSONValue] = [:]
    ) async throws -> String {
        let keys = try await keys(for: serviceApiKey)
        guard let kid = keys.signing[algorithm] else { throw SigningError.noKey(algorithm) }
        var header = JWTHeader()
        // Extra parameters never replace those that decide how the token is verified.
        for (name, value) in extraHeader where !["alg", "kid", "typ", "crit", "jku", "jwk", "x5u", "x5c"].contains(name) {
            header.fields[name] = Self.headerField(value)
        }
        header.alg = algorithm
        if let type { header.typ = type }
        return try await keys.collection.sign(JSONClaims(claims), kid: JWKIdentifier(string: kid), header: header)
    }

    /// The claims of a JWT this service signed, or nil when the signature does not verify with one of its keys.
    /// Expiry and the other claims are left to the caller.
    func verifiedClaims(_ token: String, serviceApiKey: Int64) async -> [String: JSONValue]? {
        guard let keys = try? await keys(for: serviceApiKey),
            let claims = try? await keys.collection.verify(token, as: JSONClaims.self)
        else { return nil }
        return claims.members
    }

    /// The claims of a JWT signed with a key of `jwks` (a JWK Set as JSON text), or nil when the set does not
    /// parse or the signature does not verify. Every key's algorithm is fixed before the first token (see
    /// ``ForeignKeys``); RSA keys that name none take `rsaAlgorithm`. Claims are left to the caller.
    func verifiedClaims(_ token: String, jwks: String, rsaAlgorithm: String? = nil) async -> [String: JSONValue]? {
        let cacheKey = (rsaAlgorithm ?? "") + " " + jwks
        var keys = foreignKeys[cacheKey]
        if keys == nil {
            let collection = JWTKeyCollection()
            guard let pinned = ForeignKeys.pinned(jwks, rsaAlgorithm: rsaAlgorithm), (try? await collection.add(jwksJSON: pinned)) != nil
            else { return nil }
            // Bounded: sets change rarely, so starting over when full costs little.
            if foreignKeys.count >= Self.foreignKeysLimit { foreignKeys.removeAll() }
            foreignKeys[cacheKey] = collection
            keys = collection
        }
        return try? await keys?.verify(token, as: JSONClaims.self).members
    }

    enum SigningError: Error { case noKey(String) }

    private static func headerField(_ value: JSONValue) -> JWTHeaderField {
        switch value {
        case .null: .null
        case .bool(let flag): .bool(flag)
        case .integer(let number): .int(Int(number))
        case .number(let number): .decimal(number)
        case .string(let text): .string(text)
        case .array(let items): .array(items.map(headerField))
        case .object(let members): .object(members.mapValues(headerField))
        }
    }
}
