import Foundation
import SpecRuntime
import WarrantAPI

/// Defaults and checks for service metadata.
enum ServiceMetadata {
    static let defaultAccessTokenDuration: Int64 = 86_400
    static let defaultRefreshTokenDuration: Int64 = 864_000
    static let defaultIdTokenDuration: Int64 = 86_400
    static let defaultAuthorizationCodeDuration: Int64 = 600
    static let defaultTicketDuration: Int64 = 600
    /// How long a pushed request's request_uri lasts when `pushedAuthReqDuration` is 0 (Authlete's example answer says 600).
    static let defaultPushedRequestDuration: Int64 = 600
    /// How long a DPoP server nonce is accepted when the service does not say (RFC 9449 §8).
    static let defaultDPoPNonceDuration: Int64 = 300
    /// RFC 8628 §3.2: device codes live 10 minutes, and clients poll every 5 seconds (device flow and CIBA),
    /// when the service does not say.
    static let defaultDeviceCodeDuration: Int64 = 600
    static let defaultPollingInterval: Int64 = 5
    /// CIBA auth_req_id values live 10 minutes when the service does not say.
    static let defaultAuthReqIdDuration: Int64 = 600

    static let standardClaims = [
        "sub", "name", "given_name", "family_name", "middle_name", "nickname", "preferred_username", "profile", "picture",
        "website", "email", "email_verified", "gender", "birthdate", "zoneinfo", "locale", "phone_number",
        "phone_number_verified", "address", "updated_at",
    ]

    /// The service as stored: every omitted (or zero) setting given its default, the fields warrant owns cleared.
    static func normalized(_ input: Service, apiKey: Int64) -> Service {
        var service = input
        service.resultCode = nil
        service.resultMessage = nil
        service.apiKey = nil
        service.createdAt = nil
        service.modifiedAt = nil
        // Keys in HSMs are listed by the HSM APIs, not set here.
        service.hsks = nil
        service.serviceName = service.serviceName ?? "Service \(apiKey)"
        let issuer = service.issuer ?? URL(string: "http://localhost:8080/\(apiKey)") ?? URL(fileURLWithPath: "/")
        service.issuer = issuer
        func endpoint(_ current: URL?, _ path: String) -> URL { current ?? issuer.appendingPathComponent(path) }
        service.authorizationEndpoint = endpoint(service.authorizationEndpoint, "authorize")
        service.tokenEndpoint = endpoint(service.tokenEndpoint, "token")
        service.jwksUri = endpoint(service.jwksUri, "jwks")
        service.supportedScopes = service.supportedScopes
            ?? ["openid", "profile", "email", "address", "phone", "offline_access"].map { Scope(name: $0) }
        service.supportedResponseTypes = service.supportedResponseTypes ?? [.code]
        service.supportedGrantTypes = service.supportedGrantTypes ?? [.authorizationCode, .refreshToken, .clientCredentials]
        service.supportedTokenAuthMethods = service.supportedTokenAuthMethods
            ?? [.clientSecretBasic, .clientSecretPost, .privateKeyJwt, .none]
        service.supportedClaims = service.supportedClaims ?? standardClaims
        service.supportedClaimTypes = service.supportedClaimTypes ?? [.normal]
        service.supportedDisplays = service.supportedDisplays ?? [.page]
        service.supportedPromptValues = service.supportedPromptValues ?? [.none, .login, .consent, .selectAccount]
        service.accessTokenType = service.accessTokenType ?? "Bearer"
        service.accessTokenDuration = Bounds.givenDuration(service.accessTokenDuration) ?? defaultAccessTokenDuration
        service.refreshTokenDuration = Bounds.givenDuration(service.refreshTokenDuration) ?? defaultRefreshTokenDuration
        service.idTokenDuration = Bounds.givenDuration(service.idTokenDuration) ?? defaultIdTokenDuration
        service.authorizationCodeDuration = Bounds.givenDuration(service.authorizationCodeDuration) ?? defaultAuthorizationCodeDuration
        service.authorizationResponseDuration = Bounds.givenDuration(service.authorizationResponseDuration) ?? defaultTicketDuration
        service.idTokenAudType = service.idTokenAudType ?? .array
        return service
    }

