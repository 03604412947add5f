import Foundation
import JWTKit
import SpecRuntime
import Testing
import WarrantClient

/// Token exchange (RFC 8693) through /auth/token (form) and /auth/token/exchange (JSON).
@Suite(.serialized) struct TokenExchangeTests {
    static let grant = "urn:ietf:params:oauth:grant-type:token-exchange"
    static let accessTokenType = "urn:ietf:params:oauth:token-type:access_token"
    static let idTokenType = "urn:ietf:params:oauth:token-type:id_token"
    static let jwtType = "urn:ietf:params:oauth:token-type:jwt"

    /// A flow whose service supports token exchange, with a client permitted to exchange.
    struct Exchange {
        let flow: TokenFlowTests.Flow
        let exchanger: OAuthClient
        let secret: String
        var exchangerId: String { String(exchanger.clientId!) }

        /// A form exchange at /auth/token, authenticated with client_secret_basic.
        func form(_ parameters: [(String, String)], clientId: String? = nil, secret: String? = nil) async throws -> TokenResponse {
            try await flow.token(FormEncoding.encode(parameters), clientId: clientId ?? exchangerId, secret: secret ?? self.secret)
        }

        func json(_ spec: IssueSpec) async throws -> Operations.TokenExchange.Output {
            try await flow.api.tokenExchange(.init(path: .init(serviceId: flow.serviceId), body: spec))
        }

        /// An access token of the exchanger itself (client credentials), to act with.
        func exchangerToken() async throws -> String {
            try #require(try await flow.token("grant_type=client_credentials&scope=profile", clientId: exchangerId, secret: secret).accessToken)
        }

        /// alice's access token from the code flow of the web client.
        func aliceToken() async throws -> TokenResponse {
            try await flow.redeem(try await flow.code())
        }
    }

