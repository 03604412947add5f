import SpecRuntime
import WarrantAPI
import WarrantStore

extension WarrantEngine {
    /// RFC 9126: the client authenticates as at the token endpoint, the request is checked as the authorization
    /// endpoint would check it (every error answered to the client), and kept for one use by that client.
    public func pushedAuthReq(_ input: Operations.PushedAuthReq.Input) async throws -> Operations.PushedAuthReq.Output {
        let service = try await servicePolicy(input.path.serviceId, input.credentials)
        // The DPoP nonce every answer carries once the proof was checked, when nonces are required.
        var nonce: String?
        func refuse(_ error: OAuthError, _ action: PushedAuthReqAction, method: ClientAuthMethod? = nil) -> Operations.PushedAuthReq.Output {
            let result: ResultCode = action == .unauthorized ? .pushedRequestUnauthorized : .pushedRequestInvalid
            let answered = OAuthError(error.error, error.description, result)
            return .ok(
                PushedAuthReqResponse(
                    resultCode: result.code, resultMessage: "[\(result.code)] \(error.description)", action: action,
                    responseContent: answered.jsonBody(omitDescription: service.omitsErrorDescriptions), clientAuthMethod: method,
                    dpopNonce: nonce))
        }
        let pairs: [(name: String, value: String)]
        do {
            pairs = try FormEncoding.pairs(from: input.body.parameters)
        } catch {
            return refuse(.invalidRequest("The parameters are malformed: \(error.description)."), .badRequest)
        }
        // The credentials as sent; a parameter sent twice is refused by the request's own checks below.
        var form: [String: String] = [:]
        for (name, value) in pairs where form[name] == nil { form[name] = value }
        let certificate: ClientCertificate.Presented?
        switch ClientCertificate.Presented.parse(input.body.clientCertificate, path: input.body.clientCertificatePath) {
        case .failure(let error): return refuse(error, .badRequest)
        case .success(let presented): certificate = presented
        }
        let authenticated: ClientAuthenticator.Authenticated
        switch try await authenticator(for: service, audiences: service.pushedRequestAudiences, methods: service.tokenAuthMethods)
            .authenticate(form: form, basicId: input.body.clientId, basicSecret: input.body.clientSecret, certificate: certificate)
        {
        case .failure(let error): return refuse(error, error.isInvalidClient ? .unauthorized : .badRequest)
        case .success(let client): authenticated = client
        }
        let method = authenticated.client.tokenAuthMethod
        // RFC 9449 §10.1: a proof with the push binds the code to its key.
        let proof = try await dpop.check(
            .init(
                proof: input.body.dpop, method: input.body.htm ?? "POST", url: input.body.htu?.absoluteString ?? service.pushedRequestEndpoint,
                nonceRequired: input.body.dpopNonceRequired,
                algorithms: service.fapi(for: authenticated.client).security ? FAPIRules.algorithms : DPoPProof.algorithms),
            service: service)
        nonce = proof.nonce
        let key: DPoPProof.Verified?
        switch proof.result {
        case .failure(let refusal): return refuse(OAuthError(refusal.error, refusal.description), .badRequest, method: method)
        case .success(let verified): key = verified
        }
        switch try await authorizationParser(for: service, pushedBy: authenticated.client).parse(input.body.parameters, context: nil) {
        case .untrusted(let error), .redirect(let error, _):
            return refuse(error, .badRequest, method: method)
        case .valid(var request, _):
            if let key {
                guard request.dpopJkt == nil || request.dpopJkt == key.jkt else {
                    return refuse(OAuthError("invalid_dpop_proof", "dpop_jkt is not the thumbprint of the DPoP proof's key."), .badRequest, method: method)
                }
                request.dpopJkt = key.jkt
            }
            let requestUri = PushedRequest.uriPrefix + Secrets.token()
            try await keep(request, as: .pushed, under: requestUri, for: service.pushedRequestDuration, service: service)
            let content = JSONValue.object([
                "request_uri": .string(requestUri), "expires_in": .integer(service.pushedRequestDuration),
            ])
            let result = ResultCode.pushedRequestCreated
            return .ok(
                PushedAuthReqResponse(
                    resultCode: result.code, resultMessage: result.message, action: .created, responseContent: content.serializedString,
                    requestUri: requestUri, clientAuthMethod: method, dpopNonce: nonce))
        }
    }

    /// The pushed request an authorization request refers to, taken for its one use; an error answered to the
    /// user (nothing is trusted to redirect to) otherwise.
    func pushedRequest(_ reference: PushedRequest.Reference, service: ServicePolicy) async throws
        -> Result<(ParsedAuthorizationRequest, ClientPolicy), OAuthError>
    {
        func rejected(_ description: String) -> OAuthError { OAuthError("invalid_request", description, .authorizationRejected) }
        guard reference.clientIds.count == 1, let clientIdText = reference.clientIds.first, !clientIdText.isEmpty else {
            return .failure(rejected(reference.clientIds.count > 1 ? "client_id must not be repeated." : "client_id is missing."))
        }
        let unknown = OAuthError("invalid_request_uri", ResultCode.requestUriUnknown.text, .requestUriUnknown)
        let hash = Secrets.hash(reference.requestUri)
        // Another client's request_uri is answered as an unknown one, and stays usable by its own client.
        guard let pushed = try await store.ticket(hash: hash, kind: .pushed, serviceApiKey: service.apiKey, now: now()),
            let (client, aliasUsed) = try await clients.client(named: clientIdText, serviceApiKey: service.apiKey),
            client.clientId == pushed.clientId
        else { return .failure(unknown) }
        if client.locked { return .failure(rejected("The client is locked.")) }
        var request = try StoredJSON.decode(ParsedAuthorizationRequest.self, from: pushed.payload)
        // The service or client may have come to require request objects since the push.
        if request.requestObjectPayload == nil, service.requestObjectRequired || client.requestObjectRequired || service.fapi(for: client).signedRequests {
            return .failure(rejected("Authorization requests must be signed request objects; push one."))
        }
        // The client's registration may have changed since the push.
        guard RedirectMatching.matches(request.redirectUri, registered: client.redirectUris, loopbackPortsVary: client.isNative || service.loopbackPortsVary)
        else { return .failure(rejected("redirect_uri is no longer one of the client's registered redirect URIs.")) }
        // Used once: of two requests with one request_uri, only the one whose statement removes it goes on.
        guard try await store.consumeTicket(hash: hash, kind: .pushed, serviceApiKey: service.apiKey, now: now()) != nil else {
            return .failure(unknown)
        }
        request.clientIdAliasUsed = aliasUsed
        return .success((request, client))
    }
}
