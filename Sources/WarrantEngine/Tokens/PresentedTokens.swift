import Foundation
import SpecRuntime
import WarrantAPI
import WarrantStore

/// An access token found for a value someone presented, with what it was issued from.
struct PresentedAccessToken {
    var record: AccessTokenRecord
    var details: GrantDetails
}

/// What a presented access or refresh token turned out to be.
enum TokenLookup<Found> {
    case live(Found)
    case expired(Found)
    case revoked(Found)
    case unknown

    var live: Found? {
        if case .live(let found) = self { return found }
        return nil
    }
}

/// Finds what a caller presented (an access token by its value or its JWT form, a refresh token) among the
/// service's tokens, with what it is now: live, expired or revoked.
struct PresentedTokens: Sendable {
    let store: any WarrantStore
    let signer: TokenSigner
    let clients: ClientDirectory
    let now: @Sendable () -> Int64

    /// An access token of the service by its value or by its JWT form (whose jti is the token's hash).
    func accessToken(_ value: String, serviceApiKey: Int64) async throws -> TokenLookup<PresentedAccessToken> {
        var record = try await store.accessToken(hash: Secrets.hash(value))
        if record == nil, value.split(separator: ".", omittingEmptySubsequences: false).count == 3,
            let claims = await signer.verifiedClaims(value, serviceApiKey: serviceApiKey), let jti = claims["jti"]?.stringValue
        {
            record = try await store.accessToken(hash: jti)
        }
        guard let record, record.serviceApiKey == serviceApiKey else { return .unknown }
        let found = PresentedAccessToken(record: record, details: try GrantDetails.decoded(record.payload))
        if record.revokedAt != nil { return .revoked(found) }
        if record.expiresAt < now() { return .expired(found) }
        return .live(found)
    }

    /// A refresh token of the service by its value; a rotated one counts as revoked.
    func refreshToken(_ value: String, serviceApiKey: Int64) async throws -> TokenLookup<RefreshTokenRecord> {
        guard let record = try await store.refreshToken(hash: Secrets.hash(value)), record.serviceApiKey == serviceApiKey else { return .unknown }
        if record.revokedAt != nil || record.rotatedAt != nil { return .revoked(record) }
        if record.expiresAt < now() { return .expired(record) }
        return .live(record)
    }

    /// The hash of an access token named by its value or by its hash (token management accepts both).
    func accessTokenHash(identifier: String, serviceApiKey: Int64) async throws -> String? {
        for hash in [identifier, Secrets.hash(identifier)] {
            if let record = try await store.accessToken(hash: hash), record.serviceApiKey == serviceApiKey { return hash }
        }
        return nil
    }

    /// The client a token was issued to, and whether it identified itself by its alias, for answers about the token.
    func client(of clientId: Int64, serviceApiKey: Int64, details: GrantDetails) async throws -> (client: ClientPolicy?, aliasUsed: Bool) {
        guard let client = try await clients.client(id: clientId, serviceApiKey: serviceApiKey) else { return (nil, false) }
        return (client, client.alias != nil && details.clientIdentifier == client.alias)
    }
}

/// The value of a `WWW-Authenticate` header for a bearer token problem (RFC 6750 §3).
enum BearerChallenge {
    static func value(_ error: String, _ result: ResultCode, scope: [String] = []) -> String {
        var parameters = ["error=\"\(error)\"", "error_description=\"\(result.message)\""]
        if !scope.isEmpty { parameters.append("scope=\"\(scope.joined(separator: " "))\"") }
        return "Bearer " + parameters.joined(separator: ",")
    }
}

/// The value of a `WWW-Authenticate` header for a DPoP-bound token or a DPoP proof problem (RFC 9449 §7.1).
enum DPoPChallenge {
    static func value(_ refusal: DPoPProof.Refusal) -> String {
        value(refusal.error, ResultCode(refusal.result.code, refusal.description))
    }

    static func value(_ error: String, _ result: ResultCode, scope: [String] = []) -> String {
        var parameters = ["error=\"\(error)\"", "error_description=\"\(quoted(result.message))\""]
        if !scope.isEmpty { parameters.append("scope=\"\(scope.joined(separator: " "))\"") }
        parameters.append("algs=\"\(DPoPProof.algorithms.sorted().joined(separator: " "))\"")
        return "DPoP " + parameters.joined(separator: ",")
    }

    /// A quoted-string's content (RFC 9110 §5.6.4): the caller's htm or htu may appear in a description.
    private static func quoted(_ text: String) -> String {
        text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
    }
}
