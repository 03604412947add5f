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
    /// The verified claims of the request object the request came as, as JSON text; nil for plain parameters.
    var requestObjectPayload: String? = nil
    /// The DPoP key the code is bound to (RFC 9449 §10): `dpop_jkt`, or the key of the PAR request's proof.
    var dpopJkt: String? = nil
    /// The checked `authorization_details` (RFC 9396), as JSON text of the array.
    var authorizationDetails: String? = nil

    var wantsCode: Bool { responseTypes.contains("code") }
    var wantsToken: Bool { responseTypes.contains("token") }
    var wantsIDToken: Bool { responseTypes.contains("id_token") }
}

/// Where errors of an authorization request go once the redirect URI is known.
struct Redirection: Equatable, Sendable {
    var uri: String
    /// `query`, `fragment`, `form_post`, or one of them with `.jwt` (JARM; `jwt` alone is resolved to the
    /// response type's default).
    var mode: String
    var state: String?
    /// The client_id the client used: the audience of a JARM response.
    var clientId: String
    /// What signs a JARM response: the client's `authorizationSignAlg`, RS256 by default.
    var signingAlgorithm: String

    init(uri: String, mode: String, state: String?, client: ClientPolicy, aliasUsed: Bool) {
        self.uri = uri
        self.mode = mode
        self.state = state
        clientId = aliasUsed ? client.alias ?? String(client.clientId) : String(client.clientId)
        signingAlgorithm = client.authorizationSigningAlgorithm
    }

    init(for request: ParsedAuthorizationRequest, client: ClientPolicy) {
        self.init(uri: request.redirectUri, mode: request.responseMode, state: request.state, client: client, aliasUsed: request.clientIdAliasUsed)
    }

    /// JWT Secured Authorization Response Mode (JARM).
    var isJWT: Bool { mode.hasSuffix(".jwt") }
    /// Where the parameters (or the one `response` JWT) travel.
    var baseMode: String { isJWT ? String(mode.dropLast(4)) : mode }
}

/// Checks an authorization request against RFC 6749 §4, OpenID Connect Core §3 and RFC 7636, one stage per
/// function, in the order the specifications set: until the client and its redirect URI are trusted, an
/// error is answered to the user (never redirected); after, it goes back to the client.
struct AuthorizationRequestParser {
    enum Outcome {
        /// The request, with the client it names.
        case valid(ParsedAuthorizationRequest, ClientPolicy)
        /// The client or redirect URI cannot be trusted: answer the user directly, never redirect.
        case untrusted(OAuthError)
        /// An error to deliver to the client through its redirect URI.
        case redirect(OAuthError, Redirection)
    }

    let service: ServicePolicy
    let clients: ClientDirectory
    /// Verifies request objects with the client's keys.
    let signer: TokenSigner
    let now: @Sendable () -> Int64
    /// The subject of an ID token this service issued, for id_token_hint.
    let idTokenHintSubject: (String) async -> String?
    /// At the PAR endpoint, the client that authenticated: the request must be its own, and nothing is
    /// redirected (RFC 9126 §2). Nil at the authorization endpoint.
    var pushedBy: ClientPolicy? = nil

    /// The parameters of one request, each name with its values in order.
    struct Parameters {
        var values: [String: [String]] = [:]

        /// The value of a parameter sent once; an empty value counts as absent (RFC 6749 §3.1).
        func single(_ name: String) -> String? { values[name]?.first.flatMap { $0.isEmpty ? nil : $0 } }
        func words(_ name: String) -> [String] { (single(name) ?? "").split(separator: " ").map(String.init) }
    }

