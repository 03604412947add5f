import Foundation
import SpecRuntime
import WarrantAPI

/// The OpenID Provider metadata of a service (OpenID Connect Discovery 1.0 §3, RFC 8414 §2).
enum Discovery {
    /// - Parameter fetchesRequestUris: whether this process fetches request objects from registered URLs.
    static func document(for service: Service, fetchesRequestUris: Bool = false) -> JSONValue {
        var members: [String: JSONValue] = [:]
        func set(_ name: String, _ url: URL?) { if let url { members[name] = .string(url.absoluteString) } }
        func set(_ name: String, _ values: [String]?) { if let values, !values.isEmpty { members[name] = .array(values.map(JSONValue.string)) } }
        set("issuer", service.issuer)
        set("authorization_endpoint", service.authorizationEndpoint)
        set("token_endpoint", service.tokenEndpoint)
        set("userinfo_endpoint", service.userInfoEndpoint)
        set("jwks_uri", service.jwksUri)
        set("registration_endpoint", service.registrationEndpoint)
        set("revocation_endpoint", service.revocationEndpoint)
        set("introspection_endpoint", service.introspectionEndpoint)
        set("end_session_endpoint", service.endSessionEndpoint)
        set("op_policy_uri", service.policyUri)
        set("op_tos_uri", service.tosUri)
        set("pushed_authorization_request_endpoint", service.pushedAuthReqEndpoint)
        set("device_authorization_endpoint", service.deviceAuthorizationEndpoint)
        set("backchannel_authentication_endpoint", service.backchannelAuthenticationEndpoint)
        if service.backchannelAuthenticationEndpoint != nil {
            set("backchannel_token_delivery_modes_supported", service.supportedBackchannelTokenDeliveryModes?.map { $0.rawValue.lowercased() })
            set("backchannel_authentication_request_signing_alg_values_supported", ClientAssertion.allowedAlgorithms.sorted())
            members["backchannel_user_code_parameter_supported"] = .bool(service.backchannelUserCodeParameterSupported == true)
        }
        if service.pushedAuthReqEndpoint != nil || service.parRequired == true {
            members["require_pushed_authorization_requests"] = .bool(service.parRequired == true)
        }
        set("scopes_supported", service.supportedScopes?.map(\.name))
        set("response_types_supported", service.supportedResponseTypes?.compactMap(ProtocolValues.responseType))
        set("response_modes_supported", ["query", "fragment", "form_post", "jwt", "query.jwt", "fragment.jwt", "form_post.jwt"])
        set("grant_types_supported", service.supportedGrantTypes?.compactMap(ProtocolValues.grantType))
        set("subject_types_supported", ["public"])
        let algorithms = SigningAlgorithm.allCases.map(\.rawValue)
        set("id_token_signing_alg_values_supported", algorithms)
        set("userinfo_signing_alg_values_supported", algorithms)
        set("authorization_signing_alg_values_supported", algorithms)
        set("token_endpoint_auth_methods_supported", service.supportedTokenAuthMethods?.map(ProtocolValues.authMethod))
        // Assertions are verified with the client's public keys; client_secret_jwt (HMAC) is not offered.
        set("token_endpoint_auth_signing_alg_values_supported", ClientAssertion.allowedAlgorithms.sorted())
        set("revocation_endpoint_auth_methods_supported", service.supportedRevocationAuthMethods?.map(ProtocolValues.authMethod))
        set("introspection_endpoint_auth_methods_supported", service.supportedIntrospectionAuthMethods?.map(ProtocolValues.authMethod))
        set("claims_supported", service.supportedClaims)
        set("claim_types_supported", service.supportedClaimTypes?.map { $0.rawValue.lowercased() })
        set("display_values_supported", service.supportedDisplays?.map { $0.rawValue.lowercased() })
        set("prompt_values_supported", service.supportedPromptValues?.map { $0.rawValue.lowercased() })
        set("ui_locales_supported", service.supportedUiLocales)
        set("claims_locales_supported", service.supportedClaimLocales)
        set("acr_values_supported", service.supportedAcrs)
        set("code_challenge_methods_supported", service.pkceS256Required == true ? ["S256"] : ["S256", "plain"])
        if let alg = service.accessTokenSignAlg, alg.isKnown, alg != .none {
            set("access_token_signing_alg_values_supported", [alg.rawValue])
        }
        members["claims_parameter_supported"] = true
        // Request objects by value (RFC 9101), pushed, or by reference from a URL the client registered.
        members["request_parameter_supported"] = true
        members["request_uri_parameter_supported"] = .bool(fetchesRequestUris)
        if fetchesRequestUris { members["require_request_uri_registration"] = true }
        set("request_object_signing_alg_values_supported", ClientAssertion.allowedAlgorithms.sorted())
        members["require_signed_request_object"] = .bool(service.requestObjectRequired == true)
        members["authorization_response_iss_parameter_supported"] = .bool(service.issSuppressed != true)
        // DPoP (RFC 9449 §5.1): proofs are accepted at every token and resource call.
        set("dpop_signing_alg_values_supported", DPoPProof.algorithms.sorted())
        set("authorization_details_types_supported", service.supportedAuthorizationDetailsTypes)
        // Mutual TLS (RFC 8705 §3.3, §5).
        // Any client may register tlsClientCertificateBoundAccessTokens, so binding is always offered.
        members["tls_client_certificate_bound_access_tokens"] = true
        if let aliases = service.mtlsEndpointAliases, !aliases.isEmpty {
            members["mtls_endpoint_aliases"] = .object(Dictionary(aliases.map { ($0.name, JSONValue.string($0.uri.absoluteString)) }, uniquingKeysWith: { first, _ in first }))
        }
        return .object(members)
    }
}
