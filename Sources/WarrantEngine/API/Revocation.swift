import Foundation
import SpecRuntime
import WarrantAPI
import WarrantStore

extension WarrantEngine {
    /// RFC 7009 token revocation: the client authenticates; only its own tokens are revoked, and an unknown or
    /// foreign token gets the same OK, so the endpoint reveals nothing about other clients' tokens.
    public func revocation(_ input: Operations.Revocation.Input) async throws -> Operations.Revocation.Output {
        let (_, record) = try await access.service(try serviceID(input.path.serviceId), input.credentials)
        let service = try apiService(from: record, result: nil)
        let omit = service.errorDescriptionOmitted == true
        func failure(_ action: RevocationAction, _ error: OAuthError) -> Operations.Revocation.Output {
            .ok(
                RevocationResponse(
                    resultCode: error.result.code, resultMessage: "[\(error.result.code)] \(error.description)", action: action,
                    responseContent: error.jsonBody(omitDescription: omit)))
        }
        let pairs: [(name: String, value: String)]
        do {
            pairs = try FormEncoding.pairs(from: input.body.parameters)
        } catch {
            return failure(.badRequest, OAuthError("invalid_request", "The parameters are malformed: \(error.description).", .revocationInvalid))
        }
        var form: [String: String] = [:]
        for (name, value) in pairs {
            if form[name] != nil { return failure(.badRequest, OAuthError("invalid_request", "The parameter '\(name)' must not be repeated.", .revocationInvalid)) }
            form[name] = value
        }
        let audiences = [service.revocationEndpoint?.absoluteString, service.tokenEndpoint?.absoluteString, service.issuer?.absoluteString]
            .compactMap { $0 }
        let authenticator = ClientAuthenticator(
            engine: self, serviceApiKey: record.apiKey, audiences: audiences,
            allowedMethods: service.supportedRevocationAuthMethods ?? service.supportedTokenAuthMethods)
        let client: ClientAuthenticator.Authenticated
        switch try await authenticator.authenticate(form: form, basicId: input.body.clientId, basicSecret: input.body.clientSecret) {
        case .failure(let error): return failure(error.isInvalidClient ? .invalidClient : .badRequest, error)
        case .success(let authenticated): client = authenticated
        }
        guard let value = form["token"], !value.isEmpty else {
            return failure(.badRequest, OAuthError("invalid_request", "token is missing.", .revocationInvalid))
        }
        // The hint orders the search; a wrong or unknown hint still finds the token (RFC 7009 §2.1).
        let refreshFirst = form["token_type_hint"] == "refresh_token"
        var revoked = false
        for kind in refreshFirst ? ["refresh", "access"] : ["access", "refresh"] where !revoked {
            if kind == "access" {
                if let token = try await lookUpAccessToken(value, serviceApiKey: record.apiKey).live,
                    token.record.clientId == client.record.clientId
                {
                    revoked = try await store.revokeAccessToken(hash: token.record.hash, now: now())
                }
            } else if let refresh = try await lookUpRefreshToken(value, serviceApiKey: record.apiKey).live,
                refresh.clientId == client.record.clientId
            {
                // A refresh token takes every token of its grant with it (RFC 7009 §2.1).
                try await store.revokeGrant(id: refresh.grantId, now: now())
                revoked = true
            }
        }
        let result: ResultCode = revoked ? .tokenRevocationDone : .tokenRevocationIgnored
        return .ok(RevocationResponse(resultCode: result.code, resultMessage: result.message, action: .ok))
    }
}
