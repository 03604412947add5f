import Foundation
import JWTKit
import SpecRuntime
import Testing
import WarrantClient

/// FAPI 2.0 as service and client settings (`supportedServiceProfiles`, `fapiModes`): each rule of the
/// Security Profile and of Message Signing, with a positive and a negative case, and the whole flow.
@Suite(.serialized) struct FAPITests {
    static let issuer = "https://bank.example.com"
    static let redirect = "https://tpp.example.com/cb"
    static let assertionType = "urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer"

    struct Setup {
        let api: Client
        let serviceId: String
        let clientId: String
        let key: ES256PrivateKey
        let prover = DPoPTests.Prover()

        /// private_key_jwt credentials with the issuer as aud, as FAPI 2.0 wants.
        func credentials(audience: String = FAPITests.issuer) async throws -> String {
            let assertion = try await ClientAssertionTests.sign(
                .init(iss: clientId, sub: clientId, aud: audience, exp: Int(Date().timeIntervalSince1970) + 60, jti: UUID().uuidString), with: key,
                kid: "k")
            return "client_id=\(clientId)&client_assertion_type=\(FAPITests.assertionType)&client_assertion=\(assertion)"
        }

        func push(_ parameters: String, audience: String = FAPITests.issuer, dpop: Bool = true) async throws -> PushedAuthReqResponse {
            let proof = dpop ? try await prover.proof("https://bank.example.com/par") : nil
            guard case .ok(let response) = try await api.pushedAuthReq(
                .init(path: .init(serviceId: serviceId), body: .init(parameters: try await credentials(audience: audience) + "&" + parameters, dpop: proof)))
            else { throw UnexpectedOutput() }
            return response
        }

        func token(_ parameters: String, dpop: Bool = true) async throws -> TokenResponse {
            let proof = dpop ? try await prover.proof("https://bank.example.com/token") : nil
            guard case .ok(let response) = try await api.authToken(
                .init(path: .init(serviceId: serviceId), body: .init(parameters: parameters + "&" + (try await credentials()), dpop: proof)))
            else { throw UnexpectedOutput() }
            return response
        }

        /// Push, authorize with the request_uri, and let alice approve: the authorization response.
        func authorize(_ parameters: String) async throws -> AuthorizationIssueResponse {
            let pushed = try await push(parameters)
            let uri = try #require(pushed.requestUri, "\(pushed.resultMessage)")
            guard case .ok(let authorization) = try await api.authorization(
                .init(path: .init(serviceId: serviceId), body: .init(parameters: "client_id=\(clientId)&request_uri=\(FormEncoding.escape(uri))")))
            else { throw UnexpectedOutput() }
            let ticket = try #require(authorization.ticket)
            guard case .ok(let issued) = try await api.authorizationIssue(.init(path: .init(serviceId: serviceId), body: .init(ticket: ticket, subject: "alice")))
            else { throw UnexpectedOutput() }
            return issued
        }
    }

    static let good =
        "response_type=code&redirect_uri=\(FormEncoding.escape(redirect))&scope=openid&state=s&code_challenge=\(TokenFlowTests.challenge)&code_challenge_method=S256"