    func parse(_ text: String, context: String?) async throws -> Outcome {
        var parameters = Parameters()
        do {
            for (name, value) in try FormEncoding.pairs(from: text) { parameters.values[name, default: []].append(value) }
        } catch {
            // Nothing of the request can be trusted, the redirect URI included.
            return .untrusted(.invalidRequest("The parameters are malformed: \(error.description)."))
        }
        // A request object is verified before anything in it is trusted, its redirect_uri included.
        var requestObjectPayload: String?
        if parameters.values["request"] != nil {
            switch try await expandRequestObject(parameters) {
            case .failure(let error): return .untrusted(error)
            case .success(let (expanded, payload)): (parameters, requestObjectPayload) = (expanded, payload)
            }
        }
        let trusted: TrustedParty
        switch try await trustedParty(parameters) {
        case .failure(let error): return .untrusted(error)
        case .success(let party): trusted = party
        }
        var redirection = Redirection(
            uri: trusted.redirectUri, mode: "query", state: parameters.single("state"), client: trusted.client, aliasUsed: trusted.aliasUsed)
        let fapi = service.fapi(for: trusted.client)
        do throws(OAuthError) {
            if pushedBy == nil, service.parRequired || trusted.client.parRequired || fapi.security {
                throw .invalidRequest("Authorization requests must be pushed to the PAR endpoint first; send its request_uri.")
            }
            if requestObjectPayload == nil, service.requestObjectRequired || trusted.client.requestObjectRequired || fapi.signedRequests {
                throw .invalidRequest("Authorization requests must be signed request objects (the request parameter, RFC 9101).")
            }
            let responseTypes = try responseTypes(parameters, client: trusted.client, redirection: &redirection)
            try checkFAPI(fapi, parameters: parameters, client: trusted.client, responseTypes: responseTypes, requestObject: requestObjectPayload, redirection: &redirection)
            let scopes = try scopes(parameters, client: trusted.client, responseTypes: responseTypes)
            let pkce = try pkce(parameters, client: trusted.client, responseTypes: responseTypes)
            let interaction = try interaction(parameters, client: trusted.client)
            let claims = try await claims(parameters)
            let resources = try resources(parameters)
            let dpopJkt = parameters.single("dpop_jkt")
            if let dpopJkt, !DPoPProof.isThumbprint(dpopJkt) {
                throw .invalidRequest("dpop_jkt must be a JWK SHA-256 thumbprint: 43 base64url characters.")
            }
            var authorizationDetails: String?
            if let text = parameters.single("authorization_details") {
                switch RichAuthorization.parse(text, service: service, client: trusted.client) {
                case .failure(let error): throw error
                case .success(let elements): authorizationDetails = JSONValue.array(elements).serializedString
                }
            }
            // The authorization endpoint sees no proof and no certificate, so it cannot issue a bound access token.
            if responseTypes.contains("token"), dpopJkt != nil || trusted.client.dpopRequired || trusted.client.certificateBoundTokens {
                throw OAuthError(
                    "unsupported_response_type", "Access tokens of this request must be sender-constrained; ask for a code instead of a token.")
            }
            let parsed = ParsedAuthorizationRequest(
                clientId: trusted.client.clientId, clientIdAliasUsed: trusted.aliasUsed, redirectUri: trusted.redirectUri,
                redirectUriGiven: parameters.single("redirect_uri") != nil,
                responseTypes: responseTypes == ["none"] ? [] : responseTypes.sorted(), responseMode: redirection.mode,
                state: redirection.state, scopes: scopes.scopes, nonce: scopes.nonce, codeChallenge: pkce.challenge,
                codeChallengeMethod: pkce.method, maxAge: interaction.maxAge, prompts: interaction.prompts, display: interaction.display,
                acrs: claims.acrs, acrEssential: claims.acrEssential, idTokenClaims: claims.idTokenClaims,
                userInfoClaims: claims.userInfoClaims, claimNames: claims.claimNames, subject: claims.subject,
                loginHint: parameters.single("login_hint"), uiLocales: parameters.words("ui_locales"),
                claimsLocales: parameters.words("claims_locales"), resources: resources, context: context,
                requestObjectPayload: requestObjectPayload, dpopJkt: dpopJkt, authorizationDetails: authorizationDetails)
            return .valid(parsed, trusted.client)
        } catch {
            // Under FAPI Message Signing, errors are signed responses too, whatever failed before the mode was settled.
            if fapi.signedResponses, !redirection.mode.hasSuffix(".jwt") { redirection.mode = "query.jwt" }
            return .redirect(error, redirection)
        }
    }

