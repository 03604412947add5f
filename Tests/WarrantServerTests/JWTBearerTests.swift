import Foundation
import JWTKit
import SpecRuntime
import Testing
import WarrantClient

/// The JWT bearer grant (RFC 7523 §2.1): checked and handed to the front end with JWT_BEARER, as Authlete
/// does, or verified and decided by warrant with `jwtGrantDirect`.
@Suite(.serialized) struct JWTBearerTests {
    static let grant = "urn:ietf:params:oauth:grant-type:jwt-bearer"
    static let issuer = "https://as.example.com"
    static var now: Int64 { Int64(Date().timeIntervalSince1970) }

    struct Setup {
        let api: Client
        let serviceId: String
        let client: OAuthClient
        let key: ES256PrivateKey
        var clientId: String { String(client.clientId ?? 0) }
    }

    static func withSetup(configure: @escaping (inout Service) -> Void = { _ in }, _ body: @Sendable (Setup) async throws -> Void) async throws {
        try await TestServer.with { server in
            let api = server.client()
            var service = Service(serviceName: "JWT bearer", issuer: URL(string: issuer)!)
            service.supportedGrantTypes = [.clientCredentials, .jwtBearer]
            service.tokenEndpoint = URL(string: "https://as.example.com/token")
            configure(&service)
            let apiKey = try #require(try await api.createService(service).apiKey)
            let key = ES256PrivateKey()
            let registration = OAuthClient(
                clientName: "Assertions", grantTypes: [.jwtBearer], jwks: try ClientAssertionTests.publicJWKS(key, kid: "a"))
            guard case .created(let client) = try await api.clientCreate(.init(path: .init(serviceId: apiKey), body: registration)) else {
                throw UnexpectedOutput()
            }
            try await body(Setup(api: api, serviceId: String(apiKey), client: client, key: key))
        }
    }

    static func claims(_ setup: Setup, _ extra: [String: JSONValue] = [:]) -> [String: JSONValue] {
        var claims: [String: JSONValue] = [
            "iss": .string(setup.clientId), "sub": "alice", "aud": .string(issuer), "exp": .integer(now + 300), "iat": .integer(now),
            "jti": .string(UUID().uuidString),
        ]
        for (name, value) in extra { claims[name] = value }
        return claims
    }

    static func sign(_ claims: [String: JSONValue], with key: ES256PrivateKey, kid: String = "a") async throws -> String {
        try await RequestObjectTests.sign(claims, with: key, kid: kid)
    }

    static func token(_ setup: Setup, assertion: String?, client: Bool = true, scope: String? = nil) async throws -> TokenResponse {
        var parameters = "grant_type=\(FormEncoding.escape(grant))"
        if let assertion { parameters += "&assertion=\(assertion)" }
        if let scope { parameters += "&scope=\(scope)" }
        guard case .ok(let response) = try await setup.api.authToken(
            .init(
                path: .init(serviceId: setup.serviceId),
                body: .init(parameters: parameters, clientId: client ? setup.clientId : nil, clientSecret: client ? setup.client.clientSecret : nil)))
        else { throw UnexpectedOutput() }
        return response
    }

