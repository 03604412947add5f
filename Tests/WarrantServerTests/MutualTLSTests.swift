import Crypto
import Foundation
import JWTKit
import SpecRuntime
import Testing
import WarrantClient

/// Mutual TLS (RFC 8705) with certificates `openssl` makes here: tls_client_auth and
/// self_signed_tls_client_auth at the token endpoint, and certificate-bound access tokens.
@Suite(.serialized) struct MutualTLSTests {
    /// A test PKI: a CA and a client certificate it issued, another CA's certificate with the same names, and
    /// a self-signed certificate; each as PEM, with its x5t#S256 as openssl computes it.
    struct PKI: Sendable {
        let ca: String
        let client: String
        let impostor: String
        let selfSigned: String
        let otherSelfSigned: String

        static let subject = "CN=client.example.com,O=Example"

        static func make() throws -> PKI {
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("warrant-mtls-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: dir) }
            func openssl(_ arguments: [String]) throws {
                let process = Process()
                process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
                process.arguments = ["openssl"] + arguments
                process.currentDirectoryURL = dir
                process.standardOutput = FileHandle.nullDevice
                process.standardError = FileHandle.nullDevice
                try process.run()
                process.waitUntilExit()
                guard process.terminationStatus == 0 else { throw OpenSSLFailed(arguments: arguments) }
            }
            let key = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"]
            for ca in ["ca", "other-ca"] {
                try openssl(
                    ["req", "-x509"] + key + [
                        "-keyout", "\(ca).key", "-out", "\(ca).pem", "-days", "2", "-subj", "/CN=Test \(ca)",
                        "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
                    ])
            }
            try """
                basicConstraints=CA:FALSE
                keyUsage=critical,digitalSignature
                extendedKeyUsage=clientAuth
                subjectAltName=DNS:client.example.com,URI:https://client.example.com/id,IP:192.0.2.7,email:ops@example.com
                """.write(to: dir.appendingPathComponent("ext.cnf"), atomically: true, encoding: .utf8)
            for (name, ca) in [("client", "ca"), ("impostor", "other-ca")] {
                try openssl(["req"] + key + ["-keyout", "\(name).key", "-out", "\(name).csr", "-subj", "/O=Example/CN=client.example.com"])
                try openssl([
                    "x509", "-req", "-in", "\(name).csr", "-CA", "\(ca).pem", "-CAkey", "\(ca).key", "-CAcreateserial", "-out", "\(name).pem",
                    "-days", "1", "-extfile", "ext.cnf",
                ])
            }
            for name in ["self", "other-self"] {
                try openssl(["req", "-x509"] + key + ["-keyout", "\(name).key", "-out", "\(name).pem", "-days", "1", "-subj", "/CN=\(name)"])
            }
            func read(_ name: String) throws -> String { try String(contentsOf: dir.appendingPathComponent("\(name).pem"), encoding: .utf8) }
            return PKI(
                ca: try read("ca"), client: try read("client"), impostor: try read("impostor"), selfSigned: try read("self"),
                otherSelfSigned: try read("other-self"))
        }

        /// The DER bytes of a PEM certificate.
        static func der(_ pem: String) -> Data {
            let body = pem.split(separator: "\n").filter { !$0.hasPrefix("-----") }.joined()
            return Data(base64Encoded: body)!
        }
    }

    struct OpenSSLFailed: Error { var arguments: [String] }

    static func withService(
        methods: [ClientAuthMethod] = [.clientSecretBasic, .tlsClientAuth], configure: (inout Service) -> Void = { _ in },
        _ body: @Sendable (TestServer, Client, Int64) async throws -> Void
    ) async throws {
        try await TestServer.with { server in
            let api = server.client()
            var service = Service(serviceName: "mTLS", issuer: URL(string: "https://as.example.com")!)
            service.supportedGrantTypes = [.clientCredentials]
            service.supportedTokenAuthMethods = methods
            configure(&service)
            let apiKey = try #require(try await api.createService(service).apiKey)
            try await body(server, api, apiKey)
        }
    }

