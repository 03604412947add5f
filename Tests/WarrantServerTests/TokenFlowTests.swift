import Foundation
import Crypto
import JWTKit
import SpecRuntime
import Testing
import WarrantClient
import WarrantServer

/// The authorization code flow and the token endpoint, driven the way a front end drives them.
@Suite(.serialized) struct TokenFlowTests {
    struct Flow {
        let server: TestServer
        let api: Client
        let serviceId: String
        let client: OAuthClient
        let secret: String
        let publicClient: OAuthClient
        let redirect = "https://app.example.com/cb"

        var clientId: String { String(client.clientId ?? 0) }

        func authorize(_ extra: String = "", client: OAuthClient? = nil) async throws -> String {
            let id = client?.clientId ?? self.client.clientId ?? 0
            let parameters = "response_type=code&client_id=\(id)&redirect_uri=\(FormEncoding.escape(redirect))&scope=openid+profile+email&state=st&nonce=n-1" + extra
            guard case .ok(let response) = try await api.authorization(.init(path: .init(serviceId: serviceId), body: .init(parameters: parameters))),
                let ticket = response.ticket
            else { throw UnexpectedOutput() }
            return ticket
        }

        func issue(_ ticket: String, subject: String = "alice", claims: String? = nil) async throws -> AuthorizationIssueResponse {
            guard case .ok(let response) = try await api.authorizationIssue(
                .init(
                    path: .init(serviceId: serviceId),
                    body: .init(ticket: ticket, subject: subject, authTime: 1_700_000_000, acr: "urn:acr:pwd", claims: claims, sessionId: "sess-1")))
            else { throw UnexpectedOutput() }
            return response
        }

        func code(_ extra: String = "", client: OAuthClient? = nil) async throws -> String {
            let response = try await issue(try await authorize(extra, client: client))
            return try #require(response.authorizationCode)
        }

        func token(_ parameters: String, clientId: String? = nil, secret: String? = nil, accessTokenDuration: Int64? = nil) async throws
            -> TokenResponse
        {
            guard case .ok(let response) = try await api.authToken(
                .init(
                    path: .init(serviceId: serviceId),
                    body: .init(parameters: parameters, clientId: clientId, clientSecret: secret, accessTokenDuration: accessTokenDuration)))
            else { throw UnexpectedOutput() }
            return response
        }

        func redeem(_ code: String, verifier: String? = nil) async throws -> TokenResponse {
            var parameters = "grant_type=authorization_code&code=\(code)&redirect_uri=\(FormEncoding.escape(redirect))"
            if let verifier { parameters += "&code_verifier=\(verifier)" }
            return try await token(parameters, clientId: clientId, secret: secret)
        }

        func jwks() async throws -> JWTKeyCollection {
            guard case .ok(let document) = try await api.serviceJwksGet(.init(path: .init(serviceId: Int64(serviceId)!))) else {
                throw UnexpectedOutput()
            }
            return try await JWTKeyCollection().add(jwksJSON: document.serializedString)
        }
    }

