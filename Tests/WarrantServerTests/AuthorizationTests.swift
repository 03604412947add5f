import Foundation
import SpecRuntime
import Testing
import WarrantClient

/// /auth/authorization and /auth/authorization/fail, through the generated client against a live server.
@Suite(.serialized) struct AuthorizationTests {
    struct Setup {
        let api: Client
        let serviceId: String
        let clientId: Int64
        let nativeClientId: Int64
    }

    static func withSetup(_ body: @Sendable (Setup) async throws -> Void) async throws {
        try await TestServer.with { server in
            let api = server.client()
            var service = Service(serviceName: "Flows", issuer: URL(string: "https://as.example.com")!)
            service.supportedResponseTypes = [.code, .token, .idToken, .codeIdToken, .codeToken, .codeIdTokenToken, .none]
            service.supportedGrantTypes = [.authorizationCode, .implicit, .refreshToken, .clientCredentials, .password]
            service.pkceS256Required = true
            let apiKey = try #require(try await api.createService(service).apiKey)
            let web = OAuthClient(
                clientIdAlias: "web", clientName: "Web", redirectUris: ["https://app.example.com/cb", "https://app.example.com/other"],
                responseTypes: [.code, .codeIdToken, .token, .none], grantTypes: [.authorizationCode, .implicit, .refreshToken])
            guard case .created(let webClient) = try await api.clientCreate(.init(path: .init(serviceId: apiKey), body: web)) else {
                throw UnexpectedOutput()
            }
            let native = OAuthClient(
                clientName: "Native", clientType: .public, applicationType: .native, redirectUris: ["http://127.0.0.1/callback"],
                pkceRequired: true)
            guard case .created(let nativeClient) = try await api.clientCreate(.init(path: .init(serviceId: apiKey), body: native)) else {
                throw UnexpectedOutput()
            }
            try await body(
                Setup(api: api, serviceId: String(apiKey), clientId: try #require(webClient.clientId), nativeClientId: try #require(nativeClient.clientId)))
        }
    }

    static func authorize(_ setup: Setup, _ parameters: String) async throws -> AuthorizationResponse {
        guard case .ok(let response) = try await setup.api.authorization(.init(path: .init(serviceId: setup.serviceId), body: .init(parameters: parameters)))
        else { throw UnexpectedOutput() }
        return response
    }

    /// The query or fragment parameters of a redirect URL.
    static func parameters(of url: String) throws -> [String: String] {
        let part = url.split(separator: "#", maxSplits: 1).count == 2 ? String(url.split(separator: "#")[1]) : (URLComponents(string: url)?.query ?? "")
        return Dictionary(try FormEncoding.pairs(from: part).map { ($0.name, $0.value) }, uniquingKeysWith: { first, _ in first })
    }

    static let challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"

    @Test func aValidRequestGetsATicketAndWhatTheConsentPageNeeds() async throws {
        try await Self.withSetup { setup in
            let response = try await Self.authorize(
                setup,
                "response_type=code&client_id=\(setup.clientId)&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcb&scope=openid+profile+unknown&state=s1&code_challenge=\(Self.challenge)&code_challenge_method=S256&max_age=300&login_hint=alice&ui_locales=fr+en&display=popup&acr_values=urn%3Aacr%3Apwd&claims=%7B%22id_token%22%3A%7B%22email%22%3Anull%7D%7D"
            )
            #expect(response.action == .interaction)
            #expect(response.resultCode == "A004001")
            #expect(response.ticket?.count == 43)
            #expect(response.responseContent == nil)
            #expect(response.client?.clientId == setup.clientId)
            #expect(response.client?.clientName == "Web")
            #expect(response.scopes?.map(\.name) == ["openid", "profile"])
            #expect(response.maxAge == 300)
            #expect(response.loginHint == "alice")
            #expect(response.uiLocales == ["fr", "en"])
            #expect(response.display == .popup)
            #expect(response.acrs == ["urn:acr:pwd"])
            #expect(response.claims == ["email"])
            #expect(response.lowestPrompt == .consent)

            let silent = try await Self.authorize(setup, "response_type=code&client_id=web&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcb&prompt=none")
            #expect(silent.action == .noInteraction)
            #expect(silent.clientIdAliasUsed == true)
            #expect(silent.prompts == [Prompt.none])
        }
    }

    @Test func untrustedClientsOrRedirectURIsAreNeverRedirectedTo() async throws {
        try await Self.withSetup { setup in
            let cases = [
                "response_type=code&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcb",
                "response_type=code&client_id=999&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcb",
                "response_type=code&client_id=\(setup.clientId)&redirect_uri=https%3A%2F%2Fevil.example.com%2Fcb",
                "response_type=code&client_id=\(setup.clientId)&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcb%2F",
                "response_type=code&client_id=\(setup.clientId)",
                "response_type=code&client_id=\(setup.clientId)&client_id=\(setup.clientId)&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcb",
            ]
            for parameters in cases {
                let response = try await Self.authorize(setup, parameters)
                #expect(response.action == .badRequest, "\(parameters)")
                let body = try JSONValue(parsing: try #require(response.responseContent))
                #expect(body["error"] == "invalid_request", "\(parameters)")
                #expect(response.ticket == nil)
            }
        }
    }

    @Test func otherErrorsGoBackToTheClientWithStateAndIssuer() async throws {
        try await Self.withSetup { setup in
            let redirect = "&client_id=\(setup.clientId)&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcb&state=xyz"
            // Response types that carry tokens default to the fragment (OAuth 2.0 Multiple Response Types §5).
            let cases: [(String, String, Character)] = [
                ("scope=openid", "invalid_request", "?"),  // no response_type
                ("response_type=code+token+magic", "unsupported_response_type", "#"),
                ("response_type=id_token+token&nonce=n&scope=openid", "unsupported_response_type", "#"),  // not the service's
                ("response_type=code+token", "unauthorized_client", "#"),  // not the client's
                ("response_type=code&code_challenge=\(Self.challenge)&code_challenge_method=plain", "invalid_request", "?"),  // S256 required
                ("response_type=code&code_challenge=short&code_challenge_method=S256", "invalid_request", "?"),
                ("response_type=code&prompt=none+login", "invalid_request", "?"),
                ("response_type=code&prompt=sometimes", "invalid_request", "?"),
                ("response_type=code&max_age=-1", "invalid_request", "?"),
                ("response_type=code+id_token&scope=openid", "invalid_request", "#"),  // nonce missing
                ("response_type=code+id_token&nonce=n&scope=profile", "invalid_scope", "#"),
                ("response_type=code&claims=not-json", "invalid_request", "?"),
                ("response_type=code&id_token_hint=not.a.jwt", "invalid_request", "?"),
                ("response_type=code&resource=relative%2Fpath", "invalid_target", "?"),
                ("response_type=code&scope=openid&scope=profile", "invalid_request", "?"),  // repeated
                ("response_type=code&response_mode=web_message", "invalid_request", "?"),
            ]
            for (parameters, error, separator) in cases {
                let response = try await Self.authorize(setup, parameters + redirect)
                #expect(response.action == .location, "\(parameters)")
                let location = try #require(response.responseContent)
                #expect(location.hasPrefix("https://app.example.com/cb\(separator)"), "\(parameters)")
                let query = try Self.parameters(of: location)
                #expect(query["error"] == error, "\(parameters)")
                #expect(query["state"] == "xyz", "\(parameters)")
                #expect(query["iss"] == "https://as.example.com", "\(parameters)")
                #expect(query["error_description"]?.hasPrefix("[A004301] ") == true, "\(parameters)")
            }
        }
    }

    @Test func responseModesDecideHowErrorsTravel() async throws {
        try await Self.withSetup { setup in
            let base = "client_id=\(setup.clientId)&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcb&state=s%26t"
            let fragment = try await Self.authorize(setup, "response_type=code+magic&response_mode=fragment&" + base)
            #expect(fragment.action == .location)
            #expect(fragment.responseContent?.hasPrefix("https://app.example.com/cb#error=unsupported_response_type") == true)
            #expect(try Self.parameters(of: fragment.responseContent ?? "")["state"] == "s&t")

            let form = try await Self.authorize(setup, "response_type=code+magic&response_mode=form_post&" + base)
            #expect(form.action == .form)
            let html = try #require(form.responseContent)
            #expect(html.contains(#"<form method="post" action="https://app.example.com/cb">"#))
            #expect(html.contains(#"<input type="hidden" name="error" value="unsupported_response_type">"#))
            #expect(html.contains(#"<input type="hidden" name="state" value="s&amp;t">"#))

            let tokenInQuery = try await Self.authorize(setup, "response_type=token&response_mode=query&" + base)
            #expect(try Self.parameters(of: tokenInQuery.responseContent ?? "")["error"] == "invalid_request")
        }
    }

    @Test func nativeClientsMayUseAnyLoopbackPortAndMustUsePKCE() async throws {
        try await Self.withSetup { setup in
            let withoutPKCE = try await Self.authorize(
                setup, "response_type=code&client_id=\(setup.nativeClientId)&redirect_uri=http%3A%2F%2F127.0.0.1%3A51004%2Fcallback")
            #expect(withoutPKCE.action == .location)
            #expect(withoutPKCE.responseContent?.hasPrefix("http://127.0.0.1:51004/callback?error=invalid_request") == true)
            let withPKCE = try await Self.authorize(
                setup,
                "response_type=code&client_id=\(setup.nativeClientId)&redirect_uri=http%3A%2F%2F127.0.0.1%3A51004%2Fcallback&code_challenge=\(Self.challenge)&code_challenge_method=S256"
            )
            #expect(withPKCE.action == .interaction)
            let otherPath = try await Self.authorize(
                setup,
                "response_type=code&client_id=\(setup.nativeClientId)&redirect_uri=http%3A%2F%2F127.0.0.1%3A51004%2Felsewhere&code_challenge=\(Self.challenge)&code_challenge_method=S256"
            )
            #expect(otherPath.action == .badRequest)
        }
    }

    @Test func responseTypeNoneIssuesNothingButTheRedirect() async throws {
        try await Self.withSetup { setup in
            let response = try await Self.authorize(
                setup, "response_type=none&client_id=\(setup.clientId)&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcb&state=n")
            #expect(response.action == .interaction)
            guard case .ok(let issued) = try await setup.api.authorizationIssue(
                .init(path: .init(serviceId: setup.serviceId), body: .init(ticket: try #require(response.ticket), subject: "alice")))
            else { throw UnexpectedOutput() }
            #expect(issued.action == .location)
            #expect(issued.responseContent == "https://app.example.com/cb?state=n&iss=https%3A%2F%2Fas.example.com")
            #expect(issued.authorizationCode == nil)
            #expect(issued.accessToken == nil)
        }
    }

    @Test func failDeliversTheMappedErrorOnceAndOnlyOnce() async throws {
        try await Self.withSetup { setup in
            let parameters = "response_type=code&client_id=\(setup.clientId)&redirect_uri=https%3A%2F%2Fapp.example.com%2Fother&state=st"
            let ticket = try #require(try await Self.authorize(setup, parameters).ticket)
            guard case .ok(let failed) = try await setup.api.authorizationFail(
                .init(path: .init(serviceId: setup.serviceId), body: .init(ticket: ticket, reason: .denied)))
            else { throw UnexpectedOutput() }
            #expect(failed.action == .location)
            #expect(failed.resultCode == "A041001")
            let query = try Self.parameters(of: try #require(failed.responseContent))
            #expect(failed.responseContent?.hasPrefix("https://app.example.com/other?") == true)
            #expect(query["error"] == "access_denied")
            #expect(query["state"] == "st")
            #expect(query["iss"] == "https://as.example.com")

            guard case .ok(let again) = try await setup.api.authorizationFail(
                .init(path: .init(serviceId: setup.serviceId), body: .init(ticket: ticket, reason: .denied)))
            else { throw UnexpectedOutput() }
            #expect(again.action == .badRequest)
            #expect(again.resultCode == "A040201")

            for (reason, error) in [
                (AuthorizationFailReason.notLoggedIn, "login_required"), (.acrNotSatisfied, "unmet_authentication_requirements"),
                (.consentRequired, "consent_required"), (.unknownReason, "server_error"), (.invalidTarget, "invalid_target"),
            ] {
                let next = try #require(try await Self.authorize(setup, parameters + "&response_mode=form_post").ticket)
                guard case .ok(let response) = try await setup.api.authorizationFail(
                    .init(path: .init(serviceId: setup.serviceId), body: .init(ticket: next, reason: reason, description: "Custom text")))
                else { throw UnexpectedOutput() }
                #expect(response.action == .form)
                #expect(response.responseContent?.contains(#"name="error" value="\#(error)""#) == true, "\(reason)")
                #expect(response.responseContent?.contains(#"name="error_description" value="Custom text""#) == true)
            }
        }
    }
}
