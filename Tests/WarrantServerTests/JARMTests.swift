import Foundation
import JWTKit
import SpecRuntime
import Testing
import WarrantClient

/// JWT Secured Authorization Response Mode (JARM): the authorization response as one signed `response`
/// JWT, verified here with jwt-kit against the service's published JWK Set.
@Suite(.serialized) struct JARMTests {
    typealias Flow = TokenFlowTests.Flow

    static func authorize(_ flow: Flow, _ extra: String, client: String? = nil) async throws -> AuthorizationResponse {
        try await PushedAuthorizationTests.authorize(
            flow, "response_type=code&client_id=\(client ?? flow.clientId)&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcb&scope=openid&state=st&nonce=n" + extra)
    }

    /// The claims of the `response` parameter, once its signature verifies.
    static func response(in parameters: [String: String], _ flow: Flow) async throws -> [String: JSONValue] {
        #expect(Set(parameters.keys) == ["response"])
        let jwt = try #require(parameters["response"])
        return try await flow.jwks().verify(jwt, as: RequestObjectTests.Claims.self).members
    }

    static func header(of jwt: String) throws -> JSONValue {
        let part = String(jwt.split(separator: ".")[0])
        let padded = part.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/") + String(repeating: "=", count: (4 - part.count % 4) % 4)
        return try JSONValue(parsing: Array(try #require(Data(base64Encoded: padded))))
    }

    @Test func aCodeComesAsASignedResponseInTheQuery() async throws {
        try await TokenFlowTests.withFlow { flow in
            let authorization = try await Self.authorize(flow, "&response_mode=query.jwt&code_challenge=\(TokenFlowTests.challenge)&code_challenge_method=S256")
            #expect(authorization.action == .interaction)
            let issued = try await flow.issue(try #require(authorization.ticket))
            #expect(issued.action == .location)
            let location = try #require(issued.responseContent)
            #expect(location.hasPrefix("https://app.example.com/cb?response="))
            let claims = try await Self.response(in: try AuthorizationTests.parameters(of: location), flow)
            #expect(claims["code"]?.stringValue == issued.authorizationCode)
            #expect(claims["state"] == "st")
            #expect(claims["iss"] == "https://as.example.com")
            #expect(claims["aud"] == .string(flow.clientId))
            guard case .integer(let expiry)? = claims["exp"] else { throw UnexpectedOutput() }
            let now = Int64(Date().timeIntervalSince1970)
            #expect(expiry > now && expiry <= now + 600)
            let jwt = try #require(try AuthorizationTests.parameters(of: location)["response"])
            #expect(try Self.header(of: jwt)["alg"] == "RS256")
            let tokens = try await flow.redeem(try #require(claims["code"]?.stringValue), verifier: TokenFlowTests.verifier)
            #expect(tokens.action == .ok)
        }
    }

    @Test func jwtAloneTakesTheResponseTypesDefaultAndFormPostJWTPostsIt() async throws {
        try await TokenFlowTests.withFlow { flow in
            let query = try await flow.issue(try #require(try await Self.authorize(flow, "&response_mode=jwt").ticket))
            #expect(query.responseContent?.hasPrefix("https://app.example.com/cb?response=") == true)

            let hybrid = try await PushedAuthorizationTests.authorize(
                flow, "response_type=code+id_token&client_id=\(flow.clientId)&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcb&scope=openid&nonce=n&response_mode=jwt")
            let fragment = try await flow.issue(try #require(hybrid.ticket))
            let location = try #require(fragment.responseContent)
            #expect(location.hasPrefix("https://app.example.com/cb#response="))
            let claims = try await Self.response(in: try AuthorizationTests.parameters(of: location), flow)
            #expect(claims["code"] != nil && claims["id_token"] != nil)

            let posted = try await flow.issue(try #require(try await Self.authorize(flow, "&response_mode=form_post.jwt").ticket))
            #expect(posted.action == .form)
            let page = try #require(posted.responseContent)
            #expect(page.contains("<input type=\"hidden\" name=\"response\" value=\"ey"))
            #expect(!page.contains("name=\"code\"") && !page.contains("name=\"state\""))
        }
    }

    @Test func errorsAfterTheRedirectURIIsTrustedComeSignedToo() async throws {
        try await TokenFlowTests.withFlow { flow in
            let refused = try await Self.authorize(flow, "&response_mode=query.jwt&prompt=sometimes")
            #expect(refused.action == .location)
            let claims = try await Self.response(in: try AuthorizationTests.parameters(of: try #require(refused.responseContent)), flow)
            #expect(claims["error"] == "invalid_request")
            #expect(claims["state"] == "st")

            // Tokens never travel in a query, even signed (JARM §2.3.1 allows it only encrypted).
            let implicit = try await PushedAuthorizationTests.authorize(
                flow, "response_type=token&client_id=\(flow.clientId)&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcb&response_mode=query.jwt&state=st")
            let implicitClaims = try await Self.response(in: try AuthorizationTests.parameters(of: try #require(implicit.responseContent)), flow)
            #expect(implicitClaims["error"] == "invalid_request")

            let ticket = try #require(try await Self.authorize(flow, "&response_mode=fragment.jwt").ticket)
            guard case .ok(let failed) = try await flow.api.authorizationFail(.init(path: .init(serviceId: flow.serviceId), body: .init(ticket: ticket, reason: .denied)))
            else { throw UnexpectedOutput() }
            let location = try #require(failed.responseContent)
            #expect(location.hasPrefix("https://app.example.com/cb#response="))
            let failure = try await Self.response(in: try AuthorizationTests.parameters(of: location), flow)
            #expect(failure["error"] == "access_denied")
            #expect(failure["state"] == "st")
        }
    }

    @Test func theClientChoosesTheAlgorithmAndMayBeHeldToJWTModes() async throws {
        try await TokenFlowTests.withFlow { flow in
            let body = OAuthClient(
                clientName: "JARM only", redirectUris: ["https://app.example.com/cb"], grantTypes: [.authorizationCode], authorizationSignAlg: .es256,
                responseModes: [.queryJwt])
            guard case .created(let client) = try await flow.api.clientCreate(.init(path: .init(serviceId: Int64(flow.serviceId)!), body: body)) else {
                throw UnexpectedOutput()
            }
            let id = String(try #require(client.clientId))
            let plain = try await Self.authorize(flow, "", client: id)
            #expect(try AuthorizationTests.parameters(of: try #require(plain.responseContent))["error"] == "unauthorized_client")
            let issued = try await flow.issue(try #require(try await Self.authorize(flow, "&response_mode=query.jwt", client: id).ticket))
            let jarmLocation = try #require(issued.responseContent)
            let jwt = try #require(try AuthorizationTests.parameters(of: jarmLocation)["response"])
            #expect(try Self.header(of: jwt)["alg"] == "ES256")
            #expect(try await Self.response(in: ["response": jwt], flow)["aud"] == .string(id))

            let unsupported = OAuthClient(clientName: "HS", redirectUris: ["https://app.example.com/cb"], authorizationSignAlg: .hs256)
            guard case .badRequest(let refused) = try await flow.api.clientCreate(.init(path: .init(serviceId: Int64(flow.serviceId)!), body: unsupported))
            else { throw UnexpectedOutput() }
            #expect(refused.fieldViolations?.map(\.path) == ["/authorizationSignAlg"])

            guard case .ok(let discovery) = try await flow.api.serviceConfiguration(.init(path: .init(serviceId: Int64(flow.serviceId)!))) else {
                throw UnexpectedOutput()
            }
            let modes = discovery["response_modes_supported"]?.arrayValue?.compactMap(\.stringValue) ?? []
            #expect(modes.contains("query.jwt") && modes.contains("jwt") && modes.contains("form_post.jwt"))
            #expect(discovery["authorization_signing_alg_values_supported"]?.arrayValue?.contains("ES256") == true)
        }
    }
}
