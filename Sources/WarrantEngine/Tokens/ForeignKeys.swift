import SpecRuntime

/// Others' public keys (a client's `jwks`, a trusted issuer's), made safe to verify with. jwt-kit lets the first
/// token's header choose the algorithm of a key that names none, and remembers the choice; so every key gets its
/// algorithm here, from its own type and curve, before any token is seen.
enum ForeignKeys {
    /// The JWK Set with `alg` on every signing key, and without the keys that cannot verify a signature warrant
    /// accepts (encryption keys, symmetric keys, unknown types or curves). RSA keys without `alg` take
    /// `rsaAlgorithm` (the client's registered one) or RS256. Nil when the text is not a JWK Set.
    static func pinned(_ jwks: String, rsaAlgorithm: String? = nil) -> String? {
        guard let set = try? JSONValue(parsing: Array(jwks.utf8)), let keys = set["keys"]?.arrayValue else { return nil }
        let pinned: [JSONValue] = keys.compactMap { key in
            guard case .object(var members) = key, key["use"]?.stringValue ?? "sig" == "sig" else { return nil }
            guard let algorithm = algorithm(for: key, rsaAlgorithm: rsaAlgorithm) else { return nil }
            if let stated = key["alg"]?.stringValue {
                // A stated algorithm must fit the key; one that does not would never verify anything honest.
                guard stated == algorithm || (key["kty"]?.stringValue == "RSA" && rsaAlgorithms.contains(stated)) else { return nil }
            } else {
                members["alg"] = .string(algorithm)
            }
            return .object(members)
        }
        return JSONValue.object(["keys": .array(pinned)]).serializedString
    }

    static let rsaAlgorithms: Set<String> = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512"]

    /// The one algorithm a key stands for; for RSA keys, the family allows several and the key's own `alg`
    /// or the caller's choice decides.
    private static func algorithm(for key: JSONValue, rsaAlgorithm: String?) -> String? {
        switch (key["kty"]?.stringValue, key["crv"]?.stringValue) {
        case ("RSA", _):
            // An RSA key stating another family's algorithm (HS256, none) is no key to verify with.
            if let stated = key["alg"]?.stringValue { return rsaAlgorithms.contains(stated) ? stated : nil }
            return rsaAlgorithm.flatMap { rsaAlgorithms.contains($0) ? $0 : nil } ?? "RS256"
        case ("EC", "P-256"): return "ES256"
        case ("EC", "P-384"): return "ES384"
        case ("OKP", "Ed25519"): return "EdDSA"
        default: return nil
        }
    }
}
