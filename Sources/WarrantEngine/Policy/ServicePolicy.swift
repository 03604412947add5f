import Foundation
import WarrantAPI
import X509
import WarrantStore

/// A service's settings as the flows use them: typed, non-optional, defaults applied and bounds enforced
/// once, when the stored document is read, instead of at every use. ``PolicyCache`` keeps one per stored
/// version, so a request builds none.
struct ServicePolicy: Sendable {
    /// How access tokens are issued.
    enum AccessTokenFormat: Sendable, Equatable {
        case opaque
        /// RFC 9068 JWTs signed with the service's key for the algorithm.
        case jwt(SigningAlgorithm)
        /// A setting stored before settings were checked names an algorithm warrant has no key for: token
        /// requests are refused (a server error) rather than served with another algorithm.
        case unsupported(String)
    }

    let apiKey: Int64
    /// The metadata as stored, with the record's columns: for the management API, discovery and attributes.
    let document: Service

    let issuer: String
    /// The `iss` authorization response parameter (RFC 9207); nil when the service turned it off.
    let responseIssuer: String?
    let grantTypes: Set<GrantType>
    let responseTypes: Set<ResponseType>
    /// The scopes the service defines, in its order; ``scopeNames`` for lookups.
    let scopes: [Scope]
    let scopeNames: Set<String>
    /// Scopes given to requests that name none.
    let defaultScopes: [String]
    let scopeRequired: Bool
    /// Client authentication methods accepted at the token endpoint; nil for every method warrant implements.
    let tokenAuthMethods: [ClientAuthMethod]?
    /// At the revocation endpoint; the token endpoint's when not set apart.
    let revocationAuthMethods: [ClientAuthMethod]?
    /// What a client assertion's `aud` may name at the token endpoint: the endpoint or the issuer.
    let tokenEndpointAudiences: [String]
    /// At the revocation endpoint, which a client may also name.
    let revocationAudiences: [String]
    /// At the PAR endpoint: it, the token endpoint or the issuer (RFC 9126 §2).
    let pushedRequestAudiences: [String]

    /// Lifetimes in seconds, bounded by ``Bounds/maximumDuration``.
    let accessTokenDuration: Int64
    let refreshTokenDuration: Int64
    let idTokenDuration: Int64
    let authorizationCodeDuration: Int64
    /// Tickets between /auth/authorization (or a password grant) and the call that ends the interaction.
    let ticketDuration: Int64
    /// How long a pushed request's request_uri may be used.
    let pushedRequestDuration: Int64
    /// Every authorization request must come through the PAR endpoint.
    let parRequired: Bool
    /// Every authorization request must be a signed request object.
    let requestObjectRequired: Bool
    /// A request object's parameters are merged over the query's (OpenID Connect Core §6.3.3) instead of
    /// replacing them (RFC 9101 §5).
    let traditionalRequestObjects: Bool
    /// A request object must have an aud naming the service.
    let requestObjectAudienceChecked: Bool
    let accessTokenFormat: AccessTokenFormat
    /// Every DPoP proof must carry a nonce warrant gave out; nonces live `dpopNonceDuration` seconds.
    let dpopNonceRequired: Bool
    let dpopNonceDuration: Int64
    /// The endpoints' URLs, which DPoP proofs name in htu when the call passes none.
    let tokenEndpoint: String?
    let pushedRequestEndpoint: String?
    let userInfoEndpoint: String?
    /// The authorization_details types it accepts (RFC 9396); none, so no authorization_details, when empty.
    let authorizationDetailsTypes: Set<String>
    /// Every access token issued with a client certificate is bound to it (RFC 8705 §3).
    let certificateBoundTokens: Bool
    /// tls_client_auth validates the chain to these roots itself when set (mutualTlsValidatePkiCertChain).
    let trustedRoots: [Certificate]?

    /// A used refresh token keeps working (no rotation).
    let refreshTokenKept: Bool
    /// A new refresh token keeps the expiry of the one it replaces.
    let refreshTokenExpiryKept: Bool
    let idTokenReissuable: Bool
    /// Whether a single ID token audience is written as a string rather than an array.
    let idTokenAudienceAsString: Bool
    let keycloakTokenResponse: Bool
    let omitsErrorDescriptions: Bool
    let pkceRequired: Bool
    let pkceS256Required: Bool
    let loopbackPortsVary: Bool

    let tokenExchange: TokenExchangePolicy
    let jwtGrant: JWTGrantPolicy
    let device: DeviceFlowPolicy
    let backchannel: BackchannelPolicy

