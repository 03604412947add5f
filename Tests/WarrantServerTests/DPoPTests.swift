import Crypto
import Foundation
import JWTKit
import SpecRuntime
import Testing
import WarrantClient

/// DPoP (RFC 9449): proofs at the token endpoint bind tokens to the client's key, and introspection and
/// UserInfo accept a bound token only with a fresh proof by that key.
@Suite(.serialized) struct DPoPTests {
    typealias Flow = TokenFlowTests.Flow

    static let tokenEndpoint = "https://as.example.com/token"
    static let userInfoEndpoint = "https://as.example.com/userinfo"
    static let parEndpoint = "https://as.example.com/par"
    static let resource = "https://api.example.com/photos"

    /// A client's DPoP key, making proofs the way RFC 9449 §4.2 says, with jwt-kit.
    struct Prover: Sendable {
        let privateKey = P256.Signing.PrivateKey()
        var key: ES256PrivateKey { try! ES256PrivateKey(pem: privateKey.pemRepresentation) }
        var jwk: [String: String] {
            let parameters = key.publicKey.parameters!
            return ["kty": "EC", "crv": "P-256", "x": parameters.x, "y": parameters.y]
        }

        /// The JWK thumbprint (RFC 7638), computed here independently of warrant.
        var thumbprint: String {
            let jwk = self.jwk
            let canonical = #"{"crv":"P-256","kty":"EC","x":"\#(jwk["x"]!)","y":"\#(jwk["y"]!)"}"#
            return Self.base64URL(Data(SHA256.hash(data: Data(canonical.utf8))))
        }

        static func base64URL(_ data: Data) -> String {
            data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
                .replacingOccurrences(of: "=", with: "")
        }

        func proof(
            _ htu: String = DPoPTests.tokenEndpoint, htm: String = "POST", token: String? = nil, nonce: String? = nil,
            iat: Int = Int(Date().timeIntervalSince1970), jti: String = UUID().uuidString, typ: String = "dpop+jwt",
            jwk: [String: String]? = nil, omit: Set<String> = []
        ) async throws -> String {
            var claims: [String: JSONValue] = ["jti": .string(jti), "htm": .string(htm), "htu": .string(htu), "iat": .integer(Int64(iat))]
            if let token { claims["ath"] = .string(Self.base64URL(Data(SHA256.hash(data: Data(token.utf8))))) }
            if let nonce { claims["nonce"] = .string(nonce) }
            for name in omit { claims[name] = nil }
            let keys = JWTKeyCollection()
            await keys.add(ecdsa: key)
            var header = JWTHeader()
            header.typ = typ
            header.fields["jwk"] = .object((jwk ?? self.jwk).mapValues { .string($0) })
            return try await keys.sign(RequestObjectTests.Claims(claims), header: header)
        }
    }

    static func withFlow(configure: @escaping (inout Service) -> Void = { _ in }, _ body: @Sendable (Flow) async throws -> Void) async throws {
        try await TokenFlowTests.withFlow(configure: { service in
            service.tokenEndpoint = URL(string: tokenEndpoint)
            service.userInfoEndpoint = URL(string: userInfoEndpoint)
            service.pushedAuthReqEndpoint = URL(string: parEndpoint)
            configure(&service)
        }, body)
    }

    static func token(_ flow: Flow, _ parameters: String, proof: String?, clientId: String? = nil, secret: String? = nil) async throws -> TokenResponse {
        guard case .ok(let response) = try await flow.api.authToken(
            .init(path: .init(serviceId: flow.serviceId), body: .init(parameters: parameters, clientId: clientId, clientSecret: secret, dpop: proof)))
        else { throw UnexpectedOutput() }
        return response
    }

    static func redeem(_ flow: Flow, _ code: String, proof: String?) async throws -> TokenResponse {
        try await token(
            flow, "grant_type=authorization_code&code=\(code)&redirect_uri=\(FormEncoding.escape(flow.redirect))", proof: proof,
            clientId: flow.clientId, secret: flow.secret)
    }

    static func introspect(_ flow: Flow, _ token: String, proof: String?, htm: String = "GET", htu: String = resource) async throws -> IntrospectionResponse {
        guard case .ok(let response) = try await flow.api.introspection(
            .init(path: .init(serviceId: flow.serviceId), body: .init(token: token, dpop: proof, htm: htm, htu: URL(string: htu))))
        else { throw UnexpectedOutput() }
        return response
    }

