import Foundation
import SpecRuntime
import WarrantAPI
import WarrantStore

/// CIBA (OpenID Connect Client-Initiated Backchannel Authentication Core 1.0): /backchannel/authentication
/// checks the client's request and gives the front end a ticket to find the user by; /issue gives the client
/// its auth_req_id, or /fail its error; /complete records what the user decided and says what to notify. The
/// client's polls are ``DecoupledGrant`` at the token endpoint.
extension WarrantEngine {
    /// What /backchannel/authentication hands to /issue with the ticket.
    struct BackchannelTicket: Codable {
        var request: DecoupledAuthorization.Request
    }

    public func backchannelAuthentication(_ input: Operations.BackchannelAuthentication.Input) async throws
        -> Operations.BackchannelAuthentication.Output
    {
        let service = try await servicePolicy(input.path.serviceId, input.credentials)
        // The client, once authenticated, for the refusals after that.
        var identified: ClientAuthenticator.Authenticated?
        func refuse(_ error: OAuthError, _ action: BackchannelAuthenticationAction = .badRequest) -> Operations.BackchannelAuthentication.Output {
            let result: ResultCode = action == .unauthorized ? .backchannelUnauthorized : .backchannelInvalid
            return .ok(
                BackchannelAuthenticationResponse(
                    resultCode: result.code, resultMessage: "[\(result.code)] \(error.description)", action: action,
                    responseContent: OAuthError(error.error, error.description, result).jsonBody(omitDescription: service.omitsErrorDescriptions),
                    clientId: identified?.client.clientId, clientIdAlias: identified?.client.alias, clientIdAliasUsed: identified?.aliasUsed,
                    clientName: identified?.client.document.clientName, clientAuthMethod: identified?.client.tokenAuthMethod))
        }
        let call: ClientCall
        switch try await authenticatedCall(
            input.body.parameters, clientId: input.body.clientId, clientSecret: input.body.clientSecret, certificate: input.body.clientCertificate,
            path: input.body.clientCertificatePath, audiences: [service.backchannel.endpoint].compactMap { $0 }, service: service)
        {
        case .failure(let refusal): return refuse(refusal.error, refusal.unauthorized ? .unauthorized : .badRequest)
        case .success(let authenticated): call = authenticated
        }
        let (pairs, form, client) = (call.pairs, call.form, call.client)
        identified = client
        let policy = client.client
        // CIBA §4: the client authenticates, so a public one cannot use it.
        guard !policy.isPublic else { return refuse(.unauthorizedClient("CIBA is for confidential clients, which authenticate.")) }
        guard service.grantTypes.contains(.ciba), policy.grantTypes.contains(.ciba) else {
            return refuse(.unauthorizedClient("The service or the client does not allow CIBA."))
        }
        guard let mode = policy.document.bcDeliveryMode, service.backchannel.deliveryModes.contains(mode) else {
            return refuse(.unauthorizedClient("The client's delivery mode (bcDeliveryMode) is not one the service offers."))
        }
        // Pushed tokens are issued with no DPoP proof or certificate to bind them to.
        if mode == "push", policy.dpopRequired || policy.certificateBoundTokens || service.certificateBoundTokens || service.fapi(for: policy).security {
            return refuse(.unauthorizedClient("Push mode cannot bind tokens to a DPoP key or a certificate; the client must poll or be pinged."))
        }

        // CIBA §7.1.1: a signed request carries every parameter, and nothing else comes beside it.
        var parameters = form
        var signedResources: [String]?
        let signedAlgorithm = policy.document.bcRequestSignAlg?.rawValue
        var requestContext: String?
        if let jwt = form["request"] {
            let authentication: Set<String> = ["client_id", "client_secret", "client_assertion", "client_assertion_type", "request"]
            if let other = form.keys.sorted().first(where: { !authentication.contains($0) }) {
                return refuse(.invalidRequest("A signed request carries every parameter; '\(other)' must not come beside it."))
            }
            let claims: [String: JSONValue]
            switch await RequestObject.verify(jwt, client: policy, service: service, signer: signer, now: now(), registered: signedAlgorithm) {
            case .failure(let error): return refuse(error)
            case .success(let verified): claims = verified
            }
            for name in ["iss", "aud", "exp", "iat", "nbf", "jti"] where claims[name] == nil {
                return refuse(OAuthError("invalid_request", "The signed request lacks its \(name) claim (CIBA §7.1.1)."))
            }
            guard JSONClaims.audience(of: claims).contains(service.issuer) else {
                return refuse(OAuthError("invalid_request", "The signed request's aud must name the issuer."))
            }
            let skew = Bounds.milliseconds(fromSeconds: ClockSkew.seconds)
            guard let iat = claims["iat"].flatMap(JSONClaims.seconds), Bounds.milliseconds(fromSeconds: iat) <= now().saturatingAdding(skew),
                let exp = claims["exp"].flatMap(JSONClaims.seconds), let jti = claims["jti"]?.stringValue
            else { return refuse(OAuthError("invalid_request", "The signed request's iat, exp or jti is malformed, or iat is in the future.")) }
            // Used once: the replay record client assertions use, under a name of its own.
            guard
                try await store.recordAssertion(
                    hash: Secrets.hash("backchannel-request \(service.apiKey) \(policy.clientId) \(jti)"),
                    expiresAt: Bounds.milliseconds(fromSeconds: exp).saturatingAdding(skew), now: now())
            else { return refuse(OAuthError("invalid_request", "The signed request was used before (its jti).")) }
            parameters = [:]
            for (name, value) in claims where !RequestObject.envelopeClaims.contains(name) {
                if let text = RequestObject.parameterText(value) { parameters[name] = text }
            }
            if case .array(let items)? = claims["resource"] { signedResources = items.compactMap(\.stringValue) }
            requestContext = claims["request_context"].map(\.serializedString)
        } else if signedAlgorithm != nil {
            return refuse(.invalidRequest("The client registered bcRequestSignAlg: its requests must be signed (request)."))
        }

        var request = DecoupledAuthorization.Request(
            clientIdAliasUsed: client.aliasUsed, scopes: [], acrs: [], resources: [], authorizationDetails: nil, deliveryMode: mode)
        let warnings = request.take(scopes: parameters["scope"], acrValues: parameters["acr_values"], service: service, client: policy)
        // CIBA §7.1: an authentication request is an OpenID Connect one.
        guard request.scopes.contains("openid") else { return refuse(.invalidScope("scope must include openid.")) }

        let hints: [(UserIdentificationHintType, String)] = [
            (.loginHint, "login_hint"), (.loginHintToken, "login_hint_token"), (.idTokenHint, "id_token_hint"),
        ].compactMap { type, name in parameters[name].flatMap { $0.isEmpty ? nil : (type, $0) } }
        guard hints.count == 1, let (hintType, hint) = hints.first else {
            return refuse(.invalidRequest("Send exactly one of login_hint, login_hint_token and id_token_hint."))
        }
        var hintSubject: String?
        if hintType == .idTokenHint {
            // An ID token this service signed for this client (expired ones are fine, as OpenID Connect Core
            // §3.1.2.1 says of id_token_hint); not a JWT access token (RFC 9068's client_id and scope).
            let identifiers = Set([String(policy.clientId)] + (policy.alias.map { [$0] } ?? []))
            guard let claims = await signer.verifiedClaims(hint, serviceApiKey: service.apiKey), claims["iss"]?.stringValue == service.issuer,
                let subject = claims["sub"]?.stringValue, !JSONClaims.audience(of: claims).filter(identifiers.contains).isEmpty,
                claims["client_id"] == nil, claims["scope"] == nil
            else { return refuse(.invalidRequest("id_token_hint is not an ID token this service issued to the client.")) }
            hintSubject = subject
        }
        let bindingMessage = parameters["binding_message"]
        if let bindingMessage, bindingMessage.count > 256 {
            return refuse(OAuthError("invalid_binding_message", "binding_message may be 256 characters at most."))
        }
        let userCodeRequired = service.backchannel.userCodeSupported && policy.document.bcUserCodeRequired == true
        let userCode = parameters["user_code"].flatMap { $0.isEmpty ? nil : $0 }
        if userCodeRequired, userCode == nil { return refuse(OAuthError("missing_user_code", "The client's requests must carry user_code.")) }
        if let text = parameters["requested_expiry"] {
            guard let seconds = Int64(text), (1...86_400).contains(seconds) else {
                return refuse(.invalidRequest("requested_expiry must be a number of seconds from 1 to 86400."))
            }
            request.requestedExpiry = seconds
        }
        if mode != "poll" {
            guard let token = parameters["client_notification_token"], !token.isEmpty else {
                return refuse(.invalidRequest("client_notification_token is required in \(mode) mode."))
            }
            guard token.utf8.count <= 1024 else { return refuse(.invalidRequest("client_notification_token may be 1024 bytes at most.")) }
            request.notificationToken = token
        }
        request.resources =
            form["request"] == nil ? pairs.filter { $0.name == "resource" }.map(\.value) : signedResources ?? parameters["resource"].map { [$0] } ?? []
        if let bad = request.resources.first(where: { !URLRules.isResourceIndicator($0) }) {
            return refuse(OAuthError("invalid_target", "resource '\(bad)' must be an absolute URI without a fragment."))
        }
        if let text = parameters["authorization_details"] {
            switch RichAuthorization.parse(text, service: service, client: policy) {
            case .failure(let error): return refuse(error)
            case .success(let elements): request.authorizationDetails = JSONValue.array(elements).serializedString
            }
        }

        let ticket = Secrets.token()
        let time = now()
        try await store.insertTicket(
            TicketRecord(
                hash: Secrets.hash(ticket), kind: .backchannel, serviceApiKey: service.apiKey, clientId: policy.clientId,
                payload: try StoredJSON.encode(BackchannelTicket(request: request)), createdAt: time,
                expiresAt: Bounds.expiry(from: time, seconds: service.ticketDuration)))
        let result = ResultCode.backchannelUserIdentification
        return .ok(
            BackchannelAuthenticationResponse(
                resultCode: result.code, resultMessage: result.message, action: .userIdentification, ticket: ticket, clientId: policy.clientId,
                clientIdAlias: policy.alias, clientIdAliasUsed: client.aliasUsed, clientName: policy.document.clientName,
                clientAuthMethod: policy.tokenAuthMethod, deliveryMode: DeliveryMode(rawValue: mode.uppercased()),
                scopes: request.scopes.map(service.scope(named:)), claimNames: Self.claimNames(scopes: request.scopes),
                acrs: request.acrs.isEmpty ? nil : request.acrs, hintType: hintType, hint: hint, sub: hintSubject, bindingMessage: bindingMessage,
                userCode: userCode, userCodeRequired: userCodeRequired, requestedExpiry: request.requestedExpiry.map { Int32(clamping: $0) },
                clientNotificationToken: request.notificationToken, requestContext: requestContext,
                resources: request.resources.isEmpty ? nil : request.resources,
                authorizationDetails: RichAuthorization.wire(request.authorizationDetails.flatMap { try? JSONValue(parsing: $0) }?.arrayValue),
                warnings: warnings.isEmpty ? nil : warnings, serviceAttributes: service.document.attributes,
                clientAttributes: policy.document.attributes))
    }