    /// Every problem of the metadata, each naming its field.
    static func violations(of service: Service) -> [Violation] {
        var violations = Violations()
        if let issuer = service.issuer {
            for problem in URLRules.issuerProblems(issuer) { violations.report(problem, at: JSONPath.root.appending("issuer")) }
        }
        let endpoints: [(String, URL?)] = [
            ("authorizationEndpoint", service.authorizationEndpoint), ("tokenEndpoint", service.tokenEndpoint),
            ("revocationEndpoint", service.revocationEndpoint), ("userInfoEndpoint", service.userInfoEndpoint),
            ("introspectionEndpoint", service.introspectionEndpoint), ("registrationEndpoint", service.registrationEndpoint),
            ("endSessionEndpoint", service.endSessionEndpoint), ("pushedAuthReqEndpoint", service.pushedAuthReqEndpoint),
            ("jwksUri", service.jwksUri), ("deviceAuthorizationEndpoint", service.deviceAuthorizationEndpoint),
            ("deviceVerificationUri", service.deviceVerificationUri), ("deviceVerificationUriComplete", service.deviceVerificationUriComplete),
            ("backchannelAuthenticationEndpoint", service.backchannelAuthenticationEndpoint),
        ]
        for (name, url) in endpoints {
            if let url, !URLRules.isWebURL(url) {
                violations.report("must be an http or https URL", at: JSONPath.root.appending(name))
            }
        }
        var seen: Set<String> = []
        for (index, scope) in (service.supportedScopes ?? []).enumerated() {
            let path = JSONPath.root.appending("supportedScopes").appending(index).appending("name")
            if scope.name.contains(" ") { violations.report("must not contain spaces", at: path) }
            if !seen.insert(scope.name).inserted { violations.report("repeats scope '\(scope.name)'", at: path) }
        }
        if let algorithm = service.accessTokenSignAlg, SigningAlgorithm(rawValue: algorithm.rawValue) == nil {
            violations.report("must be \(SigningAlgorithm.listed), the algorithms warrant signs with", at: JSONPath.root.appending("accessTokenSignAlg"))
        }
        for (index, method) in (service.supportedTokenAuthMethods ?? []).enumerated() where !ClientAuthenticator.methods.contains(method) {
            violations.report(
                "\(method.rawValue) is not supported by warrant", at: JSONPath.root.appending("supportedTokenAuthMethods").appending(index))
        }
        for (index, mode) in (service.fapiModes ?? []).enumerated() where !FAPIRules.implemented.contains(mode) {
            violations.report("\(mode.rawValue) is not supported by warrant yet", at: JSONPath.root.appending("fapiModes").appending(index))
        }
        for (index, profile) in (service.supportedServiceProfiles ?? []).enumerated() where profile != .fapi {
            violations.report("\(profile.rawValue) is not supported by warrant", at: JSONPath.root.appending("supportedServiceProfiles").appending(index))
        }
        if FAPIRules(service.fapiModes ?? []).security, service.issSuppressed == true {
            violations.report("FAPI 2.0 needs iss in authorization responses", at: JSONPath.root.appending("issSuppressed"))
        }
        if !(service.fapiModes ?? []).isEmpty, !(service.supportedServiceProfiles ?? []).contains(.fapi) {
            violations.report("needs FAPI in supportedServiceProfiles", at: JSONPath.root.appending("fapiModes"))
        }
        if let complete = service.deviceVerificationUriComplete, !complete.absoluteString.contains(UserCodes.placeholder) {
            violations.report("must hold USER_CODE where the user code goes", at: JSONPath.root.appending("deviceVerificationUriComplete"))
        }
        if (service.supportedGrantTypes ?? []).contains(.deviceCode), service.deviceVerificationUri == nil {
            violations.report("DEVICE_CODE needs deviceVerificationUri, the page where users enter their code", at: JSONPath.root.appending("supportedGrantTypes"))
        }
        if (service.supportedGrantTypes ?? []).contains(.ciba), (service.supportedBackchannelTokenDeliveryModes ?? []).isEmpty {
            violations.report("CIBA needs supportedBackchannelTokenDeliveryModes", at: JSONPath.root.appending("supportedGrantTypes"))
        }
        if case .unknown? = service.userCodeCharset {
            violations.report("must be BASE20 or NUMERIC", at: JSONPath.root.appending("userCodeCharset"))
        } else if let length = service.userCodeLength, length != 0,
            let problem = UserCodes.lengthProblem(Int(length), charset: service.userCodeCharset ?? .base20)
        {
            violations.report(problem, at: JSONPath.root.appending("userCodeLength"))
        }
        for name in Unenforced.settings(of: service) {
            violations.report("is not supported by warrant yet; leave it out (or false, or empty)", at: JSONPath.root.appending(name))
        }
        for (index, pem) in (service.trustedRootCertificates ?? []).enumerated() where ClientCertificate(pem: pem) == nil {
            violations.report("must be one certificate in PEM", at: JSONPath.root.appending("trustedRootCertificates").appending(index))
        }
        // A front end that takes self-signed certificates (for SELF_SIGNED_TLS_CLIENT_AUTH) cannot vouch for PKI
        // chains: anyone could mint a certificate with a tls_client_auth client's subject. warrant must check them.
        let methods = service.supportedTokenAuthMethods ?? []
        if methods.contains(.tlsClientAuth), methods.contains(.selfSignedTlsClientAuth), service.mutualTlsValidatePkiCertChain != true {
            violations.report(
                "TLS_CLIENT_AUTH beside SELF_SIGNED_TLS_CLIENT_AUTH needs mutualTlsValidatePkiCertChain and trustedRootCertificates",
                at: JSONPath.root.appending("supportedTokenAuthMethods"))
        }
        if service.mutualTlsValidatePkiCertChain == true, (service.trustedRootCertificates ?? []).isEmpty {
            violations.report("needs trustedRootCertificates to validate chains against", at: JSONPath.root.appending("mutualTlsValidatePkiCertChain"))
        }
        for name in ["tokenExchangeTrustedIssuers", "jwtGrantTrustedIssuers"] {
            let issuers = (name == "jwtGrantTrustedIssuers" ? service.jwtGrantTrustedIssuers : service.tokenExchangeTrustedIssuers) ?? []
            for (index, trusted) in issuers.enumerated() {
                let path = JSONPath.root.appending(name).appending(index).appending("jwks")
                if let problem = JWKSetRules.publicKeyProblem(trusted.jwks) { violations.report(problem, at: path) }
            }
        }
        return violations.list
    }
}