    /// CIBA's settings.
    struct BackchannelPolicy: Sendable {
        let endpoint: String?
        /// Seconds an auth_req_id lives, and the least seconds between polls.
        let authReqIdDuration: Int64
        let interval: Int64
        /// Lower case, as clients' bcDeliveryMode is written.
        let deliveryModes: Set<String>
        let userCodeSupported: Bool
    }

    /// The device authorization grant's settings (RFC 8628).
    struct DeviceFlowPolicy: Sendable {
        let verificationUri: URL?
        /// With ``UserCodes/placeholder`` where the user code goes.
        let verificationUriComplete: String?
        /// Seconds device and user codes live, and the least seconds between polls.
        let codeDuration: Int64
        let interval: Int64
        let userCodes: UserCodes
    }

    /// The JWT bearer grant settings (RFC 7523 §2.1).
    struct JWTGrantPolicy: Sendable {
        /// warrant verifies assertions and issues tokens: /auth/token answers OK, not JWT_BEARER.
        let direct: Bool
        let identifiableClientsOnly: Bool
        let encryptedRejected: Bool
        let unsignedRejected: Bool
        let trustedIssuers: [TrustedIssuer]
    }

    /// The token exchange settings (RFC 8693).
    struct TokenExchangePolicy: Sendable {
        /// warrant decides exchanges itself: /auth/token answers with the RFC 8693 response, not TOKEN_EXCHANGE.
        let direct: Bool
        let identifiableClientsOnly: Bool
        let confidentialClientsOnly: Bool
        let permittedClientsOnly: Bool
        let acceptedTokenTypes: [TokenType]
        let trustedIssuers: [TrustedIssuer]
    }

