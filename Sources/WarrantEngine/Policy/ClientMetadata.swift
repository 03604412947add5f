import Foundation
import SpecRuntime
import WarrantAPI

/// Defaults and checks for client metadata, against what the client's service supports.
enum ClientMetadata {
    /// The client as stored: defaults filled in, the fields warrant owns cleared.
    static func normalized(_ input: OAuthClient) -> OAuthClient {
        var client = input
        client.resultCode = nil
        client.resultMessage = nil
        client.clientId = nil
        client.clientSecret = nil
        client.createdAt = nil
        client.modifiedAt = nil
        client.clientIdAlias = client.clientIdAlias.flatMap { $0.isEmpty ? nil : $0 }
        client.grantTypes = client.grantTypes ?? [.authorizationCode]
        client.responseTypes = client.responseTypes ?? [.code]
        client.tokenAuthMethod = client.tokenAuthMethod ?? (client.clientType == .public ? .none : .clientSecretBasic)
        client.applicationType = client.applicationType ?? .web
        client.subjectType = client.subjectType ?? .public
        client.idTokenSignAlg = client.idTokenSignAlg ?? .rs256
        client.redirectUris = client.redirectUris ?? []
        // Facts about where a client came from are warrant's to state: the management API registers statically.
        client.clientSource = .staticRegistration
        client.dynamicallyRegistered = nil
        client.registrationAccessTokenHash = nil
        client.automaticallyRegistered = nil
        client.explicitlyRegistered = nil
        client.trustChain = nil
        client.trustChainExpiresAt = nil
        client.trustChainUpdatedAt = nil
        client.trustAnchorId = nil
        client.discoveredByMetadataDocument = nil
        client.metadataDocumentLocation = nil
        client.metadataDocumentExpiresAt = nil
        client.metadataDocumentUpdatedAt = nil
        client.derivedSectorIdentifier = nil
        return client
    }

