import Foundation
import JWTKit
import SpecRuntime
import Testing
import WarrantClient

/// Request objects (RFC 9101): `request` at /auth/authorization and at /pushed_auth_req, signed with a key
/// of the client's registered JWK Set.
@Suite(.serialized) struct RequestObjectTests {
    /// Claims of any shape, as a client signs them.
    struct Claims: JWTPayload {
        var members: [String: JSONValue]
        init(_ members: [String: JSONValue]) { self.members = members }
        init(from decoder: any Decoder) throws { members = try [String: JSONValue](from: decoder) }
        func encode(to encoder: any Encoder) throws { try members.encode(to: encoder) }
        func verify(using algorithm: some JWTAlgorithm) async throws {}
    }

    struct Setup {
        let flow: TokenFlowTests.Flow
        let key: ES256PrivateKey
        let client: OAuthClient
        var clientId: String { String(client.clientId ?? 0) }
    }

    static let issuer = "https://as.example.com"
    static var now: Int { Int(Date().timeIntervalSince1970) }

    /// A client that signs its request objects with ES256.
    static func withSetup(
        configure: @escaping (inout Service) -> Void = { _ in }, client configureClient: @escaping @Sendable (inout OAuthClient) -> Void = { _ in },
        _ body: @Sendable (Setup) async throws -> Void
    ) async throws {
        try await TokenFlowTests.withFlow(configure: configure) { flow in
            let key = ES256PrivateKey()
            var registration = OAuthClient(
                clientName: "Signer", redirectUris: ["https://app.example.com/cb"], grantTypes: [.authorizationCode],
                jwks: try ClientAssertionTests.publicJWKS(key, kid: "rk"), requestSignAlg: .es256)
            configureClient(&registration)
            guard case .created(let client) = try await flow.api.clientCreate(.init(path: .init(serviceId: Int64(flow.serviceId)!), body: registration))
            else { throw UnexpectedOutput() }
            try await body(Setup(flow: flow, key: key, client: client))
        }
    }

    /// What the object asks for, as a client would write it.
    static func request(_ setup: Setup, _ extra: [String: JSONValue] = [:]) -> [String: JSONValue] {
        var claims: [String: JSONValue] = [
            "iss": .string(setup.clientId), "aud": .string(issuer), "client_id": .string(setup.clientId),
            "exp": .integer(Int64(now + 300)), "nbf": .integer(Int64(now - 10)),
            "response_type": "code", "redirect_uri": "https://app.example.com/cb", "scope": "openid email", "state": "object-state",
            "nonce": "n-object", "max_age": 300, "claims": ["id_token": ["email": .null]],
            "code_challenge": .string(TokenFlowTests.challenge), "code_challenge_method": "S256",
        ]
        for (name, value) in extra { claims[name] = value }
        return claims
    }

    static func sign(_ claims: [String: JSONValue], with key: ES256PrivateKey, kid: String = "rk") async throws -> String {
        let keys = JWTKeyCollection()
        await keys.add(ecdsa: key, kid: JWKIdentifier(string: kid))
        return try await keys.sign(Claims(claims), kid: JWKIdentifier(string: kid))
    }

