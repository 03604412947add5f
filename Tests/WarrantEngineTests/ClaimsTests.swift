import Foundation
import JWTKit
import SpecRuntime
import Testing
import WarrantStore

@testable import WarrantEngine

/// What warrant verifies is decoded into jwt-kit claim types whose verify(using:) refuses a JWT out of its
/// time window; a payload that is missing a claim, or has one of the wrong type, does not decode.
@Suite struct ClaimsTests {
    struct Assertion: JWTPayload {
        var iss = "client"
        var sub = "client"
        var aud = "https://as.example.com/token"
        var exp: Int? = Int(Date().timeIntervalSince1970) + 60
        var jti: String? = "one"
        var nbf: Int? = nil
        var act: [String: String]? = nil

        func verify(using algorithm: some JWTAlgorithm) async throws {}
    }

    /// A string exp, which no NumericDate is.
    struct MalformedExp: JWTPayload {
        var iss = "client", sub = "client", aud = "a", exp = "tomorrow", jti = "one"
        func verify(using algorithm: some JWTAlgorithm) async throws {}
    }

    static let key = ES256PrivateKey()
    static let signer = TokenSigner(store: MemoryWarrantStore())

    static func jwks(_ key: ES256PrivateKey) throws -> String {
        let parameters = try #require(key.publicKey.parameters)
        return JSONValue.object([
            "keys": [["kty": "EC", "crv": "P-256", "alg": "ES256", "kid": "k", "x": .string(parameters.x), "y": .string(parameters.y)]]
        ]).serializedString
    }

    static func sign(_ payload: some JWTPayload, with key: ES256PrivateKey = key) async throws -> String {
        let keys = JWTKeyCollection()
        await keys.add(ecdsa: key, kid: "k")
        return try await keys.sign(payload, kid: "k")
    }

    /// What verifying `payload` as a client assertion says: nil when it verifies.
    static func problem(_ payload: some JWTPayload, signedWith key: ES256PrivateKey = key) async throws -> String? {
        let token = try await sign(payload, with: key)
        do {
            let claims = try await signer.verified(token, as: ClientAssertionClaims.self, jwks: try jwks(Self.key))
            #expect(claims.iss.value == "client" && claims.aud.value == ["https://as.example.com/token"])
            return nil
        } catch {
            return ClaimsProblem.describe(error, token: token, as: ClientAssertionClaims.self)
        }
    }

    @Test func aGoodAssertionVerifiesAndOneWithinTheSkewToo() async throws {
        #expect(try await Self.problem(Assertion()) == nil)
        #expect(try await Self.problem(Assertion(exp: Int(Date().timeIntervalSince1970) - 30)) == nil)
    }

    @Test func anAssertionOutOfItsWindowDoesNotVerify() async throws {
        let now = Int(Date().timeIntervalSince1970)
        #expect(try await Self.problem(Assertion(exp: now - 120)) == "has expired")
        #expect(try await Self.problem(Assertion(nbf: now + 600)) == "is not valid yet")
    }

    @Test func anAssertionMissingAClaimOrWithAMalformedOneDoesNotDecode() async throws {
        #expect(try await Self.problem(Assertion(jti: nil)) == "has no jti claim")
        #expect(try await Self.problem(Assertion(exp: nil)) == "has no exp claim")
        #expect(try await Self.problem(MalformedExp()) == "has a malformed exp claim")
    }

    @Test func anAssertionSignedWithAnotherKeyDoesNotVerify() async throws {
        #expect(try await Self.problem(Assertion(), signedWith: ES256PrivateKey()) == "has a signature that does not verify")
    }

    @Test func theEnginesClockDecidesTheWindow() async throws {
        let token = try await Self.sign(Assertion())
        let twoHoursOn = TokenSigner(store: MemoryWarrantStore(), now: { Clock.nowMilliseconds + 7_200_000 })
        do {
            _ = try await twoHoursOn.verified(token, as: ClientAssertionClaims.self, jwks: try Self.jwks(Self.key))
            Issue.record("an assertion expired on the engine's clock verified")
        } catch {
            #expect(ClaimsProblem.describe(error, token: token, as: ClientAssertionClaims.self) == "has expired")
        }
        let earlier = TokenSigner(store: MemoryWarrantStore(), now: { Clock.nowMilliseconds - 7_200_000 })
        let future = try await Self.sign(Assertion(nbf: Int(Date().timeIntervalSince1970)))
        await #expect(throws: JWTError.self) { try await earlier.verified(future, as: ExchangedJWTClaims.self, jwks: try Self.jwks(Self.key)) }
    }

    @Test func anExchangedJWTKeepsItsOtherClaimsForTheExchangesRules() async throws {
        let token = try await Self.sign(Assertion(act: ["sub": "agent"]))
        let claims = try await Self.signer.verified(token, as: ExchangedJWTClaims.self, jwks: try Self.jwks(Self.key))
        #expect(claims.sub.value == "client")
        #expect(claims.members["act"] == .object(["sub": "agent"]))
        #expect(claims.members["jti"] == "one")
        let expired = try await Self.sign(Assertion(exp: Int(Date().timeIntervalSince1970) - 5))
        await #expect(throws: JWTError.self) { try await Self.signer.verified(expired, as: ExchangedJWTClaims.self, jwks: try Self.jwks(Self.key)) }
    }

    @Test func millisecondsFromAForeignDateSaturate() {
        #expect(Bounds.milliseconds(from: Date(timeIntervalSince1970: 1e300)) == .max)
        #expect(Bounds.milliseconds(from: Date(timeIntervalSince1970: -1e300)) == .min)
        #expect(Bounds.milliseconds(from: Date(timeIntervalSince1970: 1.5)) == 1500)
    }
}
