import Foundation
import SpecRuntime
import WarrantAPI

/// A checked authorization request: what the ticket carries from /auth/authorization to /issue or /fail.
struct ParsedAuthorizationRequest: Codable, Equatable, Sendable {
    var clientId: Int64
    var clientIdAliasUsed: Bool
    var redirectUri: String
    /// Whether redirect_uri was in the request (then the token request must repeat it).
    var redirectUriGiven: Bool
    /// The response type as a set of words: `code`, `token`, `id_token`; empty for `none`.
    var responseTypes: [String]
    var responseMode: String
    var state: String?
    var scopes: [String]
    var nonce: String?
    var codeChallenge: String?
    var codeChallengeMethod: String?
    var maxAge: Int?
    var prompts: [String]
    var display: String?
    var acrs: [String]
    var acrEssential: Bool
    var idTokenClaims: String?
    var userInfoClaims: String?
    var claimNames: [String]
    var subject: String?
    var loginHint: String?
    var uiLocales: [String]
    var claimsLocales: [String]
    var resources: [String]
    var context: String?

    var wantsCode: Bool { responseTypes.contains("code") }
    var wantsToken: Bool { responseTypes.contains("token") }
    var wantsIDToken: Bool { responseTypes.contains("id_token") }
}

/// Where errors of an authorization request go once the redirect URI is known.
struct Redirection: Equatable, Sendable {
    var uri: String
    var mode: String
    var state: String?
}

/// Parses and checks an authorization request against RFC 6749 §4, OpenID Connect Core §3 and RFC 7636.
struct AuthorizationRequestParser {
    enum Outcome {
        /// The request, with the client it names.
        case valid(ParsedAuthorizationRequest, OAuthClient)
        /// The client or redirect URI cannot be trusted: answer the user directly, never redirect.
        case untrusted(OAuthError)
        /// An error to deliver to the client through its redirect URI.
        case redirect(OAuthError, Redirection)
    }

    let service: Service
    let clientLookup: (String) async throws -> (client: OAuthClient, aliasUsed: Bool)?
    let idTokenHintSubject: (String) async -> String?

