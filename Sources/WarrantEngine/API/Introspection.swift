import Foundation
import SpecRuntime
import WarrantAPI
import WarrantStore

extension WarrantEngine {
    /// Authlete's introspection for resource servers: can this access token be used for this request?
    public func introspection(_ input: Operations.Introspection.Input) async throws -> Operations.Introspection.Output {
        let service = try await servicePolicy(input.path.serviceId, input.credentials)
        let body = input.body
        func refused(_ action: IntrospectionAction, _ error: String, _ result: ResultCode, scope: [String] = []) -> Operations.Introspection.Output {
            .ok(
                IntrospectionResponse(
                    resultCode: result.code, resultMessage: result.message, action: action,
                    responseContent: BearerChallenge.value(error, result, scope: scope), existent: false, usable: false, sufficient: false,
                    refreshable: false))
        }
        guard let value = body.token, !value.isEmpty else { return refused(.badRequest, "invalid_request", .introspectionTokenMissing) }
        let token: PresentedAccessToken
        switch try await presented.accessToken(value, serviceApiKey: service.apiKey) {
        case .unknown: return refused(.unauthorized, "invalid_token", .tokenUnknown)
        case .revoked: return refused(.unauthorized, "invalid_token", .tokenRevoked)
        case .expired: return refused(.unauthorized, "invalid_token", .tokenExpired)
        case .live(let found): token = found
        }
        let proof = try await resourceProof(
            for: token, value: value,
            .init(proof: body.dpop, method: body.htm ?? "GET", url: body.htu?.absoluteString, nonceRequired: body.dpopNonceRequired),
            certificate: body.clientCertificate, service: service)
        if let refusal = proof.refusal {
            var response = IntrospectionResponse(
                resultCode: refusal.result.code, resultMessage: "[\(refusal.result.code)] \(refusal.description)", action: .unauthorized,
                responseContent: Self.challenge(refusal, token: token), existent: true, usable: false, sufficient: false, refreshable: false)
            response.dpopNonce = proof.nonce
            return .ok(response)
        }
        let details = token.details
        let scopes = ProtocolValues.words(token.record.scopes)
        let (client, aliasUsed) = try await presented.client(of: token.record.clientId, serviceApiKey: token.record.serviceApiKey, details: details)
        var refreshable = false
        if let hash = token.record.refreshTokenHash, let refresh = try await store.refreshToken(hash: hash) {
            refreshable = refresh.revokedAt == nil && refresh.rotatedAt == nil && refresh.expiresAt >= now()
        }
        var response = IntrospectionResponse(
            resultCode: ResultCode.tokenUsable.code, resultMessage: ResultCode.tokenUsable.message, action: .ok,
            clientId: token.record.clientId, clientIdAlias: client?.alias, clientIdAliasUsed: aliasUsed,
            expiresAt: token.record.expiresAt, subject: token.record.subject, scopes: scopes, existent: true, usable: true, sufficient: true,
            refreshable: refreshable, properties: StoredProperty.list(details.properties),
            resources: details.resources.isEmpty ? nil : details.resources, accessTokenResources: details.tokenAudience,
            grantType: details.grantType.map { GrantType(rawValue: $0) }, acr: details.acr, authTime: details.authTime,
            consentedClaims: details.consentedClaims, serviceAttributes: service.document.attributes, clientAttributes: client?.document.attributes,
            scopeDetails: scopes.map(service.scope(named:)), dpopNonce: proof.nonce,
            authorizationDetails: RichAuthorization.wire(details.authorizationDetails), certificateThumbprint: details.certificateThumbprint)

        // What the resource requires; the first shortfall decides the challenge.
        let shortfall: (ResultCode, String, [String])? = {
            if let required = body.scopes, !required.isEmpty, !Set(required).isSubset(of: scopes) {
                return (.tokenInsufficient, "insufficient_scope", required)
            }
            if let subject = body.subject, !subject.isEmpty, subject != token.record.subject {
                return (ResultCode(ResultCode.tokenInsufficient.code, "The access token was issued for another subject."), "insufficient_scope", [])
            }
            if let resources = body.resources, !resources.isEmpty, !Set(resources).isSubset(of: details.tokenAudience) {
                return (ResultCode(ResultCode.tokenInsufficient.code, "The access token is not meant for this resource."), "insufficient_scope", [])
            }
            if let acrs = body.acrValues, !acrs.isEmpty, !acrs.contains(details.acr ?? "") {
                return (ResultCode(ResultCode.tokenInsufficient.code, "The user's authentication does not meet the required acr."), "insufficient_scope", [])
            }
            if let maxAge = body.maxAge, maxAge > 0, (details.authTime ?? 0).saturatingAdding(maxAge) < now() / 1000 {
                return (ResultCode(ResultCode.tokenInsufficient.code, "The user authenticated too long ago."), "insufficient_scope", [])
            }
            return nil
        }()
        if let (result, error, scope) = shortfall {
            response.action = .forbidden
            response.resultCode = result.code
            response.resultMessage = result.message
            response.responseContent =
                details.dpopJkt == nil ? BearerChallenge.value(error, result, scope: scope) : DPoPChallenge.value(error, result, scope: scope)
            response.sufficient = false
        }
        return .ok(response)
    }

