import Foundation
import JWTKit
import SpecRuntime
import Testing
import WarrantClient

@Suite(.serialized) struct KeysAndDiscoveryTests {
    struct Payload: JWTPayload {
        var sub: SubjectClaim
        var exp: ExpirationClaim
        func verify(using algorithm: some JWTAlgorithm) async throws { try exp.verifyNotExpired() }
    }

    static func jwks(_ output: Operations.ServiceJwksGet.Output) throws -> JSONValue {
        guard case .ok(let document) = output else { throw UnexpectedOutput() }
        return document
    }

    static func keys(_ document: JSONValue) -> [JSONValue] {
        if case .array(let keys)? = document["keys"] { return keys }
        return []
    }

    @Test func everyServiceGetsKeysThatSignAndVerify() async throws {
        try await TestServer.with { server in
            let api = server.client()
            let apiKey = try #require(try await api.createService().apiKey)
            let publicSet = try Self.jwks(try await api.serviceJwksGet(.init(path: .init(serviceId: apiKey))))
            let publicKeys = Self.keys(publicSet)
            #expect(publicKeys.compactMap { $0["alg"]?.stringValue }.sorted() == ["ES256", "EdDSA", "PS256", "RS256"])
            #expect(publicKeys.allSatisfy { $0["d"] == nil && $0["kid"] != nil && $0["use"] == "sig" })
            #expect(publicKeys.first { $0["alg"] == "RS256" }.flatMap { $0["n"]?.stringValue }.map { Base64Length.bytes(of: $0) } == 256)

            let privateSet = try Self.jwks(try await api.serviceJwksGet(.init(path: .init(serviceId: apiKey), query: .init(includePrivateKeys: true))))
            #expect(Self.keys(privateSet).allSatisfy { $0["d"] != nil })

            // Each private key signs a JWT that jwt-kit verifies with the published public key alone.
            let verifiers = JWTKeyCollection()
            try await verifiers.add(jwksJSON: publicSet.serializedString)
            for key in Self.keys(privateSet) {
                let signer = JWTKeyCollection()
                try await signer.add(jwk: try JSONDecoder().decode(JWK.self, from: Data(key.serializedString.utf8)))
                let kid = JWKIdentifier(string: try #require(key["kid"]?.stringValue))
                let token = try await signer.sign(Payload(sub: "alice", exp: .init(value: .distantFuture)), kid: kid)
                let verified = try await verifiers.verify(token, as: Payload.self)
                #expect(verified.sub.value == "alice")
            }
        }
    }

    @Test func privateKeysNeedAnOrganizationToken() async throws {
        try await TestServer.with { server in
            let api = server.client()
            let apiKey = try #require(try await api.createService().apiKey)
            guard case .created(let token) = try await api.serviceTokenCreate(.init(path: .init(serviceId: apiKey), body: .init())) else {
                throw UnexpectedOutput()
            }
            let scoped = server.client(token: token.accessToken)
            guard case .ok = try await scoped.serviceJwksGet(.init(path: .init(serviceId: apiKey))) else { throw UnexpectedOutput() }
            guard case .forbidden(let result) = try await scoped.serviceJwksGet(.init(path: .init(serviceId: apiKey), query: .init(includePrivateKeys: true)))
            else { throw UnexpectedOutput() }
            #expect(result.resultCode == "A001208")
        }
    }

    @Test func rotationKeepsOldPublicKeysPublished() async throws {
        try await TestServer.with { server in
            let api = server.client()
            let apiKey = try #require(try await api.createService().apiKey)
            let before = Self.keys(try Self.jwks(try await api.serviceJwksGet(.init(path: .init(serviceId: apiKey)))))
            guard case .ok(let rotation) = try await api.serviceJwksRotate(.init(path: .init(serviceId: apiKey))) else { throw UnexpectedOutput() }
            #expect(rotation.resultCode == "A330001")
            #expect(Set(rotation.retiredKeyIds) == Set(before.compactMap { $0["kid"]?.stringValue }))
            #expect(rotation.activeKeyIds.count == 4)
            #expect(Set(rotation.activeKeyIds).isDisjoint(with: rotation.retiredKeyIds))
            let after = Self.keys(try Self.jwks(try await api.serviceJwksGet(.init(path: .init(serviceId: apiKey)))))
            #expect(Set(after.compactMap { $0["kid"]?.stringValue }) == Set(rotation.activeKeyIds + rotation.retiredKeyIds))
            // Newest first: the keys that sign now lead the set.
            #expect(Set(after.prefix(4).compactMap { $0["kid"]?.stringValue }) == Set(rotation.activeKeyIds))
        }
    }

    @Test func discoveryDocumentDescribesTheService() async throws {
        try await TestServer.with { server in
            let api = server.client()
            var service = Service(serviceName: "Discovery", issuer: URL(string: "https://id.example.com")!)
            service.userInfoEndpoint = URL(string: "https://id.example.com/userinfo")!
            service.supportedResponseTypes = [.code, .codeIdToken]
            service.supportedGrantTypes = [.authorizationCode, .tokenExchange]
            service.pkceS256Required = true
            service.accessTokenSignAlg = .es256
            let apiKey = try #require(try await api.createService(service).apiKey)
            guard case .ok(let document) = try await api.serviceConfiguration(.init(path: .init(serviceId: apiKey))) else {
                throw UnexpectedOutput()
            }
            #expect(document["issuer"] == "https://id.example.com")
            #expect(document["authorization_endpoint"] == "https://id.example.com/authorize")
            #expect(document["token_endpoint"] == "https://id.example.com/token")
            #expect(document["userinfo_endpoint"] == "https://id.example.com/userinfo")
            #expect(document["jwks_uri"] == "https://id.example.com/jwks")
            #expect(document["response_types_supported"] == ["code", "code id_token"])
            #expect(document["grant_types_supported"] == ["authorization_code", "urn:ietf:params:oauth:grant-type:token-exchange"])
            #expect(document["token_endpoint_auth_methods_supported"] == ["client_secret_basic", "client_secret_post", "private_key_jwt", "none"])
            #expect(document["code_challenge_methods_supported"] == ["S256"])
            #expect(document["id_token_signing_alg_values_supported"] == ["RS256", "PS256", "ES256", "EdDSA"])
            #expect(document["scopes_supported"] == ["openid", "profile", "email", "address", "phone", "offline_access"])
            #expect(document["authorization_response_iss_parameter_supported"] == true)
            #expect(document["access_token_signing_alg_values_supported"] == ["ES256"])

            guard case .ok(let posted) = try await api.serviceConfigurationPost(.init(path: .init(serviceId: apiKey), body: .init(pretty: true)))
            else { throw UnexpectedOutput() }
            #expect(posted == document)
            guard case .badRequest(let patch) = try await api.serviceConfigurationPost(
                .init(path: .init(serviceId: apiKey), body: .init(patch: "[]")))
            else { throw UnexpectedOutput() }
            #expect(patch.resultCode == "A001201")
            #expect(patch.fieldViolations?.map(\.path) == ["/patch"])
        }
    }
}
