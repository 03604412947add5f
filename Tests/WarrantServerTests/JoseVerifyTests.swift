import Foundation
import JWTKit
import SpecRuntime
import Testing
import WarrantClient

/// /jose/verify: signatures with the service's or a client's keys, mandatory claims, exp and nbf with leeway.
@Suite(.serialized) struct JoseVerifyTests {
    typealias Assertion = ClientAssertionTests.Assertion

    static func verify(_ flow: TokenFlowTests.Flow, _ body: JoseVerifyRequest) async throws -> JoseVerifyResponse {
        guard case .ok(let answer) = try await flow.api.joseVerify(.init(path: .init(serviceId: Int64(flow.serviceId)!), body: body)) else {
            throw UnexpectedOutput()
        }
        return answer
    }

    @Test func aJWTTheServiceSignedVerifiesWithItsKeys() async throws {
        try await TokenFlowTests.withFlow { flow in
            let idToken = try #require(try await flow.redeem(try await flow.code()).idToken)
            let good = try await Self.verify(flow, JoseVerifyRequest(jose: idToken, mandatoryClaims: ["sub", "nonce"]))
            #expect(good.valid && good.signatureValid && good.missingClaims == [] && good.invalidClaims == [] && good.errorDescriptions == nil)
            #expect(good.resultCode == "A370001")

            let missing = try await Self.verify(flow, JoseVerifyRequest(jose: idToken, mandatoryClaims: ["sub", "cnf"]))
            #expect(!missing.valid && missing.signatureValid && missing.missingClaims == ["cnf"])

            // One byte of the signature changed; and the client's keys (it has none) do not verify the service's token.
            var tampered = Array(idToken.utf8)
            tampered[tampered.count - 3] = tampered[tampered.count - 3] == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
            let forged = try await Self.verify(flow, JoseVerifyRequest(jose: String(decoding: tampered, as: UTF8.self)))
            #expect(!forged.valid && !forged.signatureValid)
            let byClient = try await Self.verify(flow, JoseVerifyRequest(jose: idToken, clientIdentifier: flow.clientId, signedByClient: true))
            #expect(!byClient.valid && !byClient.signatureValid && byClient.errorDescriptions?.first?.contains("jwks") == true)

            for junk in ["not-a-jwt", "a.b.c.d.e"] {
                let answer = try await Self.verify(flow, JoseVerifyRequest(jose: junk))
                #expect(!answer.valid && !answer.signatureValid && answer.errorDescriptions?.count == 1, "\(junk)")
            }
        }
    }

    @Test func aJWTAClientSignedVerifiesWithItsRegisteredKeysAndTheClock() async throws {
        try await TokenFlowTests.withFlow { flow in
            let key = ES256PrivateKey()
            let body = OAuthClient(
                clientName: "Signer", grantTypes: [.clientCredentials], tokenAuthMethod: .privateKeyJwt, tokenAuthSignAlg: .es256,
                jwks: try ClientAssertionTests.publicJWKS(key, kid: "k1"))
            guard case .created(let client) = try await flow.api.clientCreate(.init(path: .init(serviceId: Int64(flow.serviceId)!), body: body))
            else { throw UnexpectedOutput() }
            let id = String(try #require(client.clientId))
            let now = Int(Date().timeIntervalSince1970)
            let live = try await ClientAssertionTests.sign(Assertion(iss: id, sub: id, aud: "x", exp: now + 60, jti: "1"), with: key, kid: "k1")
            let good = try await Self.verify(flow, JoseVerifyRequest(jose: live, mandatoryClaims: ["iss", "jti"], clientIdentifier: id, signedByClient: true))
            #expect(good.valid && good.signatureValid)
            // With the service's keys, the client's signature does not verify.
            #expect(try await !Self.verify(flow, JoseVerifyRequest(jose: live)).signatureValid)

            let expired = try await ClientAssertionTests.sign(Assertion(iss: id, sub: id, aud: "x", exp: now - 120, jti: "2"), with: key, kid: "k1")
            let late = try await Self.verify(flow, JoseVerifyRequest(jose: expired, clientIdentifier: id, signedByClient: true))
            #expect(!late.valid && late.signatureValid && late.invalidClaims == ["exp"])
            let lenient = try await Self.verify(flow, JoseVerifyRequest(jose: expired, clockSkew: 300, clientIdentifier: id, signedByClient: true))
            #expect(lenient.valid)

            // signedByClient without a client of the service is the caller's mistake: 400 naming the field.
            guard case .badRequest(let refused) = try await flow.api.joseVerify(
                .init(path: .init(serviceId: Int64(flow.serviceId)!), body: JoseVerifyRequest(jose: live, clientIdentifier: "nobody", signedByClient: true)))
            else { throw UnexpectedOutput() }
            #expect(refused.fieldViolations?.first?.path == "/clientIdentifier")
        }
    }
}
