import Foundation
import JWTKit
import SpecRuntime
import Testing
import WarrantClient

/// Pushed authorization requests (RFC 9126): /pushed_auth_req, and request_uri at /auth/authorization.
@Suite(.serialized) struct PushedAuthorizationTests {
    typealias Flow = TokenFlowTests.Flow

    static let pushed = "response_type=code&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcb&scope=openid&state=st&nonce=n-1"
        + "&code_challenge=\(TokenFlowTests.challenge)&code_challenge_method=S256"

    static func push(_ flow: Flow, _ parameters: String, clientId: String? = nil, secret: String? = nil) async throws -> PushedAuthReqResponse {
        guard case .ok(let response) = try await flow.api.pushedAuthReq(
            .init(path: .init(serviceId: flow.serviceId), body: .init(parameters: parameters, clientId: clientId, clientSecret: secret)))
        else { throw UnexpectedOutput() }
        return response
    }

    static func authorize(_ flow: Flow, _ parameters: String) async throws -> AuthorizationResponse {
        guard case .ok(let response) = try await flow.api.authorization(.init(path: .init(serviceId: flow.serviceId), body: .init(parameters: parameters)))
        else { throw UnexpectedOutput() }
        return response
    }

    static func error(_ content: String?) throws -> String? {
        try JSONValue(parsing: try #require(content))["error"]?.stringValue
    }

    @Test func aPushedRequestIsUsedOnceByItsClientAndLeadsToTokens() async throws {
        try await TokenFlowTests.withFlow { flow in
            // client_id may be left out of a pushed request: the authenticated client is the one.
            let pushed = try await Self.push(flow, Self.pushed, clientId: flow.clientId, secret: flow.secret)
            #expect(pushed.action == .created)
            #expect(pushed.resultCode == "A245001")
            #expect(pushed.clientAuthMethod == .clientSecretBasic)
            let requestUri = try #require(pushed.requestUri)
            #expect(requestUri.hasPrefix("urn:ietf:params:oauth:request_uri:") && requestUri.count == 34 + 43)
            let content = try JSONValue(parsing: try #require(pushed.responseContent))
            #expect(content == ["request_uri": .string(requestUri), "expires_in": 600])

            // The front channel carries client_id and request_uri; anything else in it is ignored (RFC 9126 §4).
            let front = "client_id=\(flow.clientId)&request_uri=\(FormEncoding.escape(requestUri))&scope=profile&state=other&prompt=none"
            let authorization = try await Self.authorize(flow, front)
            #expect(authorization.action == .interaction)
            #expect(authorization.scopes?.map(\.name) == ["openid"])
            let issued = try await flow.issue(try #require(authorization.ticket))
            let location = try #require(issued.responseContent)
            let query = try AuthorizationTests.parameters(of: location)
            #expect(location.hasPrefix("https://app.example.com/cb?"))
            #expect(query["state"] == "st")
            let tokens = try await flow.redeem(try #require(query["code"]), verifier: TokenFlowTests.verifier)
            #expect(tokens.action == .ok)
            #expect(try TokenFlowTests.body(tokens)["id_token"] != nil)

            let again = try await Self.authorize(flow, front)
            #expect(again.action == .badRequest)
            #expect(again.resultCode == "A004202")
            #expect(try Self.error(again.responseContent) == "invalid_request_uri")
            #expect(again.ticket == nil)
        }
    }

    @Test func pushedRequestsAreCheckedAndAnsweredToTheClientNeverRedirected() async throws {
        try await TokenFlowTests.withFlow(configure: { $0.pkceS256Required = true }) { flow in
            let other = String(try #require(flow.publicClient.clientId))
            let unauthorized: [(String, String?, String?)] = [
                (Self.pushed, flow.clientId, "wrong"),
                (Self.pushed + "&client_id=\(flow.clientId)", nil, nil),  // a confidential client without its secret
                (Self.pushed + "&client_id=\(other)", flow.clientId, flow.secret),  // another client's request
            ]
            for (parameters, id, secret) in unauthorized {
                let response = try await Self.push(flow, parameters, clientId: id, secret: secret)
                #expect(response.action == .unauthorized, "\(parameters)")
                #expect(response.resultCode == "A245202")
                #expect(try Self.error(response.responseContent) == "invalid_client")
                #expect(response.requestUri == nil)
            }
            let invalid: [(String, String)] = [
                ("response_type=code&redirect_uri=https%3A%2F%2Fevil.example.com%2Fcb", "invalid_request"),
                ("response_type=code&request_uri=urn%3Aietf%3Aparams%3Aoauth%3Arequest_uri%3Aabc", "invalid_request"),
                ("response_type=code+token+magic", "unsupported_response_type"),
                ("response_type=code&code_challenge=\(TokenFlowTests.challenge)&code_challenge_method=plain", "invalid_request"),
                ("response_type=code&scope=openid&scope=email", "invalid_request"),
                ("response_type=code&request=eyJ.x.y", "invalid_request_object"),
                ("response_type=code&redirect_uri=%zz", "invalid_request"),
            ]
            for (parameters, error) in invalid {
                let response = try await Self.push(flow, parameters, clientId: flow.clientId, secret: flow.secret)
                #expect(response.action == .badRequest, "\(parameters)")
                #expect(response.resultCode == "A245201", "\(parameters)")
                // The error is the JSON body of the answer to the client, not a redirect.
                #expect(try Self.error(response.responseContent) == error, "\(parameters)")
                #expect(response.requestUri == nil)
            }
        }
    }

    @Test func aRequestUriIsOnlyItsOwnClientsAndOnlyForItsLifetime() async throws {
        try await TokenFlowTests.withFlow { flow in
            let requestUri = try #require(try await Self.push(flow, Self.pushed, clientId: flow.clientId, secret: flow.secret).requestUri)
            let escaped = FormEncoding.escape(requestUri)
            let other = String(try #require(flow.publicClient.clientId))
            let refused: [(String, String, String)] = [
                ("client_id=\(other)&request_uri=\(escaped)", "invalid_request_uri", "A004202"),
                ("request_uri=\(escaped)", "invalid_request", "A004201"),
                ("client_id=\(flow.clientId)&client_id=\(flow.clientId)&request_uri=\(escaped)", "invalid_request", "A004201"),
                ("client_id=\(flow.clientId)&request_uri=urn%3Aietf%3Aparams%3Aoauth%3Arequest_uri%3Aguess", "invalid_request_uri", "A004202"),
            ]
            for (parameters, error, code) in refused {
                let response = try await Self.authorize(flow, parameters)
                #expect(response.action == .badRequest, "\(parameters)")
                #expect(response.resultCode == code, "\(parameters)")
                #expect(try Self.error(response.responseContent) == error, "\(parameters)")
            }
            // None of those used it up.
            #expect(try await Self.authorize(flow, "client_id=\(flow.clientId)&request_uri=\(escaped)").action == .interaction)
        }
        try await TokenFlowTests.withFlow(configure: { $0.pushedAuthReqDuration = 1 }) { flow in
            let expiring = try #require(try await Self.push(flow, Self.pushed, clientId: flow.clientId, secret: flow.secret).requestUri)
            try await Task.sleep(for: .milliseconds(1500))
            let late = try await Self.authorize(flow, "client_id=\(flow.clientId)&request_uri=\(FormEncoding.escape(expiring))")
            #expect(try Self.error(late.responseContent) == "invalid_request_uri")
        }
    }

    @Test func requestsUsingOneRequestUriAtOnceGetOneTicket() async throws {
        try await TokenFlowTests.withFlow { flow in
            let requestUri = try #require(try await Self.push(flow, Self.pushed, clientId: flow.clientId, secret: flow.secret).requestUri)
            let front = "client_id=\(flow.clientId)&request_uri=\(FormEncoding.escape(requestUri))"
            let actions = try await withThrowingTaskGroup(of: AuthorizationAction.self) { group in
                for _ in 0..<8 { group.addTask { try await Self.authorize(flow, front).action } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(actions.filter { $0 == .interaction }.count == 1)
            #expect(actions.filter { $0 == .badRequest }.count == 7)
        }
    }

    @Test func parRequiredRefusesRequestsThatWereNotPushed() async throws {
        try await TokenFlowTests.withFlow(configure: {
            $0.parRequired = true
            $0.pushedAuthReqEndpoint = URL(string: "https://as.example.com/par")
        }) { flow in
            let direct = try await Self.authorize(flow, "client_id=\(flow.clientId)&" + Self.pushed)
            #expect(direct.action == .location)
            let query = try AuthorizationTests.parameters(of: try #require(direct.responseContent))
            #expect(query["error"] == "invalid_request")
            #expect(query["state"] == "st")
            let requestUri = try #require(try await Self.push(flow, Self.pushed, clientId: flow.clientId, secret: flow.secret).requestUri)
            #expect(try await Self.authorize(flow, "client_id=\(flow.clientId)&request_uri=\(FormEncoding.escape(requestUri))").action == .interaction)

            guard case .ok(let discovery) = try await flow.api.serviceConfiguration(.init(path: .init(serviceId: Int64(flow.serviceId)!))) else {
                throw UnexpectedOutput()
            }
            #expect(discovery["require_pushed_authorization_requests"] == true)
            #expect(discovery["pushed_authorization_request_endpoint"] == "https://as.example.com/par")
        }
    }

    @Test func aClientCanBeRequiredToPushOnAServiceThatDoesNotRequireIt() async throws {
        try await TokenFlowTests.withFlow { flow in
            let body = OAuthClient(clientName: "Bank", redirectUris: ["https://app.example.com/cb"], grantTypes: [.authorizationCode], parRequired: true)
            guard case .created(let bank) = try await flow.api.clientCreate(.init(path: .init(serviceId: Int64(flow.serviceId)!), body: body)) else {
                throw UnexpectedOutput()
            }
            let bankId = String(try #require(bank.clientId))
            let direct = try await Self.authorize(flow, "client_id=\(bankId)&" + Self.pushed)
            #expect(try AuthorizationTests.parameters(of: try #require(direct.responseContent))["error"] == "invalid_request")
            // The others are not affected.
            #expect(try await Self.authorize(flow, "client_id=\(flow.clientId)&" + Self.pushed).action == .interaction)
            let requestUri = try #require(try await Self.push(flow, Self.pushed, clientId: bankId, secret: bank.clientSecret).requestUri)
            #expect(try await Self.authorize(flow, "client_id=\(bankId)&request_uri=\(FormEncoding.escape(requestUri))").action == .interaction)
        }
    }

    @Test func aClientAssertionMayNameThePAREndpoint() async throws {
        try await TokenFlowTests.withFlow(configure: { $0.pushedAuthReqEndpoint = URL(string: "https://as.example.com/par") }) { flow in
            let key = ES256PrivateKey()
            let body = OAuthClient(
                clientName: "Signed", redirectUris: ["https://app.example.com/cb"], grantTypes: [.authorizationCode], tokenAuthMethod: .privateKeyJwt,
                tokenAuthSignAlg: .es256, jwks: try ClientAssertionTests.publicJWKS(key, kid: "k"))
            guard case .created(let client) = try await flow.api.clientCreate(.init(path: .init(serviceId: Int64(flow.serviceId)!), body: body)) else {
                throw UnexpectedOutput()
            }
            let id = String(try #require(client.clientId))
            let inAMinute = Int(Date().timeIntervalSince1970) + 60
            func push(audience: String, jti: String) async throws -> PushedAuthReqResponse {
                let assertion = try await ClientAssertionTests.sign(
                    .init(iss: id, sub: id, aud: audience, exp: inAMinute, jti: jti), with: key, kid: "k")
                return try await Self.push(
                    flow, Self.pushed + "&client_id=\(id)&client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer&client_assertion=\(assertion)")
            }
            let accepted = try await push(audience: "https://as.example.com/par", jti: "1")
            #expect(accepted.action == .created)
            #expect(accepted.clientAuthMethod == .privateKeyJwt)
            #expect(try await push(audience: "https://elsewhere.example.com/par", jti: "2").action == .unauthorized)
        }
    }
}