    static func client(_ api: Client, _ apiKey: Int64, _ configure: (inout OAuthClient) -> Void) async throws -> String {
        var client = OAuthClient(clientName: "mTLS client", grantTypes: [.clientCredentials])
        configure(&client)
        guard case .created(let created) = try await api.clientCreate(.init(path: .init(serviceId: apiKey), body: client)) else {
            throw UnexpectedOutput()
        }
        return String(try #require(created.clientId))
    }

    static func token(_ api: Client, _ apiKey: Int64, client: String, certificate: String?) async throws -> TokenResponse {
        guard case .ok(let response) = try await api.authToken(
            .init(
                path: .init(serviceId: String(apiKey)),
                body: .init(parameters: "grant_type=client_credentials&client_id=\(client)", clientCertificate: certificate)))
        else { throw UnexpectedOutput() }
        return response
    }

    static func error(_ response: TokenResponse) throws -> String? {
        try JSONValue(parsing: try #require(response.responseContent))["error"]?.stringValue
    }

    @Test func tlsClientAuthMatchesTheRegisteredSubjectOrName() async throws {
        let pki = try PKI.make()
        try await Self.withService { _, api, apiKey in
            let identities: [(String, (inout OAuthClient) -> Void)] = [
                ("subject DN", { $0.tlsClientAuthSubjectDn = "CN = client.example.com, O = Example" }),
                ("DNS name", { $0.tlsClientAuthSanDns = "CLIENT.example.com" }),
                ("URI", { $0.tlsClientAuthSanUri = "https://client.example.com/id" }),
                ("IP address", { $0.tlsClientAuthSanIp = "192.0.2.7" }),
                ("email", { $0.tlsClientAuthSanEmail = "ops@example.com" }),
            ]
            for (name, identity) in identities {
                let client = try await Self.client(api, apiKey) {
                    $0.tokenAuthMethod = .tlsClientAuth
                    identity(&$0)
                }
                let good = try await Self.token(api, apiKey, client: client, certificate: pki.client)
                #expect(good.action == .ok, "\(name)")
                #expect(good.clientAuthMethod == .tlsClientAuth, "\(name)")
                for (other, certificate) in [("self-signed", pki.selfSigned), ("none", nil)] as [(String, String?)] {
                    let refused = try await Self.token(api, apiKey, client: client, certificate: certificate)
                    #expect(refused.action == .invalidClient, "\(name) with \(other)")
                    #expect(try Self.error(refused) == "invalid_client", "\(name) with \(other)")
                }
            }
            // The right kind of name with another value, or another value's case where case counts, is no match.
            let wrong: [(String, (inout OAuthClient) -> Void)] = [
                ("subject DN", { $0.tlsClientAuthSubjectDn = "CN=client.example.com,O=Other" }),
                ("subject DN, value case", { $0.tlsClientAuthSubjectDn = "CN=client.example.com,O=EXAMPLE" }),
                ("subject DN, order", { $0.tlsClientAuthSubjectDn = "O=Example,CN=client.example.com" }),
                ("DNS name", { $0.tlsClientAuthSanDns = "other.example.com" }),
                ("URI", { $0.tlsClientAuthSanUri = "https://client.example.com/other" }),
                ("IP address", { $0.tlsClientAuthSanIp = "192.0.2.8" }),
                ("email", { $0.tlsClientAuthSanEmail = "OPS@example.com" }),
            ]
            for (name, identity) in wrong {
                let client = try await Self.client(api, apiKey) {
                    $0.tokenAuthMethod = .tlsClientAuth
                    identity(&$0)
                }
                #expect(try await Self.token(api, apiKey, client: client, certificate: pki.client).action == .invalidClient, "\(name)")
            }
            // The email's domain has no case.
            let domain = try await Self.client(api, apiKey) {
                $0.tokenAuthMethod = .tlsClientAuth
                $0.tlsClientAuthSanEmail = "ops@EXAMPLE.com"
            }
            #expect(try await Self.token(api, apiKey, client: domain, certificate: pki.client).action == .ok)
            // The CA's own certificate, with a matching subject, is no client certificate.
            let caSubject = try await Self.client(api, apiKey) {
                $0.tokenAuthMethod = .tlsClientAuth
                $0.tlsClientAuthSubjectDn = "CN=Test ca"
            }
            #expect(try await Self.token(api, apiKey, client: caSubject, certificate: pki.ca).action == .invalidClient)
            // Line breaks are the terminator's: one long base64 line reads the same.
            let oneLine = pki.client.split(separator: "\n").map { $0.hasPrefix("-----") ? "\n\($0)\n" : String($0) }.joined()
            #expect(try await Self.token(api, apiKey, client: domain, certificate: oneLine).action == .ok)
            // A secret beside the certificate is a second method; text that is no certificate is the caller's error.
            let subject = try await Self.client(api, apiKey) {
                $0.tokenAuthMethod = .tlsClientAuth
                $0.tlsClientAuthSubjectDn = PKI.subject
            }
            #expect(try await Self.token(api, apiKey, client: subject, certificate: "not a certificate").action == .badRequest)
            guard case .ok(let both) = try await api.authToken(
                .init(
                    path: .init(serviceId: String(apiKey)),
                    body: .init(parameters: "grant_type=client_credentials&client_id=\(subject)&client_secret=x", clientCertificate: pki.client)))
            else { throw UnexpectedOutput() }
            #expect(both.action == .invalidClient)
        }
    }

    @Test func tlsClientAuthRegistersExactlyOneName() async throws {
        try await Self.withService { _, api, apiKey in
            for configure in [
                { (client: inout OAuthClient) in client.tokenAuthMethod = .tlsClientAuth },
                { (client: inout OAuthClient) in
                    client.tokenAuthMethod = .tlsClientAuth
                    client.tlsClientAuthSanDns = "a.example.com"
                    client.tlsClientAuthSanEmail = "a@example.com"
                },
            ] {
                var client = OAuthClient(clientName: "Bad", grantTypes: [.clientCredentials])
                configure(&client)
                guard case .badRequest(let result) = try await api.clientCreate(.init(path: .init(serviceId: apiKey), body: client)) else {
                    throw UnexpectedOutput()
                }
                #expect(result.fieldViolations?.map(\.path) == ["/tokenAuthMethod"])
            }
            var client = OAuthClient(clientName: "Bad IP", grantTypes: [.clientCredentials], tokenAuthMethod: .tlsClientAuth)
            client.tlsClientAuthSanIp = "not-an-ip"
            guard case .badRequest(let result) = try await api.clientCreate(.init(path: .init(serviceId: apiKey), body: client)) else {
                throw UnexpectedOutput()
            }
            #expect(result.fieldViolations?.map(\.path) == ["/tlsClientAuthSanIp"])
        }
    }

    @Test func warrantValidatesTheChainWhenTheServiceAsks() async throws {
        let pki = try PKI.make()
        try await Self.withService(methods: [.tlsClientAuth, .selfSignedTlsClientAuth], configure: {
            $0.mutualTlsValidatePkiCertChain = true
            $0.trustedRootCertificates = [pki.ca]
        }) { _, api, apiKey in
            let client = try await Self.client(api, apiKey) {
                $0.tokenAuthMethod = .tlsClientAuth
                $0.tlsClientAuthSubjectDn = PKI.subject
            }
            #expect(try await Self.token(api, apiKey, client: client, certificate: pki.client).action == .ok)
            // Same subject and names, another CA: refused only because warrant checks the chain.
            #expect(try await Self.token(api, apiKey, client: client, certificate: pki.impostor).action == .invalidClient)
        }
        try await Self.withService { _, api, apiKey in
            let client = try await Self.client(api, apiKey) {
                $0.tokenAuthMethod = .tlsClientAuth
                $0.tlsClientAuthSubjectDn = PKI.subject
            }
            #expect(try await Self.token(api, apiKey, client: client, certificate: pki.impostor).action == .ok)
        }
        // The setting needs roots, and roots must be certificates.
        try await TestServer.with { server in
            var service = Service(serviceName: "Bad roots", issuer: URL(string: "https://as.example.com")!)
            service.mutualTlsValidatePkiCertChain = true
            guard case .badRequest(let missing) = try await server.client().serviceCreate(.init(body: service)) else { throw UnexpectedOutput() }
            #expect(missing.fieldViolations?.map(\.path) == ["/mutualTlsValidatePkiCertChain"])
            service.trustedRootCertificates = ["not a certificate"]
            guard case .badRequest(let bad) = try await server.client().serviceCreate(.init(body: service)) else { throw UnexpectedOutput() }
            #expect(bad.fieldViolations?.map(\.path) == ["/trustedRootCertificates/0"])
            // A front end taking self-signed certificates cannot vouch for PKI ones: warrant must check chains.
            var both = Service(serviceName: "Both", issuer: URL(string: "https://as.example.com")!)
            both.supportedTokenAuthMethods = [.tlsClientAuth, .selfSignedTlsClientAuth]
            guard case .badRequest(let mixed) = try await server.client().serviceCreate(.init(body: both)) else { throw UnexpectedOutput() }
            #expect(mixed.fieldViolations?.map(\.path) == ["/supportedTokenAuthMethods"])
        }
    }

    @Test func selfSignedClientsAuthenticateWithTheCertificateTheyRegistered() async throws {
        let pki = try PKI.make()
        try await Self.withService(methods: [.selfSignedTlsClientAuth]) { _, api, apiKey in
            let x5c = PKI.der(pki.selfSigned).base64EncodedString()
            let jwks = JSONValue.object(["keys": [["kty": "EC", "crv": "P-256", "kid": "tls", "x5c": [.string(x5c)], "x": "AA", "y": "AA"]]])
            let client = try await Self.client(api, apiKey) {
                $0.tokenAuthMethod = .selfSignedTlsClientAuth
                $0.jwks = jwks.serializedString
            }
            #expect(try await Self.token(api, apiKey, client: client, certificate: pki.selfSigned).action == .ok)
            #expect(try await Self.token(api, apiKey, client: client, certificate: pki.otherSelfSigned).action == .invalidClient)
            #expect(try await Self.token(api, apiKey, client: client, certificate: nil).action == .invalidClient)
            // Naming another key of the set: the certificate is not that key's.
            let named = try await Self.client(api, apiKey) {
                $0.tokenAuthMethod = .selfSignedTlsClientAuth
                $0.jwks = jwks.serializedString
                $0.selfSignedCertificateKeyId = "other"
            }
            #expect(try await Self.token(api, apiKey, client: named, certificate: pki.selfSigned).action == .invalidClient)
        }
    }

    @Test func aPublicClientsRefreshTokenIsBoundToItsCertificate() async throws {
        let pki = try PKI.make()
        try await TokenFlowTests.withFlow { flow in
            let spa = OAuthClient(
                clientName: "Bound SPA", clientType: .public, redirectUris: [flow.redirect], grantTypes: [.authorizationCode, .refreshToken],
                tlsClientCertificateBoundAccessTokens: true)
            guard case .created(let client) = try await flow.api.clientCreate(.init(path: .init(serviceId: Int64(flow.serviceId)!), body: spa)) else {
                throw UnexpectedOutput()
            }
            let id = String(try #require(client.clientId))
            func token(_ parameters: String, _ certificate: String?) async throws -> TokenResponse {
                guard case .ok(let response) = try await flow.api.authToken(
                    .init(path: .init(serviceId: flow.serviceId), body: .init(parameters: parameters, clientCertificate: certificate)))
                else { throw UnexpectedOutput() }
                return response
            }
            let code = try await flow.code("&code_challenge=\(TokenFlowTests.challenge)&code_challenge_method=S256", client: client)
            let issued = try await token(
                "grant_type=authorization_code&client_id=\(id)&code=\(code)&redirect_uri=\(FormEncoding.escape(flow.redirect))&code_verifier=\(TokenFlowTests.verifier)",
                pki.selfSigned)
            #expect(issued.action == .ok)
            let refresh = "grant_type=refresh_token&client_id=\(id)&refresh_token=\(try #require(issued.refreshToken))"
            let stolen = try await token(refresh, pki.otherSelfSigned)
            #expect(stolen.action == .badRequest)
            #expect(stolen.resultCode == "A247201")
            #expect(try await token(refresh, pki.selfSigned).action == .ok)
        }
    }

    @Test func boundTokensNeedTheirCertificateAtTheResource() async throws {
        let pki = try PKI.make()
        try await Self.withService(configure: { $0.accessTokenSignAlg = .es256 }) { _, api, apiKey in
            let client = try await Self.client(api, apiKey) {
                $0.tokenAuthMethod = .tlsClientAuth
                $0.tlsClientAuthSanDns = "client.example.com"
                $0.tlsClientCertificateBoundAccessTokens = true
            }
            let response = try await Self.token(api, apiKey, client: client, certificate: pki.client)
            #expect(response.action == .ok)
            let token = try #require(response.jwtAccessToken)
            // x5t#S256, computed here from the DER openssl wrote.
            let expected = DPoPTests.Prover.base64URL(Data(SHA256.hash(data: PKI.der(pki.client))))
            guard case .ok(let document) = try await api.serviceJwksGet(.init(path: .init(serviceId: apiKey))) else { throw UnexpectedOutput() }
            let keys = try await JWTKeyCollection().add(jwksJSON: document.serializedString)
            let claims = try await keys.verify(token, as: RequestObjectTests.Claims.self).members
            #expect(claims["cnf"] == .object(["x5t#S256": .string(expected)]))
            #expect(try JSONValue(parsing: try #require(response.responseContent))["token_type"] == "Bearer")

            func introspect(_ certificate: String?) async throws -> IntrospectionResponse {
                guard case .ok(let answer) = try await api.introspection(
                    .init(path: .init(serviceId: String(apiKey)), body: .init(token: token, clientCertificate: certificate)))
                else { throw UnexpectedOutput() }
                return answer
            }
            let good = try await introspect(pki.client)
            #expect(good.action == .ok)
            #expect(good.certificateThumbprint == expected)
            for certificate in [nil, pki.impostor] {
                let refused = try await introspect(certificate)
                #expect(refused.action == .unauthorized)
                #expect(refused.resultCode == "A247201")
                #expect(refused.responseContent?.hasPrefix("Bearer error=\"invalid_token\"") == true)
            }
            guard case .ok(let standard) = try await api.standardIntrospection(
                .init(path: .init(serviceId: String(apiKey)), body: .init(parameters: "token=\(token)")))
            else { throw UnexpectedOutput() }
            #expect(try JSONValue(parsing: try #require(standard.responseContent))["cnf"] == .object(["x5t#S256": .string(expected)]))

            // A client whose tokens are bound cannot get one without a certificate.
            var registration = OAuthClient(clientName: "Bound by secret", grantTypes: [.clientCredentials])
            registration.tlsClientCertificateBoundAccessTokens = true
            guard case .created(let secretClient) = try await api.clientCreate(.init(path: .init(serviceId: apiKey), body: registration)) else {
                throw UnexpectedOutput()
            }
            guard case .ok(let unbound) = try await api.authToken(
                .init(
                    path: .init(serviceId: String(apiKey)),
                    body: .init(
                        parameters: "grant_type=client_credentials", clientId: String(try #require(secretClient.clientId)),
                        clientSecret: secretClient.clientSecret)))
            else { throw UnexpectedOutput() }
            #expect(unbound.action == .badRequest)
            #expect(try Self.error(unbound) == "invalid_request")
        }
    }
}