    static func base64URL(_ text: String) -> String {
        Data(text.utf8).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func authorize(_ setup: Setup, _ parameters: String) async throws -> AuthorizationResponse {
        try await PushedAuthorizationTests.authorize(setup.flow, parameters)
    }

    @Test func theObjectsParametersAreTheRequest() async throws {
        try await Self.withSetup { setup in
            let claims = Self.request(setup)
            let jwt = try await Self.sign(claims, with: setup.key)
            // Only the object counts (RFC 9101 §5): the query's scope, state and login_hint are ignored.
            let response = try await Self.authorize(setup, "client_id=\(setup.clientId)&request=\(jwt)&scope=profile&state=query-state&login_hint=bob")
            #expect(response.action == .interaction)
            #expect(response.scopes?.map(\.name) == ["openid", "email"])
            #expect(response.maxAge == 300)
            #expect(response.claims == ["email"])
            #expect(response.loginHint == nil)
            #expect(try JSONValue(parsing: try #require(response.requestObjectPayload)) == .object(claims))
            let issued = try await setup.flow.issue(try #require(response.ticket))
            #expect(try AuthorizationTests.parameters(of: try #require(issued.responseContent))["state"] == "object-state")
        }
    }

    @Test func traditionalProcessingMergesTheObjectOverTheQuery() async throws {
        try await Self.withSetup(configure: { $0.traditionalRequestObjectProcessingApplied = true }) { setup in
            let jwt = try await Self.sign(Self.request(setup), with: setup.key)
            let response = try await Self.authorize(setup, "client_id=\(setup.clientId)&request=\(jwt)&scope=profile&login_hint=bob")
            #expect(response.action == .interaction)
            #expect(response.scopes?.map(\.name) == ["openid", "email"])  // the object's wins
            #expect(response.loginHint == "bob")  // the query's stays where the object has none
        }
    }

    @Test func objectsThatDoNotVerifyAreRefusedToTheUser() async throws {
        try await Self.withSetup { setup in
            let good = Self.request(setup)
            let hmac = JWTKeyCollection()
            await hmac.add(hmac: HMACKey(from: "a shared secret long enough for HS256, 32 bytes or more"), digestAlgorithm: .sha256, kid: "rk")
            let es384 = JWTKeyCollection()
            await es384.add(ecdsa: ES384PrivateKey(), kid: "rk")
            let unsigned = Self.base64URL(#"{"alg":"none"}"#) + "." + Self.base64URL(JSONValue.object(good).serializedString) + "."
            let cases: [(String, String)] = [
                ("another key", try await Self.sign(good, with: ES256PrivateKey())),
                ("none", unsigned),
                ("HS256", try await hmac.sign(Claims(good), kid: "rk")),
                ("ES384, not the registered ES256", try await es384.sign(Claims(good), kid: "rk")),
                ("expired", try await Self.sign(Self.request(setup, ["exp": .integer(Int64(Self.now - 3600))]), with: setup.key)),
                ("not yet valid", try await Self.sign(Self.request(setup, ["nbf": .integer(Int64(Self.now + 3600))]), with: setup.key)),
                ("another audience", try await Self.sign(Self.request(setup, ["aud": "https://other.example.com"]), with: setup.key)),
                ("another issuer", try await Self.sign(Self.request(setup, ["iss": "someone-else"]), with: setup.key)),
                ("another client_id", try await Self.sign(Self.request(setup, ["client_id": "12345"]), with: setup.key)),
                ("a request_uri inside", try await Self.sign(Self.request(setup, ["request_uri": "https://app.example.com/r"]), with: setup.key)),
                ("encrypted", "eyJhbGciOiJSU0EtT0FFUCJ9.a.b.c.d"),
                ("not a JWT", "not-a-jwt"),
            ]
            for (name, jwt) in cases {
                let response = try await Self.authorize(setup, "client_id=\(setup.clientId)&request=\(jwt)")
                #expect(response.action == .badRequest, "\(name)")
                #expect(try PushedAuthorizationTests.error(response.responseContent) == "invalid_request_object", "\(name)")
                #expect(response.ticket == nil, "\(name)")
            }
            let jwt = try await Self.sign(good, with: setup.key)
            for parameters in ["request=\(jwt)", "client_id=\(setup.clientId)&request=\(jwt)&request=\(jwt)", "client_id=\(setup.clientId)&request=\(jwt)&request_uri=x"] {
                let response = try await Self.authorize(setup, parameters)
                #expect(response.action == .badRequest, "\(parameters)")
                #expect(try PushedAuthorizationTests.error(response.responseContent) == "invalid_request", "\(parameters)")
            }
        }
    }

    @Test func withoutARegisteredAlgorithmNoneAndHMACAreStillRefused() async throws {
        try await Self.withSetup(client: { $0.requestSignAlg = nil }) { setup in
            let good = Self.request(setup)
            let hmac = JWTKeyCollection()
            await hmac.add(hmac: HMACKey(from: "a shared secret long enough for HS256, 32 bytes or more"), digestAlgorithm: .sha256, kid: "rk")
            let unsigned = Self.base64URL(#"{"alg":"none"}"#) + "." + Self.base64URL(JSONValue.object(good).serializedString) + "."
            for jwt in [unsigned, try await hmac.sign(Claims(good), kid: "rk")] {
                let response = try await Self.authorize(setup, "client_id=\(setup.clientId)&request=\(jwt)")
                #expect(try PushedAuthorizationTests.error(response.responseContent) == "invalid_request_object")
            }
            let signed = try await Self.sign(good, with: setup.key)
            #expect(try await Self.authorize(setup, "client_id=\(setup.clientId)&request=\(signed)").action == .interaction)
        }
    }

    @Test func theAudienceIsTheIssuerOnlyAndCanBeRequired() async throws {
        try await Self.withSetup(configure: { $0.requestObjectAudienceChecked = true; $0.tokenEndpoint = URL(string: "https://as.example.com/token") }) {
            setup in
            var withoutAudience = Self.request(setup)
            withoutAudience["aud"] = nil
            for claims in [withoutAudience, Self.request(setup, ["aud": "https://as.example.com/token"])] {
                let jwt = try await Self.sign(claims, with: setup.key)
                let response = try await Self.authorize(setup, "client_id=\(setup.clientId)&request=\(jwt)")
                #expect(try PushedAuthorizationTests.error(response.responseContent) == "invalid_request_object")
            }
            let listed = try await Self.sign(Self.request(setup, ["aud": ["https://as.example.com", "https://elsewhere.example.com"]]), with: setup.key)
            #expect(try await Self.authorize(setup, "client_id=\(setup.clientId)&request=\(listed)").action == .interaction)
        }
    }

    @Test func aPushedObjectMustBeSignedByTheClientThatPushedIt() async throws {
        try await Self.withSetup { setup in
            // Another client, with keys of its own, pushes an object signed with the signing client's key: it is
            // verified with the keys of the client that authenticated, and fails.
            let flow = setup.flow
            let otherKey = ES256PrivateKey()
            let body = OAuthClient(
                clientName: "Other", redirectUris: ["https://app.example.com/cb"], grantTypes: [.authorizationCode],
                jwks: try ClientAssertionTests.publicJWKS(otherKey, kid: "rk"), requestSignAlg: .es256)
            guard case .created(let other) = try await flow.api.clientCreate(.init(path: .init(serviceId: Int64(flow.serviceId)!), body: body)) else {
                throw UnexpectedOutput()
            }
            let jwt = try await Self.sign(Self.request(setup), with: setup.key)
            let pushed = try await PushedAuthorizationTests.push(
                flow, "request=\(jwt)", clientId: String(try #require(other.clientId)), secret: other.clientSecret)
            #expect(pushed.action == .badRequest)
            #expect(try PushedAuthorizationTests.error(pushed.responseContent) == "invalid_request_object")
        }
    }

    @Test func requiredObjectsTakeNothingFromTheQueryEvenWithTraditionalProcessing() async throws {
        try await Self.withSetup(configure: { $0.traditionalRequestObjectProcessingApplied = true }, client: { $0.requestObjectRequired = true }) {
            setup in
            let jwt = try await Self.sign(Self.request(setup), with: setup.key)
            let response = try await Self.authorize(setup, "client_id=\(setup.clientId)&request=\(jwt)&login_hint=mallory&prompt=none")
            #expect(response.action == .interaction)
            #expect(response.loginHint == nil)
        }
    }

    @Test func requestObjectRequiredAcceptsOnlySignedRequestsDirectOrPushed() async throws {
        try await Self.withSetup(client: { $0.requestObjectRequired = true }) { setup in
            let flow = setup.flow
            let plain = try await Self.authorize(setup, "client_id=\(setup.clientId)&" + PushedAuthorizationTests.pushed)
            #expect(try AuthorizationTests.parameters(of: try #require(plain.responseContent))["error"] == "invalid_request")
            let jwt = try await Self.sign(Self.request(setup), with: setup.key)
            #expect(try await Self.authorize(setup, "client_id=\(setup.clientId)&request=\(jwt)").action == .interaction)

            let secret = try #require(setup.client.clientSecret)
            let pushedPlain = try await PushedAuthorizationTests.push(flow, PushedAuthorizationTests.pushed, clientId: setup.clientId, secret: secret)
            #expect(pushedPlain.action == .badRequest)
            #expect(try PushedAuthorizationTests.error(pushedPlain.responseContent) == "invalid_request")
            let pushed = try await PushedAuthorizationTests.push(flow, "request=\(jwt)", clientId: setup.clientId, secret: secret)
            #expect(pushed.action == .created)
            let front = try await Self.authorize(setup, "client_id=\(setup.clientId)&request_uri=\(try #require(pushed.requestUri))")
            #expect(front.action == .interaction)
            #expect(front.requestObjectPayload != nil)
            #expect(front.scopes?.map(\.name) == ["openid", "email"])
        }
    }

    @Test func discoveryAndRegistrationSayWhatIsAccepted() async throws {
        try await Self.withSetup(configure: { $0.requestObjectRequired = true }) { setup in
            guard case .ok(let discovery) = try await setup.flow.api.serviceConfiguration(.init(path: .init(serviceId: Int64(setup.flow.serviceId)!)))
            else { throw UnexpectedOutput() }
            #expect(discovery["request_parameter_supported"] == true)
            #expect(discovery["request_uri_parameter_supported"] == true)  // from registered URLs (RequestUriTests)
            #expect(discovery["require_signed_request_object"] == true)
            let algorithms = discovery["request_object_signing_alg_values_supported"]?.arrayValue?.compactMap(\.stringValue) ?? []
            #expect(algorithms.contains("ES256") && algorithms.contains("PS256") && !algorithms.contains("HS256") && !algorithms.contains("none"))

            let hmac = OAuthClient(clientName: "HMAC", redirectUris: ["https://app.example.com/cb"], requestSignAlg: .hs256)
            guard case .badRequest(let refused) = try await setup.flow.api.clientCreate(.init(path: .init(serviceId: Int64(setup.flow.serviceId)!), body: hmac))
            else { throw UnexpectedOutput() }
            #expect(refused.fieldViolations?.map(\.path) == ["/requestSignAlg"])
        }
    }
}
