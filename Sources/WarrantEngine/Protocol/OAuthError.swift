import SpecRuntime

/// An OAuth error (RFC 6749 §4.1.2.1, §5.2): what goes into `responseContent` or into the redirect.
struct OAuthError: Error, Equatable {
    var error: String
    var description: String
    /// The result code the error is reported under.
    var result: ResultCode
    /// `error_uri`: a page about the error, when the front end named one.
    var uri: String? = nil
    /// An `error_description` the front end chose, passed on as it is (without the result code).
    var chosenDescription: String? = nil

    init(_ error: String, _ description: String, _ result: ResultCode = .oauthRequestInvalid) {
        self.error = error
        self.description = description
        self.result = result
    }

    static func invalidRequest(_ description: String) -> OAuthError { OAuthError("invalid_request", description) }
    static func invalidGrant(_ description: String) -> OAuthError { OAuthError("invalid_grant", description) }
    static func invalidScope(_ description: String) -> OAuthError { OAuthError("invalid_scope", description) }
    static func invalidClient(_ description: String) -> OAuthError { OAuthError("invalid_client", description, .clientAuthenticationFailed) }
    /// Answered with 401 (INVALID_CLIENT) rather than 400.
    var isInvalidClient: Bool { error == "invalid_client" }
    static func unauthorizedClient(_ description: String) -> OAuthError { OAuthError("unauthorized_client", description) }
    static func unsupportedGrantType(_ description: String) -> OAuthError { OAuthError("unsupported_grant_type", description) }

    /// `error_description` carries the result code, as Authlete's does: `[A…] text`.
    func members(omitDescription: Bool = false) -> [(String, String)] {
        var members = [("error", error)]
        if !omitDescription { members.append(("error_description", chosenDescription ?? "[\(result.code)] \(description)")) }
        if let uri { members.append(("error_uri", uri)) }
        return members
    }

    func jsonBody(omitDescription: Bool = false) -> String {
        JSONValue.object(Dictionary(uniqueKeysWithValues: members(omitDescription: omitDescription).map { ($0, JSONValue.string($1)) }))
            .serializedString
    }
}