    public func backchannelAuthenticationIssue(_ input: Operations.BackchannelAuthenticationIssue.Input) async throws
        -> Operations.BackchannelAuthenticationIssue.Output
    {
        let service = try await servicePolicy(input.path.serviceId, input.credentials)
        guard
            let ticket = try await store.consumeTicket(
                hash: Secrets.hash(input.body.ticket), kind: .backchannel, serviceApiKey: service.apiKey, now: now())
        else {
            let result = ResultCode.backchannelTicketUnknown
            return .ok(
                BackchannelAuthenticationIssueResponse(
                    resultCode: result.code, resultMessage: result.message, action: .invalidTicket,
                    responseContent: OAuthError("server_error", result.text, result).jsonBody()))
        }
        let request = try StoredJSON.decode(BackchannelTicket.self, from: ticket.payload).request
        let authReqId = DecoupledAuthorization.authReqId(ticket: input.body.ticket)
        let policy = service.backchannel
        let lifetime = min(request.requestedExpiry ?? policy.authReqIdDuration, policy.authReqIdDuration)
        let time = now()
        // The ticket stays the way to the record, for /complete.
        try await store.insertDecoupledAuthorization(
            DecoupledAuthorizationRecord(
                hash: Secrets.hash(authReqId), kind: .backchannel, lookupHash: ticket.hash, serviceApiKey: service.apiKey,
                clientId: ticket.clientId, payload: try DecoupledAuthorization(request: request).json(), interval: policy.interval,
                createdAt: time, expiresAt: Bounds.expiry(from: time, seconds: lifetime)))
        var content: [String: JSONValue] = ["auth_req_id": .string(authReqId), "expires_in": .integer(lifetime)]
        let polls = request.deliveryMode != "push"
        if polls { content["interval"] = .integer(policy.interval) }
        let result = ResultCode.backchannelIssued
        return .ok(
            BackchannelAuthenticationIssueResponse(
                resultCode: result.code, resultMessage: result.message, action: .ok, responseContent: JSONValue.object(content).serializedString,
                authReqId: authReqId, expiresIn: Int32(clamping: lifetime), interval: polls ? Int32(clamping: policy.interval) : nil))
    }

