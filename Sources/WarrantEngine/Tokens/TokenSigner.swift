import Foundation
import JWTKit
import SpecRuntime
import WarrantStore

/// Signs and verifies JWTs with a service's keys. Parsed keys are cached per service and rebuilt only
/// when the service's key set changes (after a rotation).
actor TokenSigner {
    private struct Keys {
        var kids: [String]
        var collection: JWTKeyCollection
        /// The keys that may sign, by algorithm, newest first: those not retired, or retired in the future.
        var signing: [String: [(kid: String, retiredAt: Int64?)]]

        /// The key that signs at `now`: of those not retired yet, the one retiring first. After a rotation the
        /// old key signs until its retirement (a moment later on a database several nodes share, so that every
        /// node publishes the new key before any signs with it), then the new one.
        func signer(for algorithm: String, at now: Int64) -> String? {
            var chosen: (kid: String, retiredAt: Int64)?
            for key in signing[algorithm] ?? [] {
                let retiredAt = key.retiredAt ?? .max
                guard retiredAt > now else { continue }
                if let current = chosen, current.retiredAt <= retiredAt { continue }
                chosen = (key.kid, retiredAt)
            }
            return chosen?.kid
        }
    }

    private let store: any WarrantStore
    private var cache = BoundedCache<Int64, Keys>(limit: 4096)
    /// Others' key sets (client jwks, trusted issuers), parsed once per distinct JWK Set text. Sets change
    /// rarely, so starting over when full costs little.
    private var foreignKeys = BoundedCache<String, JWTKeyCollection>(limit: 256)

    /// Milliseconds since the Unix epoch: what verified payloads check their time window against.
    private let now: @Sendable () -> Int64

    init(store: any WarrantStore, now: @escaping @Sendable () -> Int64 = { Clock.nowMilliseconds }) {
        self.store = store
        self.now = now
    }

    private func keys(for serviceApiKey: Int64) async throws -> Keys {
        let records = try await store.signingKeys(serviceApiKey: serviceApiKey)
        let kids = records.map(\.kid)
        if let cached = cache[serviceApiKey], cached.kids == kids { return cached }
        let collection = JWTKeyCollection(defaultJWTSerializer: DefaultJWTSerializer(jsonEncoder: SigningJSONEncoder()))
        var signing: [String: [(kid: String, retiredAt: Int64?)]] = [:]
        let time = now()
        for record in records {
            try await collection.add(jwk: try JSONDecoder().decode(JWK.self, from: Data(record.privateJWK.utf8)))
            if (record.retiredAt ?? .max) > time { signing[record.algorithm, default: []].append((record.kid, record.retiredAt)) }
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
        guard let kid = keys.signer(for: algorithm, at: now()) else { throw SigningError.noKey(algorithm) }
        var header = JWTHeader()
        // Extra parameters never replace those that decide how the token is verified.
        for (name, value) in extraHeader where !["alg", "kid", "typ", "crit", "jku", "jwk", "x5u", "x5c"].contains(name) {
            header.fields[name] = Self.headerField(value)
        }
        header.alg = algorithm
        if let type { header.typ = type }
        return try await keys.collection.sign(JSONClaims(claims), kid: JWKIdentifier(string: kid), header: header)
    }

    /// The payload of a JWT this service signed, once its signature verified with one of the service's keys
    /// and `Payload.verify(using:)` accepted it; jwt-kit's error otherwise.
    func verified<Payload: JWTPayload>(_ token: String, as payload: Payload.Type, serviceApiKey: Int64) async throws -> Payload {
        let collection = try await keys(for: serviceApiKey).collection
        return try await VerificationClock.$milliseconds.withValue(now()) { try await collection.verify(token, as: Payload.self) }
    }

    /// The claims of a JWT this service signed, or nil when the signature does not verify with one of its keys.
    /// Expiry and the other claims are left to the caller.
    func verifiedClaims(_ token: String, serviceApiKey: Int64) async -> [String: JSONValue]? {
        try? await verified(token, as: JSONClaims.self, serviceApiKey: serviceApiKey).members
    }

    /// The payload of a JWT signed with a key of `jwks` (a JWK Set as JSON text) that `Payload.verify(using:)`
    /// accepted. Every key's algorithm is fixed before the first token (see ``ForeignKeys``); RSA keys that
    /// name none take `rsaAlgorithm`.
    func verified<Payload: JWTPayload>(_ token: String, as payload: Payload.Type, jwks: String, rsaAlgorithm: String? = nil)
        async throws -> Payload
    {
        let cacheKey = (rsaAlgorithm ?? "") + " " + jwks
        if let keys = foreignKeys[cacheKey] {
            return try await VerificationClock.$milliseconds.withValue(now()) { try await keys.verify(token, as: Payload.self) }
        }
        let collection = JWTKeyCollection()
        guard let pinned = ForeignKeys.pinned(jwks, rsaAlgorithm: rsaAlgorithm), (try? await collection.add(jwksJSON: pinned)) != nil else {
            throw SigningError.unusableKeySet
        }
        foreignKeys[cacheKey] = collection
        return try await VerificationClock.$milliseconds.withValue(now()) { try await collection.verify(token, as: Payload.self) }
    }

    enum SigningError: Error {
        case noKey(String)
        /// A JWK Set that does not parse, or has no key warrant can verify with.
        case unusableKeySet
    }

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
