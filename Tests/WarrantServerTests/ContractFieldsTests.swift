import Foundation
import SpecRuntime
import Testing
import WarrantClient

/// Fields and answers of Authlete's contract that front ends rely on, checked on a running server.
@Suite(.serialized) struct ContractFieldsTests {
    static let serviceAttributes = [Pair(key: "tier", value: "gold")]

    /// A flow whose service has attributes, and a client of it that has some too.
    static func withAttributedFlow(_ body: @Sendable (TokenFlowTests.Flow, OAuthClient, String) async throws -> Void) async throws {
        try await TokenFlowTests.withFlow(configure: { $0.attributes = Self.serviceAttributes }) { flow in
            var web = OAuthClient(
                clientIdAlias: "attributed-app", clientName: "Attributed", redirectUris: [flow.redirect],
                grantTypes: [.authorizationCode, .refreshToken, .password])
            web.attributes = [Pair(key: "team", value: "payments")]
            guard case .created(let client) = try await flow.api.clientCreate(.init(path: .init(serviceId: Int64(flow.serviceId)!), body: web))
            else { throw UnexpectedOutput() }
            try await body(flow, client, try #require(client.clientSecret))
        }
    }

    @Test func theAuthorizationAnswerCarriesTheService() async throws {
        try await TokenFlowTests.withFlow { flow in
            let parameters = "response_type=code&client_id=\(flow.clientId)&redirect_uri=\(FormEncoding.escape(flow.redirect))&scope=openid"
            guard case .ok(let answer) = try await flow.api.authorization(
                .init(path: .init(serviceId: flow.serviceId), body: .init(parameters: parameters)))
            else { throw UnexpectedOutput() }
            #expect(answer.action == .interaction)
            #expect(answer.service?.serviceName == "Flows")
            #expect(answer.service?.apiKey == Int64(flow.serviceId))
            #expect(answer.service?.issuer?.absoluteString == "https://as.example.com")
        }
    }

    @Test func tokenAnswersCarryAttributesResourcesAndRefreshScopes() async throws {
        try await Self.withAttributedFlow { flow, client, secret in
            let id = String(try #require(client.clientId))
            let code = try await flow.code("&resource=https%3A%2F%2Fapi.example.com", client: client)
            let parameters = "grant_type=authorization_code&code=\(code)&redirect_uri=\(FormEncoding.escape(flow.redirect))"
            let issued = try await flow.token(parameters, clientId: id, secret: secret)
            #expect(issued.action == .ok)
            #expect(issued.serviceAttributes == Self.serviceAttributes)
            #expect(issued.clientAttributes == [Pair(key: "team", value: "payments")])
            #expect(issued.accessTokenResources == ["https://api.example.com"])
            #expect(issued.refreshTokenScopes == ["openid", "profile", "email"])
            // A narrowing refresh: the access token has fewer scopes, the refresh token keeps the grant's.
            let refreshToken = try #require(issued.refreshToken)
            let narrowed = try await flow.token("grant_type=refresh_token&refresh_token=\(refreshToken)&scope=openid", clientId: id, secret: secret)
            #expect(narrowed.scopes == ["openid"])
            #expect(narrowed.refreshTokenScopes == ["openid", "profile", "email"])
        }
    }

    @Test func thePasswordGrantsIssueAnswerCarriesTheClientAndTheAttributes() async throws {
        try await Self.withAttributedFlow { flow, client, secret in
            let asked = try await flow.token("grant_type=password&username=alice&password=pw&scope=openid", clientId: "attributed-app", secret: secret)
            let ticket = try #require(asked.ticket)
            guard case .ok(let issued) = try await flow.api.tokenIssue(
                .init(path: .init(serviceId: flow.serviceId), body: .init(ticket: ticket, subject: "alice", properties: [Property(key: "k", value: "v")])))
            else { throw UnexpectedOutput() }
            #expect(issued.action == .ok)
            #expect(issued.clientIdAlias == "attributed-app")
            #expect(issued.clientIdAliasUsed == true)
            #expect(issued.properties == [Property(key: "k", value: "v")])
            #expect(issued.refreshTokenScopes == ["openid"])
            #expect(issued.serviceAttributes == Self.serviceAttributes)
            #expect(issued.clientAttributes == [Pair(key: "team", value: "payments")])
        }
    }

    /// Authlete answers a resource server that sends no token with 200 and action BAD_REQUEST, which the
    /// resource server relays as its own 400; so does warrant, for introspection and UserInfo.
    @Test func noTokenIsAnActionNotAnHTTPError() async throws {
        try await TokenFlowTests.withFlow { flow in
            for path in ["auth/introspection", "auth/userinfo"] {
                for body in ["{}", #"{"token": null}"#, #"{"token": ""}"#] {
                    let answer = try await flow.server.raw(.post, "/api/\(flow.serviceId)/\(path)", token: TestServer.organizationToken, body: body)
                    #expect(answer.status == 200, "\(path) \(body)")
                    #expect(answer.body?["action"] == "BAD_REQUEST", "\(path) \(body)")
                    #expect(answer.body?["resultCode"]?.stringValue?.isEmpty == false, "\(path) \(body)")
                }
            }
        }
    }

    /// OpenID Federation is not implemented: both endpoints answer as Authlete does for a service that has
    /// not enabled it, so the front end's federation endpoints return 404.
    @Test func federationEndpointsAnswerNotFound() async throws {
        try await TestServer.with { server in
            let api = server.client()
            let apiKey = String(try #require(try await api.createService().apiKey))
            guard case .ok(let configuration) = try await api.federationConfiguration(.init(path: .init(serviceId: apiKey))) else {
                throw UnexpectedOutput()
            }
            #expect(configuration.action == .notFound)
            #expect(configuration.resultCode == "A350201")
            let error = try JSONValue(parsing: try #require(configuration.responseContent))
            #expect(error["error"] == "not_found")
            guard case .ok(let registration) = try await api.federationRegistration(
                .init(path: .init(serviceId: apiKey), body: .init(entityConfiguration: "eyJ0eXAiOiJlbnRpdHktc3RhdGVtZW50K2p3dCJ9.e30.sig")))
            else { throw UnexpectedOutput() }
            #expect(registration.action == .notFound)
            #expect(registration.client == nil)
            let missing = try await server.raw(.post, "/api/999999/federation/configuration", token: TestServer.organizationToken)
            #expect(missing.status == 404)
        }
    }

    @Test func runtimeAnswersCarryTheUserInfoClaimsScopeDetailsAndRefreshExpiry() async throws {
        try await TokenFlowTests.withFlow(configure: { $0.supportedScopes = [Scope(name: "openid"), Scope(name: "profile", description: "Your name"), Scope(name: "email")] }) { flow in
            let claims = FormEncoding.escape(#"{"userinfo":{"email":null,"name":{"essential":true}}}"#)
            let parameters = "response_type=code&client_id=\(flow.clientId)&redirect_uri=\(FormEncoding.escape(flow.redirect))&scope=openid+profile&claims=\(claims)"
            guard case .ok(let asked) = try await flow.api.authorization(.init(path: .init(serviceId: flow.serviceId), body: .init(parameters: parameters)))
            else { throw UnexpectedOutput() }
            #expect(asked.claimsAtUserInfo == ["email", "name"])
            #expect(asked.metadataDocumentUsed == false && asked.clientEntityIdUsed == false && asked.nativeSsoRequested == false)

            let ticket = try #require(asked.ticket)
            let code = try #require(try await flow.issue(ticket).authorizationCode)
            let issued = try await flow.redeem(code)
            let accessToken = try #require(issued.accessToken)
            let introspected = try await IntrospectionTests.introspect(flow, accessToken)
            #expect(introspected.scopeDetails == [Scope(name: "openid"), Scope(name: "profile", description: "Your name")])
            #expect(introspected.forExternalAttachment == false && introspected.responseSigningRequired == false)

            guard case .ok(let updated) = try await flow.api.tokenUpdate(
                .init(path: .init(serviceId: flow.serviceId), body: .init(accessToken: accessToken, scopes: ["openid"])))
            else { throw UnexpectedOutput() }
            #expect(updated.action == .ok)
            #expect(updated.refreshTokenExpiresAt == issued.refreshTokenExpiresAt)
            #expect((updated.refreshTokenExpiresAt ?? 0) > updated.accessTokenExpiresAt ?? 0)
            // The raw answer carries the false flags, as Authlete's does.
            let raw = try await flow.server.raw(
                .post, "/api/\(flow.serviceId)/auth/introspection", token: TestServer.organizationToken, body: #"{"token":"\#(accessToken)"}"#)
            #expect(raw.body?["metadataDocumentUsed"] == .bool(false) && raw.body?["forCredentialIssuance"] == .bool(false))
        }
    }

    /// Authlete binds JSON as Jackson does, and front ends rely on it: a user ID sent as a number is its text,
    /// a number or flag sent as a string is parsed, null stands for an absent optional member, and a member the
    /// contract does not have is ignored.
    @Test func jsonScalarsAreReadAsTheContractsTypes() async throws {
        try await TokenFlowTests.withFlow { flow in
            let ticket = try await flow.authorize()
            let issued = try await flow.server.raw(
                .post, "/api/\(flow.serviceId)/auth/authorization/issue", token: TestServer.organizationToken,
                body: #"{"ticket":"\#(ticket)","subject":12345,"authTime":"1700000000","acr":null,"claims":null,"aFutureMember":{"x":[1]}}"#)
            #expect(issued.status == 200)
            #expect(issued.body?["action"] == "LOCATION")
            let code = try #require(issued.body?["authorizationCode"]?.stringValue)
            let tokens = try await flow.redeem(code)
            #expect(tokens.subject == "12345")
            // A string number where the contract says integer, a string flag where it says boolean.
            let created = try await flow.server.raw(
                .post, "/api/\(flow.serviceId)/auth/token/create", token: TestServer.organizationToken,
                body: #"{"grantType":"CLIENT_CREDENTIALS","clientId":"\#(flow.clientId)","accessTokenDuration":"120","clientIdAliasUsed":"false"}"#)
            #expect(created.body?["action"] == "OK")
            #expect(created.body?["expiresIn"] == .integer(120))
            // What cannot be read as the type is still refused, naming the field.
            let wrong = try await flow.server.raw(
                .post, "/api/\(flow.serviceId)/auth/token/create", token: TestServer.organizationToken,
                body: #"{"grantType":"CLIENT_CREDENTIALS","clientId":"\#(flow.clientId)","accessTokenDuration":"two minutes","subject":{"id":1}}"#)
            #expect(wrong.status == 400)
            let paths = wrong.body?["violations"]?.arrayValue?.compactMap { $0["path"]?.stringValue }
            #expect(Set(paths ?? []) == ["/accessTokenDuration", "/subject"])
        }
    }
}