    static func withSetup(modes: [FapiMode] = [.fapi2Security], _ body: @Sendable (Setup) async throws -> Void) async throws {
        try await TestServer.with { server in
            let api = server.client()
            var service = Service(serviceName: "Bank", issuer: URL(string: issuer)!)
            service.supportedServiceProfiles = [.fapi]
            service.fapiModes = modes
            service.tokenEndpoint = URL(string: "https://bank.example.com/token")
            service.pushedAuthReqEndpoint = URL(string: "https://bank.example.com/par")
            service.supportedGrantTypes = [.authorizationCode, .refreshToken]
            service.supportedResponseTypes = [.code, .codeIdToken]
            service.supportedTokenAuthMethods = [.privateKeyJwt, .clientSecretBasic]
            let apiKey = try #require(try await api.createService(service).apiKey)
            let key = ES256PrivateKey()
            var client = OAuthClient(
                clientName: "TPP", redirectUris: [redirect], responseTypes: [.code, .codeIdToken], grantTypes: [.authorizationCode, .refreshToken],
                tokenAuthMethod: .privateKeyJwt,
                jwks: try ClientAssertionTests.publicJWKS(key, kid: "k"))
            client.tokenAuthSignAlg = .es256
            client.idTokenSignAlg = .es256
            client.authorizationSignAlg = .es256
            client.requestSignAlg = .es256
            guard case .created(let created) = try await api.clientCreate(.init(path: .init(serviceId: apiKey), body: client)) else {
                throw UnexpectedOutput()
            }
            try await body(Setup(api: api, serviceId: String(apiKey), clientId: String(try #require(created.clientId)), key: key))
        }
    }

    static func error(_ content: String?) throws -> String? { try JSONValue(parsing: try #require(content))["error"]?.stringValue }

    @Test func theWholeFlowWithPARDPoPAndPrivateKeyJWT() async throws {
        try await Self.withSetup { setup in
            let issued = try await setup.authorize(Self.good)
            #expect(issued.action == .location)
            let code = try #require(issued.authorizationCode)
            let redeem = "grant_type=authorization_code&code=\(code)&redirect_uri=\(FormEncoding.escape(Self.redirect))&code_verifier=\(TokenFlowTests.verifier)"
            let tokens = try await setup.token(redeem)
            #expect(tokens.action == .ok)
            #expect(try TokenFlowTests.body(tokens)["token_type"] == "DPoP")
            let access = try #require(tokens.accessToken)
            guard case .ok(let introspected) = try await setup.api.introspection(
                .init(
                    path: .init(serviceId: setup.serviceId),
                    body: .init(
                        token: access, dpop: try await setup.prover.proof(DPoPTests.resource, htm: "GET", token: access), htm: "GET",
                        htu: URL(string: DPoPTests.resource))))
            else { throw UnexpectedOutput() }
            #expect(introspected.action == .ok)
            let refreshed = try await setup.token("grant_type=refresh_token&refresh_token=\(try #require(tokens.refreshToken))")
            #expect(refreshed.action == .ok)
            // Bearer tokens are not issued under FAPI 2.0.
            let again = try await setup.authorize(Self.good)
            let bearer = try await setup.token(
                "grant_type=authorization_code&code=\(try #require(again.authorizationCode))&redirect_uri=\(FormEncoding.escape(Self.redirect))&code_verifier=\(TokenFlowTests.verifier)",
                dpop: false)
            #expect(bearer.action == .badRequest)
            #expect(bearer.resultMessage.contains("sender-constrained"))
        }
    }

    @Test func theWholeFlowOverMutualTLSWithCertificateBoundTokens() async throws {
        let pki = try MutualTLSTests.PKI.make()
        try await TestServer.with { server in
            let api = server.client()
            var service = Service(serviceName: "Bank over mTLS", issuer: URL(string: Self.issuer)!)
            service.supportedServiceProfiles = [.fapi]
            service.fapiModes = [.fapi2Security]
            service.supportedGrantTypes = [.authorizationCode, .refreshToken]
            service.supportedTokenAuthMethods = [.tlsClientAuth]
            let apiKey = try #require(try await api.createService(service).apiKey)
            var registration = OAuthClient(
                clientName: "TPP", redirectUris: [Self.redirect], grantTypes: [.authorizationCode, .refreshToken], tokenAuthMethod: .tlsClientAuth,
                idTokenSignAlg: .es256, tlsClientCertificateBoundAccessTokens: true)
            registration.tlsClientAuthSanDns = "client.example.com"
            guard case .created(let client) = try await api.clientCreate(.init(path: .init(serviceId: apiKey), body: registration)) else {
                throw UnexpectedOutput()
            }
            let id = String(try #require(client.clientId))
            guard case .ok(let pushed) = try await api.pushedAuthReq(
                .init(path: .init(serviceId: String(apiKey)), body: .init(parameters: "client_id=\(id)&" + Self.good, clientCertificate: pki.client)))
            else { throw UnexpectedOutput() }
            #expect(pushed.action == .created)
            guard case .ok(let authorization) = try await api.authorization(
                .init(
                    path: .init(serviceId: String(apiKey)),
                    body: .init(parameters: "client_id=\(id)&request_uri=\(FormEncoding.escape(try #require(pushed.requestUri)))")))
            else { throw UnexpectedOutput() }
            let ticket = try #require(authorization.ticket)
            guard case .ok(let issued) = try await api.authorizationIssue(.init(path: .init(serviceId: String(apiKey)), body: .init(ticket: ticket, subject: "alice")))
            else { throw UnexpectedOutput() }
            let code = try #require(issued.authorizationCode)
            func token(_ parameters: String, _ certificate: String?) async throws -> TokenResponse {
                guard case .ok(let response) = try await api.authToken(
                    .init(path: .init(serviceId: String(apiKey)), body: .init(parameters: "client_id=\(id)&" + parameters, clientCertificate: certificate)))
                else { throw UnexpectedOutput() }
                return response
            }
            let redeem = "grant_type=authorization_code&code=\(code)&redirect_uri=\(FormEncoding.escape(Self.redirect))&code_verifier=\(TokenFlowTests.verifier)"
            // Without the certificate the client cannot even authenticate.
            #expect(try await token(redeem, nil).action == .invalidClient)
            let tokens = try await token(redeem, pki.client)
            #expect(tokens.action == .ok)
            let access = try #require(tokens.accessToken)
            func introspect(_ certificate: String?) async throws -> IntrospectionAction {
                guard case .ok(let answer) = try await api.introspection(
                    .init(path: .init(serviceId: String(apiKey)), body: .init(token: access, clientCertificate: certificate)))
                else { throw UnexpectedOutput() }
                return answer.action
            }
            #expect(try await introspect(pki.client) == .ok)
            #expect(try await introspect(pki.impostor) == .unauthorized)
            #expect(try await token("grant_type=refresh_token&refresh_token=\(try #require(tokens.refreshToken))", pki.client).action == .ok)
        }
    }

    @Test func everyAuthorizationRuleOfTheSecurityProfile() async throws {
        try await Self.withSetup { setup in
            // Pushed only.
            guard case .ok(let direct) = try await setup.api.authorization(
                .init(path: .init(serviceId: setup.serviceId), body: .init(parameters: "client_id=\(setup.clientId)&" + Self.good)))
            else { throw UnexpectedOutput() }
            #expect(direct.ticket == nil)
            let location = try #require(direct.responseContent)
            #expect(try AuthorizationTests.parameters(of: location)["error"] == "invalid_request")
            let refused: [(String, String, String)] = [
                ("no PKCE", "response_type=code&redirect_uri=\(FormEncoding.escape(Self.redirect))&scope=openid", "invalid_request"),
                ("plain PKCE", "response_type=code&redirect_uri=\(FormEncoding.escape(Self.redirect))&code_challenge=\(TokenFlowTests.verifier)&code_challenge_method=plain", "invalid_request"),
                ("no redirect_uri", "response_type=code&scope=openid&code_challenge=\(TokenFlowTests.challenge)&code_challenge_method=S256", "invalid_request"),
            ]
            for (name, parameters, error) in refused {
                let response = try await setup.push(parameters)
                #expect(response.action == .badRequest, "\(name)")
                #expect(try Self.error(response.responseContent) == error, "\(name)")
                #expect(response.resultMessage.contains("FAPI 2.0"), "\(name): \(response.resultMessage)")
            }
            // A hybrid response type the service and the client both allow, still refused under FAPI 2.0.
            let hybrid = try await setup.push(Self.good.replacingOccurrences(of: "response_type=code", with: "response_type=code+id_token") + "&nonce=n")
            #expect(try Self.error(hybrid.responseContent) == "unsupported_response_type")
            #expect(hybrid.resultMessage.contains("FAPI 2.0"))
            // A DPoP proof with an algorithm DPoP takes but FAPI 2.0 does not (ES384).
            let es384 = ES384PrivateKey()
            let parameters = try #require(es384.publicKey.parameters)
            var header = JWTHeader()
            header.typ = "dpop+jwt"
            header.fields["jwk"] = .object(["kty": "EC", "crv": "P-384", "x": .string(parameters.x), "y": .string(parameters.y)])
            let keys = JWTKeyCollection()
            await keys.add(ecdsa: es384)
            let proof = try await keys.sign(
                RequestObjectTests.Claims([
                    "jti": .string(UUID().uuidString), "htm": "POST", "htu": "https://bank.example.com/par", "iat": .integer(Int64(Date().timeIntervalSince1970)),
                ]),
                header: header)
            guard case .ok(let weak) = try await setup.api.pushedAuthReq(
                .init(path: .init(serviceId: setup.serviceId), body: .init(parameters: try await setup.credentials() + "&" + Self.good, dpop: proof)))
            else { throw UnexpectedOutput() }
            #expect(try Self.error(weak.responseContent) == "invalid_dpop_proof")
            // The issuer alone as the assertion's aud.
            let endpointAudience = try await setup.push(Self.good, audience: "https://bank.example.com/token")
            #expect(endpointAudience.action == .unauthorized)
            #expect(try await setup.push(Self.good).action == .created)
        }
    }

    @Test func registrationFollowsTheProfile() async throws {
        try await Self.withSetup { setup in
            let apiKey = Int64(setup.serviceId)!
            let cases: [(String, OAuthClient, String)] = [
                ("public", OAuthClient(clientName: "SPA", clientType: .public, redirectUris: [Self.redirect], tokenAuthMethod: ClientAuthMethod.none, idTokenSignAlg: .es256), "/clientType"),
                ("client_secret_basic", OAuthClient(clientName: "Secret", redirectUris: [Self.redirect], tokenAuthMethod: .clientSecretBasic, idTokenSignAlg: .es256), "/tokenAuthMethod"),
                ("RS256 ID tokens", OAuthClient(clientName: "RS", redirectUris: [Self.redirect], tokenAuthMethod: .privateKeyJwt, idTokenSignAlg: .rs256), "/idTokenSignAlg"),
                ("FAPI 1", OAuthClient(clientName: "Old", redirectUris: [Self.redirect], tokenAuthMethod: .privateKeyJwt, idTokenSignAlg: .es256, fapiModes: [.fapi1Advanced]), "/fapiModes/0"),
                ("no method", OAuthClient(clientName: "Default", redirectUris: [Self.redirect], idTokenSignAlg: .es256), "/tokenAuthMethod"),
                ("password", OAuthClient(clientName: "ROPC", redirectUris: [Self.redirect], grantTypes: [.authorizationCode, .password], tokenAuthMethod: .privateKeyJwt, idTokenSignAlg: .es256), "/grantTypes/1"),
            ]
            for (name, client, path) in cases {
                guard case .badRequest(let result) = try await setup.api.clientCreate(.init(path: .init(serviceId: apiKey), body: client)) else {
                    throw UnexpectedOutput()
                }
                #expect(result.fieldViolations?.map(\.path).contains(path) == true, "\(name): \(result.fieldViolations?.map(\.path) ?? [])")
            }
        }
        // A client registered before the service turned FAPI on is refused at use.
        try await TestServer.with { server in
            let api = server.client()
            var service = Service(serviceName: "Later", issuer: URL(string: Self.issuer)!)
            service.supportedServiceProfiles = [.fapi]
            let apiKey = try #require(try await api.createService(service).apiKey)
            guard case .created(let old) = try await api.clientCreate(
                .init(path: .init(serviceId: apiKey), body: OAuthClient(clientName: "Old", redirectUris: [Self.redirect])))
            else { throw UnexpectedOutput() }
            guard case .ok(var stored) = try await api.serviceGet(.init(path: .init(serviceId: apiKey))) else { throw UnexpectedOutput() }
            stored.fapiModes = [.fapi2Security]
            guard case .ok = try await api.serviceUpdate(.init(path: .init(serviceId: apiKey), body: stored)) else { throw UnexpectedOutput() }
            guard case .ok(let pushed) = try await api.pushedAuthReq(
                .init(
                    path: .init(serviceId: String(apiKey)),
                    body: .init(parameters: Self.good, clientId: String(try #require(old.clientId)), clientSecret: old.clientSecret)))
            else { throw UnexpectedOutput() }
            #expect(pushed.action == .unauthorized)
            #expect(pushed.resultMessage.contains("FAPI 2.0"))
        }
        // fapiModes need a service that offers FAPI.
        try await TestServer.with { server in
            var service = Service(serviceName: "No FAPI", issuer: URL(string: Self.issuer)!)
            service.fapiModes = [.fapi2Security]
            guard case .badRequest(let result) = try await server.client().serviceCreate(.init(body: service)) else { throw UnexpectedOutput() }
            #expect(result.fieldViolations?.map(\.path) == ["/fapiModes"])
            var openBanking = Service(serviceName: "UK", issuer: URL(string: Self.issuer)!)
            openBanking.supportedServiceProfiles = [.fapi, .openBanking]
            guard case .badRequest(let refused) = try await server.client().serviceCreate(.init(body: openBanking)) else { throw UnexpectedOutput() }
            #expect(refused.fieldViolations?.map(\.path) == ["/supportedServiceProfiles/1"])
        }
    }

    @Test func messageSigningNeedsSignedRequestsAndSignsResponses() async throws {
        try await Self.withSetup(modes: [.fapi2Security, .fapi2MessageSigningAuthReq, .fapi2MessageSigningAuthRes]) { setup in
            let plain = try await setup.push(Self.good)
            #expect(plain.action == .badRequest)
            let now = Int64(Date().timeIntervalSince1970)
            func object(nbf: Int64, exp: Int64) async throws -> String {
                var claims: [String: JSONValue] = [
                    "iss": .string(setup.clientId), "aud": .string(Self.issuer), "client_id": .string(setup.clientId), "nbf": .integer(nbf),
                    "exp": .integer(exp),
                ]
                for pair in Self.good.split(separator: "&") {
                    let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
                    claims[parts[0]] = .string(parts[1].removingPercentEncoding ?? parts[1])
                }
                return try await RequestObjectTests.sign(claims, with: setup.key, kid: "k")
            }
            let long = try await setup.push("request=" + (try await object(nbf: now - 10, exp: now + 7200)))
            #expect(try Self.error(long.responseContent) == "invalid_request_object")
            let issued = try await setup.authorize("request=" + (try await object(nbf: now - 10, exp: now + 300)))
            #expect(issued.action == .location)
            // JARM: the response is one signed JWT, verified with the service's keys.
            let location = try #require(issued.responseContent)
            let response = try #require(try AuthorizationTests.parameters(of: location)["response"])
            guard case .ok(let document) = try await setup.api.serviceJwksGet(.init(path: .init(serviceId: Int64(setup.serviceId)!))) else {
                throw UnexpectedOutput()
            }
            let claims = try await JWTKeyCollection().add(jwksJSON: document.serializedString).verify(response, as: RequestObjectTests.Claims.self).members
            #expect(claims["code"]?.stringValue == issued.authorizationCode)
            #expect(claims["iss"] == .string(Self.issuer))
        }
    }
}
