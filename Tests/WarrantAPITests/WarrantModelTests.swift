import SpecRuntime
import Testing
import WarrantAPI

/// warrant's API types, generated from spec/ by the build plugin, read and write Authlete's wire format.
@Suite struct WarrantModelTests {
    @Test func idTokenReissueRequestKeepsAuthletesNames() throws {
        let text = #"{"accessToken":"at","refreshToken":"rt","sub":"pairwise-1","claims":"{\"name\":\"Ann\"}","idTokenAudType":"string"}"#
        let request = try IdTokenReissueRequest(jsonData: Array(text.utf8))
        #expect(request == IdTokenReissueRequest(accessToken: "at", refreshToken: "rt", sub: "pairwise-1", claims: #"{"name":"Ann"}"#, idTokenAudType: .string))
        #expect(request.violations.isEmpty)
        #expect(request.jsonValue == (try JSONValue(parsing: text)))
    }

    @Test func authorizationIssueRequestViolationsNameEachField() {
        let request = AuthorizationIssueRequest(
            ticket: "", subject: "alice", authTime: -1, claims: "{not json", idTokenAudType: .unknown("list"))
        #expect(
            request.violations.map(\.description) == [
                "body /ticket: must be at least 1 character long",
                "body /authTime: must be at least 0",
                "body /claims: must be JSON text",
                "body /idTokenAudType: must be one of array, string; 'list' is not",
            ])
        // Empty JSON text is none: what a form sends as `claims=`.
        #expect(AuthorizationIssueRequest(ticket: "t", subject: "alice", claims: "", jwtAtClaims: "").violations.isEmpty)
    }

    @Test func responsesFromANewerServerStillDecode() throws {
        let text = #"{"resultCode":"A050001","resultMessage":"[A050001] ok","action":"SOMETHING_NEW","responseContent":"{}","grantType":"FUTURE_GRANT","clientId":1234,"scopes":["openid"],"subjectTokenType":"JWT","subjectTokenInfo":{"clientId":5,"scopes":[{"name":"openid"}],"expiresAt":1700000000000},"newField":true}"#
        let response = try TokenResponse(jsonData: Array(text.utf8))
        #expect(response.action == .unknown("SOMETHING_NEW"))
        #expect(response.grantType == .unknown("FUTURE_GRANT"))
        #expect(response.clientId == 1234)
        #expect(response.subjectTokenType == .jwt)
        #expect(response.subjectTokenInfo?.scopes == [Scope(name: "openid")])
        #expect(response.subjectTokenInfo?.expiresAt == 1_700_000_000_000)
    }

    @Test func tokenEndpointResponseUsesTheWireNamesClientsRead() {
        let body = TokenEndpointResponse(
            accessToken: "at", tokenType: "Bearer", expiresIn: 300, refreshExpiresIn: 1800, notBeforePolicy: 0,
            sessionState: "s-1")
        #expect(
            body.jsonValue
                == [
                    "access_token": "at", "token_type": "Bearer", "expires_in": 300, "refresh_expires_in": 1800,
                    "not-before-policy": 0, "session_state": "s-1",
                ])
    }

    @Test func issueSpecFollowsRFC8693() throws {
        let form = try FormEncoding.object(
            from: "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Atoken-exchange&subject_token=abc&subject_token_type=urn%3Aietf%3Aparams%3Aoauth%3Atoken-type%3Aaccess_token&audience=a&audience=b&resource=https%3A%2F%2Fapi.example.com")
        var violations = Violations(valuesAreText: true)
        let request = try #require(IssueSpec(json: form, at: .root, violations: &violations))
        #expect(violations.isEmpty)
        #expect(request.subjectTokenType == .accessToken)
        #expect(request.audience == ["a", "b"])
        #expect(request.resource == ["https://api.example.com"])
        #expect(request.violations.isEmpty)

        let wrong = IssueSpec(grantType: "password", subjectToken: "", subjectTokenType: .unknown("urn:x"))
        #expect(
            wrong.violations.map(\.description) == [
                "body /grant_type: must match the pattern ^urn:ietf:params:oauth:grant-type:token-exchange$",
                "body /subject_token: must be at least 1 character long",
                "body /subject_token_type: must be one of urn:ietf:params:oauth:token-type:access_token, urn:ietf:params:oauth:token-type:refresh_token, urn:ietf:params:oauth:token-type:id_token, urn:ietf:params:oauth:token-type:saml1, urn:ietf:params:oauth:token-type:saml2, urn:ietf:params:oauth:token-type:jwt; 'urn:x' is not",
            ])
    }

    @Test func resultCodesFollowAuthletesFormat() {
        #expect(ApiResult(resultCode: "A001202", resultMessage: "[A001202] missing").violations.isEmpty)
        #expect(
            ApiResult(resultCode: "E12", resultMessage: "x").violations.map(\.description) == [
                #"body /resultCode: must match the pattern ^A\d{6}$"#
            ])
    }
}
