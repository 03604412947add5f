import WarrantAPI

/// The FAPI 2.0 profiles a request falls under: the service's `fapiModes` and the client's together. Each
/// mode switches on the rules of its profile wherever they apply (authorization, PAR, token endpoint).
struct FAPIRules: Sendable, Equatable {
    /// FAPI 2.0 Security Profile (FAPI2_SECURITY).
    var security = false
    /// FAPI 2.0 Message Signing, signed authorization requests (FAPI2_MESSAGE_SIGNING_AUTH_REQ).
    var signedRequests = false
    /// FAPI 2.0 Message Signing, signed authorization responses (FAPI2_MESSAGE_SIGNING_AUTH_RES): JARM.
    var signedResponses = false

    /// The modes warrant implements; the others are refused in settings.
    static let implemented: Set<FapiMode> = [.fapi2Security, .fapi2MessageSigningAuthReq, .fapi2MessageSigningAuthRes]
    /// FAPI 2.0 §5.4.1: the signing algorithms allowed, everywhere a JWT is signed or verified.
    static let algorithms: Set<String> = ["PS256", "ES256", "EdDSA"]
    /// FAPI 2.0 §5.3.2.2: the client authentication methods allowed.
    static let authenticationMethods: Set<ClientAuthMethod> = [.privateKeyJwt, .tlsClientAuth, .selfSignedTlsClientAuth]
    /// FAPI 2.0 §5.3.2.1: the longest an authorization code may live, in seconds.
    static let codeLifetime: Int64 = 60
    /// FAPI 2.0 Message Signing §5.3.1: the longest a request object may be valid (exp − nbf), in seconds.
    static let requestObjectLifetime: Int64 = 3600

    init(_ modes: [FapiMode]) {
        // Message signing builds on the security profile.
        signedRequests = modes.contains(.fapi2MessageSigningAuthReq)
        signedResponses = modes.contains(.fapi2MessageSigningAuthRes)
        security = modes.contains(.fapi2Security) || signedRequests || signedResponses
    }

    /// The first rule of the security profile a client's registration breaks, for errors at use: the
    /// service may have turned FAPI on after the client registered.
    func registrationProblem(of client: ClientPolicy) -> String? {
        guard security else { return nil }
        if client.isPublic { return "FAPI 2.0 allows confidential clients only." }
        if !Self.authenticationMethods.contains(client.tokenAuthMethod) {
            return "FAPI 2.0 allows private_key_jwt, tls_client_auth and self_signed_tls_client_auth only."
        }
        return nil
    }
}

extension ServicePolicy {
    /// The FAPI rules of a request by `client` on this service.
    func fapi(for client: ClientPolicy) -> FAPIRules {
        FAPIRules((document.fapiModes ?? []) + (client.document.fapiModes ?? []))
    }
}