    static func error(_ response: TokenResponse) throws -> String? {
        try JSONValue(parsing: try #require(response.responseContent))["error"]?.stringValue
    }

    @Test func aCheckedAssertionGoesToTheFrontEndWhichIssuesWithTokenCreate() async throws {
        try await Self.withSetup { setup in
            let assertion = try await Self.sign(Self.claims(setup), with: ES256PrivateKey())  // warrant does not verify it here
            let response = try await Self.token(setup, assertion: assertion, client: false, scope: "profile")
            #expect(response.action == .jwtBearer)
            #expect(response.resultCode == "A050006")
            #expect(response.assertion == assertion)
            #expect(response.responseContent == nil)
            #expect(response.clientId == 0)
            #expect(response.scopes == ["profile"])
            let identified = try await Self.token(setup, assertion: assertion)
            #expect(identified.action == .jwtBearer)
            #expect(identified.clientId == setup.client.clientId)
            // The front end verified it and issues the token.
            guard case .ok(let created) = try await setup.api.tokenCreate(
                .init(path: .init(serviceId: setup.serviceId), body: .init(grantType: .jwtBearer, clientId: setup.client.clientId, subject: "alice")))
            else { throw UnexpectedOutput() }
            #expect(created.action == .ok)
            #expect(created.grantType == .jwtBearer)
        }
    }

    @Test func assertionsFailingAuthletesChecksAreRefused() async throws {
        try await Self.withSetup { setup in
            let key = setup.key
            let unsigned = RequestObjectTests.base64URL(#"{"alg":"none"}"#) + "." + RequestObjectTests.base64URL(JSONValue.object(Self.claims(setup)).serializedString) + "."
            let cases: [(String, String?, String)] = [
                ("no assertion", nil, "invalid_request"),
                ("not a JWT", "garbage", "invalid_grant"),
                ("no iss", try await Self.sign(Self.claims(setup, ["iss": .null]), with: key), "invalid_grant"),
                ("no sub", try await Self.sign(Self.claims(setup, ["sub": 7]), with: key), "invalid_grant"),
                ("another audience", try await Self.sign(Self.claims(setup, ["aud": "https://other.example.com"]), with: key), "invalid_grant"),
                ("expired", try await Self.sign(Self.claims(setup, ["exp": .integer(Self.now - 120)]), with: key), "invalid_grant"),
                ("no exp", try await Self.sign(Self.claims(setup, ["exp": .null]), with: key), "invalid_grant"),
                ("iat in the future", try await Self.sign(Self.claims(setup, ["iat": .integer(Self.now + 600)]), with: key), "invalid_grant"),
                ("nbf in the future", try await Self.sign(Self.claims(setup, ["nbf": .integer(Self.now + 600)]), with: key), "invalid_grant"),
                ("nbf at Int64.max", try await Self.sign(Self.claims(setup, ["nbf": .integer(.max)]), with: key), "invalid_grant"),
                ("exp at Int64.min", try await Self.sign(Self.claims(setup, ["exp": .integer(.min)]), with: key), "invalid_grant"),
            ]
            for (name, assertion, error) in cases {
                let response = try await Self.token(setup, assertion: assertion)
                #expect(response.action == .badRequest, "\(name)")
                #expect(try Self.error(response) == error, "\(name)")
            }
            // exp at Int64.max saturates and passes these checks.
            #expect(try await Self.token(setup, assertion: try await Self.sign(Self.claims(setup, ["exp": .integer(.max)]), with: key)).action == .jwtBearer)
            // The token endpoint's URL is an audience too; unsigned and encrypted assertions pass on unless refused.
            let toEndpoint = try await Self.sign(Self.claims(setup, ["aud": ["https://as.example.com/token"]]), with: key)
            #expect(try await Self.token(setup, assertion: toEndpoint).action == .jwtBearer)
            #expect(try await Self.token(setup, assertion: unsigned).action == .jwtBearer)
            #expect(try await Self.token(setup, assertion: "eyJhbGciOiJSU0EtT0FFUCJ9.a.b.c.d").action == .jwtBearer)
        }
        try await Self.withSetup(configure: {
            $0.jwtGrantUnsignedJwtRejected = true
            $0.jwtGrantEncryptedJwtRejected = true
            $0.jwtGrantByIdentifiableClientsOnly = true
        }) { setup in
            let unsigned = RequestObjectTests.base64URL(#"{"alg":"none"}"#) + "." + RequestObjectTests.base64URL(JSONValue.object(Self.claims(setup)).serializedString) + "."
            #expect(try Self.error(try await Self.token(setup, assertion: unsigned)) == "invalid_grant")
            #expect(try Self.error(try await Self.token(setup, assertion: "eyJhbGciOiJSU0EtT0FFUCJ9.a.b.c.d")) == "invalid_grant")
            let signed = try await Self.sign(Self.claims(setup), with: setup.key)
            let anonymous = try await Self.token(setup, assertion: signed, client: false)
            #expect(anonymous.action == .invalidClient)
            #expect(try await Self.token(setup, assertion: signed).action == .jwtBearer)
        }
    }

    @Test func directGrantsVerifyTheAssertionAndIssueForItsSubject() async throws {
        let idp = ES256PrivateKey()
        let idpJWKS = try ClientAssertionTests.publicJWKS(idp, kid: "idp")
        try await Self.withSetup(configure: {
            $0.jwtGrantDirect = true
            $0.jwtGrantTrustedIssuers = [TrustedIssuer(issuer: URL(string: "https://idp.example.com")!, jwks: idpJWKS)]
        }) { setup in
            let claims = Self.claims(setup)
            let assertion = try await Self.sign(claims, with: setup.key)
            let response = try await Self.token(setup, assertion: assertion, scope: "profile")
            #expect(response.action == .ok)
            #expect(response.resultCode == "A050007")
            #expect(response.subject == "alice")
            #expect(response.grantType == .jwtBearer)
            let token = try #require(response.accessToken)
            guard case .ok(let introspected) = try await setup.api.introspection(.init(path: .init(serviceId: setup.serviceId), body: .init(token: token)))
            else { throw UnexpectedOutput() }
            #expect(introspected.action == .ok)
            #expect(introspected.subject == "alice")
            #expect(introspected.scopes == ["profile"])
            #expect(introspected.grantType == .jwtBearer)
            // Once only.
            #expect(try Self.error(try await Self.token(setup, assertion: assertion)) == "invalid_grant")

            let trusted = try await Self.sign(Self.claims(setup, ["iss": "https://idp.example.com"]), with: idp, kid: "idp")
            #expect(try await Self.token(setup, assertion: trusted).action == .ok)
            let refused: [(String, String)] = [
                ("another key", try await Self.sign(Self.claims(setup), with: ES256PrivateKey())),
                ("an untrusted issuer", try await Self.sign(Self.claims(setup, ["iss": "https://evil.example.com"]), with: idp, kid: "idp")),
                ("a trusted issuer's name, the client's key", try await Self.sign(Self.claims(setup, ["iss": "https://idp.example.com"]), with: setup.key)),
                ("two hours to live", try await Self.sign(Self.claims(setup, ["exp": .integer(Self.now + 7200)]), with: setup.key)),
                ("no jti", try await Self.sign(Self.claims(setup, ["jti": .null]), with: setup.key)),
                ("unsigned", RequestObjectTests.base64URL(#"{"alg":"none"}"#) + "." + RequestObjectTests.base64URL(JSONValue.object(Self.claims(setup)).serializedString) + "."),
            ]
            for (name, assertion) in refused {
                let answer = try await Self.token(setup, assertion: assertion)
                #expect(answer.action == .badRequest, "\(name)")
                #expect(try Self.error(answer) == "invalid_grant", "\(name)")
                #expect(answer.accessToken == nil, "\(name)")
            }
            // A request object is no assertion, and a public client's keys sign for nobody.
            let object = try await Self.sign(Self.claims(setup, ["response_type": "code"]), with: setup.key)
            #expect(try Self.error(try await Self.token(setup, assertion: object)) == "invalid_grant")
            let spa = OAuthClient(
                clientName: "App", clientType: .public, grantTypes: [.jwtBearer], jwks: try ClientAssertionTests.publicJWKS(setup.key, kid: "a"))
            guard case .created(let app) = try await setup.api.clientCreate(.init(path: .init(serviceId: Int64(setup.serviceId)!), body: spa)) else {
                throw UnexpectedOutput()
            }
            let appId = String(try #require(app.clientId))
            guard case .ok(let fromApp) = try await setup.api.authToken(
                .init(
                    path: .init(serviceId: setup.serviceId),
                    body: .init(
                        parameters: "grant_type=\(FormEncoding.escape(Self.grant))&client_id=\(appId)&assertion=\(try await Self.sign(Self.claims(setup, ["iss": .string(appId)]), with: setup.key))")))
            else { throw UnexpectedOutput() }
            #expect(fromApp.action == .badRequest)
            #expect(try Self.error(fromApp) == "unauthorized_client")
            // Direct grants need a client that identifies itself.
            #expect(try await Self.token(setup, assertion: try await Self.sign(Self.claims(setup), with: setup.key), client: false).action == .invalidClient)
        }
    }
}