    func parse(_ text: String, context: String?) async throws -> Outcome {
        var values: [String: [String]] = [:]
        let pairs: [(name: String, value: String)]
        do {
            pairs = try FormEncoding.pairs(from: text)
        } catch {
            // Nothing of the request can be trusted, the redirect URI included.
            return .untrusted(.invalidRequest("The parameters are malformed: \(error.description)."))
        }
        for (name, value) in pairs { values[name, default: []].append(value) }
        func single(_ name: String) -> String? { values[name]?.first.flatMap { $0.isEmpty ? nil : $0 } }

        // 1. The client and its redirect URI: until both are trusted, errors are not redirected.
        if (values["client_id"]?.count ?? 0) > 1 || (values["redirect_uri"]?.count ?? 0) > 1 {
            return .untrusted(.invalidRequest("client_id and redirect_uri must not be repeated."))
        }
        guard let clientIdText = single("client_id") else { return .untrusted(.invalidRequest("client_id is missing.")) }
        guard let (client, aliasUsed) = try await clientLookup(clientIdText), let clientId = client.clientId else {
            return .untrusted(.invalidRequest("There is no client with the client_id '\(clientIdText)'."))
        }
        if client.locked == true { return .untrusted(.invalidRequest("The client is locked.")) }
        let registered = client.redirectUris ?? []
        let redirectUri: String
        if let given = single("redirect_uri") {
            guard RedirectMatching.matches(given, registered: registered, loopbackPortsVary: client.applicationType == .native || service.loopbackRedirectionUriVariable == true)
            else { return .untrusted(.invalidRequest("redirect_uri is not one of the client's registered redirect URIs.")) }
            redirectUri = given
        } else {
            guard registered.count == 1 else {
                return .untrusted(
                    .invalidRequest(registered.isEmpty ? "The client has no registered redirect URI." : "redirect_uri is required: the client registered several."))
            }
            redirectUri = registered[0]
        }

        // 2. From here on, errors go back to the client.
        let state = single("state")
        let responseTypeText = single("response_type")
        let responseTypes = Set((responseTypeText ?? "").split(separator: " ").map(String.init))
        let defaultMode = responseTypes.isEmpty || responseTypes == ["code"] || responseTypes == ["none"] ? "query" : "fragment"
        var redirection = Redirection(uri: redirectUri, mode: defaultMode, state: state)
        if let mode = single("response_mode") {
            guard ["query", "fragment", "form_post"].contains(mode) else {
                return .redirect(.invalidRequest("response_mode '\(mode)' is not supported."), redirection)
            }
            redirection.mode = mode
        }
        func fail(_ error: OAuthError) -> Outcome { .redirect(error, redirection) }

        for (name, list) in values where list.count > 1 && !["resource"].contains(name) {
            return fail(.invalidRequest("The parameter '\(name)' must not be repeated."))
        }
        if single("request") != nil { return fail(OAuthError("request_not_supported", "Request objects are not supported.")) }
        if single("request_uri") != nil { return fail(OAuthError("request_uri_not_supported", "request_uri is not supported.")) }

        // Response type.
        guard let responseTypeText else { return fail(.invalidRequest("response_type is missing.")) }
        guard let responseType = ResponseTypes.enumValue(responseTypes) else {
            return fail(OAuthError("unsupported_response_type", "response_type '\(responseTypeText)' is not supported."))
        }
        guard (service.supportedResponseTypes ?? []).contains(responseType) else {
            return fail(OAuthError("unsupported_response_type", "The service does not support response_type '\(responseTypeText)'."))
        }
        guard (client.responseTypes ?? []).contains(responseType) else {
            return fail(.unauthorizedClient("The client may not use response_type '\(responseTypeText)'."))
        }
        let needsImplicit = responseTypes.contains("token") || (responseTypes.contains("id_token") && !responseTypes.contains("code"))
        if responseTypes.contains("code"), !(client.grantTypes ?? []).contains(.authorizationCode) {
            return fail(.unauthorizedClient("The client may not use the authorization_code grant."))
        }
        if needsImplicit, !(client.grantTypes ?? []).contains(.implicit) {
            return fail(.unauthorizedClient("The client may not use the implicit grant."))
        }
        if redirection.mode == "query", responseTypes.contains("token") || responseTypes.contains("id_token") {
            return fail(.invalidRequest("response_mode=query must not carry tokens."))
        }

        // Scopes: the service's policy drops scopes it does not know, and those the client may not request.
        var scopes: [String]
        if let text = single("scope") {
            let supported = Set((service.supportedScopes ?? []).map(\.name))
            let requestable = WarrantEngine.requestableScopes(of: client)
            scopes = []
            for scope in text.split(separator: " ").map(String.init) where supported.contains(scope) && !scopes.contains(scope) {
                if requestable?.contains(scope) ?? true { scopes.append(scope) }
            }
        } else {
            scopes = (service.supportedScopes ?? []).filter { $0.defaultEntry }.map(\.name)
        }
        if scopes.isEmpty, service.scopeRequired == true { return fail(.invalidScope("The request has no scope the client may use.")) }
        if responseTypes.contains("id_token"), !scopes.contains("openid") {
            return fail(.invalidScope("response_type with id_token needs the openid scope."))
        }
        let nonce = single("nonce")
        if responseTypes.contains("id_token"), nonce == nil {
            return fail(.invalidRequest("nonce is required when an ID token comes from the authorization endpoint."))
        }

        // PKCE (RFC 7636).
        let challenge = single("code_challenge")
        var method = single("code_challenge_method")
        if let challenge {
            let given = method ?? "plain"
            method = given
            guard given == "S256" || given == "plain" else {
                return fail(.invalidRequest("code_challenge_method '\(given)' is not supported."))
            }
            if method == "plain", service.pkceS256Required == true || client.pkceS256Required == true {
                return fail(.invalidRequest("code_challenge_method must be S256."))
            }
            guard PKCE.isWellFormed(challenge) else {
                return fail(.invalidRequest("code_challenge must be 43 to 128 characters of A-Z a-z 0-9 - . _ ~."))
            }
        } else if method != nil {
            return fail(.invalidRequest("code_challenge_method without code_challenge."))
        } else if responseTypes.contains("code"), service.pkceRequired == true || client.pkceRequired == true {
            return fail(.invalidRequest("code_challenge is required (PKCE)."))
        }

        // prompt, max_age, display.
        let prompts = (single("prompt") ?? "").split(separator: " ").map(String.init)
        let knownPrompts = ["none", "login", "consent", "select_account", "create"]
        if let unknown = prompts.first(where: { !knownPrompts.contains($0) }) {
            return fail(.invalidRequest("prompt '\(unknown)' is not supported."))
        }
        if prompts.contains("none"), prompts.count > 1 { return fail(.invalidRequest("prompt=none must be alone.")) }
        var maxAge = client.defaultMaxAge.flatMap { $0 > 0 ? Int($0) : nil }
        if let text = single("max_age") {
            guard let value = Int(text), value >= 0 else { return fail(.invalidRequest("max_age must be a whole number of seconds.")) }
            maxAge = value
        }
        let display = single("display")
        if let display, !["page", "popup", "touch", "wap"].contains(display) {
            return fail(.invalidRequest("display '\(display)' is not supported."))
        }

        // claims (OpenID Connect Core §5.5), acr_values, id_token_hint.
        var acrs = (single("acr_values") ?? "").split(separator: " ").map(String.init)
        var acrEssential = false
        var idTokenClaims: String?
        var userInfoClaims: String?
        var claimNames: [String] = []
        var subject: String?
        if let text = single("claims") {
            guard case .object(let members)? = try? JSONValue(parsing: text) else {
                return fail(.invalidRequest("claims must be a JSON object."))
            }
            if case .object(let idToken)? = members["id_token"] {
                idTokenClaims = JSONValue.object(idToken).serializedString
                claimNames = idToken.keys.sorted()
                if case .object(let acr)? = idToken["acr"] {
                    if case .array(let values)? = acr["values"] { acrs = values.compactMap(\.stringValue) }
                    if let value = acr["value"]?.stringValue { acrs = [value] }
                    acrEssential = acr["essential"] == .bool(true)
                }
                if case .object(let sub)? = idToken["sub"], let value = sub["value"]?.stringValue { subject = value }
            }
            if case .object(let userInfo)? = members["userinfo"] { userInfoClaims = JSONValue.object(userInfo).serializedString }
        }
        if let hint = single("id_token_hint") {
            guard let hinted = await idTokenHintSubject(hint) else {
                return fail(.invalidRequest("id_token_hint is not an ID token of this service."))
            }
            if let subject, subject != hinted { return fail(.invalidRequest("id_token_hint and the claims parameter name different users.")) }
            subject = hinted
        }

        // resource (RFC 8707).
        let resources = values["resource"] ?? []
        for resource in resources {
            guard URLRules.isResourceIndicator(resource) else {
                return fail(OAuthError("invalid_target", "resource '\(resource)' must be an absolute URI without a fragment."))
            }
        }

        let parsed = ParsedAuthorizationRequest(
                clientId: clientId, clientIdAliasUsed: aliasUsed, redirectUri: redirectUri, redirectUriGiven: single("redirect_uri") != nil,
                responseTypes: responseTypes == ["none"] ? [] : responseTypes.sorted(), responseMode: redirection.mode, state: state,
                scopes: scopes, nonce: nonce, codeChallenge: challenge, codeChallengeMethod: challenge == nil ? nil : method,
                maxAge: maxAge, prompts: prompts, display: display, acrs: acrs, acrEssential: acrEssential, idTokenClaims: idTokenClaims,
                userInfoClaims: userInfoClaims, claimNames: claimNames, subject: subject, loginHint: single("login_hint"),
                uiLocales: (single("ui_locales") ?? "").split(separator: " ").map(String.init),
                claimsLocales: (single("claims_locales") ?? "").split(separator: " ").map(String.init), resources: resources,
                context: context)
        return .valid(parsed, client)
    }
}

