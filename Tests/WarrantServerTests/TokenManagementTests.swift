import Foundation
import SpecRuntime
import Testing
import WarrantClient

/// /auth/token/create, /update, /delete/{token}, /get/list and /revoke.
@Suite(.serialized) struct TokenManagementTests {
    typealias Flow = TokenFlowTests.Flow

    static func create(_ flow: Flow, _ request: TokenCreateRequest) async throws -> TokenCreateResponse {
        guard case .ok(let response) = try await flow.api.tokenCreate(.init(path: .init(serviceId: flow.serviceId), body: request)) else {
            throw UnexpectedOutput()
        }
        return response
    }

    static func list(_ flow: Flow, client: String? = nil, subject: String? = nil, start: Int32 = 0, end: Int32 = 5) async throws
        -> TokenListResponse
    {
        guard case .ok(let response) = try await flow.api.tokenGetList(
            .init(path: .init(serviceId: flow.serviceId), query: .init(clientIdentifier: client, subject: subject, start: start, end: end)))
        else { throw UnexpectedOutput() }
        return response
    }

    @Test func createIssuesUsableTokensAndRefusesWhatTheServiceDoesNotAllow() async throws {
        try await TokenFlowTests.withFlow { flow in
            let created = try await Self.create(
                flow,
                TokenCreateRequest(
                    grantType: .authorizationCode, clientId: flow.client.clientId, subject: "carol", scopes: ["openid", "email"],
                    accessTokenDuration: 120, properties: [Property(key: "tenant", value: "t1")], resources: ["https://api.example.com"]))
            #expect(created.action == .ok)
            #expect(created.resultCode == "A109001")
            #expect(created.subject == "carol")
            #expect(created.expiresIn == 120)
            #expect(created.tokenType == "Bearer")
            #expect(created.tokenId?.count == 64)
            let refresh = try #require(created.refreshToken)
            let access = try #require(created.accessToken)

            let introspected = try await IntrospectionTests.introspect(flow, access, resources: ["https://api.example.com"])
            #expect(introspected.action == .ok)
            #expect(introspected.subject == "carol")
            #expect(introspected.properties == [Property(key: "tenant", value: "t1")])
            #expect(introspected.grantType == .authorizationCode)
            // The refresh token belongs to the client and works at the token endpoint.
            let refreshed = try await flow.token("grant_type=refresh_token&refresh_token=\(refresh)", clientId: flow.clientId, secret: flow.secret)
            #expect(refreshed.action == .ok)
            #expect(refreshed.subject == "carol")

            // A caller-chosen value, by client alias-or-ID text, for client credentials (no subject, no refresh token).
            let chosen = try await Self.create(
                flow, TokenCreateRequest(grantType: .clientCredentials, clientIdentifier: flow.clientId, scopes: ["profile"], accessToken: "chosen-token-1"))
            #expect(chosen.accessToken == "chosen-token-1")
            #expect(chosen.refreshToken == nil)
            #expect(try await IntrospectionTests.introspect(flow, "chosen-token-1").action == .ok)

            let cases: [(TokenCreateRequest, TokenCreateAction, String)] = [
                (TokenCreateRequest(grantType: .authorizationCode, clientId: 0, subject: "x"), .badRequest, "clientId"),
                (TokenCreateRequest(grantType: .authorizationCode, clientId: flow.client.clientId), .badRequest, "subject is required"),
                (TokenCreateRequest(grantType: .authorizationCode, clientId: flow.client.clientId, subject: "x", scopes: ["admin"]), .badRequest, "admin"),
                (TokenCreateRequest(grantType: .refreshToken, clientId: flow.client.clientId, subject: "x"), .badRequest, "REFRESH_TOKEN"),
                (TokenCreateRequest(grantType: .tokenExchange, clientId: flow.client.clientId, subject: "x"), .forbidden, "TOKEN_EXCHANGE"),
                (TokenCreateRequest(grantType: .authorizationCode, clientId: flow.client.clientId, subject: "x", resources: ["relative"]), .badRequest, "relative"),
            ]
            for (request, action, mention) in cases {
                let response = try await Self.create(flow, request)
                #expect(response.action == action, "\(request)")
                #expect(response.resultMessage.contains(mention), "\(response.resultMessage)")
                #expect(response.accessToken == nil)
            }
        }
    }

    @Test func updateChangesScopesExpiryAndProperties() async throws {
        try await TokenFlowTests.withFlow { flow in
            let created = try await Self.create(
                flow, TokenCreateRequest(grantType: .password, clientId: flow.client.clientId, subject: "dave", scopes: ["openid", "profile"]))
            let access = try #require(created.accessToken)
            let later = try #require(created.expiresAt) + 3_600_000
            guard case .ok(let updated) = try await flow.api.tokenUpdate(
                .init(
                    path: .init(serviceId: flow.serviceId),
                    body: .init(accessToken: access, accessTokenExpiresAt: later, scopes: ["openid"], properties: [Property(key: "k", value: "v")])))
            else { throw UnexpectedOutput() }
            #expect(updated.action == .ok)
            #expect(updated.accessTokenExpiresAt == later)
            #expect(updated.scopes == ["openid"])
            let introspected = try await IntrospectionTests.introspect(flow, access)
            #expect(introspected.scopes == ["openid"])
            #expect(introspected.expiresAt == later)
            #expect(introspected.properties == [Property(key: "k", value: "v")])

            // By its hash too; unknown tokens, unsupported scopes and past expiries are refused.
            func update(_ body: TokenUpdateRequest) async throws -> TokenUpdateResponse {
                guard case .ok(let response) = try await flow.api.tokenUpdate(.init(path: .init(serviceId: flow.serviceId), body: body)) else {
                    throw UnexpectedOutput()
                }
                return response
            }
            #expect(try await update(.init(accessToken: try #require(created.tokenId), scopes: ["profile"])).action == .ok)
            #expect(try await update(.init(accessToken: "unknown")).action == .notFound)
            #expect(try await update(.init(accessToken: access, scopes: ["admin"])).action == .badRequest)
            #expect(try await update(.init(accessToken: access, accessTokenExpiresAt: 1_000)).action == .badRequest)
            _ = try await IntrospectionTests.revoke(flow, "token=\(access)", clientId: flow.clientId, secret: flow.secret)
            #expect(try await update(.init(accessToken: access, scopes: ["openid"])).action == .forbidden)
        }
    }

