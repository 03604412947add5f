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

extension WarrantEngine {
    /// Finds an access token of the service by its value or by its JWT form (whose jti is the token's hash).
    func lookUpAccessToken(_ value: String, serviceApiKey: Int64) async throws -> TokenLookup<PresentedAccessToken> {
        var record = try await store.accessToken(hash: Secrets.hash(value))
        if record == nil, value.split(separator: ".", omittingEmptySubsequences: false).count == 3,
            let claims = await signer.verifiedClaims(value, serviceApiKey: serviceApiKey), let jti = claims["jti"]?.stringValue
        {
            record = try await store.accessToken(hash: jti)
        }
        guard let record, record.serviceApiKey == serviceApiKey else { return .unknown }
        let found = PresentedAccessToken(record: record, details: try Self.details(record.payload))
        if record.revokedAt != nil { return .revoked(found) }
        if record.expiresAt < now() { return .expired(found) }
        return .live(found)
    }

    /// Finds a refresh token of the service by its value; a rotated one counts as revoked.
    func lookUpRefreshToken(_ value: String, serviceApiKey: Int64) async throws -> TokenLookup<RefreshTokenRecord> {
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

    /// The client a token was issued to, and whether it identified itself by its alias, for responses about the token.
    func clientFacts(clientId: Int64, serviceApiKey: Int64, details: GrantDetails) async throws -> (client: OAuthClient?, aliasUsed: Bool) {
        guard let stored = try await store.client(serviceApiKey: serviceApiKey, clientId: clientId) else { return (nil, false) }
        let client = try apiClient(from: stored, result: nil)
        return (client, client.clientIdAlias != nil && details.clientIdentifier == client.clientIdAlias)
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
