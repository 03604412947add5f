import Foundation
import SpecRuntime
import WarrantAPI
import WarrantStore

extension WarrantEngine {
    public func authorization(_ input: Operations.Authorization.Input) async throws -> Operations.Authorization.Output {
        let (_, record) = try await access.service(try serviceID(input.path.serviceId), input.credentials)
        let service = try apiService(from: record, result: nil)
        let parser = AuthorizationRequestParser(
            service: service,
            clientLookup: { try await self.client(named: $0, serviceApiKey: record.apiKey).map { ($0.client, $0.aliasUsed) } },
            idTokenHintSubject: { hint in
                // An ID token this service signed, for this issuer; expired ones are fine (OpenID Connect Core §3.1.2.1).
                guard let claims = await self.signer.verifiedClaims(hint, serviceApiKey: record.apiKey),
                    claims["iss"]?.stringValue == service.issuer?.absoluteString
                else { return nil }
                return claims["sub"]?.stringValue
            })
        switch try await parser.parse(input.body.parameters, context: input.body.context) {
        case .untrusted(let error):
            return .ok(
                AuthorizationResponse(
                    resultCode: ResultCode.authorizationRejected.code, resultMessage: "[\(ResultCode.authorizationRejected.code)] \(error.description)",
                    action: .badRequest, responseContent: error.jsonBody(omitDescription: service.errorDescriptionOmitted == true)))
        case .redirect(let error, let redirection):
            let delivery = AuthorizationDelivery.deliver(
                error.members(omitDescription: service.errorDescriptionOmitted == true), to: redirection, issuer: issuer(of: service))
            return .ok(
                AuthorizationResponse(
                    resultCode: error.result.code, resultMessage: "[\(error.result.code)] \(error.description)",
                    action: delivery.isForm ? .form : .location, responseContent: delivery.content))
        case .valid(let request, let client):
            let ticket = Secrets.token()
            let time = now()
            try await store.insertTicket(
                TicketRecord(
                    hash: Secrets.hash(ticket), kind: .authorization, serviceApiKey: record.apiKey, clientId: request.clientId,
                    payload: try Self.json(request), createdAt: time,
                    expiresAt: Bounds.expiry(from: time, seconds: service.authorizationResponseDuration ?? ServiceMetadata.defaultTicketDuration)))
            let noInteraction = request.prompts == ["none"]
            let result: ResultCode = noInteraction ? .authorizationNoInteraction : .authorizationInteraction
            return .ok(
                AuthorizationResponse(
                    resultCode: result.code, resultMessage: result.message, action: noInteraction ? .noInteraction : .interaction,
                    ticket: ticket, client: Self.summary(client), clientIdAliasUsed: request.clientIdAliasUsed,
                    display: request.display.map { Display(rawValue: $0.uppercased()) }, maxAge: request.maxAge.map { Int32(clamping: $0) },
                    scopes: request.scopes.map { name in (service.supportedScopes ?? []).first { $0.name == name } ?? Scope(name: name) },
                    uiLocales: request.uiLocales.isEmpty ? nil : request.uiLocales,
                    claimsLocales: request.claimsLocales.isEmpty ? nil : request.claimsLocales,
                    claims: request.claimNames.isEmpty ? nil : request.claimNames, acrEssential: request.acrEssential,
                    acrs: request.acrs.isEmpty ? nil : request.acrs, subject: request.subject, loginHint: request.loginHint,
                    prompts: request.prompts.map { Prompt(rawValue: $0.uppercased()) },
                    lowestPrompt: Prompt(rawValue: (request.prompts.first ?? "consent").uppercased()),
                    idTokenClaims: request.idTokenClaims, userInfoClaims: request.userInfoClaims,
                    resources: request.resources.isEmpty ? nil : request.resources))
        }
    }

    public func authorizationFail(_ input: Operations.AuthorizationFail.Input) async throws -> Operations.AuthorizationFail.Output {
        let (_, record) = try await access.service(try serviceID(input.path.serviceId), input.credentials)
        let service = try apiService(from: record, result: nil)
        guard let request = try await consumeAuthorizationTicket(input.body.ticket, serviceApiKey: record.apiKey) else {
            return .ok(
                AuthorizationFailResponse(
                    resultCode: ResultCode.ticketUnknown.code, resultMessage: ResultCode.ticketUnknown.message, action: .badRequest,
                    responseContent: OAuthError.invalidRequest("The ticket is unknown, already used or expired.").jsonBody()))
        }
        let error = OAuthError(
            Self.oauthError(for: input.body.reason), input.body.description ?? "The authorization request was refused.", .authorizationFailed)
        let redirection = Redirection(uri: request.redirectUri, mode: request.responseMode, state: request.state)
        var members = [("error", error.error)]
        if service.errorDescriptionOmitted != true {
            // A description the front end chose is passed on as it is.
            members.append(("error_description", input.body.description ?? "[\(error.result.code)] \(error.description)"))
        }
        let delivery = AuthorizationDelivery.deliver(members, to: redirection, issuer: issuer(of: service))
        return .ok(
            AuthorizationFailResponse(
                resultCode: ResultCode.authorizationFailed.code, resultMessage: ResultCode.authorizationFailed.message,
                action: delivery.isForm ? .form : .location, responseContent: delivery.content))
    }

    /// The parsed request a ticket carries, once: a ticket is removed when it is used.
    func consumeAuthorizationTicket(_ ticket: String, serviceApiKey: Int64) async throws -> ParsedAuthorizationRequest? {
        guard let record = try await store.consumeTicket(hash: Secrets.hash(ticket), kind: .authorization, serviceApiKey: serviceApiKey, now: now())
        else { return nil }
        return try JSONDecoder().decode(ParsedAuthorizationRequest.self, from: Data(record.payload.utf8))
    }

    /// The iss authorization response parameter (RFC 9207), unless the service turned it off.
    func issuer(of service: Service) -> String? {
        service.issSuppressed == true ? nil : service.issuer?.absoluteString
    }

    /// A client of the service by numeric ID or alias, with whether the alias was used.
    func client(named identifier: String, serviceApiKey: Int64) async throws -> (client: OAuthClient, record: ClientRecord, aliasUsed: Bool)? {
        guard let (record, aliasUsed) = try await clientRecord(named: identifier, serviceApiKey: serviceApiKey) else { return nil }
        return (try apiClient(from: record, result: nil), record, aliasUsed)
    }

    /// The stored client named by its numeric ID or, failing that, its alias.
    func clientRecord(named identifier: String, serviceApiKey: Int64) async throws -> (record: ClientRecord, aliasUsed: Bool)? {
        if let numeric = Int64(identifier), let record = try await store.client(serviceApiKey: serviceApiKey, clientId: numeric) {
            return (record, false)
        }
        if let record = try await store.client(serviceApiKey: serviceApiKey, alias: identifier) { return (record, true) }
        return nil
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

    static func json(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return String(decoding: try encoder.encode(value), as: UTF8.self)
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
