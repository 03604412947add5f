import Crypto
import Foundation

enum Hashing {
    static func sha256(_ bytes: [UInt8]) -> [UInt8] { Array(SHA256.hash(data: bytes)) }

    /// at_hash and c_hash (OpenID Connect Core §3.1.3.6): the left half of the hash of the value, with the
    /// hash of the ID token's signing algorithm (SHA-256 for RS256, PS256 and ES256; SHA-512 for EdDSA/Ed25519).
    static func halfHash(_ value: String, algorithm: String) -> String {
        let bytes = Array(value.utf8)
        let digest: [UInt8] =
            switch algorithm {
            case "RS384", "PS384", "ES384": Array(SHA384.hash(data: bytes))
            case "RS512", "PS512", "ES512", "EdDSA": Array(SHA512.hash(data: bytes))
            default: Array(SHA256.hash(data: bytes))
            }
        return Base64URL.encode(digest.prefix(digest.count / 2))
    }
}
