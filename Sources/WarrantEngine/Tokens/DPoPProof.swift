import Foundation
import JWTKit
import SpecRuntime
import WarrantStore

/// DPoP proofs (RFC 9449 §4): a JWT a client signs, for one HTTP request, with a key whose public half sits
/// in its header. A token bound to that key (its thumbprint, `cnf.jkt`) works only with a fresh proof by it.
enum DPoPProof {
    /// What a proof that passed every check says.
    struct Verified: Sendable, Equatable {
        /// The JWK SHA-256 thumbprint (RFC 7638) of the proof's key.
        var jkt: String
    }

    /// Why a proof was refused: `use_dpop_nonce` (RFC 9449 §8) when only the server nonce is missing or stale.
    struct Refusal: Error, Equatable {
        var error: String
        var description: String
        var result: ResultCode

        static func invalid(_ description: String) -> Refusal { Refusal(error: "invalid_dpop_proof", description: description, result: .dpopProofInvalid) }
    }

    /// The request the proof must be for.
    struct Expectation: Sendable {
        var method: String
        var url: String
        /// The access token the request presents, for `ath` (RFC 9449 §4.3, at resource servers).
        var accessToken: String?
        /// The algorithms allowed: ``DPoPProof/algorithms``, or FAPI's.
        var algorithms: Set<String> = DPoPProof.algorithms
    }

    static let algorithms: Set<String> = ClientAssertion.allowedAlgorithms
    /// A proof carries one public key and a few claims; anything longer is refused before it is decoded.
    static let maximumLength = 8192
    /// How old a proof may be: it is made for one request, right before it is sent.
    static let maximumAge: Int64 = 300
    /// Members of a JWK that only a private key has.
    private static let privateMembers = ["d", "p", "q", "dp", "dq", "qi", "oth", "k"]

    /// Checks `proof` for `expected` at `now` (milliseconds), everything but the nonce and replay, which need
    /// the store: typ, algorithm, the embedded key, the signature, htm, htu, iat and ath. Returns the key's
    /// thumbprint with the jti and nonce claims.
    static func verify(_ proof: String, expected: Expectation, now: Int64) async -> Result<(Verified, jti: String, nonce: String?), Refusal> {
        guard proof.utf8.count <= maximumLength else { return .failure(.invalid("The DPoP proof is longer than \(maximumLength) bytes.")) }
        let parts = proof.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let headerData = Base64URL.decode(String(parts[0])), let header = try? JSONValue(parsing: Array(headerData)),
            case .object(let headerMembers) = header
        else { return .failure(.invalid("The DPoP proof is not a signed JWT.")) }
        // A media type, compared without case (RFC 7515 §4.1.9).
        guard headerMembers["typ"]?.stringValue?.lowercased() == "dpop+jwt" else { return .failure(.invalid("The DPoP proof's typ must be dpop+jwt.")) }
        guard let algorithm = headerMembers["alg"]?.stringValue, expected.algorithms.contains(algorithm) else {
            return .failure(.invalid("The DPoP proof must be signed with one of \(expected.algorithms.sorted().joined(separator: ", ")))."))
        }
        guard case .object(var jwk)? = headerMembers["jwk"] else { return .failure(.invalid("The DPoP proof's header has no jwk.")) }
        guard !privateMembers.contains(where: { jwk[$0] != nil }) else { return .failure(.invalid("The DPoP proof's jwk must be a public key.")) }
        guard let thumbprint = thumbprint(jwk) else { return .failure(.invalid("The DPoP proof's jwk is not an EC, RSA or OKP public key.")) }
        guard jwk["use"].map({ $0.stringValue == "sig" }) ?? true else { return .failure(.invalid("The DPoP proof's jwk is not a signing key.")) }
        // The key verifies only with the algorithm its type stands for (ForeignKeys), which must be the header's.
        jwk["kid"] = .string(thumbprint)
        guard let pinned = ForeignKeys.pinned(JSONValue.object(["keys": .array([.object(jwk)])]).serializedString, rsaAlgorithm: algorithm),
            let pinnedKey = (try? JSONValue(parsing: Array(pinned.utf8)))?["keys"]?.arrayValue?.first,
            pinnedKey["alg"]?.stringValue == algorithm
        else { return .failure(.invalid("The DPoP proof's jwk does not fit its algorithm \(algorithm).")) }
        let claims: [String: JSONValue]
        do {
            let keys = JWTKeyCollection()
            try await keys.add(jwk: JSONDecoder().decode(JWK.self, from: Data(pinnedKey.serializedString.utf8)))
            claims = try await keys.verify(proof, as: JSONClaims.self).members
        } catch {
            return .failure(.invalid("The DPoP proof's signature does not verify with its jwk."))
        }
        guard let jti = claims["jti"]?.stringValue, !jti.isEmpty, jti.utf8.count <= 256 else {
            return .failure(.invalid("The DPoP proof needs a jti of at most 256 bytes."))
        }
        guard claims["htm"]?.stringValue == expected.method else { return .failure(.invalid("The DPoP proof's htm must be \(expected.method).")) }
        guard let htu = claims["htu"]?.stringValue, sameTarget(htu, expected.url) else {
            return .failure(.invalid("The DPoP proof's htu must be \(expected.url)."))
        }
        // iat is the client's number: saturate before comparing.
        guard let iat = claims["iat"].flatMap(JSONClaims.seconds) else { return .failure(.invalid("The DPoP proof has no iat.")) }
        let issuedAt = Bounds.milliseconds(fromSeconds: iat)
        let skew = Bounds.milliseconds(fromSeconds: ClockSkew.seconds)
        guard issuedAt <= now.saturatingAdding(skew) else { return .failure(.invalid("The DPoP proof's iat is in the future.")) }
        guard issuedAt.saturatingAdding(Bounds.milliseconds(fromSeconds: maximumAge)) >= now else {
            return .failure(.invalid("The DPoP proof is more than \(maximumAge) seconds old."))
        }
        if let token = expected.accessToken {
            guard claims["ath"]?.stringValue == Base64URL.encode(Hashing.sha256(Array(token.utf8))) else {
                return .failure(.invalid("The DPoP proof's ath is not the hash of the access token."))
            }
        }
        let nonce = claims["nonce"].map { $0.stringValue ?? "" }
        return .success((Verified(jkt: thumbprint), jti, nonce))
    }