    // MARK: 1. The client and its redirect URI

    struct TrustedParty {
        var client: ClientPolicy
        var aliasUsed: Bool
        var redirectUri: String
    }

    func trustedParty(_ parameters: Parameters) async throws -> Result<TrustedParty, OAuthError> {
        if (parameters.values["client_id"]?.count ?? 0) > 1 || (parameters.values["redirect_uri"]?.count ?? 0) > 1 {
            return .failure(.invalidRequest("client_id and redirect_uri must not be repeated."))
        }
        let client: ClientPolicy, aliasUsed: Bool
        if let pushedBy {
            // RFC 9126 §2.1: client_id may be left out of a pushed request, and must name the client that authenticated.
            if let text = parameters.single("client_id"), text != String(pushedBy.clientId), text != pushedBy.alias {
                return .failure(.invalidRequest("client_id differs from the client that authenticated."))
            }
            (client, aliasUsed) = (pushedBy, parameters.single("client_id").map { $0 == pushedBy.alias } ?? false)
        } else {
            guard let clientIdText = parameters.single("client_id") else { return .failure(.invalidRequest("client_id is missing.")) }
            guard let (found, alias) = try await clients.client(named: clientIdText, serviceApiKey: service.apiKey) else {
                return .failure(.invalidRequest("There is no client with the client_id '\(clientIdText)'."))
            }
            (client, aliasUsed) = (found, alias)
        }
        if client.locked { return .failure(.invalidRequest("The client is locked.")) }
        let registered = client.redirectUris
        if let given = parameters.single("redirect_uri") {
            guard RedirectMatching.matches(given, registered: registered, loopbackPortsVary: client.isNative || service.loopbackPortsVary)
            else { return .failure(.invalidRequest("redirect_uri is not one of the client's registered redirect URIs.")) }
            return .success(TrustedParty(client: client, aliasUsed: aliasUsed, redirectUri: given))
        }
        guard registered.count == 1 else {
            return .failure(
                .invalidRequest(registered.isEmpty ? "The client has no registered redirect URI." : "redirect_uri is required: the client registered several."))
        }
        return .success(TrustedParty(client: client, aliasUsed: aliasUsed, redirectUri: registered[0]))
    }

    // MARK: 1b. A request object (RFC 9101)

    /// The parameters of a request sent as a request object: the object's claims alone (RFC 9101 §5), apart
    /// from client_id, which the query must carry too; or, with `traditionalRequestObjectProcessingApplied`,
    /// the query's parameters with the object's taking precedence (OpenID Connect Core §6.3.3).
    /// FAPI 2.0 Security Profile §5.3.2.2 and Message Signing §5.3–5.4, for requests they apply to.
    func checkFAPI(
        _ fapi: FAPIRules, parameters: Parameters, client: ClientPolicy, responseTypes: Set<String>, requestObject: String?,
        redirection: inout Redirection
    ) throws(OAuthError) {
        guard fapi.security else { return }
        if let problem = fapi.registrationProblem(of: client) { throw .unauthorizedClient(problem) }
        guard responseTypes == ["code"] else { throw OAuthError("unsupported_response_type", "FAPI 2.0 allows response_type code only.") }
        guard parameters.single("code_challenge") != nil, parameters.single("code_challenge_method") == "S256" else {
            throw .invalidRequest("FAPI 2.0 requires PKCE with code_challenge_method S256.")
        }
        guard parameters.single("redirect_uri") != nil else { throw .invalidRequest("FAPI 2.0 requires redirect_uri in the pushed request.") }
        if parameters.words("scope").contains("openid"), let algorithm = try? client.idTokenAlgorithm.get().rawValue,
            !FAPIRules.algorithms.contains(algorithm)
        {
            throw .invalidRequest("FAPI 2.0 signs ID tokens with PS256, ES256 or EdDSA only; the client's idTokenSignAlg is \(algorithm).")
        }
        if fapi.signedRequests, let requestObject, let claims = try? JSONValue(parsing: Array(requestObject.utf8)) {
            guard let nbf = claims["nbf"].flatMap(JSONClaims.seconds), let exp = claims["exp"].flatMap(JSONClaims.seconds),
                exp.saturatingSubtracting(nbf) <= FAPIRules.requestObjectLifetime
            else { throw OAuthError("invalid_request_object", "FAPI 2.0 request objects need nbf and exp at most 60 minutes apart.") }
        }
        if fapi.signedResponses {
            // JARM: the response is a signed JWT; without a response_mode, the code's default one as a JWT.
            if !redirection.mode.hasSuffix(".jwt") {
                guard parameters.single("response_mode") == nil else {
                    throw .invalidRequest("FAPI 2.0 Message Signing needs a JWT response_mode (jwt, query.jwt, fragment.jwt, form_post.jwt).")
                }
                redirection.mode = "query.jwt"
            }
            guard FAPIRules.algorithms.contains(client.authorizationSigningAlgorithm) else {
                throw .invalidRequest("FAPI 2.0 signs authorization responses with PS256, ES256 or EdDSA only; set authorizationSignAlg.")
            }
        }
    }

