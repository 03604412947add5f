import Foundation
import SpecRuntime
import WarrantAPI
import WarrantStore

extension WarrantEngine {
    public func authorization(_ input: Operations.Authorization.Input) async throws -> Operations.Authorization.Output {
        let service = try await servicePolicy(input.path.serviceId, input.credentials)
        if let pushed = PushedRequest.reference(in: input.body.parameters) {
            switch try await pushedRequest(pushed, service: service) {
            case .failure(let error): return .ok(Self.untrusted(error, result: error.result, service: service))
            case .success(let (request, client)):
                var request = request
                request.context = input.body.context
                return .ok(try await startInteraction(request, client: client, service: service))
            }
        }
        var parameters = input.body.parameters
        if let fetcher = requestObjectFetcher, let reference = RequestObjectReference.reference(in: parameters) {
            switch try await fetchedRequest(reference, with: fetcher, service: service) {
            case .failure(let error): return .ok(Self.untrusted(error, result: error.result, service: service))
            case .success(let expanded): parameters = expanded
            }
        }
        switch try await authorizationParser(for: service).parse(parameters, context: input.body.context) {
        case .untrusted(let error):
            return .ok(Self.untrusted(error, result: .authorizationRejected, service: service))
        case .redirect(let error, let redirection):
            let delivery = try await deliver(error.members(omitDescription: service.omitsErrorDescriptions), to: redirection, service: service)
            return .ok(
                AuthorizationResponse(
                    resultCode: error.result.code, resultMessage: "[\(error.result.code)] \(error.description)",
                    action: delivery.isForm ? .form : .location, responseContent: delivery.content))
        case .valid(let request, let client):
            return .ok(try await startInteraction(request, client: client, service: service))
        }
    }

    /// A request whose request_uri is a URL: the object fetched from it, as the request's `request`; an error
    /// answered to the user (the client is not trusted yet) otherwise.
    func fetchedRequest(_ reference: RequestObjectReference.Reference, with fetcher: any RequestObjectFetching, service: ServicePolicy)
        async throws -> Result<String, OAuthError>
    {
        func invalid(_ description: String) -> OAuthError { OAuthError("invalid_request_uri", description, .requestUriUnusable) }
        guard reference.clientIds.count == 1, let (client, _) = try await clients.client(named: reference.clientIds[0], serviceApiKey: service.apiKey)
        else { return .failure(OAuthError("invalid_request", "client_id must name one client of the service.", .authorizationRejected)) }
        // What would refuse the request anyway is answered before anything is fetched.
        if client.locked { return .failure(OAuthError("invalid_request", "The client is locked.", .authorizationRejected)) }
        if service.parRequired || client.parRequired || service.fapi(for: client).security {
            return .failure(OAuthError("invalid_request", "Authorization requests must be pushed to the PAR endpoint first.", .authorizationRejected))
        }
        guard client.jwks != nil else { return .failure(invalid("The client has no registered jwks to verify a request object with.")) }
        guard reference.url.absoluteString.utf8.count <= RequestObjectReference.maximumURILength, RequestObjectReference.isFetchable(reference.url)
        else { return .failure(invalid("request_uri must be an https URL of at most \(RequestObjectReference.maximumURILength) characters.")) }
        guard RequestObjectReference.isRegistered(reference.url, in: client.requestUris) else {
            return .failure(invalid("request_uri is not one of the client's registered requestUris."))
        }
        // One answer for every failure, so request_uri cannot be used to probe what a host answers.
        let unusable = invalid("The request object could not be fetched from request_uri, or is not a JWT.")
        let object: String
        do {
            object = try await fetcher.fetch(reference.url, limit: RequestObjectReference.maximumBytes, timeout: RequestObjectReference.timeout)
        } catch {
            logger.notice("request_uri could not be fetched", metadata: ["client": "\(client.clientId)", "error": "\(error)"])
            return .failure(unusable)
        }
        let jwt = object.trimmingCharacters(in: .whitespacesAndNewlines)
        guard [3, 5].contains(jwt.split(separator: ".", omittingEmptySubsequences: false).count) else { return .failure(unusable) }
        return .success(RequestObjectReference.parameters(reference, object: jwt))
    }

