import Foundation
import SpecRuntime
import WarrantAPI
import WarrantStore

extension WarrantEngine {
    /// A fresh ID token for a refresh that answered ID_TOKEN_REISSUABLE: same iss, sub, aud, azp and
    /// auth_time as the grant's original, a new iat, and the user claims given now.
    public func idTokenReissue(_ input: Operations.IdTokenReissue.Input) async throws -> Operations.IdTokenReissue.Output {
        let service = try await servicePolicy(input.path.serviceId, input.credentials)
        let body = input.body
        func callerError(_ text: String) -> Operations.IdTokenReissue.Output {
            .ok(
                IdTokenReissueResponse(
                    resultCode: ResultCode.idTokenReissueCallerError.code, resultMessage: "[\(ResultCode.idTokenReissueCallerError.code)] \(text)",
                    action: .callerError, responseContent: OAuthError("invalid_request", text, .idTokenReissueCallerError).jsonBody()))
        }
        guard let accessToken = body.accessToken, !accessToken.isEmpty else { return callerError("accessToken is missing.") }
        guard let refreshToken = body.refreshToken, !refreshToken.isEmpty else { return callerError("refreshToken is missing.") }
        for (name, text) in [("claims", body.claims), ("idtHeaderParams", body.idtHeaderParams)] {
            guard let text else { continue }
            guard case .object? = try? JSONValue(parsing: text) else { return callerError("\(name) must be a JSON object.") }
        }
        do {
            // A JWT access token is found through its jti, which is the opaque token's hash.
            var accessHash = Secrets.hash(accessToken)
            if accessToken.split(separator: ".").count == 3,
                let claims = await signer.verifiedClaims(accessToken, serviceApiKey: service.apiKey), let jti = claims["jti"]?.stringValue
            {
                accessHash = jti
            }
            let time = now()
            guard let access = try await store.accessToken(hash: accessHash), access.serviceApiKey == service.apiKey,
                access.revokedAt == nil, access.expiresAt >= time
            else { return callerError("The access token is unknown, expired or revoked.") }
            let refreshHash = Secrets.hash(refreshToken)
            guard let refresh = try await store.refreshToken(hash: refreshHash), refresh.revokedAt == nil, refresh.expiresAt >= time else {
                return callerError("The refresh token is unknown, expired or revoked.")
            }
            guard access.refreshTokenHash == refreshHash, let grantId = access.grantId, let grant = try await store.grant(id: grantId),
                let client = try await clients.client(id: access.clientId, serviceApiKey: service.apiKey)
            else { return callerError("The access token and the refresh token were not issued together.") }
            var details = try GrantDetails.decoded(grant.payload)
            details.scopes = access.scopes.split(separator: " ").map(String.init)
            details.nonce = nil
            details.claims = body.claims
            if let sub = body.sub { details.sub = sub }
            if let header = body.idtHeaderParams { details.idtHeaderParams = header }
            let idToken = try await issuer.idToken(
                IDTokenRequest(
                    service: service, client: client, details: details, accessToken: accessToken, audienceType: body.idTokenAudType?.rawValue))
            var content: [String: JSONValue] = [
                "access_token": .string(accessToken), "refresh_token": .string(refreshToken), "id_token": .string(idToken),
                "token_type": .string(try GrantDetails.decoded(access.payload).dpopJkt == nil ? "Bearer" : "DPoP"),
                "expires_in": .integer(max(0, (access.expiresAt - time) / 1000)),
            ]
            if !details.scopes.isEmpty { content["scope"] = .string(details.scopes.joined(separator: " ")) }
            return .ok(
                IdTokenReissueResponse(
                    resultCode: ResultCode.idTokenReissued.code, resultMessage: ResultCode.idTokenReissued.message, action: .ok,
                    responseContent: JSONValue.object(content).serializedString, idToken: idToken))
        } catch {
            logger.error("ID token reissue failed", metadata: ["error": "\(error)"])
            return .ok(
                IdTokenReissueResponse(
                    resultCode: ResultCode.internalError.code, resultMessage: ResultCode.internalError.message, action: .internalServerError,
                    responseContent: OAuthError("server_error", "The ID token could not be reissued.", .internalError).jsonBody()))
        }
    }
}