    static func withExchange(configure: @escaping (inout Service) -> Void = { _ in }, permitted: Bool = true, _ body: @Sendable (Exchange) async throws -> Void)
        async throws
    {
        try await TokenFlowTests.withFlow(configure: { service in
            service.supportedGrantTypes = (service.supportedGrantTypes ?? []) + [.tokenExchange]
            configure(&service)
        }) { flow in
            let exchanger = OAuthClient(
                clientIdAlias: "gateway", clientName: "Gateway", grantTypes: [.tokenExchange, .clientCredentials, .refreshToken],
                extension: ClientExtension(tokenExchangePermitted: permitted))
            guard case .created(let created) = try await flow.api.clientCreate(.init(path: .init(serviceId: Int64(flow.serviceId)!), body: exchanger)) else {
                throw UnexpectedOutput()
            }
            try await body(Exchange(flow: flow, exchanger: created, secret: try #require(created.clientSecret)))
        }
    }

    static func subject(_ token: String, type: String = accessTokenType) -> [(String, String)] {
        [("grant_type", grant), ("subject_token", token), ("subject_token_type", type)]
    }

    @Test func theFrontEndDecidesByDefault() async throws {
        try await Self.withExchange { exchange in
            let alice = try await exchange.aliceToken()
            let response = try await exchange.form(
                Self.subject(try #require(alice.accessToken)) + [
                    ("audience", "orders"), ("audience", "billing"), ("resource", "https://api.example.com/orders"), ("scope", "openid email"),
                    ("requested_token_type", Self.accessTokenType),
                ])
            #expect(response.action == .tokenExchange)
            #expect(response.resultCode == "A050004")
            #expect(response.responseContent == nil)
            #expect(response.grantType == .tokenExchange)
            #expect(response.clientId == exchange.exchanger.clientId)
            #expect(response.audiences == ["orders", "billing"])
            #expect(response.resources == ["https://api.example.com/orders"])
            #expect(response.scopes == ["openid", "email"])
            #expect(response.requestedTokenType == .accessToken)
            #expect(response.subjectTokenType == .accessToken)
            let info = try #require(response.subjectTokenInfo)
            #expect(info.subject == "alice")
            #expect(info.clientId == exchange.flow.client.clientId)
            #expect(info.scopes?.map(\.name) == ["openid", "profile", "email"])
            #expect(info.expiresAt == alice.accessTokenExpiresAt)

            // The front end's policy then issues the token.
            let created = try await TokenManagementTests.create(
                exchange.flow,
                TokenCreateRequest(grantType: .tokenExchange, clientId: exchange.exchanger.clientId, subject: info.subject, scopes: response.scopes))
            #expect(created.action == .ok)
            #expect(try await IntrospectionTests.introspect(exchange.flow, try #require(created.accessToken)).grantType == .tokenExchange)

            // A refresh token is a subject token too.
            let byRefresh = try await exchange.form(
                Self.subject(try #require(alice.refreshToken), type: "urn:ietf:params:oauth:token-type:refresh_token"))
            #expect(byRefresh.action == .tokenExchange)
            #expect(byRefresh.subjectTokenInfo?.subject == "alice")
        }
    }

    @Test func invalidRequestsGetTheirRFCErrors() async throws {
        try await Self.withExchange { exchange in
            let alice = try #require(try await exchange.aliceToken().accessToken)
            let revoked = try #require(try await exchange.aliceToken().accessToken)
            _ = try await IntrospectionTests.revoke(exchange.flow, "token=\(revoked)", clientId: exchange.flow.clientId, secret: exchange.flow.secret)
            let cases: [([(String, String)], String, String)] = [
                ([("grant_type", Self.grant), ("subject_token_type", Self.accessTokenType)], "invalid_request", "subject_token"),
                ([("grant_type", Self.grant), ("subject_token", alice)], "invalid_request", "subject_token_type"),
                (Self.subject(alice) + [("actor_token", "x")], "invalid_request", "actor_token_type"),
                (Self.subject(alice) + [("actor_token_type", Self.accessTokenType)], "invalid_request", "actor_token_type"),
                (Self.subject(alice, type: "urn:example:unknown"), "invalid_request", "subject_token_type"),
                (Self.subject(alice) + [("requested_token_type", "urn:example:unknown")], "invalid_request", "requested_token_type"),
                (Self.subject(alice) + [("resource", "relative/path")], "invalid_target", "relative/path"),
                (Self.subject(alice) + [("resource", "https://api.example.com/#frag")], "invalid_target", "fragment"),
                (Self.subject(alice) + [("scope", "openid admin")], "invalid_scope", "admin"),
                (Self.subject("not-a-token"), "invalid_request", "not an active access token"),
                (Self.subject(revoked), "invalid_request", "not an active access token"),
                (Self.subject(alice, type: "urn:ietf:params:oauth:token-type:id_token"), "invalid_request", "not a JWT"),
                (Self.subject(alice, type: "urn:ietf:params:oauth:token-type:saml2"), "invalid_request", "not accepted"),
                (Self.subject(alice) + [("actor_token", "bogus"), ("actor_token_type", Self.accessTokenType)], "invalid_request", "actor_token"),
            ]
            for (parameters, error, mention) in cases {
                let response = try await exchange.form(parameters)
                #expect(response.action == .badRequest, "\(parameters)")
                let body = try TokenFlowTests.body(response)
                #expect(body["error"] == .string(error), "\(parameters) → \(body)")
                #expect(body["error_description"]?.stringValue?.contains(mention) == true, "\(parameters) → \(body)")
            }
            // The client: wrong secret, not permitted to exchange.
            let wrong = try await exchange.form(Self.subject(alice), secret: "wrong")
            #expect(wrong.action == .invalidClient)
            let web = try await exchange.form(Self.subject(alice), clientId: exchange.flow.clientId, secret: exchange.flow.secret)
            #expect(try TokenFlowTests.body(web)["error"] == "unauthorized_client")
        }
    }

    @Test func clientsNeedPermissionAndTheServiceTheGrant() async throws {
        // The per-client permission counts only when the service asks for it, as with Authlete.
        try await Self.withExchange(configure: { $0.tokenExchangeByPermittedClientsOnly = true }, permitted: false) { exchange in
            let alice = try #require(try await exchange.aliceToken().accessToken)
            #expect(try TokenFlowTests.body(try await exchange.form(Self.subject(alice)))["error"] == "unauthorized_client")
        }
        try await Self.withExchange(permitted: false) { exchange in
            let alice = try #require(try await exchange.aliceToken().accessToken)
            #expect(try await exchange.form(Self.subject(alice)).action == .tokenExchange)
        }
        try await Self.withExchange { exchange in
            // The service stops supporting the grant after the client was registered.
            let id = try #require(Int64(exchange.flow.serviceId))
            guard case .ok(var service) = try await exchange.flow.api.serviceGet(.init(path: .init(serviceId: id))) else { throw UnexpectedOutput() }
            service.supportedGrantTypes = [.authorizationCode, .refreshToken, .clientCredentials, .password]
            guard case .ok = try await exchange.flow.api.serviceUpdate(.init(path: .init(serviceId: id), body: service)) else { throw UnexpectedOutput() }
            let alice = try #require(try await exchange.aliceToken().accessToken)
            #expect(try TokenFlowTests.body(try await exchange.form(Self.subject(alice)))["error"] == "unsupported_grant_type")
        }
        // A client warrant cannot identify may exchange unless the service says otherwise.
        try await Self.withExchange { exchange in
            let alice = try #require(try await exchange.aliceToken().accessToken)
            let anonymous = try await exchange.flow.token(FormEncoding.encode(Self.subject(alice)))
            #expect(anonymous.action == .tokenExchange)
            #expect(anonymous.clientId == 0)
        }
        try await Self.withExchange(configure: { $0.tokenExchangeByIdentifiableClientsOnly = true }) { exchange in
            let alice = try #require(try await exchange.aliceToken().accessToken)
            let anonymous = try await exchange.flow.token(FormEncoding.encode(Self.subject(alice)))
            #expect(anonymous.action == .invalidClient)
        }
    }

    @Test func directExchangeIssuesTheToken() async throws {
        try await Self.withExchange(configure: { $0.tokenExchangeDirect = true }) { exchange in
            let aliceTokens = try await exchange.aliceToken()
            let alice = try #require(aliceTokens.accessToken)
            let response = try await exchange.form(Self.subject(alice) + [("scope", "openid email"), ("audience", "gateway")])
            #expect(response.action == .ok)
            #expect(response.resultCode == "A050005")
            let body = try TokenFlowTests.body(response)
            #expect(body["issued_token_type"] == .string(Self.accessTokenType))
            #expect(body["token_type"] == "Bearer")
            #expect(body["scope"] == "openid email")
            #expect(body["expires_in"] == 86_400)
            #expect(body["refresh_token"] != nil)
            let issued = try #require(body["access_token"]?.stringValue)
            let introspected = try await IntrospectionTests.introspect(exchange.flow, issued)
            #expect(introspected.subject == "alice")
            #expect(introspected.clientId == exchange.exchanger.clientId)
            #expect(introspected.scopes == ["openid", "email"])
            #expect(introspected.accessTokenResources == ["gateway"])

            let broader = try await exchange.form(Self.subject(issued) + [("scope", "openid profile")])
            #expect(try TokenFlowTests.body(broader)["error"] == "invalid_scope")
            let stranger = try await exchange.form(Self.subject(alice) + [("audience", "no-such-client")])
            #expect(try TokenFlowTests.body(stranger)["error"] == "invalid_target")
            // alice's ID token was issued to the web client: the gateway may not present it.
            let webIDToken = try #require(aliceTokens.idToken)
            let foreign = try TokenFlowTests.body(try await exchange.form(Self.subject(webIDToken, type: Self.idTokenType)))
            #expect(foreign["error"] == "invalid_request")
            #expect(foreign["error_description"]?.stringValue?.contains("issued to another client") == true, "\(foreign)")
            // An ID token issued to the gateway stands for her; it states no scopes, so it allows openid only.
            let own = try TokenFlowTests.body(try await exchange.form(Self.subject(alice) + [("requested_token_type", Self.idTokenType)]))
            let idToken = try #require(own["access_token"]?.stringValue, "\(own)")
            let widened = try await exchange.form(Self.subject(idToken, type: "urn:ietf:params:oauth:token-type:id_token") + [("scope", "email")])
            #expect(try TokenFlowTests.body(widened)["error"] == "invalid_scope")
            let byIDToken = try await exchange.form(Self.subject(idToken, type: "urn:ietf:params:oauth:token-type:id_token") + [("scope", "openid")])
            #expect(byIDToken.action == .ok)
            let fromIDToken = try await IntrospectionTests.introspect(exchange.flow, try #require(byIDToken.accessToken))
            #expect(fromIDToken.subject == "alice")
            #expect(fromIDToken.scopes == ["openid"])
            let saml = try await exchange.form(Self.subject(alice) + [("requested_token_type", "urn:ietf:params:oauth:token-type:saml2")])
            #expect(try TokenFlowTests.body(saml)["error"] == "invalid_request")
        }
    }

    @Test func exchangedTokensEndWithTheSubjectTokensGrant() async throws {
        try await Self.withExchange(configure: { $0.tokenExchangeDirect = true }) { exchange in
            let alice = try await exchange.aliceToken()
            let body = try TokenFlowTests.body(try await exchange.form(Self.subject(try #require(alice.accessToken))))
            let exchanged = try #require(body["access_token"]?.stringValue, "\(body)")
            let exchangedRefresh = try #require(body["refresh_token"]?.stringValue)
            #expect(try await IntrospectionTests.introspect(exchange.flow, exchanged).action == .ok)
            // The web client revokes alice's refresh token, and with it her grant (RFC 7009 §2.1).
            let revoked = try await IntrospectionTests.revoke(
                exchange.flow, "token=\(try #require(alice.refreshToken))&token_type_hint=refresh_token", clientId: exchange.flow.clientId,
                secret: exchange.flow.secret)
            #expect(revoked.resultCode == "A113001")
            #expect(try await IntrospectionTests.introspect(exchange.flow, exchanged).action == .unauthorized)
            let refreshed = try await exchange.form([("grant_type", "refresh_token"), ("refresh_token", exchangedRefresh)])
            #expect(refreshed.action == .badRequest)
            #expect(try TokenFlowTests.body(refreshed)["error"] == "invalid_grant")
            // A token of a revoked grant cannot be exchanged again either.
            let again = try TokenFlowTests.body(try await exchange.form(Self.subject(try #require(alice.accessToken))))
            #expect(again["error"] == "invalid_request")
        }
    }

    @Test func jwtSubjectTokensOfThisServiceAnswerToTheirRecords() async throws {
        try await Self.withExchange(configure: { $0.tokenExchangeDirect = true; $0.accessTokenSignAlg = .es256 }) { exchange in
            let alice = try #require(try await exchange.aliceToken().jwtAccessToken)
            // An at+jwt is an access token, whoever signed it, and never an ID token.
            let asIDToken = try TokenFlowTests.body(try await exchange.form(Self.subject(alice, type: Self.idTokenType)))
            #expect(asIDToken["error_description"]?.stringValue?.contains("not an ID token") == true, "\(asIDToken)")
            #expect(try await exchange.form(Self.subject(alice, type: Self.jwtType)).action == .ok)
            // Revoked, the JWT still verifies, but its record says no.
            let revoked = try await IntrospectionTests.revoke(exchange.flow, "token=\(alice)", clientId: exchange.flow.clientId, secret: exchange.flow.secret)
            #expect(revoked.resultCode == "A113001")
            let afterwards = try TokenFlowTests.body(try await exchange.form(Self.subject(alice, type: Self.jwtType)))
            #expect(afterwards["error"] == "invalid_request")
            #expect(afterwards["error_description"]?.stringValue?.contains("revoked") == true, "\(afterwards)")
        }
    }

    @Test func mayActAndIDTokenAudiencesAreEnforced() async throws {
        try await Self.withExchange(configure: { $0.tokenExchangeDirect = true }) { exchange in
            func aliceToken(mayAct: String) async throws -> String {
                let ticket = try await exchange.flow.authorize()
                guard case .ok(let issued) = try await exchange.flow.api.authorizationIssue(
                    .init(
                        path: .init(serviceId: exchange.flow.serviceId),
                        body: .init(ticket: ticket, subject: "alice", jwtAtClaims: #"{"may_act":{"sub":"\#(mayAct)"}}"#)))
                else { throw UnexpectedOutput() }
                let code = try #require(issued.authorizationCode)
                return try #require(try await exchange.flow.redeem(code).accessToken)
            }
            // RFC 8693 §4.4: only the party may_act names may act; without an actor token, that is the client.
            let forOthers = try TokenFlowTests.body(try await exchange.form(Self.subject(try await aliceToken(mayAct: "someone-else"))))
            #expect(forOthers["error"] == "invalid_request")
            #expect(forOthers["error_description"]?.stringValue?.contains("may_act") == true, "\(forOthers)")
            #expect(try await exchange.form(Self.subject(try await aliceToken(mayAct: "gateway"))).action == .ok)
            // With an actor token, the actor is its party.
            let actor = try await exchange.exchangerToken()
            let acting = try await exchange.form(
                Self.subject(try await aliceToken(mayAct: exchange.exchangerId)) + [("actor_token", actor), ("actor_token_type", Self.accessTokenType)])
            #expect(acting.action == .ok, "\(acting.responseContent ?? "")")
            // An ID token goes to the client asking, never to another audience.
            let alice = try #require(try await exchange.aliceToken().accessToken)
            let elsewhere = try TokenFlowTests.body(
                try await exchange.form(
                    Self.subject(alice) + [("requested_token_type", Self.idTokenType), ("audience", exchange.flow.clientId)]))
            #expect(elsewhere["error"] == "invalid_target", "\(elsewhere)")
        }
    }

    @Test func delegationChainsNestActClaims() async throws {
        try await Self.withExchange(configure: { $0.tokenExchangeDirect = true; $0.accessTokenSignAlg = .es256 }) { exchange in
            let keys = try await exchange.flow.jwks()
            let alice = try #require(try await exchange.aliceToken().jwtAccessToken)
            let gateway = try await exchange.exchangerToken()
            let first = try await exchange.form(
                Self.subject(alice) + [("actor_token", gateway), ("actor_token_type", Self.accessTokenType), ("requested_token_type", "urn:ietf:params:oauth:token-type:jwt")])
            let firstBody = try TokenFlowTests.body(first)
            #expect(firstBody["issued_token_type"] == "urn:ietf:params:oauth:token-type:jwt")
            let delegated = try #require(firstBody["access_token"]?.stringValue)
            let firstClaims = try await keys.verify(delegated, as: DelegatedClaims.self)
            #expect(firstClaims.sub == "alice")
            #expect(firstClaims.act == Actor(sub: exchange.exchangerId, act: nil))

            // Exchange the exchanged token, with the web client acting now: the gateway moves inside.
            let webToken = try #require(
                try await exchange.flow.token("grant_type=client_credentials&scope=profile", clientId: exchange.flow.clientId, secret: exchange.flow.secret)
                    .accessToken)
            let second = try await exchange.form(
                Self.subject(delegated, type: "urn:ietf:params:oauth:token-type:jwt") + [
                    ("actor_token", webToken), ("actor_token_type", Self.accessTokenType),
                ])
            let secondBody = try TokenFlowTests.body(second)
            #expect(second.action == .ok, "\(secondBody)")
            let chained = try #require(secondBody["access_token"]?.stringValue)
            let secondClaims = try await keys.verify(chained, as: DelegatedClaims.self)
            #expect(secondClaims.sub == "alice")
            #expect(secondClaims.act == Actor(sub: exchange.flow.clientId, act: Box(Actor(sub: exchange.exchangerId, act: nil))))
            // The opaque record keeps the chain too: standard introspection shows it.
            let introspected = try await IntrospectionTests.standardJSON(exchange.flow, chained)
            #expect(introspected["act"]?["act"]?["sub"] == .string(exchange.exchangerId))

            // An ID token for the subject is not an access token.
            let idToken = try await exchange.form(Self.subject(chained) + [("requested_token_type", "urn:ietf:params:oauth:token-type:id_token")])
            let idBody = try TokenFlowTests.body(idToken)
            #expect(idBody["token_type"] == "N_A")
            #expect(idBody["refresh_token"] == nil)
            let idClaims = try await keys.verify(try #require(idBody["access_token"]?.stringValue), as: DelegatedClaims.self)
            #expect(idClaims.sub == "alice")
        }
    }

    @Test func trustedIssuersJWTsAreVerifiedWithTheirKeys() async throws {
        let partnerKey = ES256PrivateKey()
        let jwk = try #require(partnerKey.publicKey.parameters)
        let jwks = #"{"keys":[{"kty":"EC","crv":"P-256","kid":"partner-1","alg":"ES256","x":"\#(jwk.x)","y":"\#(jwk.y)"}]}"#
        try await Self.withExchange(configure: { service in
            service.tokenExchangeDirect = true
            service.tokenExchangeTrustedIssuers = [TrustedIssuer(issuer: URL(string: "https://partner.example.com")!, jwks: jwks)]
        }) { exchange in
            let signer = JWTKeyCollection()
            await signer.add(ecdsa: partnerKey, kid: JWKIdentifier(string: "partner-1"))
            let now = Int(Date().timeIntervalSince1970)
            func partnerJWT(iss: String = "https://partner.example.com", exp: Int) async throws -> String {
                try await signer.sign(PartnerClaims(iss: iss, sub: "partner-user", exp: exp, scope: "email"), kid: JWKIdentifier(string: "partner-1"))
            }
            let jwtType = "urn:ietf:params:oauth:token-type:jwt"
            let good = try await exchange.form(Self.subject(try await partnerJWT(exp: now + 300), type: jwtType))
            let body = try TokenFlowTests.body(good)
            #expect(good.action == .ok, "\(body)")
            #expect(body["scope"] == "email")
            let introspected = try await IntrospectionTests.introspect(exchange.flow, try #require(body["access_token"]?.stringValue))
            #expect(introspected.subject == "partner-user")

            let expired = try await exchange.form(Self.subject(try await partnerJWT(exp: now - 10), type: jwtType))
            #expect(try TokenFlowTests.body(expired)["error_description"]?.stringValue?.contains("expired") == true)
            let stranger = try await exchange.form(Self.subject(try await partnerJWT(iss: "https://evil.example.com", exp: now + 300), type: jwtType))
            #expect(try TokenFlowTests.body(stranger)["error_description"]?.stringValue?.contains("trusted issuer") == true)
            // Signed by a key the partner does not publish.
            let other = JWTKeyCollection()
            await other.add(ecdsa: ES256PrivateKey(), kid: JWKIdentifier(string: "partner-1"))
            let forged = try await other.sign(PartnerClaims(iss: "https://partner.example.com", sub: "partner-user", exp: now + 300, scope: nil), kid: JWKIdentifier(string: "partner-1"))
            #expect(try TokenFlowTests.body(try await exchange.form(Self.subject(forged, type: jwtType)))["error_description"]?.stringValue?.contains("signature") == true)
        }
    }

    @Test func theJSONAndFormExchangesAgree() async throws {
        try await Self.withExchange(configure: { $0.tokenExchangeDirect = true }) { exchange in
            let alice = try #require(try await exchange.aliceToken().accessToken)
            let form = try TokenFlowTests.body(try await exchange.form(Self.subject(alice) + [("scope", "openid"), ("audience", "gateway")]))
            let output = try await exchange.json(
                IssueSpec(
                    grantType: Self.grant, audience: ["gateway"], scope: "openid", subjectToken: alice, subjectTokenType: .accessToken,
                    clientId: exchange.exchangerId, clientSecret: exchange.secret))
            guard case .ok(let json) = output else { throw UnexpectedOutput(output) }
            #expect(json.issuedTokenType == .accessToken)
            for member in ["issued_token_type", "token_type", "scope", "expires_in"] {
                #expect(json.jsonValue[member] == form[member], "\(member)")
            }
            #expect((json.refreshToken != nil) == (form["refresh_token"] != nil))
            let fromJSON = try await IntrospectionTests.introspect(exchange.flow, json.accessToken)
            let fromForm = try await IntrospectionTests.introspect(exchange.flow, try #require(form["access_token"]?.stringValue))
            #expect(fromJSON.subject == fromForm.subject && fromJSON.scopes == fromForm.scopes && fromJSON.clientId == fromForm.clientId)
            #expect(fromJSON.accessTokenResources == fromForm.accessTokenResources)

            // Refusals are OAuth errors with status 400, and a malformed body names its fields.
            guard case .badRequest(let refused) = try await exchange.json(
                IssueSpec(grantType: Self.grant, scope: "admin", subjectToken: alice, subjectTokenType: .accessToken, clientId: exchange.exchangerId,
                    clientSecret: exchange.secret))
            else { throw UnexpectedOutput() }
            #expect(refused.error == "invalid_scope")
            guard case .badRequest(let unauthenticated) = try await exchange.json(
                IssueSpec(grantType: Self.grant, subjectToken: alice, subjectTokenType: .accessToken))
            else { throw UnexpectedOutput() }
            #expect(unauthenticated.error == "invalid_client")
            let malformed = try await exchange.flow.server.raw(
                .post, "/api/\(exchange.flow.serviceId)/auth/token/exchange", token: TestServer.organizationToken,
                body: #"{"grant_type":"password","subject_token_type":"urn:x"}"#)
            #expect(malformed.status == 400)
            guard case .array(let violations)? = malformed.body?["violations"] else { throw UnexpectedOutput() }
            let paths = violations.compactMap { $0["path"]?.stringValue }
            #expect(paths.contains("/subject_token"))
        }
        // A service that leaves exchanges to its front end refuses the JSON form.
        try await Self.withExchange { exchange in
            let alice = try #require(try await exchange.aliceToken().accessToken)
            guard case .badRequest(let refused) = try await exchange.json(
                IssueSpec(grantType: Self.grant, subjectToken: alice, subjectTokenType: .accessToken, clientId: exchange.exchangerId,
                    clientSecret: exchange.secret))
            else { throw UnexpectedOutput() }
            #expect(refused.error == "unsupported_grant_type")
        }
    }
}

/// An actor in an `act` claim, nesting the actors before it.
struct Actor: Codable, Equatable, Sendable {
    var sub: String
    var act: Box<Actor>?
}

final class Box<Value: Codable & Equatable & Sendable>: Codable, Equatable, Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
    required init(from decoder: any Decoder) throws { value = try Value(from: decoder) }
    func encode(to encoder: any Encoder) throws { try value.encode(to: encoder) }
    static func == (lhs: Box, rhs: Box) -> Bool { lhs.value == rhs.value }
}

struct DelegatedClaims: JWTPayload {
    var sub: String
    var act: Actor?

    func verify(using algorithm: some JWTAlgorithm) async throws {}
}

struct PartnerClaims: JWTPayload {
    var iss: String
    var sub: String
    var exp: Int
    var scope: String?

    func verify(using algorithm: some JWTAlgorithm) async throws {}
}
