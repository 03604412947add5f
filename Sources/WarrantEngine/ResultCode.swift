import SpecRuntime
import WarrantAPI

/// A result code: `A`, a three-digit group, a category digit (0 success, 1 warrant's fault, 2 the caller's)
/// and a two-digit serial, with its message. The README lists every code.
public struct ResultCode: Sendable, Equatable {
    public var code: String
    public var text: String

    init(_ code: String, _ text: String) {
        self.code = code
        self.text = text
    }

    /// `[A300001] The service was created.`
    public var message: String { "[\(code)] \(text)" }

    public var apiResult: ApiResult { ApiResult(resultCode: code, resultMessage: message) }

    // General (group 001)
    static let healthy = ResultCode("A001001", "The server and its database answer.")
    static let databaseUnavailable = ResultCode("A001102", "The database does not answer.")
    static let internalError = ResultCode("A001101", "The server failed to process the request.")
    static let malformedRequest = ResultCode("A001201", "The request is malformed.")
    static let unauthenticated = ResultCode("A001202", "The Authorization header is missing or holds an unknown token.")
    static let forbiddenService = ResultCode("A001203", "The access token may not act on this service.")
    static let organizationTokenRequired = ResultCode("A001204", "This API needs an organization token.")
    static let unsupportedMediaType = ResultCode("A001205", "The request body's Content-Type is not accepted.")
    static let bodyTooLarge = ResultCode("A001206", "The request body is too large.")
    static let privateKeysForbidden = ResultCode("A001208", "Only an organization token may read private keys.")
    // Services (group 300)
    static let serviceCreated = ResultCode("A300001", "The service was created.")
    static let serviceRead = ResultCode("A300002", "The service was read.")
    static let servicesListed = ResultCode("A300003", "The services were listed.")
    static let serviceUpdated = ResultCode("A300004", "The service was updated.")
    static let serviceInvalid = ResultCode("A300201", "The service metadata is invalid.")
    static let serviceNotFound = ResultCode("A300202", "There is no such service.")
    static let badRange = ResultCode("A300203", "start must not be greater than end.")
    // Clients (group 310)
    static let clientCreated = ResultCode("A310001", "The client was created.")
    static let clientRead = ResultCode("A310002", "The client was read.")
    static let clientsListed = ResultCode("A310003", "The clients were listed.")
    static let clientUpdated = ResultCode("A310004", "The client was updated.")
    static let clientSecretRefreshed = ResultCode("A310005", "The client secret was refreshed.")
    static let clientInvalid = ResultCode("A310201", "The client metadata is invalid.")
    static let clientNotFound = ResultCode("A310202", "There is no such client.")
    static let publicClientHasNoSecret = ResultCode("A310203", "A public client has no secret.")
    // Service access tokens (group 320)
    static let serviceTokenCreated = ResultCode("A320001", "The service access token was created.")
    static let serviceTokensListed = ResultCode("A320002", "The service access tokens were listed.")
    static let serviceTokenNotFound = ResultCode("A320202", "There is no such service access token.")
    // Authorization endpoint (group 004, issue 040, fail 041)
    static let authorizationInteraction = ResultCode("A004001", "The authorization request is valid; a ticket was issued.")
    static let authorizationNoInteraction = ResultCode("A004002", "The authorization request is valid and asks for no interaction.")
    static let authorizationRejected = ResultCode("A004201", "The authorization request cannot be trusted: the client or redirect URI is wrong.")
    static let oauthRequestInvalid = ResultCode("A004301", "The OAuth request is invalid.")
    static let authorizationIssued = ResultCode("A040001", "The authorization response was issued.")
    static let ticketUnknown = ResultCode("A040201", "The ticket is unknown, already used or expired.")
    static let authorizationFailed = ResultCode("A041001", "The authorization error response was built.")
    // Token endpoint (group 050, issue 054, fail 067)
    static let tokenIssued = ResultCode("A050001", "The token request was processed; tokens were issued.")
    static let passwordGrant = ResultCode("A050002", "The password grant is valid; check the credentials.")
    static let idTokenReissuable = ResultCode("A050003", "Tokens were issued; the ID token can be reissued.")
    static let clientAuthenticationFailed = ResultCode("A050301", "Client authentication failed.")
    static let passwordTokensIssued = ResultCode("A054001", "The password grant was processed; tokens were issued.")
    static let passwordGrantRefused = ResultCode("A067301", "The resource owner's credentials were refused.")
    // ID token reissue (group 070)
    static let idTokenReissued = ResultCode("A070001", "The ID token was reissued.")
    static let idTokenReissueCallerError = ResultCode("A070201", "The reissue request is wrong.")
    // Discovery and keys (group 330)
    static let keysRotated = ResultCode("A330001", "The signing keys were rotated.")
    static let patchNotSupported = ResultCode("A330201", "patch is not supported.")
}

/// A failed API call: its HTTP status and `{resultCode, resultMessage}` body (with the violations, when the
/// request was invalid). Thrown by the engine; the generated routes send it as it is.
public struct APIFailure: Error, HTTPStatusError, Equatable {
    public var status: Int
    public var result: ResultCode
    public var violations: [Violation]

    public init(_ status: Int, _ result: ResultCode, violations: [Violation] = []) {
        self.status = status
        self.result = result
        self.violations = violations
    }

    public var jsonBody: JSONValue {
        var body = result.apiResult
        if !violations.isEmpty {
            body.fieldViolations = violations.map {
                FieldViolation(in: $0.location.rawValue, path: $0.path, message: $0.message)
            }
        }
        return body.jsonValue
    }

    static func notFound(_ result: ResultCode) -> APIFailure { APIFailure(404, result) }
    static func invalid(_ result: ResultCode, _ violations: [Violation]) -> APIFailure {
        APIFailure(400, result, violations: violations)
    }
}

extension ServerOptions {
    /// Options for warrant's routes: error bodies in Authlete's `{resultCode, resultMessage}` form.
    public static func warrant(onInternalError: @escaping @Sendable (any Error, String) -> Void) -> ServerOptions {
        ServerOptions(
            errorBody: { failure in
                let result: ResultCode =
                    switch failure.kind {
                    case .invalidRequest: .malformedRequest
                    case .unauthorized: .unauthenticated
                    case .unsupportedMediaType: .unsupportedMediaType
                    case .payloadTooLarge: .bodyTooLarge
                    case .internalError: .internalError
                    }
                let detailed = ResultCode(result.code, "\(failure.operationID): \(failure.message)")
                return APIFailure(failure.status, detailed, violations: failure.violations).jsonBody
            },
            onInternalError: onInternalError)
    }
}
