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
    static let healthy = ResultCode("A001001", "The server answers and its database takes writes.")
    static let ready = ResultCode("A001002", "The node is ready: its database answers and has every migration it needs.")
    static let databaseUnavailable = ResultCode("A001102", "The database does not answer.")
    static let draining = ResultCode("A001105", "The process is stopping: send requests to other nodes.")
    static let schemaBehind = ResultCode("A001106", "The database lacks migrations this process needs.")
    static let diskFull = ResultCode("A001103", "The database's disk is full: warrant can read, but cannot store anything.")
    static let databaseReadOnly = ResultCode("A001104", "The database file or its folder is read-only: warrant can read, but cannot store anything.")
    static let internalError = ResultCode("A001101", "The server failed to process the request.")
    static let malformedRequest = ResultCode("A001201", "The request is malformed.")
    static let unauthenticated = ResultCode("A001202", "The Authorization header is missing or holds an unknown token.")
    static let forbiddenService = ResultCode("A001203", "The access token may not act on this service.")
    static let organizationTokenRequired = ResultCode("A001204", "This API needs an organization token.")
    static let unsupportedMediaType = ResultCode("A001205", "The request body's Content-Type is not accepted.")
    static let bodyTooLarge = ResultCode("A001206", "The request body is too large.")
    static let privateKeysForbidden = ResultCode("A001208", "Only an organization token may read private keys.")
    static let requestTimeout = ResultCode("A001207", "The request body did not arrive in time.")
    static let tokenValueTaken = ResultCode("A001209", "A token value the caller chose is already in use.")
    static let unknownPath = ResultCode("A001210", "There is no such API.")
    static let methodNotAllowed = ResultCode("A001211", "The API does not take this method.")
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
    static let clientSecretUpdated = ResultCode("A310006", "The client secret was set.")
    static let clientLockFlagUpdated = ResultCode("A310007", "The client's lock flag was set.")
    static let clientInvalid = ResultCode("A310201", "The client metadata is invalid.")
    static let clientChangedMeanwhile = ResultCode("A310204", "The client kept changing while this change was made; retry.")
    static let clientNotFound = ResultCode("A310202", "There is no such client.")
    static let publicClientHasNoSecret = ResultCode("A310203", "A public client has no secret.")
    // What users granted clients (group 360)
    static let grantedScopesRead = ResultCode("A360001", "The granted scopes were read.")
    static let grantedScopesDeleted = ResultCode("A360002", "The granted scopes were deleted.")
    static let authorizedClientsListed = ResultCode("A360003", "The clients the user authorized were listed.")
    static let clientAuthorizationUpdated = ResultCode("A360004", "The scopes of the user's tokens at the client were changed.")
    static let clientAuthorizationDeleted = ResultCode("A360005", "The user's tokens at the client were revoked.")
    static let unsupportedScope = ResultCode("A360201", "A scope is not one the service supports.")
    // Discovery (group 380)
    static let discoveryPatchInvalid = ResultCode("A380201", "The patch cannot be applied to the discovery document.")
    // JOSE (group 370)
    static let joseValid = ResultCode("A370001", "The JOSE object is valid.")
    static let joseInvalid = ResultCode("A370002", "The JOSE object is not valid; errorDescriptions says why.")
    // Service access tokens (group 320)
    static let serviceTokenCreated = ResultCode("A320001", "The service access token was created.")
    static let serviceTokensListed = ResultCode("A320002", "The service access tokens were listed.")
    static let serviceTokenNotFound = ResultCode("A320202", "There is no such service access token.")
    // Organization tokens (group 340)
    static let organizationTokenRotated = ResultCode("A340001", "A new organization token was issued; the old one retires.")
    // Authorization endpoint (group 004, issue 040, fail 041)
    static let authorizationInteraction = ResultCode("A004001", "The authorization request is valid; a ticket was issued.")
    static let authorizationNoInteraction = ResultCode("A004002", "The authorization request is valid and asks for no interaction.")
    static let authorizationRejected = ResultCode("A004201", "The authorization request cannot be trusted: the client or redirect URI is wrong.")
    static let oauthRequestInvalid = ResultCode("A004301", "The OAuth request is invalid.")
    static let authorizationDetailsRefused = ResultCode("A040204", "The authorizationDetails given are not ones the service and client accept; the ticket stays usable.")
    static let requestUriUnusable = ResultCode("A004203", "The request_uri is not a registered URL, or what it holds could not be fetched or is no JWT.")
    static let requestUriUnknown = ResultCode("A004202", "The request_uri is unknown, already used, expired or another client's.")
    static let authorizationIssued = ResultCode("A040001", "The authorization response was issued.")
    static let ticketUnknown = ResultCode("A040201", "The ticket is unknown, already used or expired.")
    static let ticketInfoRead = ResultCode("A040002", "The ticket's information was read.")
    static let ticketInfoUpdated = ResultCode("A040003", "The ticket's information was replaced.")
    static let ticketInfoInvalid = ResultCode("A040202", "info must be an AuthorizationTicketInfo as JSON text, such as {\"context\": \"…\"}.")
    static let authorizationFailed = ResultCode("A041001", "The authorization error response was built.")
    // Pushed authorization requests (group 245)
    static let pushedRequestCreated = ResultCode("A245001", "The authorization request was pushed; its request_uri was issued.")
    static let pushedRequestInvalid = ResultCode("A245201", "The pushed authorization request is invalid.")
    static let pushedRequestUnauthorized = ResultCode("A245202", "Client authentication at the PAR endpoint failed.")
    // DPoP (group 246)
    static let dpopProofInvalid = ResultCode("A246201", "The DPoP proof is invalid.")
    static let dpopNonceMissing = ResultCode("A246202", "The DPoP proof lacks the server's current nonce.")
    static let dpopProofMissing = ResultCode("A246203", "The token is DPoP-bound or the client must use DPoP, and the request carries no proof.")
    // Mutual TLS (group 247)
    static let certificateMismatch = ResultCode("A247201", "The access token is bound to a TLS client certificate that the request does not carry.")
    // Polls of the grants decided on another device (device code, CIBA) at the token endpoint (050)
    static let authorizationPending = ResultCode("A050008", "The user has not decided yet.")
    static let polledTooSoon = ResultCode("A050009", "The client polled sooner than its interval allows.")
    static let pollRefused = ResultCode("A050304", "The device code or auth_req_id is unknown, used, expired or another client's, or the user refused or the authorization failed.")
    // The device flow (RFC 8628): authorization 250, verification 251, decisions 252
    static let deviceAuthorizationIssued = ResultCode("A250001", "The device authorization request is valid; a device code and a user code were issued.")
    static let deviceAuthorizationInvalid = ResultCode("A250201", "The device authorization request is invalid.")
    static let deviceAuthorizationUnauthorized = ResultCode("A250202", "Client authentication at the device authorization endpoint failed.")
    static let userCodesGuessed = ResultCode("A250301", "Too many wrong user codes for this service in the last minute; retry in a minute.")
    static let userCodeValid = ResultCode("A251001", "The user code is valid; ask the user to approve the device's request.")
    static let userCodeExpired = ResultCode("A251002", "The user code has expired.")
    static let userCodeUnknown = ResultCode("A251003", "There is no such user code, or it was decided already.")
    static let deviceDecisionRecorded = ResultCode("A252001", "The user's decision was recorded; the device's next poll gets its answer.")
    static let deviceDecisionInvalid = ResultCode("A252201", "The decision cannot be recorded as given.")
    // CIBA: authentication 260, issue 261, fail 262, complete 263
    static let backchannelUserIdentification = ResultCode("A260001", "The backchannel authentication request is valid; find the user the hint names.")
    static let backchannelInvalid = ResultCode("A260201", "The backchannel authentication request is invalid.")
    static let backchannelUnauthorized = ResultCode("A260202", "Client authentication at the backchannel authentication endpoint failed.")
    static let backchannelIssued = ResultCode("A261001", "The auth_req_id was issued.")
    static let backchannelTicketUnknown = ResultCode("A261201", "The ticket is unknown, used, decided already or expired.")
    static let backchannelFailed = ResultCode("A262001", "The error response for the client was built.")
    static let backchannelRecorded = ResultCode("A263001", "The user's decision was recorded; the client's next poll gets its answer.")
    static let backchannelNotify = ResultCode("A263002", "The user's decision was recorded; notify the client.")
    static let backchannelDecisionInvalid = ResultCode("A263201", "The decision cannot be recorded as given.")
    // Token endpoint (group 050, issue 054, fail 067)
    static let tokenIssued = ResultCode("A050001", "The token request was processed; tokens were issued.")
    static let passwordGrant = ResultCode("A050002", "The password grant is valid; check the credentials.")
    static let idTokenReissuable = ResultCode("A050003", "Tokens were issued; the ID token can be reissued.")
    static let clientAuthenticationFailed = ResultCode("A050301", "Client authentication failed.")
    static let passwordTokensIssued = ResultCode("A054001", "The password grant was processed; tokens were issued.")
    static let passwordGrantRefused = ResultCode("A067301", "The resource owner's credentials were refused.")
    static let tokenExchangeValid = ResultCode("A050004", "The token exchange request is valid; apply your policy.")
    static let tokenExchanged = ResultCode("A050005", "The token was exchanged.")
    static let tokenExchangeRefused = ResultCode("A050302", "The token exchange request was refused.")
    static let jwtBearerValid = ResultCode("A050006", "The JWT bearer grant is valid; verify the assertion, then issue with /auth/token/create.")
    static let jwtBearerIssued = ResultCode("A050007", "The JWT bearer assertion was verified; an access token was issued.")
    static let jwtBearerRefused = ResultCode("A050303", "The JWT bearer grant was refused.")
    // Introspection (group 056), standard introspection (145)
    static let tokenUsable = ResultCode("A056001", "The access token is usable.")
    static let introspectionTokenMissing = ResultCode("A056301", "No access token was presented.")
    static let tokenUnknown = ResultCode("A056302", "The access token is unknown.")
    static let tokenExpired = ResultCode("A056303", "The access token has expired.")
    static let tokenRevoked = ResultCode("A056304", "The access token has been revoked.")
    static let tokenInsufficient = ResultCode("A056305", "The access token does not cover the request.")
    static let tokenActive = ResultCode("A145001", "The token is active.")
    static let tokenInactive = ResultCode("A145002", "The token is not active.")
    static let standardIntrospectionInvalid = ResultCode("A145301", "The introspection request is invalid.")
    // Revocation (group 113)
    static let tokenRevocationDone = ResultCode("A113001", "The token has been revoked successfully.")
    static let tokenRevocationIgnored = ResultCode("A113002", "There was no token of this client to revoke.")
    static let revocationInvalid = ResultCode("A113301", "The revocation request is invalid.")
    // UserInfo (group 091, issue 096)
    static let userInfoReady = ResultCode("A091001", "The access token is good; load the claims and call /auth/userinfo/issue.")
    static let userInfoForbidden = ResultCode("A091305", "The access token has no openid scope or no user.")
    static let userInfoIssuedJSON = ResultCode("A096001", "The UserInfo response was built as JSON.")
    static let userInfoIssuedJWT = ResultCode("A096002", "The UserInfo response was built as a signed JWT.")
    // Token management (group 109 create, 135 update, 134 the rest)
    static let tokenCreated = ResultCode("A109001", "The access token was created.")
    static let tokenCreateInvalid = ResultCode("A109201", "The token creation request is invalid.")
    static let tokenCreateForbidden = ResultCode("A109202", "The client or service does not allow the grant type.")
    static let tokenBatchAccepted = ResultCode("A109002", "The token batch was accepted; its status tells how it ends.")
    static let tokenBatchStatusRead = ResultCode("A109003", "The token batch's status was read.")
    static let tokenBatchValueTaken = ResultCode("A109203", "A token value a request of the batch chose is in use already; the batch created nothing.")
    static let tokenBatchInterrupted = ResultCode("A109204", "The batch was interrupted (its process ended) and created nothing.")
    static let tokenBatchClientGone = ResultCode("A109207", "A client of the batch was deleted while it ran; the batch created nothing.")
    static let tokenBatchesBusy = ResultCode("A109208", "Too many token batches are running on this node; retry later.")
    static let tokenBatchInvalid = ResultCode("A109205", "Requests of the batch would be refused; violations names each by its index.")
    static let tokenBatchNotFound = ResultCode("A109206", "There is no such token batch.")
    static let tokenUpdated = ResultCode("A135001", "The access token was updated.")
    static let tokenUpdateInvalid = ResultCode("A135201", "The token update request is invalid.")
    static let tokenUpdateNotFound = ResultCode("A135202", "There is no such access token.")
    static let tokenUpdateForbidden = ResultCode("A135203", "The access token has been revoked and cannot be changed.")
    static let tokensListed = ResultCode("A134001", "The access tokens were listed.")
    static let tokensRevoked = ResultCode("A134002", "The tokens were revoked.")
    static let tokenNotFound = ResultCode("A134201", "There is no such access token.")
    static let nothingToRevoke = ResultCode("A134202", "Give a token, a client or a subject to revoke.")
    // ID token reissue (group 070)
    static let idTokenReissued = ResultCode("A070001", "The ID token was reissued.")
    static let idTokenReissueCallerError = ResultCode("A070201", "The reissue request is wrong.")
    // Discovery and keys (group 330)
    static let keysRotated = ResultCode("A330001", "The signing keys were rotated.")
    // OpenID Federation (group 350)
    static let federationNotEnabled = ResultCode("A350201", "The service has not enabled OpenID Federation.")
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

    /// No route has this path.
    public static func unknownPath(method: String, path: String) -> APIFailure {
        APIFailure(404, ResultCode(ResultCode.unknownPath.code, "There is no such API: \(method) \(path)."))
    }

    /// The path is an API, but not for this method.
    public static func methodNotAllowed(method: String, allowed: [String]) -> APIFailure {
        APIFailure(405, ResultCode(ResultCode.methodNotAllowed.code, "The API does not take \(method); use \(allowed.joined(separator: " or "))."))
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
        var options = ServerOptions(
            errorBody: { failure in
                let result: ResultCode =
                    switch failure.kind {
                    case .invalidRequest: .malformedRequest
                    case .unauthorized: .unauthenticated
                    case .unsupportedMediaType: .unsupportedMediaType
                    case .payloadTooLarge: .bodyTooLarge
                    case .requestTimeout: .requestTimeout
                    case .internalError: .internalError
                    }
                let detailed = ResultCode(result.code, "\(failure.operationID): \(failure.message)")
                return APIFailure(failure.status, detailed, violations: failure.violations).jsonBody
            },
            onInternalError: onInternalError)
        // Authlete's server binds JSON as Jackson does: a subject sent as 42 is the text "42".
        options.coercesJSONScalars = true
        options.unexpectedErrorAnswer = FaultAnswer.answer
        return options
    }
}