    /// The DPoP checks of a resource request (introspection, UserInfo): a proof that is sent must pass, with
    /// `ath` for the token presented; a token bound to a key needs a proof by that key (RFC 9449 §7).
    func resourceProof(
        for token: PresentedAccessToken, value: String, _ call: DPoPVerifier.Presented, certificate: String?, service: ServicePolicy
    ) async throws -> (refusal: DPoPProof.Refusal?, nonce: String?) {
        // RFC 8705 §3: a certificate-bound token is used only over TLS with that certificate.
        if let bound = token.details.certificateThumbprint, certificate.flatMap(ClientCertificate.init(pem:))?.thumbprint != bound {
            let refusal = DPoPProof.Refusal(
                error: "invalid_token", description: "The access token is bound to a TLS client certificate that the request does not carry.",
                result: .certificateMismatch)
            return (refusal, nil)
        }
        var request = call
        request.accessToken = value
        let outcome = try await dpop.check(request, service: service)
        switch outcome.result {
        case .failure(let refusal):
            return (refusal, outcome.nonce)
        case .success(let verified):
            guard let bound = token.details.dpopJkt else { return (nil, outcome.nonce) }
            guard let verified else {
                return (
                    DPoPProof.Refusal(
                        error: "invalid_token", description: "The access token is DPoP-bound; present it with a DPoP proof.", result: .dpopProofMissing),
                    outcome.nonce
                )
            }
            // RFC 9449 §7.1: a good proof by another key is a token problem (the binding), not a proof problem.
            let mismatch = DPoPProof.Refusal(
                error: "invalid_token", description: "The DPoP proof is not by the key the access token is bound to.", result: .dpopProofInvalid)
            return (verified.jkt == bound ? nil : mismatch, outcome.nonce)
        }
    }

    /// The WWW-Authenticate value of a refused resource request: the DPoP scheme for DPoP-bound tokens and
    /// proof problems, Bearer for a certificate-bound bearer token.
    static func challenge(_ refusal: DPoPProof.Refusal, token: PresentedAccessToken) -> String {
        refusal.result == .certificateMismatch && token.details.dpopJkt == nil
            ? BearerChallenge.value(refusal.error, ResultCode(refusal.result.code, refusal.description)) : DPoPChallenge.value(refusal)
    }