    /// How long a proof's jti is remembered against replay: as long as the proof could pass `verify`.
    static func replayWindowEnd(now: Int64) -> Int64 {
        now.saturatingAdding(Bounds.milliseconds(fromSeconds: maximumAge + 2 * ClockSkew.seconds))
    }

    /// The JWK SHA-256 thumbprint (RFC 7638): the required members in lexicographic order, no whitespace.
    static func thumbprint(_ jwk: [String: JSONValue]) -> String? {
        let required: [String]
        switch jwk["kty"]?.stringValue {
        case "EC": required = ["crv", "kty", "x", "y"]
        case "RSA": required = ["e", "kty", "n"]
        case "OKP": required = ["crv", "kty", "x"]
        default: return nil
        }
        var members: [String] = []
        for name in required {
            guard let value = jwk[name]?.stringValue, !value.isEmpty else { return nil }
            members.append("\"\(name)\":\(JSONValue.string(value).serializedString)")
        }
        return Base64URL.encode(Hashing.sha256(Array(("{" + members.joined(separator: ",") + "}").utf8)))
    }

    /// Whether `text` can be a JWK SHA-256 thumbprint: 32 bytes in unpadded base64url.
    static func isThumbprint(_ text: String) -> Bool {
        text.utf8.count == 43 && Base64URL.decode(text)?.count == 32
    }

    /// Whether two URLs name the same resource, ignoring query and fragment (RFC 9449 §4.3), after the
    /// normalisation of RFC 3986 §6.2.2–6.2.3: scheme and host case, default ports, an empty path.
    static func sameTarget(_ first: String, _ second: String) -> Bool {
        guard let a = normalized(first), let b = normalized(second) else { return false }
        return a == b
    }

    private static func normalized(_ text: String) -> String? {
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(),
            let host = components.host?.lowercased(), !host.isEmpty
        else { return nil }
        let defaultPort = scheme == "https" ? 443 : scheme == "http" ? 80 : nil
        let port = components.port.flatMap { $0 == defaultPort ? nil : $0 }.map { ":\($0)" } ?? ""
        let path = components.percentEncodedPath.isEmpty ? "/" : components.percentEncodedPath
        return scheme + "://" + host + port + path
    }
}