    /// Every problem of the (normalized) metadata, each naming its field.
    static func violations(of client: OAuthClient, service: Service) -> [Violation] {
        var violations = Violations()
        let root = JSONPath.root
        for (index, uri) in (client.redirectUris ?? []).enumerated() {
            for problem in redirectURIProblems(uri, applicationType: client.applicationType) {
                violations.report(problem, at: root.appending("redirectUris").appending(index))
            }
        }
        let supportedGrants = service.supportedGrantTypes ?? []
        for (index, grant) in (client.grantTypes ?? []).enumerated() where grant.isKnown && !supportedGrants.contains(grant) {
            violations.report("\(grant.rawValue) is not supported by the service", at: root.appending("grantTypes").appending(index))
        }
        // CIBA: the delivery mode is one the service offers; ping and push need somewhere to notify.
        if let mode = client.bcDeliveryMode {
            let offered = (service.supportedBackchannelTokenDeliveryModes ?? []).map { $0.rawValue.lowercased() }
            if !["poll", "ping", "push"].contains(mode) {
                violations.report("must be poll, ping or push", at: root.appending("bcDeliveryMode"))
            } else if !offered.contains(mode) {
                violations.report("\(mode) is not a delivery mode the service offers", at: root.appending("bcDeliveryMode"))
            } else if mode != "poll", client.bcNotificationEndpoint == nil {
                violations.report("\(mode) needs bcNotificationEndpoint", at: root.appending("bcDeliveryMode"))
            }
        } else if (client.grantTypes ?? []).contains(.ciba) {
            violations.report("CIBA needs bcDeliveryMode (poll, ping or push)", at: root.appending("grantTypes"))
        }
        if (client.grantTypes ?? []).contains(.ciba), client.clientType == .public {
            violations.report("CIBA is for confidential clients, which authenticate", at: root.appending("grantTypes"))
        }
        // Pushed tokens are issued with no DPoP proof or certificate to bind them to.
        if client.bcDeliveryMode == "push", client.dpopRequired == true || client.tlsClientCertificateBoundAccessTokens == true {
            violations.report("push cannot bind tokens to a DPoP key or a certificate; use poll or ping", at: root.appending("bcDeliveryMode"))
        }
        if let endpoint = client.bcNotificationEndpoint, endpoint.scheme?.lowercased() != "https" && !(endpoint.scheme?.lowercased() == "http" && URLRules.isLoopback(endpoint)) {
            violations.report("must be an https URL (http only on loopback)", at: root.appending("bcNotificationEndpoint"))
        }
        let supportedResponses = service.supportedResponseTypes ?? []
        for (index, type) in (client.responseTypes ?? []).enumerated() where type.isKnown && !supportedResponses.contains(type) {
            violations.report("\(type.rawValue) is not supported by the service", at: root.appending("responseTypes").appending(index))
        }
        if let method = client.tokenAuthMethod, method.isKnown {
            if client.clientType == .public, method != ClientAuthMethod.none {
                violations.report("must be NONE for a public client", at: root.appending("tokenAuthMethod"))
            } else if client.clientType != .public, method == ClientAuthMethod.none {
                violations.report("must not be NONE for a confidential client", at: root.appending("tokenAuthMethod"))
            } else if !(service.supportedTokenAuthMethods ?? []).contains(method) {
                violations.report("\(method.rawValue) is not supported by the service", at: root.appending("tokenAuthMethod"))
            }
        }
        // RFC 8705 §2.1.2: a tls_client_auth client registers exactly one name its certificate must have.
        let tlsNames: [(String, String?)] = [
            ("tlsClientAuthSubjectDn", client.tlsClientAuthSubjectDn), ("tlsClientAuthSanDns", client.tlsClientAuthSanDns),
            ("tlsClientAuthSanUri", client.tlsClientAuthSanUri), ("tlsClientAuthSanIp", client.tlsClientAuthSanIp),
            ("tlsClientAuthSanEmail", client.tlsClientAuthSanEmail),
        ]
        let registeredNames = tlsNames.filter { $0.1 != nil }
        if client.tokenAuthMethod == .tlsClientAuth, registeredNames.count != 1 {
            violations.report(
                "TLS_CLIENT_AUTH needs exactly one of tlsClientAuthSubjectDn, tlsClientAuthSanDns, tlsClientAuthSanUri, tlsClientAuthSanIp, tlsClientAuthSanEmail",
                at: root.appending("tokenAuthMethod"))
        }
        if let ip = client.tlsClientAuthSanIp, ClientCertificate.addressBytes(ip) == nil {
            violations.report("must be an IPv4 or IPv6 address", at: root.appending("tlsClientAuthSanIp"))
        }
        for (index, uri) in (client.requestUris ?? []).enumerated()
        where uri.utf8.count > RequestObjectReference.maximumURILength || !(URL(string: uri).map(RequestObjectReference.isFetchable) ?? false) {
            violations.report(
                "must be an https URL (http only on a loopback address) of at most \(RequestObjectReference.maximumURILength) characters",
                at: root.appending("requestUris").appending(index))
        }
        if client.jwks != nil, client.jwksUri != nil {
            violations.report("must not be given together with jwksUri", at: root.appending("jwks"))
        }
        if let jwks = client.jwks, let problem = JWKSetRules.publicKeyProblem(jwks) {
            violations.report(problem, at: root.appending("jwks"))
        }
        for (name, algorithm) in [
            ("idTokenSignAlg", client.idTokenSignAlg), ("userInfoSignAlg", client.userInfoSignAlg), ("authorizationSignAlg", client.authorizationSignAlg),
        ] {
            if let algorithm, SigningAlgorithm(rawValue: algorithm.rawValue) == nil {
                violations.report("must be \(SigningAlgorithm.listed), the algorithms warrant signs with", at: root.appending(name))
            }
        }
        // Client assertions and request objects are verified with the client's public keys: no none, no HMAC.
        for (name, algorithm) in [("tokenAuthSignAlg", client.tokenAuthSignAlg), ("requestSignAlg", client.requestSignAlg)] {
            if let algorithm, !ClientAssertion.allowedAlgorithms.contains(algorithm.rawValue) {
                violations.report("must be one of \(ClientAssertion.allowedAlgorithms.sorted().joined(separator: ", "))", at: root.appending(name))
            }
        }
        for (problem, path) in fapiProblems(of: client, service: service) { violations.report(problem, at: path) }
        for name in Unenforced.settings(of: client) {
            violations.report("is not supported by warrant yet; leave it out (or false, or empty)", at: root.appending(name))
        }
        if let alias = client.clientIdAlias, alias.allSatisfy(\.isNumber) {
            violations.report("must not be all digits, which would read as a client ID", at: root.appending("clientIdAlias"))
        }
        return violations.list
    }

