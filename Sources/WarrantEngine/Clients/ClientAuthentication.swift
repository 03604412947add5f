import Foundation
import SpecRuntime
import X509
import WarrantAPI
import WarrantStore

/// Client authentication at the token endpoint (RFC 6749 §2.3): exactly one method, the one the client
/// registered; secrets compared through their hashes in constant time.
struct ClientAuthenticator {
    let clients: ClientDirectory
    let signer: TokenSigner
    let now: @Sendable () -> Int64
    let serviceApiKey: Int64
    /// What a client assertion's aud may name: the token endpoint or the issuer.
    let audiences: [String]
    /// The methods the service accepts at this endpoint; nil for every method warrant implements.
    let allowedMethods: [ClientAuthMethod]?
    /// The roots tls_client_auth chains must lead to, when warrant validates chains itself; nil when the
    /// front end's TLS terminator did.
    let trustedRoots: [Certificate]?
    /// The service's FAPI modes, which with the client's decide the methods and algorithms allowed.
    var fapiModes: [FapiMode] = []
    /// The service's issuer, the one audience an assertion may name under FAPI 2.0 or with
    /// `clientAssertionAudRestrictedToIssuer`.
    var issuer: String = ""
    var audienceRestrictedToIssuer = false

    /// The methods warrant implements.
    static let methods: [ClientAuthMethod] = [
        .none, .clientSecretBasic, .clientSecretPost, .privateKeyJwt, .tlsClientAuth, .selfSignedTlsClientAuth,
    ]

    struct Authenticated: Sendable {
        var client: ClientPolicy
        /// The client_id value the client used (its alias or its number).
        var identifier: String

        var aliasUsed: Bool { client.alias != nil && identifier == client.alias }
    }

    /// - Parameters:
    ///   - basicId, basicSecret: what the front end took from an `Authorization: Basic` header.
    ///   - secretCarrierFree: a secret in `form` serves client_secret_basic clients too (JSON requests have no header to use).
    ///   - certificate: the TLS client certificate the front end received, for the mutual-TLS methods.
    func authenticate(
        form: [String: String], basicId: String?, basicSecret: String?, secretCarrierFree: Bool = false,
        certificate: ClientCertificate.Presented? = nil
    ) async throws -> Result<Authenticated, OAuthError> {
        let usedBasic = basicId != nil || basicSecret != nil
        let usedPost = form["client_secret"] != nil
        let usedAssertion = form["client_assertion"] != nil || form["client_assertion_type"] != nil
        // RFC 6749 §2.3: a client must not use more than one method in a request; a malformed request, not a bad client.
        if [usedBasic, usedPost, usedAssertion].filter({ $0 }).count > 1 {
            return .failure(.invalidRequest("The request uses more than one client authentication method."))
        }
        var assertionIssuer: String?
        if usedAssertion {
            guard form["client_assertion_type"] == ClientAssertion.type, let assertion = form["client_assertion"] else {
                return .failure(.invalidClient("client_assertion_type must be \(ClientAssertion.type), with a client_assertion."))
            }
            guard let issuer = ClientAssertion.unverifiedIssuer(assertion) else {
                return .failure(.invalidClient("client_assertion is not a JWT with an iss claim."))
            }
            assertionIssuer = issuer
        }
        if let formId = form["client_id"], let other = basicId ?? assertionIssuer, formId != other {
            return .failure(.invalidClient("client_id differs from the client that authenticated."))
        }
        guard let identifier = basicId ?? assertionIssuer ?? form["client_id"] else {
            return .failure(.invalidClient("The request does not identify the client."))
        }
        guard let (client, _) = try await clients.client(named: identifier, serviceApiKey: serviceApiKey) else {
            return .failure(.invalidClient("There is no client with the client_id '\(identifier)'."))
        }
        if client.locked { return .failure(.invalidClient("The client is locked.")) }

        let method = client.tokenAuthMethod
        // A client registered before the service narrowed its methods does not keep the old one.
        if let allowedMethods, !allowedMethods.contains(method) {
            return .failure(.invalidClient("The service does not accept \(method.rawValue) at this endpoint."))
        }
        let fapi = FAPIRules(fapiModes + (client.document.fapiModes ?? []))
        if let problem = fapi.registrationProblem(of: client) { return .failure(.invalidClient(problem)) }
        let presented: String? = usedBasic ? basicSecret : form["client_secret"]
        switch method {
        case .none:
            guard presented == nil else { return .failure(.invalidClient("A public client has no secret to send.")) }
        case .clientSecretBasic, .clientSecretPost:
            if method == .clientSecretBasic, !usedBasic, !secretCarrierFree {
                return .failure(.invalidClient("The client must authenticate with client_secret_basic."))
            }
            if method == .clientSecretPost, !usedPost {
                return .failure(.invalidClient("The client must authenticate with client_secret_post."))
            }
            guard let presented, let stored = client.secretHash, Secrets.constantTimeEqual(Secrets.hash(presented), stored) else {
                return .failure(.invalidClient("The client secret is wrong."))
            }
        case .privateKeyJwt:
            guard let assertion = form["client_assertion"] else {
                return .failure(.invalidClient("The client must authenticate with private_key_jwt."))
            }
            // FAPI 2.0 §5.3.2.1: the issuer alone, so an assertion for one endpoint is no use at another server.
            let audiences = fapi.security || audienceRestrictedToIssuer ? [issuer] : audiences
            if let problem = try await ClientAssertion.verify(
                assertion, client: client, identifier: identifier, audiences: audiences, store: clients.store, signer: signer, now: now(),
                algorithms: fapi.security ? FAPIRules.algorithms : ClientAssertion.allowedAlgorithms, audienceAsString: fapi.security)
            {
                return .failure(.invalidClient(problem))
            }
        case .tlsClientAuth, .selfSignedTlsClientAuth:
            // RFC 8705 §2: the certificate is the credential; a secret or an assertion beside it is a second method.
            guard presented == nil, !usedAssertion else { return .failure(.invalidClient("The client authenticates with its TLS certificate alone.")) }
            guard let certificate else { return .failure(.invalidClient("The client must authenticate with a TLS client certificate.")) }
            if method == .selfSignedTlsClientAuth {
                guard certificate.leaf.isRegistered(in: client.jwks, keyId: client.selfSignedCertificateKeyId) else {
                    return .failure(.invalidClient("The TLS client certificate is not one the client registered in its jwks (x5c)."))
                }
            } else {
                guard let identity = client.tlsIdentity, certificate.leaf.matches(identity) else {
                    return .failure(.invalidClient("The TLS client certificate does not have the subject or name the client registered."))
                }
                if let trustedRoots {
                    let valid = await certificate.leaf.chains(
                        to: trustedRoots, intermediates: certificate.intermediates, at: Date(timeIntervalSince1970: Double(now()) / 1000))
                    guard valid else { return .failure(.invalidClient("The TLS client certificate does not chain to a trusted root.")) }
                }
            }
        default:
            return .failure(.invalidClient("The client's authentication method \(method.rawValue) is not supported."))
        }
        return .success(Authenticated(client: client, identifier: identifier))
    }
}