/// Exact redirect URI matching, with the one exception RFC 8252 §7.3 makes for native apps on loopback.
enum RedirectMatching {
    /// Exact matching (RFC 9700 §4.1.3) compares bytes: Swift's `==` compares by canonical equivalence, which
    /// would take a Kelvin sign (U+212A) for a K.
    static func same(_ first: String, _ second: String) -> Bool { first.utf8.elementsEqual(second.utf8) }

    static func matches(_ given: String, registered: [String], loopbackPortsVary: Bool) -> Bool {
        if registered.contains(where: { same($0, given) }) { return true }
        guard loopbackPortsVary, var components = URLComponents(string: given), components.scheme == "http",
            let host = components.host, ["127.0.0.1", "::1", "[::1]"].contains(host)
        else { return false }
        components.port = nil
        return registered.contains { candidate in
            guard var registeredComponents = URLComponents(string: candidate) else { return false }
            registeredComponents.port = nil
            return registeredComponents == components
        }
    }
}

/// Authlete's response type names for a set of response type words.
enum ResponseTypes {
    static func enumValue(_ words: Set<String>) -> ResponseType? {
        switch words {
        case ["none"]: ResponseType.none
        case ["code"]: .code
        case ["token"]: .token
        case ["id_token"]: .idToken
        case ["code", "token"]: .codeToken
        case ["code", "id_token"]: .codeIdToken
        case ["id_token", "token"]: .idTokenToken
        case ["code", "id_token", "token"]: .codeIdTokenToken
        default: nil
        }
    }
}

/// Proof Key for Code Exchange (RFC 7636).
enum PKCE {
    private static let allowed = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")

    static func isWellFormed(_ value: String) -> Bool {
        (43...128).contains(value.count) && value.allSatisfy { allowed.contains($0) }
    }

    static func verify(verifier: String, challenge: String, method: String) -> Bool {
        guard isWellFormed(verifier) else { return false }
        let computed = method == "S256" ? Base64URL.encode(Hashing.sha256(Array(verifier.utf8))) : verifier
        return Secrets.constantTimeEqual(computed, challenge)
    }
}
