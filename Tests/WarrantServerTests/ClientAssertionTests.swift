import Foundation
import JWTKit
import SpecRuntime
import Testing
import WarrantClient

/// private_key_jwt client authentication (RFC 7523): signature with the client's registered keys, pinned
/// algorithm, iss/sub/aud/exp checks and jti replay protection.
@Suite(.serialized) struct ClientAssertionTests {
    struct Assertion: JWTPayload {
        var iss: String
        var sub: String
        var aud: String
        var exp: Int
        var jti: String

        func verify(using algorithm: some JWTAlgorithm) async throws {}
    }

    static func publicJWKS(_ key: ES256PrivateKey, kid: String) throws -> String {
        let parameters = try #require(key.publicKey.parameters)
        return JSONValue.object([
            "keys": [["kty": "EC", "crv": "P-256", "alg": "ES256", "use": "sig", "kid": .string(kid), "x": .string(parameters.x), "y": .string(parameters.y)]]
        ]).serializedString
    }

    static func sign(_ assertion: Assertion, with key: ES256PrivateKey, kid: String) async throws -> String {
        let keys = JWTKeyCollection()
        await keys.add(ecdsa: key, kid: JWKIdentifier(string: kid))
        return try await keys.sign(assertion, kid: JWKIdentifier(string: kid))
    }

    @Test func signedAssertionsAuthenticateOnceEach() async throws {
        try await TestServer.with { server in
            let api = server.client()
            let apiKey = try #require(try await api.createService().apiKey)
            let key = ES256PrivateKey()
            let body = OAuthClient(
                clientName: "Service", grantTypes: [.clientCredentials], tokenAuthMethod: .privateKeyJwt, tokenAuthSignAlg: .es256,
                jwks: try Self.publicJWKS(key, kid: "client-key"))
            guard case .created(let client) = try await api.clientCreate(.init(path: .init(serviceId: apiKey), body: body)) else {
                throw UnexpectedOutput()
            }
            let clientId = String(try #require(client.clientId))
            let tokenEndpoint = "https://as.example.com/token"
            let inAMinute = Int(Date().timeIntervalSince1970) + 60

            func request(_ assertion: String, extra: String = "") async throws -> TokenResponse {
                let parameters =
                    "grant_type=client_credentials&client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer&client_assertion=\(assertion)" + extra
                guard case .ok(let response) = try await api.authToken(.init(path: .init(serviceId: String(apiKey)), body: .init(parameters: parameters)))
                else { throw UnexpectedOutput() }
                return response
            }

            let good = try await Self.sign(Assertion(iss: clientId, sub: clientId, aud: tokenEndpoint, exp: inAMinute, jti: "one"), with: key, kid: "client-key")
            let accepted = try await request(good)
            #expect(accepted.action == .ok)
            #expect(accepted.clientAuthMethod == .privateKeyJwt)
            #expect(accepted.clientId == client.clientId)
            #expect(try await request(good).action == .invalidClient)  // the same jti again

            let rejected: [(Assertion, ES256PrivateKey)] = [
                (Assertion(iss: clientId, sub: clientId, aud: "https://elsewhere.example.com", exp: inAMinute, jti: "aud"), key),
                (Assertion(iss: clientId, sub: clientId, aud: tokenEndpoint, exp: inAMinute - 600, jti: "expired"), key),
                (Assertion(iss: clientId, sub: "someone-else", aud: tokenEndpoint, exp: inAMinute, jti: "sub"), key),
                (Assertion(iss: clientId, sub: clientId, aud: tokenEndpoint, exp: inAMinute, jti: "other-key"), ES256PrivateKey()),
            ]
            for (assertion, signingKey) in rejected {
                let response = try await request(try await Self.sign(assertion, with: signingKey, kid: "client-key"))
                #expect(response.action == .invalidClient, "\(assertion.jti)")
                #expect(try JSONValue(parsing: try #require(response.responseContent))["error"] == "invalid_client")
            }
            // A request object signed with the same key is no assertion, even with every claim one needs.
            let disguised = try await RequestObjectTests.sign(
                ["iss": .string(clientId), "sub": .string(clientId), "aud": .string(tokenEndpoint), "exp": .integer(Int64(inAMinute)), "jti": "object",
                 "response_type": "code"], with: key, kid: "client-key")
            #expect(try await request(disguised).action == .invalidClient)
            // The issuer counts as an audience too; a secret is not how this client authenticates.
            let toIssuer = try await Self.sign(Assertion(iss: clientId, sub: clientId, aud: "https://as.example.com", exp: inAMinute, jti: "two"), with: key, kid: "client-key")
            #expect(try await request(toIssuer).action == .ok)
            guard case .ok(let withSecret) = try await api.authToken(
                .init(path: .init(serviceId: String(apiKey)), body: .init(parameters: "grant_type=client_credentials", clientId: clientId, clientSecret: "x")))
            else { throw UnexpectedOutput() }
            #expect(withSecret.action == .invalidClient)
        }
    }

    @Test func aKeyWithoutAlgIsPinnedBeforeTheFirstTokenNotByIt() async throws {
        try await TestServer.with { server in
            let api = server.client()
            let apiKey = try #require(try await api.createService().apiKey)
            // An RSA key to register without alg: the service's own private RS256 key serves, with alg and the
            // private members taken off for the client's registration.
            let privateSet = try KeysAndDiscoveryTests.jwks(
                try await api.serviceJwksGet(.init(path: .init(serviceId: apiKey), query: .init(includePrivateKeys: true))))
            guard case .object(var rsa)? = KeysAndDiscoveryTests.keys(privateSet).first(where: { $0["alg"] == "RS256" }) else {
                throw UnexpectedOutput()
            }
            rsa["alg"] = nil
            rsa["kid"] = "client-rsa"
            var published = rsa
            for member in ["d", "p", "q", "dp", "dq", "qi"] { published[member] = nil }
            let body = OAuthClient(
                clientName: "Service", grantTypes: [.clientCredentials], tokenAuthMethod: .privateKeyJwt,
                jwks: JSONValue.object(["keys": [.object(published)]]).serializedString)
            guard case .created(let client) = try await api.clientCreate(.init(path: .init(serviceId: apiKey), body: body)) else {
                throw UnexpectedOutput()
            }
            let clientId = String(try #require(client.clientId))
            func request(algorithm: String, jti: String) async throws -> TokenResponse {
                // A collection per token: jwt-kit would keep the first algorithm for the signing side too.
                let signer = JWTKeyCollection()
                try await signer.add(jwk: try JSONDecoder().decode(JWK.self, from: Data(JSONValue.object(rsa).serializedString.utf8)))
                var header = JWTHeader()
                header.alg = algorithm
                let assertion = try await signer.sign(
                    Assertion(iss: clientId, sub: clientId, aud: "https://as.example.com/token", exp: Int(Date().timeIntervalSince1970) + 60, jti: jti),
                    kid: JWKIdentifier(string: "client-rsa"), header: header)
                let parameters =
                    "grant_type=client_credentials&client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer&client_assertion=\(assertion)"
                guard case .ok(let response) = try await api.authToken(.init(path: .init(serviceId: String(apiKey)), body: .init(parameters: parameters)))
                else { throw UnexpectedOutput() }
                return response
            }
            // The first token's header names RS384: it does not get to decide what the key means.
            #expect(try await request(algorithm: "RS384", jti: "first").action == .invalidClient)
            #expect(try await request(algorithm: "RS256", jti: "second").action == .ok)
            #expect(try await request(algorithm: "PS256", jti: "third").action == .invalidClient)
        }
    }
}