/// Client authentication with a signed JWT (RFC 7523 §2.2, OpenID Connect Core §9 private_key_jwt).
enum ClientAssertion {
    static let type = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
    /// The longest an assertion may be valid for: one is used once, right after it is made.
    static let maximumLifetime: Int64 = 3600
    static let allowedAlgorithms: Set<String> = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "EdDSA"]


    /// The iss of a JWT, read without verifying it: only to know whose keys verify it.
    static func unverifiedIssuer(_ jwt: String) -> String? {
        let parts = jwt.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let data = Base64URL.decode(String(parts[1])), let claims = try? JSONValue(parsing: Array(data)) else {
            return nil
        }
        return claims["iss"]?.stringValue
    }

    /// Nil when the assertion is good; what is wrong with it otherwise.
    static func verify(
        _ jwt: String, client: ClientPolicy, identifier: String, audiences: [String], store: any WarrantStore, signer: TokenSigner,
        now: Int64, algorithms: Set<String> = allowedAlgorithms, audienceAsString: Bool = false
    ) async throws -> String? {
        let parts = jwt.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let headerData = Base64URL.decode(String(parts[0])),
            let header = try? JSONValue(parsing: Array(headerData)), let algorithm = header["alg"]?.stringValue
        else { return "client_assertion is not a JWS." }
        // The algorithm is pinned: the registered one, and never none or an HMAC with a public key.
        if let registered = client.tokenAuthSigningAlgorithm, registered != algorithm {
            return "client_assertion must be signed with \(registered)."
        }
        guard algorithms.contains(algorithm) else { return "client_assertion may not use the algorithm \(algorithm)." }
        // A request object (RFC 9101) signed by the same key is no assertion, whatever its aud.
        let payload = Base64URL.decode(String(parts[1])).flatMap { try? JSONValue(parsing: Array($0)) }
        if header["typ"]?.stringValue?.lowercased() == "oauth-authz-req+jwt" || payload?["response_type"] != nil {
            return "client_assertion is a request object, not an assertion."
        }
        guard let jwks = client.jwks else { return "The client has no registered jwks to verify its assertion with." }
        let claims: ClientAssertionClaims
        do {
            claims = try await signer.verified(jwt, as: ClientAssertionClaims.self, jwks: jwks, rsaAlgorithm: client.tokenAuthSigningAlgorithm)
        } catch TokenSigner.SigningError.unusableKeySet {
            return "The signature of client_assertion does not verify with the client's keys."
        } catch {
            let problem = ClaimsProblem.describe(error, token: jwt, as: ClientAssertionClaims.self)
            return problem == "has a signature that does not verify"
                ? "The signature of client_assertion does not verify with the client's keys." : "client_assertion \(problem)."
        }
        guard claims.iss.value == identifier, claims.sub.value == identifier else {
            return "client_assertion must have iss and sub equal to the client_id."
        }
        // FAPI 2.0 §5.3.2.1: the issuer as a string, not in an array.
        if audienceAsString, payload?["aud"]?.stringValue == nil { return "client_assertion's aud must be the issuer, as a string." }
        guard claims.aud.value.contains(where: audiences.contains) else {
            return "client_assertion's aud must name the token endpoint or the issuer."
        }
        // exp is someone else's number: saturate, and keep the replay record no longer than an assertion may live.
        let validUntil = Bounds.milliseconds(from: claims.exp.value).saturatingAdding(ClockSkew.seconds * 1000)
        guard validUntil >= now else { return "client_assertion has expired." }
        guard validUntil <= Bounds.expiry(from: now, seconds: maximumLifetime) else {
            return "client_assertion must expire within \(maximumLifetime / 60) minutes."
        }
        guard !claims.jti.value.isEmpty else { return "client_assertion has no jti." }
        guard try await store.recordAssertion(hash: Secrets.hash(identifier + " " + claims.jti.value), expiresAt: validUntil, now: now) else {
            return "client_assertion was used before."
        }
        return nil
    }
}