    static func withFlow(
        server settings: (inout ServerConfiguration) -> Void = { _ in }, configure: (inout Service) -> Void = { _ in },
        _ body: @Sendable (Flow) async throws -> Void
    ) async throws {
        try await TestServer.with(configure: settings) { server in
            let api = server.client()
            var service = Service(serviceName: "Flows", issuer: URL(string: "https://as.example.com")!)
            service.supportedResponseTypes = [.code, .codeIdToken, .token, .codeIdTokenToken]
            service.supportedGrantTypes = [.authorizationCode, .implicit, .refreshToken, .clientCredentials, .password]
            configure(&service)
            let apiKey = try #require(try await api.createService(service).apiKey)
            let web = OAuthClient(
                clientName: "Web", redirectUris: ["https://app.example.com/cb"], responseTypes: [.code, .codeIdToken, .token, .codeIdTokenToken],
                grantTypes: [.authorizationCode, .implicit, .refreshToken, .clientCredentials, .password])
            guard case .created(let client) = try await api.clientCreate(.init(path: .init(serviceId: apiKey), body: web)) else {
                throw UnexpectedOutput()
            }
            let spa = OAuthClient(clientName: "SPA", clientType: .public, redirectUris: ["https://app.example.com/cb"], grantTypes: [.authorizationCode])
            guard case .created(let publicClient) = try await api.clientCreate(.init(path: .init(serviceId: apiKey), body: spa)) else {
                throw UnexpectedOutput()
            }
            try await body(
                Flow(server: server, api: api, serviceId: String(apiKey), client: client, secret: try #require(client.clientSecret), publicClient: publicClient))
        }
    }

    static func body(_ response: TokenResponse) throws -> JSONValue { try JSONValue(parsing: try #require(response.responseContent)) }

    static let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
    static let challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"

    @Test func theCodeFlowWithPKCEIssuesVerifiableTokens() async throws {
        try await Self.withFlow { flow in
            let issued = try await flow.issue(
                try await flow.authorize("&code_challenge=\(Self.challenge)&code_challenge_method=S256"),
                claims: #"{"name":"Alice","email":"alice@example.com","phone_number":"+1"}"#)
            #expect(issued.action == .location)
            #expect(issued.resultCode == "A040001")
            let location = try #require(issued.responseContent)
            let query = try AuthorizationTests.parameters(of: location)
            #expect(location.hasPrefix("https://app.example.com/cb?code="))
            #expect(query["code"] == issued.authorizationCode)
            #expect(query["state"] == "st")
            #expect(query["iss"] == "https://as.example.com")
            #expect(issued.authorizationCode?.count == 43)

            let response = try await flow.redeem(try #require(issued.authorizationCode), verifier: Self.verifier)
            #expect(response.action == .ok)
            #expect(response.resultCode == "A050001")
            let body = try Self.body(response)
            #expect(body["token_type"] == "Bearer")
            #expect(body["expires_in"] == 86_400)
            #expect(body["scope"] == "openid profile email")
            #expect(body["access_token"]?.stringValue == response.accessToken)
            #expect(body["refresh_token"]?.stringValue == response.refreshToken)
            #expect(response.subject == "alice")
            #expect(response.grantType == .authorizationCode)

            // The ID token verifies against the published keys, with the claims and hashes OpenID Connect asks for.
            let idToken = try #require(body["id_token"]?.stringValue)
            let claims = try await flow.jwks().verify(idToken, as: Claims.self)
            #expect(claims.iss == "https://as.example.com")
            #expect(claims.sub == "alice")
            #expect(claims.aud == [flow.clientId])
            #expect(claims.azp == flow.clientId)
            #expect(claims.nonce == "n-1")
            #expect(claims.auth_time == 1_700_000_000)
            #expect(claims.acr == "urn:acr:pwd")
            #expect(claims.sid == "sess-1")
            #expect(claims.name == "Alice")
            #expect(claims.email == "alice@example.com")
            #expect(claims.phone_number == nil)  // phone was not in the scopes
            #expect(claims.at_hash == base64URL(Array(SHA256Digest.of(try #require(response.accessToken)).prefix(16))))
            #expect(claims.exp - claims.iat == 86_400)
        }
    }

    @Test func expiredCodesAreInvalidGrants() async throws {
        try await Self.withFlow(configure: { $0.authorizationCodeDuration = 1 }) { flow in
            let code = try await flow.code()
            try await Task.sleep(for: .milliseconds(1500))
            let response = try await flow.redeem(code)
            #expect(try Self.body(response)["error"] == "invalid_grant")
            #expect(try Self.body(response)["error_description"]?.stringValue?.contains("expired") == true)
        }
    }

    @Test func idTokensAreSignedWithTheClientsAlgorithm() async throws {
        try await Self.withFlow { flow in
            let keys = try await flow.jwks()
            for algorithm in [JwsAlg.ps256, .es256, .edDSA] {
                var client = OAuthClient(
                    clientName: "\(algorithm.rawValue) client", redirectUris: [flow.redirect], grantTypes: [.authorizationCode], idTokenSignAlg: algorithm)
                guard case .created(let created) = try await flow.api.clientCreate(.init(path: .init(serviceId: Int64(flow.serviceId)!), body: client))
                else { throw UnexpectedOutput() }
                client = created
                let code = try await flow.code(client: client)
                let response = try await flow.token(
                    "grant_type=authorization_code&code=\(code)&redirect_uri=\(FormEncoding.escape(flow.redirect))",
                    clientId: String(client.clientId ?? 0), secret: client.clientSecret)
                let idToken = try #require(response.idToken)
                let header = try JSONValue(parsing: Array(try #require(Data(base64Encoded: Self.padded(String(idToken.split(separator: ".")[0]))))))
                #expect(header["alg"]?.stringValue == algorithm.rawValue)
                let claims = try await keys.verify(idToken, as: Claims.self)
                #expect(claims.aud == [String(client.clientId ?? 0)])
                // at_hash uses the hash of the signing algorithm: SHA-512 for EdDSA (Ed25519).
                let accessToken = try #require(response.accessToken)
                let digest = algorithm == .edDSA ? Array(Crypto.SHA512.hash(data: Data(accessToken.utf8))) : SHA256Digest.of(accessToken)
                #expect(claims.at_hash == base64URL(Array(digest.prefix(digest.count / 2))))
            }
        }
    }

    static func padded(_ base64URL: String) -> String {
        var text = base64URL.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while text.count % 4 != 0 { text += "=" }
        return text
    }

    @Test func aCodeWorksOnceAndItsReplayRevokesItsTokens() async throws {
        try await Self.withFlow { flow in
            let code = try await flow.code()
            let first = try await flow.redeem(code)
            #expect(first.action == .ok)
            let second = try await flow.redeem(code)
            #expect(second.action == .badRequest)
            #expect(try Self.body(second)["error"] == "invalid_grant")
            // The tokens issued for the first redemption were revoked with the grant.
            let refresh = try await flow.token(
                "grant_type=refresh_token&refresh_token=\(try #require(first.refreshToken))", clientId: flow.clientId, secret: flow.secret)
            #expect(try Self.body(refresh)["error"] == "invalid_grant")
        }
    }

    @Test func pkceAndRedirectURIMismatchesAreInvalidGrants() async throws {
        try await Self.withFlow { flow in
            let pkce = "&code_challenge=\(Self.challenge)&code_challenge_method=S256"
            let wrong = try await flow.redeem(try await flow.code(pkce), verifier: String(repeating: "a", count: 43))
            #expect(try Self.body(wrong)["error"] == "invalid_grant")
            let missing = try await flow.redeem(try await flow.code(pkce))
            #expect(try Self.body(missing)["error_description"]?.stringValue?.contains("code_verifier is missing") == true)
            let downgrade = try await flow.redeem(try await flow.code(), verifier: Self.verifier)
            #expect(try Self.body(downgrade)["error"] == "invalid_grant")
            let otherRedirect = try await flow.token(
                "grant_type=authorization_code&code=\(try await flow.code())&redirect_uri=https%3A%2F%2Fapp.example.com%2Fother",
                clientId: flow.clientId, secret: flow.secret)
            #expect(try Self.body(otherRedirect)["error"] == "invalid_grant")
            let unknown = try await flow.redeem("not-a-code")
            #expect(try Self.body(unknown)["error"] == "invalid_grant")
        }
    }

    @Test func clientsMustAuthenticateAsTheyRegistered() async throws {
        try await Self.withFlow { flow in
            let code = "grant_type=client_credentials"
            let wrongSecret = try await flow.token(code, clientId: flow.clientId, secret: "wrong")
            #expect(wrongSecret.action == .invalidClient)
            #expect(try Self.body(wrongSecret)["error"] == "invalid_client")
            #expect(try await flow.token(code, clientId: "424242", secret: "x").action == .invalidClient)
            // Two methods in one request are a malformed request (RFC 6749 §2.3), not a failed authentication.
            #expect(try await flow.token(code + "&client_secret=\(flow.secret)", clientId: flow.clientId, secret: flow.secret).action == .badRequest)
            #expect(try await flow.token(code + "&client_id=\(flow.clientId)&client_secret=\(flow.secret)").action == .invalidClient)  // registered basic
            #expect(try await flow.token(code).action == .invalidClient)  // unidentified
            #expect(try await flow.token(code, clientId: flow.clientId, secret: flow.secret).action == .ok)
            // A public client identifies itself and sends no secret.
            let publicCode = try await flow.code(client: flow.publicClient)
            let publicToken = try await flow.token(
                "grant_type=authorization_code&code=\(publicCode)&redirect_uri=\(FormEncoding.escape(flow.redirect))&client_id=\(flow.publicClient.clientId ?? 0)")
            #expect(publicToken.action == .ok)
            #expect(publicToken.clientAuthMethod == ClientAuthMethod.none)
        }
    }

    @Test func refreshTokensRotateAndAReplayRevokesTheFamily() async throws {
        try await Self.withFlow { flow in
            let first = try await flow.redeem(try await flow.code())
            let refresh1 = try #require(first.refreshToken)
            let second = try await flow.token("grant_type=refresh_token&refresh_token=\(refresh1)&scope=openid+profile", clientId: flow.clientId, secret: flow.secret)
            #expect(second.action == .ok)
            #expect(second.scopes == ["openid", "profile"])
            let refresh2 = try #require(second.refreshToken)
            #expect(refresh2 != refresh1)
            let broader = try await flow.token("grant_type=refresh_token&refresh_token=\(refresh2)&scope=openid+phone", clientId: flow.clientId, secret: flow.secret)
            #expect(try Self.body(broader)["error"] == "invalid_scope")
            // The rotated-out token again: theft is assumed, so the newer token dies too.
            let replay = try await flow.token("grant_type=refresh_token&refresh_token=\(refresh1)", clientId: flow.clientId, secret: flow.secret)
            #expect(try Self.body(replay)["error"] == "invalid_grant")
            let afterReplay = try await flow.token("grant_type=refresh_token&refresh_token=\(refresh2)", clientId: flow.clientId, secret: flow.secret)
            #expect(try Self.body(afterReplay)["error"] == "invalid_grant")
        }
    }

    @Test func keptRefreshTokensAndReissuableIDTokens() async throws {
        try await Self.withFlow(configure: { $0.refreshTokenKept = true; $0.idTokenReissuable = true; $0.keycloakTokenResponse = true }) { flow in
            let first = try await flow.redeem(try await flow.code())
            let refresh = try #require(first.refreshToken)
            // sid is the ID token's sid.
            let idToken = try await flow.jwks().verify(try #require(first.idToken), as: Claims.self)
            #expect(try Self.body(first)["sid"] == .string(idToken.sid ?? "") && idToken.sid == "sess-1")
            let again = try await flow.token("grant_type=refresh_token&refresh_token=\(refresh)", clientId: flow.clientId, secret: flow.secret)
            #expect(again.action == .idTokenReissuable)
            #expect(again.refreshToken == refresh)
            let body = try Self.body(again)
            #expect(body["refresh_token"]?.stringValue == refresh)
            #expect(body["id_token"] == nil)
            #expect(body["not-before-policy"] == 0)
            #expect(body["session_state"] == "sess-1")
            #expect(body["sid"] == "sess-1")
            #expect((body["refresh_expires_in"].flatMap { if case .integer(let value) = $0 { return value } else { return nil } } ?? 0) > 800_000)
        }
    }

    @Test func idTokensAreReissuedForTokensIssuedTogether() async throws {
        try await Self.withFlow(configure: { $0.idTokenReissuable = true; $0.accessTokenSignAlg = .rs256 }) { flow in
            let first = try await flow.redeem(try await flow.code())
            let original = try await flow.jwks().verify(try #require(first.idToken), as: Claims.self)
            try await Task.sleep(for: .milliseconds(1100))  // so that the new iat is later
            let refreshed = try await flow.token(
                "grant_type=refresh_token&refresh_token=\(try #require(first.refreshToken))", clientId: flow.clientId, secret: flow.secret)
            #expect(refreshed.action == .idTokenReissuable)
            #expect(refreshed.requestedIdTokenClaims == [])
            let accessToken = try #require(refreshed.jwtAccessToken ?? refreshed.accessToken)
            let refreshToken = try #require(refreshed.refreshToken)
            guard case .ok(let reissued) = try await flow.api.idTokenReissue(
                .init(
                    path: .init(serviceId: flow.serviceId),
                    body: .init(accessToken: accessToken, refreshToken: refreshToken, claims: #"{"name":"Alice B."}"#, idTokenAudType: .string)))
            else { throw UnexpectedOutput() }
            #expect(reissued.action == .ok)
            #expect(reissued.resultCode == "A070001")
            let content = try JSONValue(parsing: try #require(reissued.responseContent))
            #expect(content["access_token"]?.stringValue == accessToken)
            #expect(content["refresh_token"]?.stringValue == refreshToken)
            #expect(content["id_token"]?.stringValue == reissued.idToken)
            let renewed = try await flow.jwks().verify(try #require(reissued.idToken), as: StringAudienceClaims.self)
            #expect(renewed.iss == original.iss)
            #expect(renewed.sub == original.sub)
            #expect(renewed.aud == original.aud.first)
            #expect(renewed.azp == original.azp)
            #expect(renewed.auth_time == original.auth_time)
            #expect(renewed.iat > original.iat)
            #expect(renewed.name == "Alice B.")

            // Calls that are wrong are the caller's error.
            let other = try await flow.redeem(try await flow.code())
            let wrongCalls: [IdTokenReissueRequest] = [
                .init(refreshToken: refreshToken),
                .init(accessToken: accessToken),
                .init(accessToken: accessToken, refreshToken: other.refreshToken),
                .init(accessToken: "unknown", refreshToken: refreshToken),
                .init(accessToken: accessToken, refreshToken: refreshToken, claims: "{not json"),
            ]
            for call in wrongCalls {
                guard case .ok(let response) = try await flow.api.idTokenReissue(.init(path: .init(serviceId: flow.serviceId), body: call)) else {
                    throw UnexpectedOutput()
                }
                #expect(response.action == .callerError, "\(call)")
                #expect(response.idToken == nil)
            }
        }
    }

    @Test func clientCredentialsAndPasswordGrants() async throws {
        try await Self.withFlow { flow in
            let credentials = try await flow.token("grant_type=client_credentials&scope=profile+nonsense", clientId: flow.clientId, secret: flow.secret)
            #expect(credentials.action == .ok)
            #expect(credentials.refreshToken == nil)
            #expect(credentials.idToken == nil)
            #expect(credentials.scopes == ["profile"])
            #expect(credentials.subject == nil)

            let password = try await flow.token("grant_type=password&username=alice&password=secret&scope=openid", clientId: flow.clientId, secret: flow.secret)
            #expect(password.action == .password)
            #expect(password.username == "alice")
            #expect(password.password == "secret")
            let ticket = try #require(password.ticket)
            guard case .ok(let issued) = try await flow.api.tokenIssue(.init(path: .init(serviceId: flow.serviceId), body: .init(ticket: ticket, subject: "alice")))
            else { throw UnexpectedOutput() }
            #expect(issued.action == .ok)
            #expect(issued.subject == "alice")
            #expect(issued.refreshToken != nil)
            #expect(try JSONValue(parsing: try #require(issued.responseContent))["access_token"]?.stringValue == issued.accessToken)

            let refused = try await flow.token("grant_type=password&username=bob&password=nope", clientId: flow.clientId, secret: flow.secret)
            guard case .ok(let failed) = try await flow.api.tokenFail(
                .init(path: .init(serviceId: flow.serviceId), body: .init(ticket: try #require(refused.ticket), reason: .invalidResourceOwnerCredentials)))
            else { throw UnexpectedOutput() }
            #expect(failed.action == .badRequest)
            #expect(try JSONValue(parsing: try #require(failed.responseContent))["error"] == "invalid_request")

            let unsupported = try await flow.token("grant_type=urn%3Aexample%3Amagic", clientId: flow.clientId, secret: flow.secret)
            #expect(try Self.body(unsupported)["error"] == "unsupported_grant_type")
            let missing = try await flow.token("scope=openid", clientId: flow.clientId, secret: flow.secret)
            #expect(try Self.body(missing)["error"] == "invalid_request")
        }
    }

    @Test func twentyParallelRedemptionsOfOneCodeYieldExactlyOneSuccess() async throws {
        try await Self.withFlow { flow in
            let code = try await flow.code()
            let outcomes = try await withThrowingTaskGroup(of: TokenResponse.self) { group in
                for _ in 0..<20 { group.addTask { try await flow.redeem(code) } }
                var all: [TokenResponse] = []
                for try await response in group { all.append(response) }
                return all
            }
            let winners = outcomes.filter { $0.action == .ok }
            #expect(winners.count == 1)
            #expect(outcomes.filter { $0.action == .badRequest }.count == 19)
            // The replays revoked what the one success got.
            let refresh = try await flow.token(
                "grant_type=refresh_token&refresh_token=\(try #require(winners.first?.refreshToken))", clientId: flow.clientId, secret: flow.secret)
            #expect(try Self.body(refresh)["error"] == "invalid_grant")
        }
    }

    @Test func hybridAndImplicitResponsesCarryTokensInTheFragment() async throws {
        try await Self.withFlow(configure: { $0.accessTokenSignAlg = .es256 }) { flow in
            let parameters = "response_type=code+id_token+token&client_id=\(flow.clientId)&redirect_uri=\(FormEncoding.escape(flow.redirect))&scope=openid&state=h&nonce=n-2"
            guard case .ok(let authorization) = try await flow.api.authorization(
                .init(path: .init(serviceId: flow.serviceId), body: .init(parameters: parameters)))
            else { throw UnexpectedOutput() }
            let issued = try await flow.issue(try #require(authorization.ticket))
            let location = try #require(issued.responseContent)
            #expect(location.hasPrefix("https://app.example.com/cb#code="))
            let fragment = try AuthorizationTests.parameters(of: location)
            let jwtAccessToken = try #require(issued.jwtAccessToken)
            #expect(fragment["access_token"] == jwtAccessToken)
            #expect(fragment["token_type"] == "Bearer")
            let keys = try await flow.jwks()
            let idToken = try await keys.verify(try #require(fragment["id_token"]), as: Claims.self)
            #expect(idToken.nonce == "n-2")
            #expect(idToken.c_hash == base64URL(Array(SHA256Digest.of(try #require(fragment["code"])).prefix(16))))
            #expect(idToken.at_hash == base64URL(Array(SHA256Digest.of(jwtAccessToken).prefix(16))))
            // RFC 9068: the JWT access token names its issuer, subject, client and scopes.
            let access = try await keys.verify(jwtAccessToken, as: AccessClaims.self)
            #expect(access.iss == "https://as.example.com")
            #expect(access.sub == "alice")
            #expect(access.client_id == flow.clientId)
            #expect(access.scope == "openid")
        }
    }
}

/// The ID token claims the tests read.
struct Claims: JWTPayload {
    var iss: String
    var sub: String
    var aud: [String]
    var azp: String?
    var exp: Int
    var iat: Int
    var nonce: String?
    var auth_time: Int?
    var acr: String?
    var sid: String?
    var at_hash: String?
    var c_hash: String?
    var name: String?
    var email: String?
    var phone_number: String?

    func verify(using algorithm: some JWTAlgorithm) async throws {}
}

struct StringAudienceClaims: JWTPayload {
    var iss: String
    var sub: String
    var aud: String
    var azp: String?
    var iat: Int
    var auth_time: Int?
    var name: String?

    func verify(using algorithm: some JWTAlgorithm) async throws {}
}

struct AccessClaims: JWTPayload {
    var iss: String
    var sub: String
    var client_id: String
    var scope: String?
    var jti: String
    var exp: Int

    func verify(using algorithm: some JWTAlgorithm) async throws {}
}

enum SHA256Digest {
    static func of(_ text: String) -> [UInt8] {
        Array(Crypto.SHA256.hash(data: Data(text.utf8)))
    }
}

func base64URL(_ bytes: [UInt8]) -> String {
    Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
        .replacingOccurrences(of: "=", with: "")
}