    /// RFC 7662: the introspection endpoint's JSON, `{"active":false}` for anything not live.
    public func standardIntrospection(_ input: Operations.StandardIntrospection.Input) async throws -> Operations.StandardIntrospection.Output {
        let service = try await servicePolicy(input.path.serviceId, input.credentials)
        let form = try? FormEncoding.pairs(from: input.body.parameters)
        let tokens = (form ?? []).filter { $0.name == "token" }.map(\.value)
        guard tokens.count == 1, let value = tokens.first, !value.isEmpty else {
            let problem = form == nil ? "The parameters are malformed." : "The request must have exactly one token parameter."
            let error = OAuthError("invalid_request", problem, .standardIntrospectionInvalid)
            return .ok(
                StandardIntrospectionResponse(
                    resultCode: error.result.code, resultMessage: "[\(error.result.code)] \(error.description)", action: .badRequest,
                    responseContent: error.jsonBody(omitDescription: service.omitsErrorDescriptions)))
        }
        // The hint orders the search; it is not trusted to restrict it (RFC 7662 §2.1).
        let refreshFirst = form?.first { $0.name == "token_type_hint" }?.value == "refresh_token"
        var members: [String: JSONValue]?
        for kind in refreshFirst ? ["refresh", "access"] : ["access", "refresh"] where members == nil {
            members = kind == "access"
                ? try await activeAccessToken(value, service: service, serviceApiKey: service.apiKey, hidden: input.body.withHiddenProperties == true)
                : try await activeRefreshToken(value, service: service, serviceApiKey: service.apiKey)
        }
        let result: ResultCode = members == nil ? .tokenInactive : .tokenActive
        return .ok(
            StandardIntrospectionResponse(
                resultCode: result.code, resultMessage: result.message, action: .ok,
                responseContent: JSONValue.object(members ?? ["active": false]).serializedString))
    }

    private func activeAccessToken(_ value: String, service: ServicePolicy, serviceApiKey: Int64, hidden: Bool) async throws -> [String: JSONValue]? {
        guard let token = try await presented.accessToken(value, serviceApiKey: serviceApiKey).live else { return nil }
        var members = Self.introspectionMembers(
            scopes: token.record.scopes, details: token.details, subject: token.record.subject, issuedAt: token.record.createdAt,
            expiresAt: token.record.expiresAt, service: service)
        members["token_type"] = .string(token.details.dpopJkt == nil ? "Bearer" : "DPoP")
        // RFC 9449 §6.2, RFC 8705 §3.2: the resource server learns what the token is bound to.
        if let confirmation = token.details.confirmation { members["cnf"] = confirmation }
        members["jti"] = .string(token.record.hash)
        for property in token.details.properties ?? [] where (hidden || !property.hidden) && members[property.key] == nil {
            members[property.key] = .string(property.value)
        }
        return members
    }

    private func activeRefreshToken(_ value: String, service: ServicePolicy, serviceApiKey: Int64) async throws -> [String: JSONValue]? {
        guard let refresh = try await presented.refreshToken(value, serviceApiKey: serviceApiKey).live,
            let grant = try await store.grant(id: refresh.grantId)
        else { return nil }
        return Self.introspectionMembers(
            scopes: refresh.scopes, details: try GrantDetails.decoded(grant.payload), subject: refresh.subject, issuedAt: refresh.createdAt,
            expiresAt: refresh.expiresAt, service: service)
    }

    private static func introspectionMembers(
        scopes: String, details: GrantDetails, subject: String?, issuedAt: Int64, expiresAt: Int64, service: ServicePolicy
    ) -> [String: JSONValue] {
        var members: [String: JSONValue] = [
            "active": true, "client_id": .string(details.clientIdentifier), "exp": .integer(expiresAt / 1000),
            "iat": .integer(issuedAt / 1000), "nbf": .integer(issuedAt / 1000),
        ]
        if !scopes.isEmpty { members["scope"] = .string(scopes) }
        if let subject {
            members["sub"] = .string(details.sub ?? subject)
            members["username"] = .string(preferredUsername(details) ?? subject)
        }
        let audience = details.tokenAudience
        members["aud"] = audience.count == 1 ? .string(audience[0]) : .array(audience.map(JSONValue.string))
        if !service.issuer.isEmpty { members["iss"] = .string(service.issuer) }
        if let act = details.act { members["act"] = act }
        if let elements = details.authorizationDetails { members["authorization_details"] = .array(elements) }
        return members
    }