    public func backchannelAuthenticationFail(_ input: Operations.BackchannelAuthenticationFail.Input) async throws
        -> Operations.BackchannelAuthenticationFail.Output
    {
        let service = try await servicePolicy(input.path.serviceId, input.credentials)
        let body = input.body
        if let text = body.errorDescription, !DecoupledAuthorization.isErrorDescription(text) {
            throw APIFailure(400, ResultCode(ResultCode.malformedRequest.code, "errorDescription may hold printable ASCII only, without \" and \\."))
        }
        guard try await store.consumeTicket(hash: Secrets.hash(body.ticket), kind: .backchannel, serviceApiKey: service.apiKey, now: now()) != nil
        else {
            let result = ResultCode.backchannelTicketUnknown
            return .ok(
                BackchannelAuthenticationFailResponse(
                    resultCode: result.code, resultMessage: result.message, action: .internalServerError,
                    responseContent: OAuthError("server_error", result.text, result).jsonBody()))
        }
        let (error, action): (String, BackchannelAuthenticationFailAction) =
            switch body.reason {
            case .accessDenied: ("access_denied", .forbidden)
            case .expiredLoginHintToken: ("expired_login_hint_token", .badRequest)
            case .invalidBindingMessage: ("invalid_binding_message", .badRequest)
            case .invalidTarget: ("invalid_target", .badRequest)
            case .invalidUserCode: ("invalid_user_code", .badRequest)
            case .missingUserCode: ("missing_user_code", .badRequest)
            case .unauthorizedClient: ("unauthorized_client", .badRequest)
            case .unknownUserId: ("unknown_user_id", .badRequest)
            case .serverError, .unknown: ("server_error", .internalServerError)
            }
        let result = ResultCode.backchannelFailed
        var oauth = OAuthError(error, "The backchannel authentication request was refused (\(body.reason.rawValue)).", result)
        oauth.chosenDescription = body.errorDescription
        oauth.uri = body.errorUri?.absoluteString
        return .ok(
            BackchannelAuthenticationFailResponse(
                resultCode: result.code, resultMessage: result.message, action: action,
                responseContent: oauth.jsonBody(omitDescription: service.omitsErrorDescriptions && body.errorDescription == nil)))
    }