    /// The checks of an authorization request, at the authorization endpoint or (`pushedBy` the client that
    /// authenticated) at the PAR endpoint.
    func authorizationParser(for service: ServicePolicy, pushedBy: ClientPolicy? = nil) -> AuthorizationRequestParser {
        AuthorizationRequestParser(
            service: service, clients: clients, signer: signer, now: now,
            idTokenHintSubject: { hint in
                // An ID token this service signed, for this issuer (expired ones are fine, see IDTokenHintClaims).
                guard let claims = try? await self.signer.verified(hint, as: IDTokenHintClaims.self, serviceApiKey: service.apiKey),
                    claims.iss.value == service.issuer
                else { return nil }
                return claims.sub.value
            },
            pushedBy: pushedBy)
    }

    /// Stores a checked request by the hash of `value` (a ticket, a request_uri), so the database holds nothing
    /// a caller could send.
    func keep(_ request: ParsedAuthorizationRequest, as kind: TicketRecord.Kind, under value: String, for seconds: Int64, service: ServicePolicy)
        async throws
    {
        let time = now()
        try await store.insertTicket(
            TicketRecord(
                hash: Secrets.hash(value), kind: kind, serviceApiKey: service.apiKey, clientId: request.clientId,
                payload: try StoredJSON.encode(request), createdAt: time, expiresAt: Bounds.expiry(from: time, seconds: seconds)))
    }

    /// An authorization response (success or error) as the response mode asks; in a JARM mode, its parameters
    /// with `state`, `iss`, `aud` and `exp` as the claims of one signed `response` JWT (JARM §2.1).
    func deliver(_ parameters: [(String, String)], to redirection: Redirection, service: ServicePolicy) async throws -> AuthorizationDelivery {
        guard redirection.isJWT else { return AuthorizationDelivery.deliver(parameters, to: redirection, issuer: service.responseIssuer) }
        var claims: [String: JSONValue] = [:]
        for (name, value) in parameters { claims[name] = .string(value) }
        if let state = redirection.state { claims["state"] = .string(state) }
        claims["iss"] = .string(service.issuer)
        claims["aud"] = .string(redirection.clientId)
        // Short-lived: the response is used once, right away (JARM §4.1 suggests about ten minutes).
        claims["exp"] = .integer(now() / 1000 + Self.authorizationResponseLifetime)
        let response = try await signer.sign(claims, algorithm: redirection.signingAlgorithm, serviceApiKey: service.apiKey)
        var carrier = redirection
        carrier.mode = redirection.baseMode
        carrier.state = nil
        return AuthorizationDelivery.deliver([("response", response)], to: carrier, issuer: nil)
    }

    /// Seconds a JARM response is valid for.
    static let authorizationResponseLifetime: Int64 = 600

    /// An error answered to the user: the client or its redirect URI cannot be trusted.
    private static func untrusted(_ error: OAuthError, result: ResultCode, service: ServicePolicy) -> AuthorizationResponse {
        AuthorizationResponse(
            resultCode: result.code, resultMessage: "[\(result.code)] \(error.description)",
            action: .badRequest, responseContent: error.jsonBody(omitDescription: service.omitsErrorDescriptions))
    }

