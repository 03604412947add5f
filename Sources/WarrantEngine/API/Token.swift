import SpecRuntime
import WarrantAPI
import WarrantStore

extension WarrantEngine {
    public func authToken(_ input: Operations.AuthToken.Input) async throws -> Operations.AuthToken.Output {
        let service = try await servicePolicy(input.path.serviceId, input.credentials)
        func fail(_ error: OAuthError, action: TokenAction = .badRequest) -> Operations.AuthToken.Output {
            .ok(TokenAnswer.failure(error, service: service, action: action))
        }
        let pairs: [(name: String, value: String)]
        do {
            pairs = try FormEncoding.pairs(from: input.body.parameters)
        } catch {
            return fail(.invalidRequest("The parameters are malformed: \(error.description)."))
        }
        var form: [String: String] = [:]
        for (name, value) in pairs {
            if form[name] != nil, name != "resource", name != "audience" {
                return fail(.invalidRequest("The parameter '\(name)' must not be repeated."))
            }
            form[name] = value
        }
        // Token exchange may come from clients warrant cannot identify; it authenticates on its own terms.
        if form["grant_type"] == ProtocolValues.grantType(.tokenExchange) {
            return .ok(try await exchangeThroughTokenEndpoint(input.body, pairs: pairs, form: form, service: service))
        }
        // RFC 8707 §2: each resource an absolute URI without a fragment.
        let resources = pairs.filter { $0.name == "resource" }.map(\.value)
        if let bad = resources.first(where: { !URLRules.isResourceIndicator($0) }) {
            return fail(OAuthError("invalid_target", "resource '\(bad)' must be an absolute URI without a fragment."))
        }
        // The JWT bearer grant may come from clients that do not identify themselves (RFC 7523 §3.1).
        let jwtBearer = form["grant_type"] == ProtocolValues.grantType(.jwtBearer)
        if jwtBearer, !TokenExchange.Credentials(form: form, basicId: input.body.clientId, basicSecret: input.body.clientSecret).identifiesClient,
            input.body.clientCertificate == nil
        {
            guard service.grantTypes.contains(.jwtBearer) else { return fail(.unsupportedGrantType("The service does not support the JWT bearer grant.")) }
            if service.jwtGrant.identifiableClientsOnly || service.jwtGrant.direct || FAPIRules(service.document.fapiModes ?? []).security {
                return fail(.invalidClient("The JWT bearer grant needs a client that identifies itself."), action: .invalidClient)
            }
            switch jwtBearerGrant.examine(form["assertion"], service: service) {
            case .failure(let error): return fail(error)
            case .success: return .ok(JWTBearerGrant.delegated(assertion: form["assertion"] ?? "", client: nil, form: form, resources: resources))
            }
        }
        let certificate: ClientCertificate.Presented?
        switch ClientCertificate.Presented.parse(input.body.clientCertificate, path: input.body.clientCertificatePath) {
        case .failure(let error): return fail(error)
        case .success(let presented): certificate = presented
        }
        let client: ClientAuthenticator.Authenticated
        switch try await authenticator(for: service, audiences: service.tokenEndpointAudiences, methods: service.tokenAuthMethods)
            .authenticate(form: form, basicId: input.body.clientId, basicSecret: input.body.clientSecret, certificate: certificate)
        {
        case .failure(let error): return fail(error, action: error.isInvalidClient ? .invalidClient : .badRequest)
        case .success(let authenticated): client = authenticated
        }
        guard let grantTypeText = form["grant_type"] else { return fail(.invalidRequest("grant_type is missing.")) }
        guard let grantType = ProtocolValues.grantType(named: grantTypeText), service.grantTypes.contains(grantType) else {
            return fail(.unsupportedGrantType("The grant type '\(grantTypeText)' is not supported."))
        }
        guard client.client.grantTypes.contains(grantType) else {
            return fail(.unauthorizedClient("The client may not use the grant type '\(grantTypeText)'."))
        }
        // DPoP (RFC 9449 §5): the proof is checked once the client is known; every answer after carries the nonce.
        let fapi = service.fapi(for: client.client)
        let proof = try await dpop.check(
            .init(
                proof: input.body.dpop, method: input.body.htm ?? "POST", url: input.body.htu?.absoluteString ?? service.tokenEndpoint,
                nonceRequired: input.body.dpopNonceRequired, algorithms: fapi.security ? FAPIRules.algorithms : DPoPProof.algorithms),
            service: service)
        let certificateBinding = client.client.certificateBoundTokens || service.certificateBoundTokens ? certificate?.leaf.thumbprint : nil
        var response: TokenResponse
        switch proof.result {
        case .failure(let refusal):
            response = TokenAnswer.failure(OAuthError(refusal.error, refusal.description, refusal.result), service: service)
        case .success(nil) where client.client.dpopRequired:
            response = TokenAnswer.failure(
                OAuthError("invalid_dpop_proof", "The client must send a DPoP proof with its token requests.", .dpopProofMissing), service: service)
        case .success(nil) where fapi.security && certificateBinding == nil:
            response = TokenAnswer.failure(
                .invalidRequest("FAPI 2.0 requires sender-constrained tokens: send a DPoP proof, or use certificate-bound tokens over mutual TLS."),
                service: service)
        case .success where client.client.certificateBoundTokens && certificate == nil:
            response = TokenAnswer.failure(
                .invalidRequest("The client's access tokens are bound to its TLS certificate; the request carries none."), service: service)
        case .success(let verified):
            var request = TokenGrantRequest(service: service, client: client, form: form, call: input.body, dpop: verified)
            request.resources = resources
            request.certificate = certificateBinding
            switch grantType {
            case .authorizationCode: response = try await CodeGrant(store: store, issuer: issuer, logger: logger).run(request)
            case .refreshToken: response = try await RefreshGrant(store: store, issuer: issuer, logger: logger).run(request)
            case .clientCredentials: response = try await ClientCredentialsGrant(store: store, issuer: issuer).run(request)
            case .deviceCode: response = try await DecoupledGrant(store: store, issuer: issuer, kind: .device).run(request)
            case .ciba: response = try await DecoupledGrant(store: store, issuer: issuer, kind: .backchannel).run(request)
            case .password where fapi.security:
                // FAPI 2.0 §5.3.2.1: no resource owner password credentials.
                response = TokenAnswer.failure(.unauthorizedClient("FAPI 2.0 does not allow the password grant."), service: service)
            case .password: response = try await PasswordGrant(store: store, issuer: issuer).run(request)
            case .jwtBearer:
                switch jwtBearerGrant.examine(form["assertion"], service: service) {
                case .failure(let error): response = TokenAnswer.failure(error, service: service)
                case .success(.signed(let claims)) where service.jwtGrant.direct:
                    response = try await jwtBearerGrant.issue(request, assertion: form["assertion"] ?? "", claims: claims)
                case .success where verified != nil || request.certificate != nil || client.client.dpopRequired || client.client.certificateBoundTokens:
                    // The front end issues with /auth/token/create, which would not know the key or certificate to bind to.
                    response = TokenAnswer.failure(
                        .invalidRequest("Sender-constrained JWT bearer grants are decided by warrant only; the service needs jwtGrantDirect."),
                        service: service)
                case .success: response = JWTBearerGrant.delegated(assertion: form["assertion"] ?? "", client: client, form: form, resources: resources)
                }
            default: return fail(.unsupportedGrantType("The grant type '\(grantTypeText)' is not supported yet."))
            }
        }
        response.dpopNonce = proof.nonce
        return .ok(response)
    }