    func expandRequestObject(_ parameters: Parameters) async throws -> Result<(Parameters, String), OAuthError> {
        if (parameters.values["request"]?.count ?? 0) > 1 { return .failure(.invalidRequest("request must not be repeated.")) }
        if parameters.values["request_uri"] != nil { return .failure(.invalidRequest("request and request_uri must not both be sent.")) }
        guard let jwt = parameters.single("request") else { return .failure(OAuthError("invalid_request_object", "request is empty.")) }
        // The client whose keys verify it: the one that authenticated at PAR, or the query's.
        let client: ClientPolicy
        if let pushedBy {
            client = pushedBy
        } else {
            guard parameters.values["client_id"]?.count == 1, let identifier = parameters.single("client_id") else {
                return .failure(.invalidRequest("client_id is missing: the query must carry it beside a request object (RFC 9101 §5)."))
            }
            guard let (found, _) = try await clients.client(named: identifier, serviceApiKey: service.apiKey) else {
                return .failure(.invalidRequest("There is no client with the client_id '\(identifier)'."))
            }
            client = found
        }
        let claims: [String: JSONValue]
        switch await RequestObject.verify(jwt, client: client, service: service, signer: signer, now: now()) {
        case .failure(let error): return .failure(error)
        case .success(let verified): claims = verified
        }
        // Where request objects are required, the unsigned query adds nothing to one (a replayed object would
        // otherwise carry whatever an attacker appends).
        let merged =
            service.traditionalRequestObjects && !service.requestObjectRequired && !client.requestObjectRequired
            && !service.fapi(for: client).signedRequests
        var expanded = merged ? parameters : Parameters()
        expanded.values["request"] = nil
        for (name, value) in claims where !RequestObject.envelopeClaims.contains(name) {
            // resource may be one URI or a list of them (RFC 8707 §2).
            if name == "resource", case .array(let items) = value {
                expanded.values[name] = items.compactMap(\.stringValue)
            } else if let text = RequestObject.parameterText(value) {
                expanded.values[name] = [text]
            }
        }
        expanded.values["client_id"] = parameters.values["client_id"]
        return .success((expanded, JSONValue.object(claims).serializedString))
    }

    // MARK: 2. From here on, errors go back to the client: response type and mode

    static let responseModes: Set<String> = ["query", "fragment", "form_post", "jwt", "query.jwt", "fragment.jwt", "form_post.jwt"]

