import WarrantAPI

/// The one table between Authlete's enum names and the protocol's words (`CODE_ID_TOKEN` → `code id_token`,
/// `CLIENT_CREDENTIALS` → `client_credentials`).
enum ProtocolValues {
    static func responseType(_ type: ResponseType) -> String? {
        guard type.isKnown else { return nil }
        return type.rawValue.lowercased().replacingOccurrences(of: "_", with: " ").replacingOccurrences(of: "id token", with: "id_token")
    }

    static func grantType(_ type: GrantType) -> String? {
        switch type {
        case .authorizationCode: "authorization_code"
        case .implicit: "implicit"
        case .password: "password"
        case .clientCredentials: "client_credentials"
        case .refreshToken: "refresh_token"
        case .ciba: "urn:openid:params:grant-type:ciba"
        case .deviceCode: "urn:ietf:params:oauth:grant-type:device_code"
        case .tokenExchange: "urn:ietf:params:oauth:grant-type:token-exchange"
        case .jwtBearer: "urn:ietf:params:oauth:grant-type:jwt-bearer"
        case .preAuthorizedCode: "urn:ietf:params:oauth:grant-type:pre-authorized_code"
        case .unknown: nil
        }
    }

    /// The grant type a token request names, by its protocol identifier.
    static func grantType(named text: String) -> GrantType? {
        GrantType.knownValues.first { grantType($0) == text }
    }

    static func authMethod(_ method: ClientAuthMethod) -> String { method.rawValue.lowercased() }

    /// The response type a request's words make (in any order), when it is one.
    static func responseType(words: Set<String>) -> ResponseType? {
        switch words {
        case ["none"]: ResponseType.none
        case ["code"]: .code
        case ["token"]: .token
        case ["id_token"]: .idToken
        case ["code", "token"]: .codeToken
        case ["code", "id_token"]: .codeIdToken
        case ["id_token", "token"]: .idTokenToken
        case ["code", "id_token", "token"]: .codeIdTokenToken
        default: nil
        }
    }

    /// The words of a space-separated list (scopes, prompts), empty ones dropped.
    static func words(_ text: String) -> [String] {
        text.split(separator: " ").map(String.init)
    }

    /// RFC 8693 token type identifiers as Authlete's names.
    static func tokenType(_ identifier: TokenTypeIdentifier) -> TokenType? {
        switch identifier {
        case .accessToken: .accessToken
        case .refreshToken: .refreshToken
        case .idToken: .idToken
        case .jwt: .jwt
        case .saml1: .saml1
        case .saml2: .saml2
        case .unknown: nil
        }
    }
}