    /// FAPI 2.0: the modes warrant implements, on a service that offers FAPI; under the security profile, a
    /// confidential client with a strong authentication method and FAPI's signing algorithms.
    static func fapiProblems(of client: OAuthClient, service: Service) -> [(String, JSONPath)] {
        let root = JSONPath.root
        var problems: [(String, JSONPath)] = []
        let modes = client.fapiModes ?? []
        for (index, mode) in modes.enumerated() where !FAPIRules.implemented.contains(mode) {
            problems.append(("\(mode.rawValue) is not supported by warrant yet", root.appending("fapiModes").appending(index)))
        }
        if !modes.isEmpty, !(service.supportedServiceProfiles ?? []).contains(.fapi) {
            problems.append(("needs a service with FAPI in supportedServiceProfiles", root.appending("fapiModes")))
        }
        guard FAPIRules(modes + (service.fapiModes ?? [])).security else { return problems }
        if client.clientType == .public { problems.append(("FAPI 2.0 allows confidential clients only", root.appending("clientType"))) }
        // No method registered means client_secret_basic, which FAPI 2.0 does not allow either.
        if !FAPIRules.authenticationMethods.contains(client.tokenAuthMethod ?? .clientSecretBasic) {
            problems.append(("FAPI 2.0 allows PRIVATE_KEY_JWT, TLS_CLIENT_AUTH and SELF_SIGNED_TLS_CLIENT_AUTH only", root.appending("tokenAuthMethod")))
        }
        for (index, grant) in (client.grantTypes ?? []).enumerated() where grant == .password || grant == .implicit {
            problems.append(("FAPI 2.0 allows neither the password nor the implicit grant", root.appending("grantTypes").appending(index)))
        }
        if service.issSuppressed == true { problems.append(("FAPI 2.0 needs iss in authorization responses; the service suppresses it", root.appending("fapiModes"))) }
        let allowed = FAPIRules.algorithms.sorted().joined(separator: ", ")
        if FAPIRules(modes + (service.fapiModes ?? [])).signedResponses, client.authorizationSignAlg == nil {
            problems.append(("FAPI 2.0 Message Signing needs one of \(allowed) for JARM", root.appending("authorizationSignAlg")))
        }
        // ID tokens default to RS256, which FAPI 2.0 does not allow: the client must choose.
        if !FAPIRules.algorithms.contains(client.idTokenSignAlg?.rawValue ?? "RS256") {
            problems.append(("FAPI 2.0 needs one of \(allowed)", root.appending("idTokenSignAlg")))
        }
        for (name, algorithm) in [
            ("authorizationSignAlg", client.authorizationSignAlg?.rawValue), ("tokenAuthSignAlg", client.tokenAuthSignAlg?.rawValue),
            ("requestSignAlg", client.requestSignAlg?.rawValue),
        ] {
            if let algorithm, !FAPIRules.algorithms.contains(algorithm) { problems.append(("FAPI 2.0 needs one of \(allowed)", root.appending(name))) }
        }
        return problems
    }

    /// RFC 6749 §3.1.2, RFC 8252 and OAuth 2.0 Security BCP: absolute, no fragment, https except on loopback;
    /// private-use schemes (`com.example.app:/callback`) for native apps only.
    static func redirectURIProblems(_ text: String, applicationType: ApplicationType?) -> [String] {
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased() else { return ["must be an absolute URI"] }
        var problems: [String] = []
        if url.fragment != nil || text.contains("#") { problems.append("must not have a fragment") }
        switch scheme {
        case "https":
            if url.host == nil { problems.append("must name a host") }
        case "http":
            if !URLRules.isLoopback(url) { problems.append("must use https unless the host is a loopback address") }
        default:
            if applicationType != .native {
                problems.append("may use a private-use scheme only for a NATIVE application")
            } else if !scheme.contains(".") {
                problems.append("a private-use scheme must be a reverse domain name, such as com.example.app")
            }
        }
        return problems
    }
}
