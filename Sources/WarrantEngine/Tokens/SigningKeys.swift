import Crypto
import Foundation
import SpecRuntime
import SwiftASN1
import WarrantAPI
import WarrantStore
import _CryptoExtras

/// The algorithms every service has a key for.
public enum SigningAlgorithm: String, CaseIterable, Sendable {
    case RS256, PS256, ES256, EdDSA

    /// A setting names an algorithm warrant has no key for (only settings stored before they were checked).
    struct Unsupported: Error, CustomStringConvertible {
        var name: String
        var description: String { "no signing key for the algorithm \(name)" }
    }

    /// The names, for messages: "RS256, PS256, ES256 or EdDSA".
    static let listed = "RS256, PS256, ES256 or EdDSA"
}

/// Makes a service's signing keys and stores them as private JWKs (RFC 7517), the form jwt-kit imports.
enum SigningKeyFactory {
    static func generate(_ algorithm: SigningAlgorithm, serviceApiKey: Int64, now: Int64) throws -> SigningKeyRecord {
        let kid = Secrets.identifier()
        var jwk: [String: JSONValue] = ["kid": .string(kid), "alg": .string(algorithm.rawValue), "use": "sig"]
        switch algorithm {
        case .RS256, .PS256:
            let key = try _RSA.Signing.PrivateKey(keySize: .bits2048)
            for (name, value) in try RSAPrivateKeyNumbers(der: Array(key.derRepresentation)).jwkMembers {
                jwk[name] = .string(value)
            }
            jwk["kty"] = "RSA"
        case .ES256:
            let key = P256.Signing.PrivateKey()
            let point = Array(key.publicKey.x963Representation.dropFirst())  // 0x04 || X || Y
            jwk["kty"] = "EC"
            jwk["crv"] = "P-256"
            jwk["x"] = .string(Base64URL.encode(point.prefix(32)))
            jwk["y"] = .string(Base64URL.encode(point.suffix(32)))
            jwk["d"] = .string(Base64URL.encode(key.rawRepresentation))
        case .EdDSA:
            let key = Curve25519.Signing.PrivateKey()
            jwk["kty"] = "OKP"
            jwk["crv"] = "Ed25519"
            jwk["x"] = .string(Base64URL.encode(key.publicKey.rawRepresentation))
            jwk["d"] = .string(Base64URL.encode(key.rawRepresentation))
        }
        return SigningKeyRecord(
            kid: kid, serviceApiKey: serviceApiKey, algorithm: algorithm.rawValue,
            privateJWK: JSONValue.object(jwk).serializedString, createdAt: now)
    }

    static func generateAll(serviceApiKey: Int64, now: Int64) throws -> [SigningKeyRecord] {
        try SigningAlgorithm.allCases.map { try generate($0, serviceApiKey: serviceApiKey, now: now) }
    }
}

/// The JWK Set of a service: keys that sign, and retired keys until their tokens have expired.
enum JWKSet {
    /// Members of a private JWK that are secret (RFC 7518 §6).
    static let privateMembers: Set<String> = ["d", "p", "q", "dp", "dq", "qi", "oth", "k"]

    static func document(_ keys: [SigningKeyRecord], includePrivateKeys: Bool, now: Int64) -> JSONValue {
        let published = keys.filter { ($0.publishedUntil ?? .max) >= now }
        return .object([
            "keys": .array(
                published.compactMap { key in
                    guard case .object(var members)? = try? JSONValue(parsing: key.privateJWK) else { return nil }
                    if !includePrivateKeys { for name in privateMembers { members[name] = nil } }
                    return .object(members)
                })
        ])
    }
}

/// The numbers of an RSA private key, read from its PKCS#1 (or PKCS#8) DER encoding.
struct RSAPrivateKeyNumbers {
    var n, e, d, p, q, dp, dq, qi: ArraySlice<UInt8>

    enum Failure: Error { case unexpectedEncoding }

    init(der: [UInt8]) throws {
        var node = try DER.parse(der)
        // PKCS#8 wraps the PKCS#1 structure in an OCTET STRING after the algorithm identifier.
        if case .constructed(let children) = node.content, let wrapped = Array(children).last,
            wrapped.identifier == .octetString, case .primitive(let inner) = wrapped.content
        {
            node = try DER.parse(inner)
        }
        guard case .constructed(let children) = node.content else { throw Failure.unexpectedEncoding }
        let integers: [ArraySlice<UInt8>] = children.compactMap {
            guard $0.identifier == .integer, case .primitive(let bytes) = $0.content else { return nil }
            return bytes.drop { $0 == 0 }  // DER integers are signed; JWK wants the unsigned magnitude
        }
        // version, n, e, d, p, q, dp, dq, qi
        guard integers.count >= 9 else { throw Failure.unexpectedEncoding }
        (n, e, d, p, q, dp, dq, qi) = (integers[1], integers[2], integers[3], integers[4], integers[5], integers[6], integers[7], integers[8])
    }

    var jwkMembers: [(String, String)] {
        [("n", n), ("e", e), ("d", d), ("p", p), ("q", q), ("dp", dp), ("dq", dq), ("qi", qi)].map { ($0.0, Base64URL.encode($0.1)) }
    }
}