    private static func preferredUsername(_ details: GrantDetails) -> String? {
        guard let claims = details.claims, case .object(let members)? = try? JSONValue(parsing: claims) else { return nil }
        return members["preferred_username"]?.stringValue
    }

}

extension WarrantEngine {
    /// RFC 7009 token revocation: the client authenticates; only its own tokens are revoked, and an unknown or
    /// foreign token gets the same OK, so the endpoint reveals nothing about other clients' tokens.
    public func revocation(_ input: Operations.Revocation.Input) async throws -> Operations.Revocation.Output {
        let service = try await servicePolicy(input.path.serviceId, input.credentials)
        let omit = service.omitsErrorDescriptions
        func failure(_ action: RevocationAction, _ error: OAuthError) -> Operations.Revocation.Output {
            .ok(
                RevocationResponse(
                    resultCode: error.result.code, resultMessage: "[\(error.result.code)] \(error.description)", action: action,
                    responseContent: error.jsonBody(omitDescription: omit)))
        }
        let pairs: [(name: String, value: String)]
        do {
            pairs = try FormEncoding.pairs(from: input.body.parameters)
        } catch {
            return failure(.badRequest, OAuthError("invalid_request", "The parameters are malformed: \(error.description).", .revocationInvalid))
        }
        var form: [String: String] = [:]
        for (name, value) in pairs {
            if form[name] != nil { return failure(.badRequest, OAuthError("invalid_request", "The parameter '\(name)' must not be repeated.", .revocationInvalid)) }
            form[name] = value
        }
        let certificate: ClientCertificate.Presented?
        switch ClientCertificate.Presented.parse(input.body.clientCertificate, path: input.body.clientCertificatePath) {
        case .failure(let error): return failure(.badRequest, OAuthError(error.error, error.description, .revocationInvalid))
        case .success(let presented): certificate = presented
        }
        let authenticator = authenticator(for: service, audiences: service.revocationAudiences, methods: service.revocationAuthMethods)
        let client: ClientAuthenticator.Authenticated
        switch try await authenticator.authenticate(
            form: form, basicId: input.body.clientId, basicSecret: input.body.clientSecret, certificate: certificate)
        {
        case .failure(let error): return failure(error.isInvalidClient ? .invalidClient : .badRequest, error)
        case .success(let authenticated): client = authenticated
        }
        guard let value = form["token"], !value.isEmpty else {
            return failure(.badRequest, OAuthError("invalid_request", "token is missing.", .revocationInvalid))
        }
        // The hint orders the search; a wrong or unknown hint still finds the token (RFC 7009 §2.1).
        let refreshFirst = form["token_type_hint"] == "refresh_token"
        var revoked = false
        for kind in refreshFirst ? ["refresh", "access"] : ["access", "refresh"] where !revoked {
            if kind == "access" {
                if let token = try await presented.accessToken(value, serviceApiKey: service.apiKey).live,
                    token.record.clientId == client.client.clientId
                {
                    revoked = try await store.revokeAccessToken(hash: token.record.hash, now: now())
                }
            } else if let refresh = try await presented.refreshToken(value, serviceApiKey: service.apiKey).live,
                refresh.clientId == client.client.clientId
            {
                // A refresh token takes every token of its grant with it (RFC 7009 §2.1).
                try await store.revokeGrant(id: refresh.grantId, now: now())
                revoked = true
            }
        }
        let result: ResultCode = revoked ? .tokenRevocationDone : .tokenRevocationIgnored
        return .ok(RevocationResponse(resultCode: result.code, resultMessage: result.message, action: .ok))
    }
}