    public func tokenIssue(_ input: Operations.TokenIssue.Input) async throws -> Operations.TokenIssue.Output {
        let service = try await servicePolicy(input.path.serviceId, input.credentials)
        return .ok(try await PasswordGrant(store: store, issuer: issuer).issue(input.body, service: service, clients: clients))
    }

    public func tokenFail(_ input: Operations.TokenFail.Input) async throws -> Operations.TokenFail.Output {
        let service = try await servicePolicy(input.path.serviceId, input.credentials)
        guard
            try await store.consumeTicket(hash: Secrets.hash(input.body.ticket), kind: .password, serviceApiKey: service.apiKey, now: now())
                != nil
        else {
            return .ok(
                TokenFailResponse(
                    resultCode: ResultCode.ticketUnknown.code, resultMessage: ResultCode.ticketUnknown.message, action: .internalServerError,
                    responseContent: OAuthError("server_error", "The ticket is unknown, already used or expired.", .ticketUnknown).jsonBody()))
        }
        // Authlete answers invalid_request for wrong credentials; RFC 6749 §5.2 would say invalid_grant.
        let error: OAuthError =
            switch input.body.reason {
            case .invalidResourceOwnerCredentials:
                OAuthError("invalid_request", "The resource owner's credentials are wrong.", .passwordGrantRefused)
            case .invalidTarget: OAuthError("invalid_target", "The requested resource is not acceptable.", .passwordGrantRefused)
            default: OAuthError("server_error", "The password grant failed.", .passwordGrantRefused)
            }
        return .ok(
            TokenFailResponse(
                resultCode: ResultCode.passwordGrantRefused.code, resultMessage: ResultCode.passwordGrantRefused.message, action: .badRequest,
                responseContent: error.jsonBody()))
    }
}