    /// The response type's words; sets the response mode of `redirection` (the default for the type, or the
    /// one requested) first, so that even an error about the type is delivered the right way.
    func responseTypes(_ parameters: Parameters, client: ClientPolicy, redirection: inout Redirection) throws(OAuthError) -> Set<String> {
        let text = parameters.single("response_type")
        let words = Set((text ?? "").split(separator: " ").map(String.init))
        let defaultMode = words.isEmpty || words == ["code"] || words == ["none"] ? "query" : "fragment"
        redirection.mode = defaultMode
        let requestedMode = parameters.single("response_mode")
        if let mode = requestedMode {
            guard Self.responseModes.contains(mode) else { throw .invalidRequest("response_mode '\(mode)' is not supported.") }
            // JARM §2.3.4: jwt is the response type's default mode, as a JWT.
            redirection.mode = mode == "jwt" ? defaultMode + ".jwt" : mode
        }
        for (name, list) in parameters.values where list.count > 1 && name != "resource" {
            throw .invalidRequest("The parameter '\(name)' must not be repeated.")
        }
        if parameters.single("request_uri") != nil {
            if pushedBy != nil { throw .invalidRequest("A pushed request must not carry request_uri (RFC 9126 §2.1).") }
            throw OAuthError("request_uri_not_supported", "request_uri is supported only with values from the PAR endpoint.")
        }

        guard let text else { throw .invalidRequest("response_type is missing.") }
        guard let responseType = ProtocolValues.responseType(words: words) else {
            throw OAuthError("unsupported_response_type", "response_type '\(text)' is not supported.")
        }
        guard service.responseTypes.contains(responseType) else {
            throw OAuthError("unsupported_response_type", "The service does not support response_type '\(text)'.")
        }
        guard client.responseTypes.contains(responseType) else { throw .unauthorizedClient("The client may not use response_type '\(text)'.") }
        if let modes = client.responseModes, !modes.contains(redirection.mode), !modes.contains(requestedMode ?? redirection.mode) {
            throw .unauthorizedClient("The client may not use response_mode '\(requestedMode ?? redirection.mode)'.")
        }
        let needsImplicit = words.contains("token") || (words.contains("id_token") && !words.contains("code"))
        if words.contains("code"), !client.grantTypes.contains(.authorizationCode) {
            throw .unauthorizedClient("The client may not use the authorization_code grant.")
        }
        if needsImplicit, !client.grantTypes.contains(.implicit) { throw .unauthorizedClient("The client may not use the implicit grant.") }
        // Tokens in a URL's query leak into logs; JARM allows it only encrypted (§2.3.1), which warrant does not do.
        if redirection.baseMode == "query", words.contains("token") || words.contains("id_token") {
            throw .invalidRequest("response_mode=\(redirection.mode) must not carry tokens.")
        }
        return words
    }

    // MARK: 3. Scopes and nonce

    /// The service drops scopes it does not know, and those the client may not request.
    func scopes(_ parameters: Parameters, client: ClientPolicy, responseTypes: Set<String>) throws(OAuthError) -> (
        scopes: [String], nonce: String?
    ) {
        var scopes: [String]
        if let text = parameters.single("scope") {
            scopes = []
            for scope in text.split(separator: " ").map(String.init) where service.scopeNames.contains(scope) && !scopes.contains(scope) {
                if client.mayRequest(scope) { scopes.append(scope) }
            }
        } else {
            scopes = service.defaultScopes
        }
        if scopes.isEmpty, service.scopeRequired { throw .invalidScope("The request has no scope the client may use.") }
        if responseTypes.contains("id_token"), !scopes.contains("openid") { throw .invalidScope("response_type with id_token needs the openid scope.") }
        let nonce = parameters.single("nonce")
        if responseTypes.contains("id_token"), nonce == nil {
            throw .invalidRequest("nonce is required when an ID token comes from the authorization endpoint.")
        }
        return (scopes, nonce)
    }

    // MARK: 4. PKCE (RFC 7636)

