import Foundation
import JWTKit
import SpecRuntime
import Testing
import WarrantClient

/// /auth/userinfo and /auth/userinfo/issue (OpenID Connect Core §5.3).
@Suite(.serialized) struct UserInfoTests {
    typealias Flow = TokenFlowTests.Flow

    static func userInfo(_ flow: Flow, _ token: String) async throws -> UserInfoResponse {
        guard case .ok(let response) = try await flow.api.userInfo(.init(path: .init(serviceId: flow.serviceId), body: .init(token: token))) else {
            throw UnexpectedOutput()
        }
        return response
    }

    static func issue(_ flow: Flow, _ token: String, claims: String?, sub: String? = nil) async throws -> UserInfoIssueResponse {
        guard case .ok(let response) = try await flow.api.userInfoIssue(
            .init(path: .init(serviceId: flow.serviceId), body: .init(token: token, claims: claims, sub: sub)))
        else { throw UnexpectedOutput() }
        return response
    }

    static let userClaims = #"{"name":"Alice Liddell","email":"alice@example.com","phone_number":"+1 555","address":{"country":"UK"},"birthdate":"1852-05-04"}"#

    @Test func claimsFollowTheScopesAndTheClaimsRequest() async throws {
        try await TokenFlowTests.withFlow { flow in
            // profile and email by scope; phone_number asked for by the claims parameter's userinfo member.
            let claimsRequest = FormEncoding.escape(#"{"userinfo":{"phone_number":{"essential":true}}}"#)
            let tokens = try await flow.redeem(try await flow.code("&claims=\(claimsRequest)"))
            let token = try #require(tokens.accessToken)
            let info = try await Self.userInfo(flow, token)
            #expect(info.action == .ok)
            #expect(info.resultCode == "A091001")
            #expect(info.subject == "alice")
            #expect(info.scopes == ["openid", "profile", "email"])
            #expect(info.claims?.contains("email") == true)
            #expect(info.claims?.contains("phone_number") == true)
            #expect(info.claims?.contains("address") == false)
            #expect(info.userInfoClaims == #"{"phone_number":{"essential":true}}"#)
            #expect(info.token == token)

            let issued = try await Self.issue(flow, token, claims: Self.userClaims)
            #expect(issued.action == .json)
            let body = try JSONValue(parsing: try #require(issued.responseContent))
            #expect(
                body == .object([
                    "sub": "alice", "name": "Alice Liddell", "email": "alice@example.com", "phone_number": "+1 555", "birthdate": "1852-05-04",
                ]))
            // sub is the ID token's.
            let idToken = try #require(tokens.idToken)
            let idClaims = try await flow.jwks().verify(idToken, as: Claims.self)
            #expect(body["sub"] == .string(idClaims.sub))
        }
    }

    @Test func pairwiseSubjectsMatchTheIDToken() async throws {
        try await TokenFlowTests.withFlow { flow in
            let ticket = try await flow.authorize()
            guard case .ok(let issued) = try await flow.api.authorizationIssue(
                .init(path: .init(serviceId: flow.serviceId), body: .init(ticket: ticket, subject: "alice", sub: "pairwise-7")))
            else { throw UnexpectedOutput() }
            let tokens = try await flow.redeem(try #require(issued.authorizationCode))
            let idClaims = try await flow.jwks().verify(try #require(tokens.idToken), as: Claims.self)
            let response = try await Self.issue(flow, try #require(tokens.accessToken), claims: #"{"name":"A"}"#)
            let body = try JSONValue(parsing: try #require(response.responseContent))
            #expect(idClaims.sub == "pairwise-7")
            #expect(body["sub"] == "pairwise-7")
        }
    }

    @Test func badTokensGetTheirChallenges() async throws {
        try await TokenFlowTests.withFlow { flow in
            let missing = try await Self.userInfo(flow, "")
            #expect(missing.action == .badRequest)
            #expect(missing.responseContent?.hasPrefix(#"Bearer error="invalid_request""#) == true)
            let unknown = try await Self.userInfo(flow, "no-such-token")
            #expect(unknown.action == .unauthorized)
            #expect(unknown.responseContent?.hasPrefix(#"Bearer error="invalid_token""#) == true)
            #expect(try await Self.issue(flow, "", claims: nil).action == .badRequest)
            let issueUnknown = try await Self.issue(flow, "no-such-token", claims: nil)
            #expect(issueUnknown.action == .unauthorized)

            // A token without openid, or without a user, is not for UserInfo.
            let machine = try await flow.token("grant_type=client_credentials&scope=profile", clientId: flow.clientId, secret: flow.secret)
            let forbidden = try await Self.userInfo(flow, try #require(machine.accessToken))
            #expect(forbidden.action == .forbidden)
            #expect(forbidden.responseContent?.contains(#"error="insufficient_scope""#) == true)
            #expect(try await Self.issue(flow, try #require(machine.accessToken), claims: "{}").action == .forbidden)

            // Revoked tokens stop working.
            let tokens = try await flow.redeem(try await flow.code())
            let token = try #require(tokens.accessToken)
            #expect(try await Self.userInfo(flow, token).action == .ok)
            _ = try await IntrospectionTests.revoke(flow, "token=\(token)", clientId: flow.clientId, secret: flow.secret)
            #expect(try await Self.userInfo(flow, token).action == .unauthorized)
        }
    }

    @Test func clientsWithAUserInfoAlgorithmGetSignedResponses() async throws {
        try await TokenFlowTests.withFlow { flow in
            var client = flow.client
            client.userInfoSignAlg = .es256
            client.clientSecret = nil
            guard case .ok = try await flow.api.clientUpdate(
                .init(path: .init(serviceId: Int64(flow.serviceId)!, clientId: flow.clientId), body: client))
            else { throw UnexpectedOutput() }
            let tokens = try await flow.redeem(try await flow.code())
            let response = try await Self.issue(flow, try #require(tokens.accessToken), claims: Self.userClaims)
            #expect(response.action == .jwt)
            let claims = try await flow.jwks().verify(try #require(response.responseContent), as: UserInfoClaims.self)
            #expect(claims.sub == "alice")
            #expect(claims.iss == "https://as.example.com")
            #expect(claims.aud == flow.clientId)
            #expect(claims.email == "alice@example.com")
            #expect(claims.phone_number == nil)
        }
    }
}

struct UserInfoClaims: JWTPayload {
    var iss: String
    var sub: String
    var aud: String
    var email: String?
    var phone_number: String?

    func verify(using algorithm: some JWTAlgorithm) async throws {}
}