    static func error(_ response: TokenResponse) throws -> String? { try TokenFlowTests.body(response)["error"]?.stringValue }

    @Test func aProofBindsTheTokensAndResourcesAcceptThemOnlyWithProofsByTheKey() async throws {
        try await Self.withFlow(configure: { $0.accessTokenSignAlg = .es256 }) { flow in
            let prover = Prover()
            let response = try await Self.redeem(flow, try await flow.code(), proof: try await prover.proof())
            #expect(response.action == .ok)
            let body = try TokenFlowTests.body(response)
            #expect(body["token_type"] == "DPoP")
            let token = try #require(body["access_token"]?.stringValue)
            // The JWT access token names the key (RFC 9449 §6.1), verified with the service's published keys.
            let claims = try await flow.jwks().verify(token, as: RequestObjectTests.Claims.self).members
            #expect(claims["cnf"] == .object(["jkt": .string(prover.thumbprint)]))

            // Introspection: a proof by the key, for this request and token, is the only way in.
            let good = try await Self.introspect(flow, token, proof: try await prover.proof(Self.resource, htm: "GET", token: token))
            #expect(good.action == .ok)
            let refused: [(String, String?, String)] = [
                ("no proof", nil, "invalid_token"),
                ("another key", try await Prover().proof(Self.resource, htm: "GET", token: token), "invalid_token"),
                ("no ath", try await prover.proof(Self.resource, htm: "GET"), "invalid_dpop_proof"),
                ("another token's ath", try await prover.proof(Self.resource, htm: "GET", token: "other"), "invalid_dpop_proof"),
                ("another method", try await prover.proof(Self.resource, htm: "POST", token: token), "invalid_dpop_proof"),
                ("another resource", try await prover.proof("https://api.example.com/other", htm: "GET", token: token), "invalid_dpop_proof"),
            ]
            for (name, proof, error) in refused {
                let answer = try await Self.introspect(flow, token, proof: proof)
                #expect(answer.action == .unauthorized, "\(name)")
                #expect(answer.responseContent?.hasPrefix("DPoP error=\"\(error)\"") == true, "\(name): \(answer.responseContent ?? "")")
                #expect(answer.usable == false, "\(name)")
            }
            // A proof works once (its jti is remembered).
            let once = try await prover.proof(Self.resource, htm: "GET", token: token)
            #expect(try await Self.introspect(flow, token, proof: once).action == .ok)
            #expect(try await Self.introspect(flow, token, proof: once).action == .unauthorized)

            // UserInfo takes its endpoint from the service when the call names none.
            guard case .ok(let info) = try await flow.api.userInfo(
                .init(path: .init(serviceId: flow.serviceId), body: .init(token: token, dpop: try await prover.proof(Self.userInfoEndpoint, htm: "GET", token: token))))
            else { throw UnexpectedOutput() }
            #expect(info.action == .ok)
            #expect(info.subject == "alice")
            guard case .ok(let bare) = try await flow.api.userInfo(.init(path: .init(serviceId: flow.serviceId), body: .init(token: token))) else {
                throw UnexpectedOutput()
            }
            #expect(bare.action == .unauthorized)
            #expect(bare.responseContent?.hasPrefix("DPoP error=\"invalid_token\"") == true)

            // RFC 7662 introspection tells the resource server the binding.
            guard case .ok(let standard) = try await flow.api.standardIntrospection(
                .init(path: .init(serviceId: flow.serviceId), body: .init(parameters: "token=\(token)")))
            else { throw UnexpectedOutput() }
            let members = try JSONValue(parsing: try #require(standard.responseContent))
            #expect(members["token_type"] == "DPoP")
            #expect(members["cnf"] == .object(["jkt": .string(prover.thumbprint)]))
        }
    }

    @Test func bearerTokensStayBearerAndAProofWithThemIsStillChecked() async throws {
        try await Self.withFlow { flow in
            let response = try await Self.redeem(flow, try await flow.code(), proof: nil)
            #expect(try TokenFlowTests.body(response)["token_type"] == "Bearer")
            let token = try #require(response.accessToken)
            #expect(try await Self.introspect(flow, token, proof: nil).action == .ok)
            let prover = Prover()
            #expect(try await Self.introspect(flow, token, proof: try await prover.proof(Self.resource, htm: "GET", token: token)).action == .ok)
            let bad = try await Self.introspect(flow, token, proof: try await prover.proof(Self.resource, htm: "GET", token: "other"))
            #expect(bad.action == .unauthorized)
        }
    }

    @Test func proofsFailingAnyCheckAreRefusedAtTheTokenEndpoint() async throws {
        try await Self.withFlow { flow in
            let prover = Prover()
            let now = Int(Date().timeIntervalSince1970)
            var privateJWK = prover.jwk
            privateJWK["d"] = Prover.base64URL(prover.privateKey.rawRepresentation)
            var encryptionJWK = prover.jwk
            encryptionJWK["use"] = "enc"
            let hmac = JWTKeyCollection()
            await hmac.add(hmac: HMACKey(from: "a shared secret long enough for HS256, 32 bytes or more"), digestAlgorithm: .sha256)
            var hmacHeader = JWTHeader()
            hmacHeader.typ = "dpop+jwt"
            hmacHeader.fields["jwk"] = .object(prover.jwk.mapValues { .string($0) })
            let claims: [String: JSONValue] = ["jti": "j", "htm": "POST", "htu": .string(Self.tokenEndpoint), "iat": .integer(Int64(now))]
            let noneHeader = JSONValue.object(["alg": "none", "typ": "dpop+jwt", "jwk": .object(prover.jwk.mapValues { .string($0) })])
            // Each case with the words of the one check that refuses it, so an earlier check cannot hide a later one.
            let cases: [(String, String, String)] = [
                ("another method", try await prover.proof(htm: "GET"), "htm must be POST"),
                ("another URL", try await prover.proof("https://as.example.com/other"), "htu must be"),
                ("too old", try await prover.proof(iat: now - 310), "more than 300 seconds old"),
                ("from the future", try await prover.proof(iat: now + 70), "in the future"),
                ("iat at Int64.max", try await prover.proof(iat: Int.max), "in the future"),
                ("iat at Int64.min", try await prover.proof(iat: Int.min), "more than 300 seconds old"),
                ("typ JWT", try await prover.proof(typ: "JWT"), "typ must be dpop+jwt"),
                ("a private key in the header", try await prover.proof(jwk: privateJWK), "must be a public key"),
                ("an encryption key", try await prover.proof(jwk: encryptionJWK), "not a signing key"),
                ("another key's jwk", try await prover.proof(jwk: Prover().jwk), "signature does not verify"),
                ("no jti", try await prover.proof(omit: ["jti"]), "needs a jti"),
                ("no iat", try await prover.proof(omit: ["iat"]), "has no iat"),
                ("HS256", try await hmac.sign(RequestObjectTests.Claims(claims), header: hmacHeader), "must be signed with one of"),
                ("none", RequestObjectTests.base64URL(noneHeader.serializedString) + "." + RequestObjectTests.base64URL(JSONValue.object(claims).serializedString) + ".", "must be signed with one of"),
                ("not a JWT", "garbage", "not a signed JWT"),
            ]
            for (name, proof, words) in cases {
                let response = try await Self.token(flow, "grant_type=client_credentials", proof: proof, clientId: flow.clientId, secret: flow.secret)
                #expect(response.action == .badRequest, "\(name)")
                #expect(try Self.error(response) == "invalid_dpop_proof", "\(name)")
                #expect(response.resultMessage.contains(words), "\(name): \(response.resultMessage)")
                #expect(response.accessToken == nil, "\(name)")
            }
            // Inside the window: 290 s old, 50 s ahead; and typ compared without case.
            for proof in [try await prover.proof(iat: now - 290), try await prover.proof(iat: now + 50), try await prover.proof(typ: "DPoP+JWT")] {
                let response = try await Self.token(flow, "grant_type=client_credentials", proof: proof, clientId: flow.clientId, secret: flow.secret)
                #expect(response.action == .ok)
            }
            // A proof longer than any real one is a malformed call, refused before it is decoded.
            guard case .badRequest(let tooLong) = try await flow.api.authToken(
                .init(
                    path: .init(serviceId: flow.serviceId),
                    body: .init(parameters: "grant_type=client_credentials", clientId: flow.clientId, clientSecret: flow.secret, dpop: String(repeating: "a", count: 9000))))
            else { throw UnexpectedOutput() }
            #expect(tooLong.fieldViolations?.map(\.path) == ["/dpop"])

            let proof = try await prover.proof()
            let first = try await Self.token(flow, "grant_type=client_credentials", proof: proof, clientId: flow.clientId, secret: flow.secret)
            #expect(try TokenFlowTests.body(first)["token_type"] == "DPoP")
            let replay = try await Self.token(flow, "grant_type=client_credentials", proof: proof, clientId: flow.clientId, secret: flow.secret)
            #expect(try Self.error(replay) == "invalid_dpop_proof")
        }
    }

    @Test func aPublicClientsRefreshTokenIsBoundToItsKey() async throws {
        try await Self.withFlow { flow in
            let spa = OAuthClient(
                clientName: "SPA with refresh", clientType: .public, redirectUris: [flow.redirect], grantTypes: [.authorizationCode, .refreshToken])
            guard case .created(let client) = try await flow.api.clientCreate(.init(path: .init(serviceId: Int64(flow.serviceId)!), body: spa)) else {
                throw UnexpectedOutput()
            }
            let id = String(try #require(client.clientId))
            let prover = Prover()
            let code = try await flow.code("&code_challenge=\(TokenFlowTests.challenge)&code_challenge_method=S256", client: client)
            let issued = try await Self.token(
                flow,
                "grant_type=authorization_code&client_id=\(id)&code=\(code)&redirect_uri=\(FormEncoding.escape(flow.redirect))&code_verifier=\(TokenFlowTests.verifier)",
                proof: try await prover.proof())
            #expect(issued.action == .ok)
            let refresh = try #require(issued.refreshToken)
            let parameters = "grant_type=refresh_token&client_id=\(id)&refresh_token=\(refresh)"
            #expect(try Self.error(try await Self.token(flow, parameters, proof: nil)) == "invalid_dpop_proof")
            #expect(try Self.error(try await Self.token(flow, parameters, proof: try await Prover().proof())) == "invalid_dpop_proof")
            let refreshed = try await Self.token(flow, parameters, proof: try await prover.proof())
            #expect(refreshed.action == .ok)
            #expect(try TokenFlowTests.body(refreshed)["token_type"] == "DPoP")
            // The rotated refresh token is bound as its predecessor was.
            let next = "grant_type=refresh_token&client_id=\(id)&refresh_token=\(try #require(refreshed.refreshToken))"
            #expect(try Self.error(try await Self.token(flow, next, proof: nil)) == "invalid_dpop_proof")
            #expect(try await Self.token(flow, next, proof: try await prover.proof()).action == .ok)
        }
    }

    @Test func aConfidentialClientsRefreshTokenIsNotBound() async throws {
        try await Self.withFlow { flow in
            let issued = try await Self.redeem(flow, try await flow.code(), proof: try await Prover().proof())
            let parameters = "grant_type=refresh_token&refresh_token=\(try #require(issued.refreshToken))"
            // RFC 9449 §5: the client authenticates; its refresh token needs no proof, and a new key binds the new token.
            let other = Prover()
            let refreshed = try await Self.token(flow, parameters, proof: try await other.proof(), clientId: flow.clientId, secret: flow.secret)
            #expect(refreshed.action == .ok)
            guard case .ok(let standard) = try await flow.api.standardIntrospection(
                .init(path: .init(serviceId: flow.serviceId), body: .init(parameters: "token=\(try #require(refreshed.accessToken))")))
            else { throw UnexpectedOutput() }
            #expect(try JSONValue(parsing: try #require(standard.responseContent))["cnf"] == .object(["jkt": .string(other.thumbprint)]))
            // Without a proof, the next refresh works and gives a bearer token.
            let bare = "grant_type=refresh_token&refresh_token=\(try #require(refreshed.refreshToken))"
            let bearer = try await Self.token(flow, bare, proof: nil, clientId: flow.clientId, secret: flow.secret)
            #expect(try TokenFlowTests.body(bearer)["token_type"] == "Bearer")
        }
    }

    @Test func boundTokensAreNeitherExchangedNorIssuedAtTheAuthorizationEndpoint() async throws {
        try await Self.withFlow(configure: {
            $0.supportedGrantTypes = [.authorizationCode, .implicit, .refreshToken, .clientCredentials, .password, .tokenExchange]
            $0.tokenExchangeDirect = true
        }) { flow in
            // An exchanger that may bind its tokens, and one that must.
            var clients: [OAuthClient] = []
            for required in [false, true] {
                let registration = OAuthClient(
                    clientName: "Exchanger", redirectUris: [flow.redirect], responseTypes: [.code, .token],
                    grantTypes: [.clientCredentials, .tokenExchange, .implicit], dpopRequired: required)
                guard case .created(let created) = try await flow.api.clientCreate(.init(path: .init(serviceId: Int64(flow.serviceId)!), body: registration))
                else { throw UnexpectedOutput() }
                clients.append(created)
            }
            for (client, words) in zip(clients, ["warrant does not exchange sender-constrained tokens", "token exchange issues bearer tokens"]) {
                let id = String(try #require(client.clientId))
                let bound = try await Self.token(flow, "grant_type=client_credentials", proof: try await Prover().proof(), clientId: id, secret: client.clientSecret)
                let token = try #require(bound.accessToken)
                let exchange = try await Self.token(
                    flow,
                    "grant_type=urn:ietf:params:oauth:grant-type:token-exchange&subject_token=\(token)&subject_token_type=urn:ietf:params:oauth:token-type:access_token",
                    proof: nil, clientId: id, secret: client.clientSecret)
                #expect(exchange.action == .badRequest)
                #expect(exchange.resultMessage.contains(words), "\(exchange.resultMessage)")
                #expect(exchange.accessToken == nil)
            }
            let id = String(try #require(clients[1].clientId))
            // The authorization endpoint sees no proof: a client that must use DPoP gets no token there.
            guard case .ok(let implicit) = try await flow.api.authorization(
                .init(path: .init(serviceId: flow.serviceId), body: .init(parameters: "response_type=token&client_id=\(id)&state=s")))
            else { throw UnexpectedOutput() }
            #expect(implicit.action == .location)
            #expect(try AuthorizationTests.parameters(of: try #require(implicit.responseContent))["error"] == "unsupported_response_type")
        }
    }

    @Test func clientsThatRequireDPoPAndCodesBoundToAKeyNeedProofs() async throws {
        try await Self.withFlow { flow in
            let service = Int64(flow.serviceId)!
            guard case .ok(var client) = try await flow.api.clientGet(.init(path: .init(serviceId: service, clientId: flow.clientId))) else {
                throw UnexpectedOutput()
            }
            client.dpopRequired = true
            guard case .ok = try await flow.api.clientUpdate(.init(path: .init(serviceId: service, clientId: flow.clientId), body: client))
            else { throw UnexpectedOutput() }
            let none = try await Self.token(flow, "grant_type=client_credentials", proof: nil, clientId: flow.clientId, secret: flow.secret)
            #expect(none.action == .badRequest)
            #expect(try Self.error(none) == "invalid_dpop_proof")
            #expect(none.resultCode == "A246203")

            // dpop_jkt at the authorization endpoint (RFC 9449 §10) binds the code to that key.
            let prover = Prover()
            let code = try await flow.code("&dpop_jkt=\(prover.thumbprint)")
            #expect(try Self.error(try await Self.redeem(flow, code, proof: try await Prover().proof())) == "invalid_dpop_proof")
            let bound = try await flow.code("&dpop_jkt=\(prover.thumbprint)")
            #expect(try await Self.redeem(flow, bound, proof: try await prover.proof()).action == .ok)
            // A dpop_jkt that is no thumbprint is the client's error, answered to it.
            guard case .ok(let malformed) = try await flow.api.authorization(
                .init(path: .init(serviceId: flow.serviceId), body: .init(parameters: "response_type=code&client_id=\(flow.clientId)&dpop_jkt=short")))
            else { throw UnexpectedOutput() }
            #expect(malformed.action == .location)
            #expect(try AuthorizationTests.parameters(of: try #require(malformed.responseContent))["error"] == "invalid_request")
            #expect(malformed.ticket == nil)
        }
    }

    @Test func aProofWithAPushedRequestBindsItsCode() async throws {
        try await Self.withFlow { flow in
            let prover = Prover()
            let parameters = "response_type=code&redirect_uri=\(FormEncoding.escape(flow.redirect))&scope=openid"
            func push(_ proof: String?, extra: String = "") async throws -> PushedAuthReqResponse {
                guard case .ok(let response) = try await flow.api.pushedAuthReq(
                    .init(
                        path: .init(serviceId: flow.serviceId),
                        body: .init(parameters: parameters + extra, clientId: flow.clientId, clientSecret: flow.secret, dpop: proof)))
                else { throw UnexpectedOutput() }
                return response
            }
            let mismatch = try await push(try await prover.proof(Self.parEndpoint), extra: "&dpop_jkt=\(Prover().thumbprint)")
            #expect(mismatch.action == .badRequest)
            #expect(try PushedAuthorizationTests.error(mismatch.responseContent) == "invalid_dpop_proof")
            #expect(try await push(try await prover.proof()).action == .badRequest)  // a proof for the token endpoint

            let pushed = try await push(try await prover.proof(Self.parEndpoint))
            #expect(pushed.action == .created)
            let authorization = try await PushedAuthorizationTests.authorize(
                flow, "client_id=\(flow.clientId)&request_uri=\(FormEncoding.escape(try #require(pushed.requestUri)))")
            let ticket = try #require(authorization.ticket)
            let code = try #require(try await flow.issue(ticket).authorizationCode)
            #expect(try Self.error(try await Self.redeem(flow, code, proof: nil)) == "invalid_dpop_proof")

            let again = try await push(try await prover.proof(Self.parEndpoint))
            let second = try await PushedAuthorizationTests.authorize(
                flow, "client_id=\(flow.clientId)&request_uri=\(FormEncoding.escape(try #require(again.requestUri)))")
            let secondTicket = try #require(second.ticket)
            let secondCode = try #require(try await flow.issue(secondTicket).authorizationCode)
            #expect(try await Self.redeem(flow, secondCode, proof: try await prover.proof()).action == .ok)
        }
    }

    @Test func tokenCreateBindsToAGivenThumbprint() async throws {
        try await Self.withFlow { flow in
            let prover = Prover()
            guard case .ok(let created) = try await flow.api.tokenCreate(
                .init(
                    path: .init(serviceId: flow.serviceId),
                    body: .init(grantType: .clientCredentials, clientId: flow.client.clientId, dpopKeyThumbprint: prover.thumbprint)))
            else { throw UnexpectedOutput() }
            #expect(created.tokenType == "DPoP")
            let token = try #require(created.accessToken)
            #expect(try await Self.introspect(flow, token, proof: nil).action == .unauthorized)
            #expect(try await Self.introspect(flow, token, proof: try await prover.proof(Self.resource, htm: "GET", token: token)).action == .ok)
            // A thumbprint that is none is a malformed call, named in the answer.
            let malformed = try await flow.api.tokenCreate(
                .init(path: .init(serviceId: flow.serviceId), body: .init(grantType: .clientCredentials, clientId: flow.client.clientId, dpopKeyThumbprint: "short")))
            guard case .badRequest(let result) = malformed else { throw UnexpectedOutput() }
            #expect(result.fieldViolations?.map(\.path) == ["/dpopKeyThumbprint"])
        }
    }

    @Test func serverNoncesAreRequiredWhenTheServiceSaysSo() async throws {
        try await Self.withFlow(configure: { $0.dpopNonceRequired = true }) { flow in
            let prover = Prover()
            let first = try await Self.token(flow, "grant_type=client_credentials", proof: try await prover.proof(), clientId: flow.clientId, secret: flow.secret)
            #expect(first.action == .badRequest)
            #expect(try Self.error(first) == "use_dpop_nonce")
            let nonce = try #require(first.dpopNonce)
            #expect(nonce.count >= 43)
            let made = try await Self.token(
                flow, "grant_type=client_credentials", proof: try await prover.proof(nonce: "made-up"), clientId: flow.clientId, secret: flow.secret)
            #expect(try Self.error(made) == "use_dpop_nonce")
            let good = try await Self.token(
                flow, "grant_type=client_credentials", proof: try await prover.proof(nonce: nonce), clientId: flow.clientId, secret: flow.secret)
            #expect(good.action == .ok)
            #expect(good.dpopNonce == nonce)
            // Resource servers answer the nonce too, and take the one the token endpoint gave.
            let token = try #require(good.accessToken)
            let missing = try await Self.introspect(flow, token, proof: try await prover.proof(Self.resource, htm: "GET", token: token))
            #expect(missing.action == .unauthorized)
            #expect(missing.responseContent?.hasPrefix("DPoP error=\"use_dpop_nonce\"") == true)
            #expect(missing.dpopNonce == nonce)
            let introspected = try await Self.introspect(flow, token, proof: try await prover.proof(Self.resource, htm: "GET", token: token, nonce: nonce))
            #expect(introspected.action == .ok)
        }
    }
}
