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
            guard case .ok(let unpatched) = try await api.serviceConfigurationPost(
                .init(path: .init(serviceId: apiKey), body: .init(patch: "[]")))
            else { throw UnexpectedOutput() }
            #expect(unpatched == document)
        }
    }

    /// Authlete applies the `patch` parameter to the document as a JSON Patch (RFC 6902); so does warrant.
    @Test func aJSONPatchChangesTheDiscoveryDocument() async throws {
        try await TestServer.with { server in
            let api = server.client()
            let apiKey = try #require(try await api.createService(Service(serviceName: "Patched", issuer: URL(string: "https://id.example.com")!)).apiKey)
            let patch = #"""
                [{"op": "add", "path": "/service_documentation", "value": "https://id.example.com/docs"},
                 {"op": "add", "path": "/scopes_supported/-", "value": "payments"},
                 {"op": "replace", "path": "/subject_types_supported", "value": ["public", "pairwise"]},
                 {"op": "remove", "path": "/claims_supported"},
                 {"op": "copy", "from": "/issuer", "path": "/x~1issuer"},
                 {"op": "move", "from": "/x~1issuer", "path": "/mirror"},
                 {"op": "test", "path": "/mirror", "value": "https://id.example.com"}]
                """#
            guard case .ok(let patched) = try await api.serviceConfiguration(.init(path: .init(serviceId: apiKey), query: .init(patch: patch)))
            else { throw UnexpectedOutput() }
            #expect(patched["service_documentation"] == "https://id.example.com/docs")
            #expect(patched["scopes_supported"]?.arrayValue?.last == "payments")
            #expect(patched["subject_types_supported"] == ["public", "pairwise"])
            #expect(patched["claims_supported"] == nil && patched["x/issuer"] == nil)
            #expect(patched["mirror"] == "https://id.example.com")

            // The first operation that fails is named, and nothing of the patch is applied.
            for (bad, message) in [
                (#"{"op": "add"}"#, "must be a JSON array of operations (RFC 6902)"),
                (#"[{"op": "add", "path": "/a", "value": 1}, {"op": "remove", "path": "/nothing"}]"#, "operation 1: /nothing does not exist"),
                (#"[{"op": "test", "path": "/issuer", "value": "https://other"}]"#, "operation 0: test failed at /issuer"),
                (#"[{"op": "add", "path": "/scopes_supported/99", "value": "x"}]"#, "operation 0: /scopes_supported/99 is not an index of the array"),
                (#"[{"op": "frobnicate", "path": "/a"}]"#, "operation 0: unknown op \"frobnicate\""),
                (#"[{"op": "move", "from": "/scopes_supported", "path": "/scopes_supported/0"}]"#, "operation 0: cannot move a value into itself"),
            ] {
                guard case .badRequest(let refused) = try await api.serviceConfigurationPost(
                    .init(path: .init(serviceId: apiKey), body: .init(patch: bad)))
                else { throw UnexpectedOutput() }
                #expect(refused.resultCode == "A380201")
                #expect(refused.fieldViolations?.first?.path == "/patch")
                #expect(refused.fieldViolations?.first?.message == message, "\(bad)")
            }
            // A pointer deeper than a document can be is refused before any walk.
            let deep = "[{\"op\": \"add\", \"path\": \"" + String(repeating: "/a", count: 600) + "\", \"value\": 1}]"
            guard case .badRequest(let tooDeep) = try await api.serviceConfigurationPost(.init(path: .init(serviceId: apiKey), body: .init(patch: deep)))
            else { throw UnexpectedOutput() }
            #expect(tooDeep.fieldViolations?.first?.message == "operation 0: path is deeper than 512 levels")
        }
    }
}