    /// A checked request gets a ticket for the login and consent pages.
    private func startInteraction(_ request: ParsedAuthorizationRequest, client: ClientPolicy, service: ServicePolicy) async throws
        -> AuthorizationResponse
    {
        let ticket = Secrets.token()
        try await keep(request, as: .authorization, under: ticket, for: service.ticketDuration, service: service)
        let noInteraction = request.prompts == ["none"]
        let result: ResultCode = noInteraction ? .authorizationNoInteraction : .authorizationInteraction
        return AuthorizationResponse(
            resultCode: result.code, resultMessage: result.message, action: noInteraction ? .noInteraction : .interaction,
            ticket: ticket, client: Self.summary(client.document), service: service.document, clientIdAliasUsed: request.clientIdAliasUsed,
            display: request.display.map { Display(rawValue: $0.uppercased()) }, maxAge: request.maxAge.map { Int32(clamping: $0) },
            scopes: request.scopes.map(service.scope(named:)),
            uiLocales: request.uiLocales.isEmpty ? nil : request.uiLocales,
            claimsLocales: request.claimsLocales.isEmpty ? nil : request.claimsLocales,
            claims: request.claimNames.isEmpty ? nil : request.claimNames, acrEssential: request.acrEssential,
            acrs: request.acrs.isEmpty ? nil : request.acrs, subject: request.subject, loginHint: request.loginHint,
            prompts: request.prompts.map { Prompt(rawValue: $0.uppercased()) },
            lowestPrompt: Prompt(rawValue: (request.prompts.first ?? "consent").uppercased()),
            idTokenClaims: request.idTokenClaims, userInfoClaims: request.userInfoClaims,
            resources: request.resources.isEmpty ? nil : request.resources,
            claimsAtUserInfo: Self.claimNames(request.userInfoClaims),
            authorizationDetails: RichAuthorization.wire(request.authorizationDetails.flatMap { try? JSONValue(parsing: $0) }?.arrayValue),
            requestObjectPayload: request.requestObjectPayload)
    }

    public func authorizationFail(_ input: Operations.AuthorizationFail.Input) async throws -> Operations.AuthorizationFail.Output {
        let service = try await servicePolicy(input.path.serviceId, input.credentials)
        guard let request = try await consumeAuthorizationTicket(input.body.ticket, serviceApiKey: service.apiKey),
            let client = try await clients.client(id: request.clientId, serviceApiKey: service.apiKey)
        else {
            return .ok(
                AuthorizationFailResponse(
                    resultCode: ResultCode.ticketUnknown.code, resultMessage: ResultCode.ticketUnknown.message, action: .badRequest,
                    responseContent: OAuthError.invalidRequest("The ticket is unknown, already used or expired.").jsonBody()))
        }
        let error = OAuthError(
            Self.oauthError(for: input.body.reason), input.body.description ?? "The authorization request was refused.", .authorizationFailed)
        let redirection = Redirection(for: request, client: client)
        var members = [("error", error.error)]
        if !service.omitsErrorDescriptions {
            // A description the front end chose is passed on as it is.
            members.append(("error_description", input.body.description ?? "[\(error.result.code)] \(error.description)"))
        }
        let delivery = try await deliver(members, to: redirection, service: service)
        return .ok(
            AuthorizationFailResponse(
                resultCode: ResultCode.authorizationFailed.code, resultMessage: ResultCode.authorizationFailed.message,
                action: delivery.isForm ? .form : .location, responseContent: delivery.content))
    }

    /// The parsed request a ticket carries, once: a ticket is removed when it is used.
    func consumeAuthorizationTicket(_ ticket: String, serviceApiKey: Int64) async throws -> ParsedAuthorizationRequest? {
        guard let record = try await store.consumeTicket(hash: Secrets.hash(ticket), kind: .authorization, serviceApiKey: serviceApiKey, now: now())
        else { return nil }
        return try StoredJSON.decode(ParsedAuthorizationRequest.self, from: record.payload)
    }

    /// The names of a claims-parameter member (JSON text of an object), sorted; nil when it names none.
    static func claimNames(_ member: String?) -> [String]? {
        guard let member, case .object(let claims)? = try? JSONValue(parsing: member), !claims.isEmpty else { return nil }
        return claims.keys.sorted()
    }