    func pkce(_ parameters: Parameters, client: ClientPolicy, responseTypes: Set<String>) throws(OAuthError) -> (
        challenge: String?, method: String?
    ) {
        let method = parameters.single("code_challenge_method")
        guard let challenge = parameters.single("code_challenge") else {
            if method != nil { throw .invalidRequest("code_challenge_method without code_challenge.") }
            if responseTypes.contains("code"), service.pkceRequired || client.pkceRequired { throw .invalidRequest("code_challenge is required (PKCE).") }
            return (nil, nil)
        }
        let given = method ?? "plain"
        guard given == "S256" || given == "plain" else { throw .invalidRequest("code_challenge_method '\(given)' is not supported.") }
        if given == "plain", service.pkceS256Required || client.pkceS256Required { throw .invalidRequest("code_challenge_method must be S256.") }
        guard PKCE.isWellFormed(challenge) else {
            throw .invalidRequest("code_challenge must be 43 to 128 characters of A-Z a-z 0-9 - . _ ~.")
        }
        return (challenge, given)
    }

    // MARK: 5. prompt, max_age, display

    func interaction(_ parameters: Parameters, client: ClientPolicy) throws(OAuthError) -> (prompts: [String], maxAge: Int?, display: String?) {
        let prompts = parameters.words("prompt")
        if let unknown = prompts.first(where: { !["none", "login", "consent", "select_account", "create"].contains($0) }) {
            throw .invalidRequest("prompt '\(unknown)' is not supported.")
        }
        if prompts.contains("none"), prompts.count > 1 { throw .invalidRequest("prompt=none must be alone.") }
        var maxAge = client.defaultMaxAge
        if let text = parameters.single("max_age") {
            guard let value = Int(text), value >= 0 else { throw .invalidRequest("max_age must be a whole number of seconds.") }
            maxAge = value
        }
        let display = parameters.single("display")
        if let display, !["page", "popup", "touch", "wap"].contains(display) { throw .invalidRequest("display '\(display)' is not supported.") }
        return (prompts, maxAge, display)
    }

    // MARK: 6. claims (OpenID Connect Core §5.5), acr_values, id_token_hint

    struct RequestedClaims {
        var acrs: [String]
        var acrEssential = false
        var idTokenClaims: String?
        var userInfoClaims: String?
        var claimNames: [String] = []
        var subject: String?
    }

    func claims(_ parameters: Parameters) async throws(OAuthError) -> RequestedClaims {
        var claims = RequestedClaims(acrs: parameters.words("acr_values"))
        if let text = parameters.single("claims") {
            guard case .object(let members)? = try? JSONValue(parsing: text) else { throw .invalidRequest("claims must be a JSON object.") }
            if case .object(let idToken)? = members["id_token"] {
                claims.idTokenClaims = JSONValue.object(idToken).serializedString
                claims.claimNames = idToken.keys.sorted()
                if case .object(let acr)? = idToken["acr"] {
                    if case .array(let values)? = acr["values"] { claims.acrs = values.compactMap(\.stringValue) }
                    if let value = acr["value"]?.stringValue { claims.acrs = [value] }
                    claims.acrEssential = acr["essential"] == .bool(true)
                }
                if case .object(let sub)? = idToken["sub"], let value = sub["value"]?.stringValue { claims.subject = value }
            }
            if case .object(let userInfo)? = members["userinfo"] { claims.userInfoClaims = JSONValue.object(userInfo).serializedString }
        }
        if let hint = parameters.single("id_token_hint") {
            guard let hinted = await idTokenHintSubject(hint) else { throw .invalidRequest("id_token_hint is not an ID token of this service.") }
            if let subject = claims.subject, subject != hinted { throw .invalidRequest("id_token_hint and the claims parameter name different users.") }
            claims.subject = hinted
        }
        return claims
    }

    // MARK: 7. resource (RFC 8707)

    func resources(_ parameters: Parameters) throws(OAuthError) -> [String] {
        let resources = parameters.values["resource"] ?? []
        if let bad = resources.first(where: { !URLRules.isResourceIndicator($0) }) {
            throw OAuthError("invalid_target", "resource '\(bad)' must be an absolute URI without a fragment.")
        }
        return resources
    }
}