    init(_ service: Service, apiKey: Int64) {
        func duration(_ value: Int64?, _ fallback: Int64) -> Int64 { Bounds.givenDuration(value) ?? fallback }
        func url(_ value: URL?) -> String? { value?.absoluteString }
        self.apiKey = apiKey
        document = service
        issuer = url(service.issuer) ?? ""
        responseIssuer = service.issSuppressed == true ? nil : url(service.issuer)
        grantTypes = Set(service.supportedGrantTypes ?? [])
        responseTypes = Set(service.supportedResponseTypes ?? [])
        scopes = service.supportedScopes ?? []
        scopeNames = Set(scopes.map(\.name))
        defaultScopes = scopes.filter(\.defaultEntry).map(\.name)
        scopeRequired = service.scopeRequired == true
        tokenAuthMethods = service.supportedTokenAuthMethods
        revocationAuthMethods = service.supportedRevocationAuthMethods ?? service.supportedTokenAuthMethods
        tokenEndpointAudiences = [url(service.tokenEndpoint), url(service.issuer)].compactMap { $0 }
        revocationAudiences = [url(service.revocationEndpoint), url(service.tokenEndpoint), url(service.issuer)].compactMap { $0 }
        pushedRequestAudiences = [url(service.pushedAuthReqEndpoint), url(service.tokenEndpoint), url(service.issuer)].compactMap { $0 }
        accessTokenDuration = duration(service.accessTokenDuration, ServiceMetadata.defaultAccessTokenDuration)
        refreshTokenDuration = duration(service.refreshTokenDuration, ServiceMetadata.defaultRefreshTokenDuration)
        idTokenDuration = duration(service.idTokenDuration, ServiceMetadata.defaultIdTokenDuration)
        authorizationCodeDuration = duration(service.authorizationCodeDuration, ServiceMetadata.defaultAuthorizationCodeDuration)
        ticketDuration = duration(service.authorizationResponseDuration, ServiceMetadata.defaultTicketDuration)
        pushedRequestDuration = duration(service.pushedAuthReqDuration, ServiceMetadata.defaultPushedRequestDuration)
        parRequired = service.parRequired == true
        requestObjectRequired = service.requestObjectRequired == true
        traditionalRequestObjects = service.traditionalRequestObjectProcessingApplied == true
        requestObjectAudienceChecked = service.requestObjectAudienceChecked == true
        accessTokenFormat =
            switch service.accessTokenSignAlg {
            case nil: .opaque
            case let name?: SigningAlgorithm(rawValue: name.rawValue).map(AccessTokenFormat.jwt) ?? .unsupported(name.rawValue)
            }
        dpopNonceRequired = service.dpopNonceRequired == true
        dpopNonceDuration = duration(service.dpopNonceDuration, ServiceMetadata.defaultDPoPNonceDuration)
        tokenEndpoint = url(service.tokenEndpoint)
        pushedRequestEndpoint = url(service.pushedAuthReqEndpoint)
        userInfoEndpoint = url(service.userInfoEndpoint)
        certificateBoundTokens = service.tlsClientCertificateBoundAccessTokens == true
        authorizationDetailsTypes = Set(service.supportedAuthorizationDetailsTypes ?? [])
        trustedRoots =
            service.mutualTlsValidatePkiCertChain == true
            ? (service.trustedRootCertificates ?? []).compactMap { ClientCertificate(pem: $0)?.certificate } : nil
        refreshTokenKept = service.refreshTokenKept == true
        refreshTokenExpiryKept = service.refreshTokenDurationKept == true && service.refreshTokenDurationReset != true
        idTokenReissuable = service.idTokenReissuable == true
        idTokenAudienceAsString = service.idTokenAudType?.rawValue == "string"
        keycloakTokenResponse = service.keycloakTokenResponse == true
        omitsErrorDescriptions = service.errorDescriptionOmitted == true
        pkceRequired = service.pkceRequired == true
        pkceS256Required = service.pkceS256Required == true
        loopbackPortsVary = service.loopbackRedirectionUriVariable == true
        tokenExchange = TokenExchangePolicy(
            direct: service.tokenExchangeDirect == true,
            identifiableClientsOnly: service.tokenExchangeByIdentifiableClientsOnly == true,
            confidentialClientsOnly: service.tokenExchangeByConfidentialClientsOnly == true,
            permittedClientsOnly: service.tokenExchangeByPermittedClientsOnly == true,
            acceptedTokenTypes: service.tokenExchangeTokenTypes ?? [.jwt, .accessToken, .refreshToken, .idToken],
            trustedIssuers: service.tokenExchangeTrustedIssuers ?? [])
        device = DeviceFlowPolicy(
            verificationUri: service.deviceVerificationUri, verificationUriComplete: url(service.deviceVerificationUriComplete),
            codeDuration: min(duration(service.deviceFlowCodeDuration.map(Int64.init), ServiceMetadata.defaultDeviceCodeDuration), 86_400),
            interval: Self.pollingInterval(service.deviceFlowPollingInterval),
            userCodes: UserCodes(charset: service.userCodeCharset ?? .base20, length: Int(service.userCodeLength ?? 0)))
        backchannel = BackchannelPolicy(
            endpoint: url(service.backchannelAuthenticationEndpoint),
            authReqIdDuration: min(duration(service.backchannelAuthReqIdDuration.map(Int64.init), ServiceMetadata.defaultAuthReqIdDuration), 86_400),
            interval: Self.pollingInterval(service.backchannelPollingInterval),
            deliveryModes: Set((service.supportedBackchannelTokenDeliveryModes ?? []).map { $0.rawValue.lowercased() }),
            userCodeSupported: service.backchannelUserCodeParameterSupported == true)
        jwtGrant = JWTGrantPolicy(
            direct: service.jwtGrantDirect == true, identifiableClientsOnly: service.jwtGrantByIdentifiableClientsOnly == true,
            encryptedRejected: service.jwtGrantEncryptedJwtRejected == true, unsignedRejected: service.jwtGrantUnsignedJwtRejected == true,
            trustedIssuers: service.jwtGrantTrustedIssuers ?? [])
    }

    /// Seconds between polls: the setting, an hour at most, or the default when 0.
    static func pollingInterval(_ seconds: Int32?) -> Int64 {
        let given = Int64(seconds ?? 0)
        return given > 0 ? min(given, DecoupledAuthorizationRecord.longestInterval) : ServiceMetadata.defaultPollingInterval
    }

    /// The service's definition of a scope, or a bare one for a name it does not define.
    func scope(named name: String) -> Scope {
        scopes.first { $0.name == name } ?? Scope(name: name)
    }

    /// Refresh tokens go to clients that may use the refresh_token grant, on services that support it.
    func issuesRefreshTokens(to client: ClientPolicy) -> Bool {
        grantTypes.contains(.refreshToken) && client.grantTypes.contains(.refreshToken)
    }

    /// Seconds an ID token for this client lives: the client's own setting, or the service's.
    func idTokenLifetime(for client: ClientPolicy) -> Int64 {
        client.idTokenDuration ?? idTokenDuration
    }
}