    public func backchannelAuthenticationComplete(_ input: Operations.BackchannelAuthenticationComplete.Input) async throws
        -> Operations.BackchannelAuthenticationComplete.Output
    {
        let service = try await servicePolicy(input.path.serviceId, input.credentials)
        let body = input.body
        func refuse(_ result: ResultCode, _ detail: String? = nil) -> Operations.BackchannelAuthenticationComplete.Output {
            .ok(
                BackchannelAuthenticationCompleteResponse(
                    resultCode: result.code, resultMessage: detail.map { "[\(result.code)] \($0)" } ?? result.message, action: .serverError))
        }
        let lookupHash = Secrets.hash(body.ticket)
        guard let record = try await store.decoupledAuthorization(lookupHash: lookupHash, kind: .backchannel, serviceApiKey: service.apiKey),
            record.state == .pending, record.expiresAt >= now(),
            let client = try await clients.client(id: record.clientId, serviceApiKey: service.apiKey)
        else { return refuse(.backchannelTicketUnknown) }
        var stored = try DecoupledAuthorization.decoded(record.payload)
        let request = stored.request
        let mode = request.deliveryMode ?? "poll"
        let authReqId = DecoupledAuthorization.authReqId(ticket: body.ticket)
        let state: DecoupledAuthorizationRecord.State
        switch DecoupledAuthorization.decided(body, request: request, client: client, service: service) {
        case .failure(let problem): return refuse(.backchannelDecisionInvalid, problem.text)
        case .success(let (decided, decision)): (state, stored.decision) = (decided, decision)
        }
        if state == .authorized {
            if let scopes = body.scopes, !scopes.contains("openid") {
                return refuse(.backchannelDecisionInvalid, "scopes must keep openid: CIBA issues ID tokens.")
            }
            // Tokens are issued here only in push mode; elsewhere the poll issues them, with no value to choose.
            if body.accessToken != nil {
                guard mode == "push" else { return refuse(.backchannelDecisionInvalid, "accessToken may be chosen in push mode only.") }
                try await ChosenValues.requireUnused(body.accessToken, in: store)
            }
        }
        // Push mode's approval is decided with its tokens, in the transaction that stores them (below).
        let pushesTokens = mode == "push" && state == .authorized
        if !pushesTokens {
            guard
                try await store.decideDecoupledAuthorization(
                    lookupHash: lookupHash, kind: .backchannel, serviceApiKey: service.apiKey, state: state, payload: try stored.json(),
                    now: now())
            else { return refuse(.backchannelTicketUnknown) }
        }
        var response = BackchannelAuthenticationCompleteResponse(
            resultCode: ResultCode.backchannelRecorded.code, resultMessage: ResultCode.backchannelRecorded.message, action: .noAction,
            clientId: client.clientId, clientIdAlias: client.alias, clientIdAliasUsed: request.clientIdAliasUsed,
            clientName: client.document.clientName, deliveryMode: DeliveryMode(rawValue: mode.uppercased()),
            clientNotificationEndpoint: mode == "poll" ? nil : client.document.bcNotificationEndpoint,
            clientNotificationToken: request.notificationToken, authReqId: authReqId,
            resources: request.resources.isEmpty ? nil : request.resources, serviceAttributes: service.document.attributes,
            clientAttributes: client.document.attributes)
        if mode == "poll" { return .ok(response) }
        response.action = .notification
        (response.resultCode, response.resultMessage) = (ResultCode.backchannelNotify.code, ResultCode.backchannelNotify.message)
        guard mode == "push" else {
            // Ping (CIBA §10.2): the client is told to come and poll.
            response.responseContent = JSONValue.object(["auth_req_id": .string(authReqId)]).serializedString
            return .ok(response)
        }
        // Push (CIBA §10.3): the tokens, or the error, go to the client in the notification.
        guard pushesTokens, let details = stored.decision?.details else {
            // The refusal the client would have polled for, with the auth_req_id (CIBA §12).
            let error = (stored.decision ?? .init()).error(for: state)
            var members = Dictionary(uniqueKeysWithValues: error.members(omitDescription: service.omitsErrorDescriptions).map { ($0, JSONValue.string($1)) })
            members["auth_req_id"] = .string(authReqId)
            response.responseContent = JSONValue.object(members).serializedString
            return .ok(response)
        }
        let grant = DecoupledGrant(store: store, issuer: issuer, kind: .backchannel)
        let issued = try await grant.issue(
            IssueRequest(
                service: service, client: client, grantId: nil, details: details, grantType: .ciba, accessTokenValue: body.accessToken,
                accessDuration: body.accessTokenDuration),
            granted: details, refreshTokenDuration: body.refreshTokenDuration, authReqId: authReqId)
        // Decided and stored at once: of two completions, one; a failure leaves the request pending.
        guard try await grant.redeem(hash: record.hash, issued, from: .pending, service: service) else { return refuse(.backchannelTicketUnknown) }
        let tokens = issued.tokens
        guard case .object(var content)? = try? JSONValue(parsing: TokenIssuer.responseBody(tokens, service: service)) else {
            throw APIFailure(500, .internalError)
        }
        content["auth_req_id"] = .string(authReqId)
        response.responseContent = JSONValue.object(content).serializedString
        response.accessToken = tokens.presentedAccessToken
        response.accessTokenExpiresAt = tokens.accessRecord.expiresAt
        response.accessTokenDuration = tokens.expiresIn
        response.refreshToken = tokens.refreshToken
        response.refreshTokenExpiresAt = tokens.refreshRecord?.expiresAt
        response.refreshTokenDuration = tokens.refreshExpiresIn
        response.idToken = tokens.idToken
        response.idTokenDuration = tokens.idToken == nil ? nil : service.idTokenLifetime(for: client)
        response.jwtAccessToken = tokens.jwtAccessToken
        response.authorizationDetails = RichAuthorization.wire(tokens.authorizationDetails)
        return .ok(response)
    }
}
