import WarrantAPI
import WarrantStore

/// A client's registration as the flows use it: typed, non-optional, defaults applied once, kept by
/// ``PolicyCache`` per stored version.
struct ClientPolicy: Sendable {
    let clientId: Int64
    let alias: String?
    /// The metadata as stored, with the record's columns: for the management API and answers that show it.
    let document: OAuthClient
    /// SHA-256 of the secret; nil for public clients.
    let secretHash: String?

    let isPublic: Bool
    /// Its token requests must carry a DPoP proof (RFC 9449 §5.2).
    let dpopRequired: Bool
    /// Its access tokens are bound to its TLS certificate (RFC 8705 §3).
    let certificateBoundTokens: Bool
    /// What its certificate must name for tls_client_auth (RFC 8705 §2.1.2): the one of these it registered.
    let tlsIdentity: TLSIdentity?
    /// The request_uri URLs it registered (RFC 9101 §5.2); warrant fetches no other.
    let requestUris: [String]
    /// The authorization_details types it may use (RFC 9396), among the service's; nil for all of those.
    let authorizationDetailsTypes: Set<String>?
    /// The kid of its self-signed certificate in its JWK Set (self_signed_tls_client_auth), when it named one.
    let selfSignedCertificateKeyId: String?

    enum TLSIdentity: Sendable, Equatable {
        case subjectDN(String), dns(String), uri(String), ip(String), email(String)
    }
    let locked: Bool
    let grantTypes: Set<GrantType>
    let responseTypes: Set<ResponseType>
    /// The response modes (protocol words) it may use when it registered some; nil for any.
    let responseModes: Set<String>?
    let redirectUris: [String]
    let isNative: Bool
    /// The one method the client authenticates with (client_secret_basic when it registered none).
    let tokenAuthMethod: ClientAuthMethod
    let tokenAuthSigningAlgorithm: String?
    /// The client's JWK Set as JSON text, for its assertions.
    let jwks: String?
    /// The scopes it may request when its extension limits them; nil for any the service supports.
    let requestableScopes: Set<String>?
    /// Its own lifetimes in seconds, bounded; nil where the service's apply.
    let accessTokenDuration: Int64?
    let refreshTokenDuration: Int64?
    let idTokenDuration: Int64?
    /// The algorithm of its ID tokens, or the unsupported name a setting stored before checks had.
    let idTokenAlgorithm: Result<SigningAlgorithm, SigningAlgorithm.Unsupported>
    let defaultMaxAge: Int?
    let pkceRequired: Bool
    let pkceS256Required: Bool
    let tokenExchangePermitted: Bool
    /// Its authorization requests must come through the PAR endpoint.
    let parRequired: Bool
    /// What signs its JARM authorization responses.
    let authorizationSigningAlgorithm: String
    /// Its authorization requests must be signed request objects.
    let requestObjectRequired: Bool
    /// The algorithm its request objects must be signed with, when it registered one.
    let requestSigningAlgorithm: String?

    init(_ client: OAuthClient, record: ClientRecord) {
        clientId = record.clientId
        alias = client.clientIdAlias
        document = client
        secretHash = record.secretHash
        isPublic = client.clientType == .public
        dpopRequired = client.dpopRequired == true
        certificateBoundTokens = client.tlsClientCertificateBoundAccessTokens == true
        tlsIdentity = Self.tlsIdentity(of: client)
        selfSignedCertificateKeyId = client.selfSignedCertificateKeyId
        authorizationDetailsTypes = client.authorizationDetailsTypes.map(Set.init)
        requestUris = client.requestUris ?? []
        locked = client.locked == true
        grantTypes = Set(client.grantTypes ?? [])
        responseTypes = Set(client.responseTypes ?? [])
        responseModes = client.responseModes.flatMap { $0.isEmpty ? nil : Set($0.compactMap { Self.responseModeNames[$0] }) }
        redirectUris = client.redirectUris ?? []
        parRequired = client.parRequired == true
        authorizationSigningAlgorithm = client.authorizationSignAlg?.rawValue ?? SigningAlgorithm.RS256.rawValue
        requestObjectRequired = client.requestObjectRequired == true
        requestSigningAlgorithm = client.requestSignAlg?.rawValue
        isNative = client.applicationType == .native
        tokenAuthMethod = client.tokenAuthMethod ?? .clientSecretBasic
        tokenAuthSigningAlgorithm = client.tokenAuthSignAlg?.rawValue
        jwks = client.jwks
        requestableScopes = client.extension?.requestableScopesEnabled == true ? Set(client.extension?.requestableScopes ?? []) : nil
        accessTokenDuration = Bounds.givenDuration(client.extension?.accessTokenDuration)
        refreshTokenDuration = Bounds.givenDuration(client.extension?.refreshTokenDuration)
        idTokenDuration = Bounds.givenDuration(client.extension?.idTokenDuration)
        idTokenAlgorithm =
            switch client.idTokenSignAlg.map(\.rawValue) {
            case nil: .success(.RS256)
            case let name?: SigningAlgorithm(rawValue: name).map { .success($0) } ?? .failure(SigningAlgorithm.Unsupported(name: name))
            }
        defaultMaxAge = client.defaultMaxAge.flatMap { $0 > 0 ? Int($0) : nil }
        pkceRequired = client.pkceRequired == true
        pkceS256Required = client.pkceS256Required == true
        tokenExchangePermitted = client.extension?.tokenExchangePermitted == true
    }

    /// The response modes warrant implements, with their protocol words; the JWT ones (JARM) it refuses.
    static let responseModeNames: [ClientResponseMode: String] = [
        .query: "query", .fragment: "fragment", .formPost: "form_post", .jwt: "jwt", .queryJwt: "query.jwt", .fragmentJwt: "fragment.jwt",
        .formPostJwt: "form_post.jwt",
    ]

    /// Whether the client may request a scope.
    func mayRequest(_ scope: String) -> Bool {
        requestableScopes?.contains(scope) ?? true
    }

    /// The names a token may carry for this client: its number and its alias.
    var names: Set<String> {
        Set([String(clientId), alias].compactMap { $0 })
    }

    /// The client_id value it used: its alias when it used that, else its number.
    func identifier(aliasUsed: Bool) -> String {
        aliasUsed ? (alias ?? String(clientId)) : String(clientId)
    }

    /// The identity a tls_client_auth client registered; registration allows exactly one (ClientMetadata).
    static func tlsIdentity(of client: OAuthClient) -> TLSIdentity? {
        let candidates: [TLSIdentity?] = [
            client.tlsClientAuthSubjectDn.map(TLSIdentity.subjectDN), client.tlsClientAuthSanDns.map(TLSIdentity.dns),
            client.tlsClientAuthSanUri.map(TLSIdentity.uri), client.tlsClientAuthSanIp.map(TLSIdentity.ip),
            client.tlsClientAuthSanEmail.map(TLSIdentity.email),
        ]
        let given = candidates.compactMap { $0 }
        return given.count == 1 ? given[0] : nil
    }
}