    @Test func listPagesLiveTokensAndDeleteAndRevokeRemoveThem() async throws {
        try await TokenFlowTests.withFlow { flow in
            var accessTokens: [String] = []
            for subject in ["erin", "erin", "erin", "frank"] {
                let created = try await Self.create(
                    flow, TokenCreateRequest(grantType: .password, clientId: flow.client.clientId, subject: subject, scopes: ["openid"]))
                accessTokens.append(try #require(created.accessToken))
            }
            let erin = try await Self.list(flow, client: flow.clientId, subject: "erin", start: 0, end: 2)
            #expect(erin.totalCount == 3)
            #expect(erin.accessTokens.count == 2)
            #expect(erin.start == 0 && erin.end == 2)
            #expect(erin.client?.clientId == flow.client.clientId)
            #expect(erin.client?.clientSecret == nil)
            #expect(erin.accessTokens.allSatisfy { $0.subject == "erin" && $0.grantType == .password && $0.refreshTokenHash != nil })
            let rest = try await Self.list(flow, subject: "erin", start: 2, end: 5)
            #expect(rest.accessTokens.count == 1)
            #expect(Set((erin.accessTokens + rest.accessTokens).map(\.accessTokenHash)).count == 3)

            // Delete by value, then by hash; a second delete is a 404.
            guard case .noContent = try await flow.api.tokenDelete(.init(path: .init(serviceId: flow.serviceId, accessTokenIdentifier: accessTokens[0]))) else {
                throw UnexpectedOutput()
            }
            let deletedHash = SHA256Digest.of(accessTokens[0]).map { String(format: "%02x", $0) }.joined()
            let hash = try #require((erin.accessTokens + rest.accessTokens).map(\.accessTokenHash).first { $0 != deletedHash })
            guard case .noContent = try await flow.api.tokenDelete(.init(path: .init(serviceId: flow.serviceId, accessTokenIdentifier: hash))) else {
                throw UnexpectedOutput()
            }
            guard case .notFound(let gone) = try await flow.api.tokenDelete(.init(path: .init(serviceId: flow.serviceId, accessTokenIdentifier: hash))) else {
                throw UnexpectedOutput()
            }
            #expect(gone.resultCode == "A134201")
            #expect(try await IntrospectionTests.introspect(flow, accessTokens[0]).action == .unauthorized)
            #expect(try await Self.list(flow, subject: "erin").totalCount == 1)

            // Revoke everything of a subject at the client: its refresh tokens die too.
            guard case .ok(let revoked) = try await flow.api.tokenRevoke(
                .init(path: .init(serviceId: flow.serviceId), body: .init(clientIdentifier: flow.clientId, subject: "erin")))
            else { throw UnexpectedOutput() }
            #expect(revoked.count == 1)
            #expect(try await Self.list(flow, subject: "erin").totalCount == 0)
            #expect(try await Self.list(flow, subject: "frank").totalCount == 1)
            guard case .ok(let single) = try await flow.api.tokenRevoke(
                .init(path: .init(serviceId: flow.serviceId), body: .init(accessTokenIdentifier: accessTokens[3])))
            else { throw UnexpectedOutput() }
            #expect(single.count == 1)
            #expect(try await Self.list(flow).totalCount == 0)

            guard case .badRequest(let nothing) = try await flow.api.tokenRevoke(.init(path: .init(serviceId: flow.serviceId), body: .init())) else {
                throw UnexpectedOutput()
            }
            #expect(nothing.resultCode == "A134202")
            guard case .notFound = try await flow.api.tokenGetList(
                .init(path: .init(serviceId: flow.serviceId), query: .init(clientIdentifier: "no-such-client")))
            else { throw UnexpectedOutput() }
        }
    }

    @Test func revokingARefreshTokenRevokesItsGrant() async throws {
        try await TokenFlowTests.withFlow { flow in
            let tokens = try await flow.redeem(try await flow.code())
            guard case .ok(let revoked) = try await flow.api.tokenRevoke(
                .init(path: .init(serviceId: flow.serviceId), body: .init(refreshTokenIdentifier: try #require(tokens.refreshToken))))
            else { throw UnexpectedOutput() }
            #expect(revoked.count == 1)
            #expect(try await IntrospectionTests.introspect(flow, try #require(tokens.accessToken)).action == .unauthorized)
        }
    }
}