    static func summary(_ client: OAuthClient) -> ClientSummary {
        ClientSummary(
            clientId: client.clientId ?? 0, clientIdAlias: client.clientIdAlias, clientName: client.clientName,
            description: client.description, logoUri: client.logoUri, clientUri: client.clientUri, policyUri: client.policyUri,
            tosUri: client.tosUri, clientType: client.clientType)
    }

    static func oauthError(for reason: AuthorizationFailReason) -> String {
        switch reason {
        case .unknownReason, .serverError, .unknown: "server_error"
        case .notLoggedIn, .maxAgeNotSupported, .exceedsMaxAge, .differentSubject, .notAuthenticated: "login_required"
        case .acrNotSatisfied: "unmet_authentication_requirements"
        case .denied: "access_denied"
        case .accountSelectionRequired: "account_selection_required"
        case .consentRequired: "consent_required"
        case .interactionRequired: "interaction_required"
        case .invalidTarget: "invalid_target"
        case .invalidScope: "invalid_scope"
        case .unauthorizedClient: "unauthorized_client"
        case .temporarilyUnavailable: "temporarily_unavailable"
        }
    }
}

extension AuthorizationDelivery {
    var isForm: Bool {
        if case .form = self { return true }
        return false
    }

    var content: String {
        switch self {
        case .location(let url), .form(let url): url
        }
    }
}

extension WarrantEngine {
    public func authorizationIssue(_ input: Operations.AuthorizationIssue.Input) async throws -> Operations.AuthorizationIssue.Output {
        let service = try await servicePolicy(input.path.serviceId, input.credentials)
        let body = input.body
        // Before the ticket is used up: a value that is taken must not cost the user their login.
        try await ChosenValues.requireUnused(body.accessToken, in: store)
        // Nor may details the user cannot be granted: checked against the ticket's client, which stays usable.
        if let granted = body.authorizationDetails,
            let record = try await store.ticket(hash: Secrets.hash(body.ticket), kind: .authorization, serviceApiKey: service.apiKey, now: now()),
            let peeked = try? StoredJSON.decode(ParsedAuthorizationRequest.self, from: record.payload),
            let client = try await clients.client(id: peeked.clientId, serviceApiKey: service.apiKey),
            case .failure(let error) = RichAuthorization.check(granted.elements, service: service, client: client)
        {
            let result = ResultCode.authorizationDetailsRefused
            return .ok(
                AuthorizationIssueResponse(
                    resultCode: result.code, resultMessage: "[\(result.code)] \(error.description)", action: .badRequest,
                    responseContent: OAuthError("invalid_request", error.description, result).jsonBody()))
        }
        guard let request = try await consumeAuthorizationTicket(body.ticket, serviceApiKey: service.apiKey),
            let client = try await clients.client(id: request.clientId, serviceApiKey: service.apiKey)
        else {
            return .ok(
                AuthorizationIssueResponse(
                    resultCode: ResultCode.ticketUnknown.code, resultMessage: ResultCode.ticketUnknown.message, action: .badRequest,
                    responseContent: OAuthError.invalidRequest("The ticket is unknown, already used or expired.").jsonBody()))
        }
        let issued = try await AuthorizationIssuance(store: store, issuer: issuer).issue(body, for: request, service: service, client: client)
        let delivery = try await deliver(issued.parameters, to: Redirection(for: request, client: client), service: service)
        let tokens = issued.tokens
        return .ok(
            AuthorizationIssueResponse(
                resultCode: ResultCode.authorizationIssued.code, resultMessage: ResultCode.authorizationIssued.message,
                action: delivery.isForm ? .form : .location, responseContent: delivery.content, accessToken: tokens?.accessToken,
                accessTokenExpiresAt: tokens?.accessRecord.expiresAt, accessTokenDuration: tokens?.expiresIn, idToken: issued.idToken,
                authorizationCode: issued.code, jwtAccessToken: tokens?.jwtAccessToken,
                ticketInfo: request.context.map { AuthorizationTicketInfo(context: $0) }))
    }
}
