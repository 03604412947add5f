import Foundation
import SpecRuntime
import Testing

@testable import WarrantEngine

/// Grant details are stored as JSON text in every grant, ticket and token row: read and written by
/// SpecRuntime's JSON, in the format Foundation's `JSONEncoder` wrote before, so rows stored then still read.
@Suite struct GrantDetailsTests {
    static let full = GrantDetails(
        subject: "alice", sub: "pairwise-1", scopes: ["openid", "read"], resources: ["https://api.example.com"], authTime: 1_700_000_000,
        acr: "urn:acr:pwd", claims: #"{"name":"Alice"}"#, idtHeaderParams: #"{"x":1}"#, idTokenAudType: "string", sessionId: "s-1",
        nonce: "n-1", jwtAtClaims: #"{"may_act":{"sub":"bob"}}"#, requestedIdTokenClaims: ["email"], clientIdentifier: "app",
        redirectUri: "https://app.example.com/cb", redirectUriGiven: true, codeChallenge: "c", codeChallengeMethod: "S256",
        accessTokenDuration: 60, properties: [StoredProperty(key: "k", value: "v", hidden: true)], userInfoClaims: #"{"email":null}"#,
        consentedClaims: ["name"], grantType: "AUTHORIZATION_CODE", audiences: ["aud-1"],
        act: .object(["sub": "agent", "act": .object(["sub": "earlier", "n": 3])]))
    static let minimal = GrantDetails(
        subject: nil, sub: nil, scopes: [], resources: [], authTime: nil, acr: nil, claims: nil, idtHeaderParams: nil, idTokenAudType: nil,
        sessionId: nil, nonce: nil, jwtAtClaims: nil, requestedIdTokenClaims: [], clientIdentifier: "42", redirectUri: nil,
        redirectUriGiven: false, codeChallenge: nil, codeChallengeMethod: nil, accessTokenDuration: nil)

    static func foundationJSON(_ details: GrantDetails) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return String(decoding: try encoder.encode(details), as: UTF8.self)
    }

    @Test(arguments: [full, minimal]) func rowsWrittenByJSONEncoderReadTheSame(_ details: GrantDetails) throws {
        #expect(try GrantDetails.decoded(try Self.foundationJSON(details)) == details)
    }

    @Test(arguments: [full, minimal]) func whatIsWrittenNowReadsBackAndReadsWithJSONDecoderAlike(_ details: GrantDetails) throws {
        let text = try GrantDetails.json(details)
        #expect(try GrantDetails.decoded(text) == details)
        #expect(try JSONDecoder().decode(GrantDetails.self, from: Data(text.utf8)) == details)
        #expect(try JSONValue(parsing: text) == JSONValue(parsing: try Self.foundationJSON(details)))
    }

    @Test func aPayloadMissingOrMistypingAMemberIsRefused() throws {
        #expect(throws: StoredPayloadError.self) { try GrantDetails.decoded(#"{"scopes":[],"resources":[],"requestedIdTokenClaims":[]}"#) }
        guard case .object(var members) = try JSONValue(parsing: try GrantDetails.json(Self.minimal)) else {
            Issue.record("not an object")
            return
        }
        members["authTime"] = "yesterday"
        #expect(throws: StoredPayloadError.self) { try GrantDetails.decoded(JSONValue.object(members).serializedString) }
        members["authTime"] = .null
        #expect(try GrantDetails.decoded(JSONValue.object(members).serializedString) == Self.minimal)
        #expect(throws: StoredPayloadError.self) { try GrantDetails.decoded("[]") }
    }
}