/// OAuth 2.0 Token Exchange (RFC 8693), for form requests through /auth/token and JSON requests through
/// /auth/token/exchange: one flow (``TokenExchange``), checked against the spec's `IssueSpec`.
extension WarrantEngine {
    /// The JSON form: always decided by warrant, so the service must exchange directly.
    public func tokenExchange(_ input: Operations.TokenExchange.Input) async throws -> Operations.TokenExchange.Output {
        let service = try await servicePolicy(input.path.serviceId, input.credentials)
        let spec = input.body
        let credentials = TokenExchange.Credentials(
            form: [
                "client_id": spec.clientId, "client_secret": spec.clientSecret, "client_assertion": spec.clientAssertion,
                "client_assertion_type": spec.clientAssertionType,
            ].compactMapValues { $0 }, json: true)
        let outcome: TokenExchange.Outcome
        if !service.tokenExchange.direct {
            outcome = .refused(
                .unsupportedGrantType("The service does not exchange tokens directly; send the request through /auth/token."),
                invalidClient: false)
        } else {
            outcome = try await tokenExchange.exchange(spec, credentials: credentials, service: service)
        }
        switch outcome {
        case .issued(let body, _):
            return .ok(body)
        case .refused(let error, _):
            let omit = service.omitsErrorDescriptions
            return .badRequest(
                TokenExchangeError(error: error.error, errorDescription: omit ? nil : "[\(error.result.code)] \(error.description)"))
        case .delegated:
            // A direct exchange always decides; reaching this is a bug.
            throw APIFailure(500, .internalError)
        }
    }

    /// The form sent to the token endpoint (parsed there into `pairs`), decoded and checked as an `IssueSpec`.
    func exchangeThroughTokenEndpoint(
        _ request: TokenRequest, pairs: [(name: String, value: String)], form: [String: String], service: ServicePolicy
    ) async throws -> TokenResponse {
        var violations = Violations(valuesAreText: true)
        let object = FormEncoding.object(from: pairs)
        let spec = IssueSpec(json: object, at: .root, violations: &violations)
        spec?.validate(at: .root, violations: &violations)
        guard let spec, violations.isEmpty else {
            let problems = violations.list.map { "\($0.path.dropFirst()): \($0.message)" }.joined(separator: "; ")
            return TokenAnswer.failure(.invalidRequest("The token exchange request is invalid: \(problems)."), service: service)
        }
        let credentials = TokenExchange.Credentials(form: form, basicId: request.clientId, basicSecret: request.clientSecret)
        switch try await tokenExchange.exchange(spec, credentials: credentials, service: service) {
        case .delegated(let response), .issued(_, let response): return response
        case .refused(let error, let invalidClient): return TokenAnswer.failure(error, service: service, action: invalidClient ? .invalidClient : .badRequest)
        }
    }

    var jwtBearerGrant: JWTBearerGrant { JWTBearerGrant(store: store, issuer: issuer, signer: signer) }

    var tokenExchange: TokenExchange {
        TokenExchange(store: store, issuer: issuer, signer: signer, clients: clients, presented: presented)
    }
}
