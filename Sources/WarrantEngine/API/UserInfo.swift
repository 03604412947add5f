import Foundation
import SpecRuntime
import WarrantAPI
import WarrantStore

extension WarrantEngine {
    /// The token checks both UserInfo calls make: live, with openid and a user (OpenID Connect Core §5.3).
    private enum UserInfoCheck {
        case good(PresentedAccessToken)
        /// The WWW-Authenticate value, with the result code it is reported under.
        case refused(status: Int, challenge: String, result: ResultCode)
    }

    private func checkUserInfoToken(_ value: String?, serviceApiKey: Int64) async throws -> UserInfoCheck {
        guard let value, !value.isEmpty else {
            return .refused(
                status: 400, challenge: BearerChallenge.value("invalid_request", .introspectionTokenMissing), result: .introspectionTokenMissing)
        }
        let result: ResultCode
        switch try await presented.accessToken(value, serviceApiKey: serviceApiKey) {
        case .unknown: result = .tokenUnknown
        case .revoked: result = .tokenRevoked
        case .expired: result = .tokenExpired
        case .live(let token):
            guard ProtocolValues.words(token.record.scopes).contains("openid"), token.record.subject != nil else {
                return .refused(
                    status: 403, challenge: BearerChallenge.value("insufficient_scope", .userInfoForbidden, scope: ["openid"]),
                    result: .userInfoForbidden)
            }
            return .good(token)
        }
        return .refused(status: 401, challenge: BearerChallenge.value("invalid_token", result), result: result)
    }

    public func userInfo(_ input: Operations.UserInfo.Input) async throws -> Operations.UserInfo.Output {
        let service = try await servicePolicy(input.path.serviceId, input.credentials)
        switch try await checkUserInfoToken(input.body.token, serviceApiKey: service.apiKey) {
        case .refused(let status, let challenge, let result):
            let action: UserInfoAction = status == 400 ? .badRequest : status == 401 ? .unauthorized : .forbidden
            return .ok(UserInfoResponse(resultCode: result.code, resultMessage: result.message, action: action, responseContent: challenge))
        case .good(let token):
            let body = input.body
            let proof = try await resourceProof(
                for: token, value: body.token ?? "",
                .init(proof: body.dpop, method: body.htm ?? "GET", url: body.htu?.absoluteString ?? service.userInfoEndpoint, nonceRequired: body.dpopNonceRequired),
                certificate: body.clientCertificate, service: service)
            if let refusal = proof.refusal {
                return .ok(
                    UserInfoResponse(
                        resultCode: refusal.result.code, resultMessage: "[\(refusal.result.code)] \(refusal.description)", action: .unauthorized,
                        responseContent: Self.challenge(refusal, token: token), dpopNonce: proof.nonce))
            }
            let details = token.details
            let scopes = ProtocolValues.words(token.record.scopes)
            let (client, aliasUsed) = try await presented.client(of: token.record.clientId, serviceApiKey: token.record.serviceApiKey, details: details)
            let claims = ScopeClaims.allowed(scopes: scopes, requested: Self.userInfoClaimNames(details)).sorted()
            return .ok(
                UserInfoResponse(
                    resultCode: ResultCode.userInfoReady.code, resultMessage: ResultCode.userInfoReady.message, action: .ok,
                    claims: claims, clientId: token.record.clientId, clientIdAlias: client?.alias, clientIdAliasUsed: aliasUsed,
                    scopes: scopes, subject: token.record.subject, token: input.body.token,
                    properties: StoredProperty.list(details.properties), userInfoClaims: details.userInfoClaims,
                    consentedClaims: details.consentedClaims, serviceAttributes: service.document.attributes, clientAttributes: client?.document.attributes,
                    dpopNonce: proof.nonce))
        }
    }

    public func userInfoIssue(_ input: Operations.UserInfoIssue.Input) async throws -> Operations.UserInfoIssue.Output {
        let service = try await servicePolicy(input.path.serviceId, input.credentials)
        let token: PresentedAccessToken
        switch try await checkUserInfoToken(input.body.token, serviceApiKey: service.apiKey) {
        case .refused(let status, let challenge, let result):
            let action: UserInfoIssueAction = status == 400 ? .badRequest : status == 401 ? .unauthorized : .forbidden
            return .ok(UserInfoIssueResponse(resultCode: result.code, resultMessage: result.message, action: action, responseContent: challenge))
        case .good(let found): token = found
        }
        let details = token.details
        let allowed = ScopeClaims.allowed(scopes: ProtocolValues.words(token.record.scopes), requested: Self.userInfoClaimNames(details))
        var claims: [String: JSONValue] = [:]
        if let text = input.body.claims, case .object(let members)? = try? JSONValue(parsing: text) {
            for (name, value) in members where allowed.contains(name) { claims[name] = value }
        }
        // sub is always there and is the ID token's (OpenID Connect Core §5.3.2).
        claims["sub"] = .string(input.body.sub ?? details.sub ?? token.record.subject ?? "")
        let (client, _) = try await presented.client(of: token.record.clientId, serviceApiKey: token.record.serviceApiKey, details: details)
        if let algorithm = client?.document.userInfoSignAlg.flatMap({ SigningAlgorithm(rawValue: $0.rawValue) })?.rawValue {
            claims["iss"] = .string(service.issuer)
            claims["aud"] = .string(details.clientIdentifier)
            claims["iat"] = .integer(now() / 1000)
            let jwt = try await signer.sign(claims, algorithm: algorithm, serviceApiKey: service.apiKey, type: "JWT")
            return .ok(
                UserInfoIssueResponse(
                    resultCode: ResultCode.userInfoIssuedJWT.code, resultMessage: ResultCode.userInfoIssuedJWT.message, action: .jwt,
                    responseContent: jwt))
        }
        return .ok(
            UserInfoIssueResponse(
                resultCode: ResultCode.userInfoIssuedJSON.code, resultMessage: ResultCode.userInfoIssuedJSON.message, action: .json,
                responseContent: JSONValue.object(claims).serializedString))
    }

    /// The claims the authorization request's claims parameter asked for at the UserInfo endpoint.
    private static func userInfoClaimNames(_ details: GrantDetails) -> [String] {
        guard let text = details.userInfoClaims, case .object(let members)? = try? JSONValue(parsing: text) else { return [] }
        return members.keys.sorted()
    }
}
