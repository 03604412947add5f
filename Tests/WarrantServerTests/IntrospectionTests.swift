import Foundation
import SpecRuntime
import Testing
import WarrantClient

/// /auth/introspection, /auth/introspection/standard and /auth/revocation, against tokens from real flows.
@Suite(.serialized) struct IntrospectionTests {
    typealias Flow = TokenFlowTests.Flow

    static func introspect(_ flow: Flow, _ token: String, scopes: [String]? = nil, subject: String? = nil, resources: [String]? = nil)
        async throws -> IntrospectionResponse
    {
        guard case .ok(let response) = try await flow.api.introspection(
            .init(path: .init(serviceId: flow.serviceId), body: .init(token: token, scopes: scopes, subject: subject, resources: resources)))
        else { throw UnexpectedOutput() }
        return response
    }

    static func standard(_ flow: Flow, _ parameters: String) async throws -> StandardIntrospectionResponse {
        guard case .ok(let response) = try await flow.api.standardIntrospection(
            .init(path: .init(serviceId: flow.serviceId), body: .init(parameters: parameters)))
        else { throw UnexpectedOutput() }
        return response
    }

    static func standardJSON(_ flow: Flow, _ token: String, hint: String? = nil) async throws -> JSONValue {
        var parameters = "token=\(FormEncoding.escape(token))"
        if let hint { parameters += "&token_type_hint=\(hint)" }
        let response = try await standard(flow, parameters)
        #expect(response.action == .ok)
        return try JSONValue(parsing: try #require(response.responseContent))
    }

    static func revoke(_ flow: Flow, _ parameters: String, clientId: String? = nil, secret: String? = nil) async throws -> RevocationResponse {
        guard case .ok(let response) = try await flow.api.revocation(
            .init(path: .init(serviceId: flow.serviceId), body: .init(parameters: parameters, clientId: clientId, clientSecret: secret)))
        else { throw UnexpectedOutput() }
        return response
    }

    @Test func aLiveTokenIsDescribedAndCheckedAgainstTheResource() async throws {
        try await TokenFlowTests.withFlow { flow in
            let tokens = try await flow.redeem(try await flow.code())
            let token = try #require(tokens.accessToken)
            let ok = try await Self.introspect(flow, token, scopes: ["openid", "email"], subject: "alice")
            #expect(ok.action == .ok)
            #expect(ok.resultCode == "A056001")
            #expect(ok.subject == "alice")
            #expect(ok.clientId == flow.client.clientId)
            #expect(ok.scopes == ["openid", "profile", "email"])
            #expect(ok.existent == true && ok.usable == true && ok.sufficient == true && ok.refreshable == true)
            #expect(ok.grantType == .authorizationCode)
            #expect(ok.acr == "urn:acr:pwd")
            #expect(ok.authTime == 1_700_000_000)
            #expect(ok.expiresAt == tokens.accessTokenExpiresAt)

            let scope = try await Self.introspect(flow, token, scopes: ["openid", "phone"])
            #expect(scope.action == .forbidden)
            #expect(scope.sufficient == false)
            #expect(scope.responseContent?.hasPrefix(#"Bearer error="insufficient_scope",error_description="[A056305] "#) == true)
            #expect(scope.responseContent?.hasSuffix(#"scope="openid phone""#) == true)

            let other = try await Self.introspect(flow, token, subject: "bob")
            #expect(other.action == .forbidden)
            #expect(other.responseContent?.contains("another subject") == true)

            let resource = try await Self.introspect(flow, token, resources: ["https://api.example.com"])
            #expect(resource.action == .forbidden)

            let missing = try await Self.introspect(flow, "")
            #expect(missing.action == .badRequest)
            #expect(missing.responseContent?.hasPrefix(#"Bearer error="invalid_request""#) == true)

            let unknown = try await Self.introspect(flow, "not-a-token")
            #expect(unknown.action == .unauthorized)
            #expect(unknown.existent == false)
            #expect(unknown.responseContent?.hasPrefix(#"Bearer error="invalid_token",error_description="[A056302] "#) == true)
        }
    }

    @Test func propertiesTravelWithTheTokenAndOnlyVisibleOnesReachTheClient() async throws {
        try await TokenFlowTests.withFlow { flow in
            let ticket = try await flow.authorize()
            guard case .ok(let issued) = try await flow.api.authorizationIssue(
                .init(
                    path: .init(serviceId: flow.serviceId),
                    body: .init(
                        ticket: ticket, subject: "alice",
                        properties: [Property(key: "plan", value: "gold"), Property(key: "internal", value: "x1", hidden: true)])))
            else { throw UnexpectedOutput() }
            let tokens = try await flow.redeem(try #require(issued.authorizationCode))
            let body = try TokenFlowTests.body(tokens)
            #expect(body["plan"] == "gold")
            #expect(body["internal"] == nil)
            let token = try #require(tokens.accessToken)
            let introspected = try await Self.introspect(flow, token)
            #expect(introspected.properties?.map(\.key).sorted() == ["internal", "plan"])
            let standard = try await Self.standardJSON(flow, token)
            #expect(standard["plan"] == "gold")
            #expect(standard["internal"] == nil)
        }
    }

    @Test func standardIntrospectionFollowsRFC7662() async throws {
        try await TokenFlowTests.withFlow { flow in
            let tokens = try await flow.redeem(try await flow.code())
            let access = try #require(tokens.accessToken)
            let refresh = try #require(tokens.refreshToken)
            let active = try await Self.standardJSON(flow, access)
            #expect(active["active"] == true)
            #expect(active["scope"] == "openid profile email")
            #expect(active["client_id"] == .string(flow.clientId))
            #expect(active["sub"] == "alice")
            #expect(active["username"] == "alice")
            #expect(active["token_type"] == "Bearer")
            #expect(active["iss"] == "https://as.example.com")
            #expect(active["aud"] == .string(flow.clientId))
            #expect(active["exp"] == .integer(try #require(tokens.accessTokenExpiresAt) / 1000))
            #expect(active["iat"] != nil && active["nbf"] == active["iat"])
            #expect(active["jti"]?.stringValue?.count == 64)

            // A refresh token is found with or without the hint; a wrong hint does not hide it.
            for hint in [nil, "refresh_token", "access_token"] {
                let found = try await Self.standardJSON(flow, refresh, hint: hint)
                #expect(found["active"] == true)
                #expect(found["token_type"] == nil)
            }
            for nothing in ["unknown-token", "a.b.c", "%00"] {
                #expect(try await Self.standardJSON(flow, nothing) == .object(["active": false]))
            }
            let missing = try await Self.standard(flow, "token_type_hint=access_token")
            #expect(missing.action == .badRequest)
            #expect(missing.responseContent?.contains(#""error":"invalid_request""#) == true)
            let twice = try await Self.standard(flow, "token=a&token=b")
            #expect(twice.action == .badRequest)
        }
    }

    @Test func expiredAndRotatedTokensAreInactive() async throws {
        try await TokenFlowTests.withFlow { flow in
            let code = try await flow.code()
            let first = try await flow.token(
                "grant_type=authorization_code&code=\(code)&redirect_uri=\(FormEncoding.escape(flow.redirect))", clientId: flow.clientId,
                secret: flow.secret, accessTokenDuration: 600)
            let firstAccess = try #require(first.accessToken)
            #expect(try await Self.introspect(flow, firstAccess).action == .ok)

            // Rotation: the old refresh token and the access token issued with it stop; the new pair works.
            let rotated = try await flow.token(
                "grant_type=refresh_token&refresh_token=\(try #require(first.refreshToken))", clientId: flow.clientId, secret: flow.secret)
            let fresh = try #require(rotated.accessToken)
            #expect(try await Self.standardJSON(flow, try #require(first.refreshToken)) == .object(["active": false]))
            let replaced = try await Self.introspect(flow, firstAccess)
            #expect(replaced.action == .unauthorized)
            #expect(replaced.resultCode == "A056304")
            #expect(try await Self.introspect(flow, fresh).action == .ok)
            #expect(try await Self.standardJSON(flow, try #require(rotated.refreshToken))["active"] == true)

            let another = try await flow.token(
                "grant_type=client_credentials&scope=profile", clientId: flow.clientId, secret: flow.secret, accessTokenDuration: 1)
            try await Task.sleep(for: .milliseconds(1600))
            let expired = try await Self.introspect(flow, try #require(another.accessToken))
            #expect(expired.action == .unauthorized)
            #expect(expired.resultCode == "A056303")
            #expect(expired.responseContent?.contains("expired") == true)
            #expect(try await Self.standardJSON(flow, try #require(another.accessToken)) == .object(["active": false]))
        }
    }

    @Test func jwtAccessTokensAreIntrospectedByTheirJWTForm() async throws {
        try await TokenFlowTests.withFlow(configure: { $0.accessTokenSignAlg = .es256 }) { flow in
            let tokens = try await flow.redeem(try await flow.code())
            let jwt = try #require(tokens.jwtAccessToken)
            let introspected = try await Self.introspect(flow, jwt)
            #expect(introspected.action == .ok)
            #expect(introspected.subject == "alice")
            #expect(try await Self.standardJSON(flow, jwt)["active"] == true)
            // A forged JWT (another signature) is nothing.
            let parts = jwt.split(separator: ".")
            let forged = "\(parts[0]).\(parts[1]).\(String(parts[2].reversed()))"
            #expect(try await Self.introspect(flow, forged).action == .unauthorized)
        }
    }

    @Test func revocationFollowsRFC7009() async throws {
        try await TokenFlowTests.withFlow { flow in
            let first = try await flow.redeem(try await flow.code())
            let access = try #require(first.accessToken)

            // The client must authenticate.
            let wrongSecret = try await Self.revoke(flow, "token=\(access)", clientId: flow.clientId, secret: "wrong")
            #expect(wrongSecret.action == .invalidClient)
            #expect(wrongSecret.responseContent?.contains(#""error":"invalid_client""#) == true)
            #expect(try await Self.introspect(flow, access).action == .ok)

            let missing = try await Self.revoke(flow, "token_type_hint=access_token", clientId: flow.clientId, secret: flow.secret)
            #expect(missing.action == .badRequest)

            // Another client's revocation leaves the token alive and looks the same as an unknown token.
            let other = try await flow.api.clientCreate(
                .init(path: .init(serviceId: Int64(flow.serviceId)!), body: OAuthClient(clientName: "Other", grantTypes: [.clientCredentials])))
            guard case .created(let otherClient) = other else { throw UnexpectedOutput() }
            let foreign = try await Self.revoke(flow, "token=\(access)", clientId: String(otherClient.clientId!), secret: otherClient.clientSecret)
            let unknown = try await Self.revoke(flow, "token=nothing-like-it", clientId: String(otherClient.clientId!), secret: otherClient.clientSecret)
            #expect(foreign.action == .ok && unknown.action == .ok)
            #expect(foreign.responseContent == nil && unknown.responseContent == nil)
            #expect(try await Self.introspect(flow, access).action == .ok)

            // The owner revokes the access token, with a misleading hint: it is found anyway.
            let revoked = try await Self.revoke(flow, "token=\(access)&token_type_hint=refresh_token", clientId: flow.clientId, secret: flow.secret)
            #expect(revoked.action == .ok)
            #expect(revoked.resultCode == "A113001")
            #expect(try await Self.introspect(flow, access).resultCode == "A056304")
            #expect(try await Self.revoke(flow, "token=\(access)", clientId: flow.clientId, secret: flow.secret).action == .ok)
            // The refresh token of that pair still works: revoking an access token leaves the grant.
            let refreshed = try await flow.token(
                "grant_type=refresh_token&refresh_token=\(try #require(first.refreshToken))", clientId: flow.clientId, secret: flow.secret)
            #expect(refreshed.action == .ok)

            // Revoking a refresh token takes the access tokens of its grant with it.
            let refresh = try #require(refreshed.refreshToken)
            let newAccess = try #require(refreshed.accessToken)
            #expect(try await Self.revoke(flow, "token=\(refresh)&token_type_hint=refresh_token", clientId: flow.clientId, secret: flow.secret).action == .ok)
            #expect(try await Self.introspect(flow, newAccess).action == .unauthorized)
            let afterRevocation = try await flow.token("grant_type=refresh_token&refresh_token=\(refresh)", clientId: flow.clientId, secret: flow.secret)
            #expect(try TokenFlowTests.body(afterRevocation)["error"] == "invalid_grant")
        }
    }
}