/// What URLs may be used where.
enum URLRules {
    static let loopbackHosts: Set<String> = ["localhost", "127.0.0.1", "::1", "[::1]"]

    static func isLoopback(_ url: URL) -> Bool {
        guard let host = url.host?.lowercased() else { return false }
        return loopbackHosts.contains(host) || host.hasPrefix("127.")
    }

    static func isWebURL(_ url: URL) -> Bool {
        guard let scheme = url.scheme?.lowercased(), url.host != nil else { return false }
        return scheme == "https" || scheme == "http"
    }

    /// OpenID Connect Discovery §3: https, no query, no fragment (plain http only on loopback, for development).
    static func issuerProblems(_ issuer: URL) -> [String] {
        var problems: [String] = []
        let scheme = issuer.scheme?.lowercased()
        if issuer.host == nil || !(scheme == "https" || (scheme == "http" && isLoopback(issuer))) {
            problems.append("must be an https URL (http only for localhost)")
        }
        if issuer.query != nil { problems.append("must not have a query") }
        if issuer.fragment != nil { problems.append("must not have a fragment") }
        return problems
    }

    /// RFC 8707 §2: a resource indicator is an absolute URI without a fragment.
    static func isResourceIndicator(_ text: String) -> Bool {
        guard let url = URL(string: text), url.scheme != nil else { return false }
        return url.fragment == nil && !text.contains("#")
    }
}

/// What a JWK Set of someone else's keys must be.
enum JWKSetRules {
    /// Nil for a JWK Set of public keys; what is wrong otherwise.
    static func publicKeyProblem(_ text: String) -> String? {
        guard case .object(let set)? = try? JSONValue(parsing: text), case .array(let keys)? = set["keys"], !keys.isEmpty else {
            return "must be a JWK Set: an object with a non-empty keys array"
        }
        for key in keys {
            guard case .object(let members) = key, members["kty"]?.stringValue != nil else { return "every key must be an object with kty" }
            // Private or symmetric key material has no place in a list of keys that verify.
            if members["d"] != nil || members["k"] != nil { return "must hold public keys only" }
        }
        return nil
    }
}
