import Foundation
import SpecRuntime
import WarrantAPI
import WarrantStore

/// What a front end says of the user's decision on their own device: /device/complete and
/// /backchannel/authentication/complete carry the same members.
protocol DecoupledApproval {
    /// `result`, as written on the wire.
    var resultName: String { get }
    var errorDescription: String? { get }
    var errorUri: URL? { get }
    var refreshTokenDuration: Int64? { get }
    var subject: String { get }
    var sub: String? { get }
    var authTime: Int64? { get }
    var acr: String? { get }
    var claims: String? { get }
    var properties: [Property]? { get }
    var scopes: [String]? { get }
    var idtHeaderParams: String? { get }
    var consentedClaims: [String]? { get }
    var jwtAtClaims: String? { get }
    var accessTokenDuration: Int64? { get }
    var idTokenAudType: IdTokenAudType? { get }
}

extension DecoupledApproval {
    /// The two APIs' result enums have the same values.
    var outcome: DecoupledAuthorizationRecord.State? {
        switch resultName {
        case "AUTHORIZED": .authorized
        case "ACCESS_DENIED": .denied
        case "TRANSACTION_FAILED": .failed
        default: nil
        }
    }
}

extension DeviceCompleteRequest: DecoupledApproval {
    var resultName: String { result.rawValue }
}

extension BackchannelAuthenticationCompleteRequest: DecoupledApproval {
    var resultName: String { result.rawValue }
}

extension DecoupledAuthorization {
    /// What is wrong with an approval, for the caller's resultMessage.
    struct Problem: Error {
        var text: String
        init(_ text: String) { self.text = text }
    }

    /// The record's state and decision a call makes; what is wrong with it otherwise (a result this version
    /// does not know, an error_description outside RFC 6749 §5.2's characters, or what ``approved`` refuses).
    static func decided(_ body: some DecoupledApproval, request: Request, client: ClientPolicy, service: ServicePolicy)
        -> Result<(DecoupledAuthorizationRecord.State, Decision), Problem>
    {
        switch body.outcome {
        case nil:
            return .failure(Problem("result '\(body.resultName)' is not AUTHORIZED, ACCESS_DENIED or TRANSACTION_FAILED."))
        case .authorized?:
            return approved(body, request: request, client: client, service: service).map {
                (.authorized, Decision(details: $0, refreshTokenDuration: body.refreshTokenDuration))
            }
        case let refused?:
            if let text = body.errorDescription, !isErrorDescription(text) {
                return .failure(Problem("errorDescription may hold printable ASCII only, without \" and \\."))
            }
            return .success((refused, Decision(errorDescription: body.errorDescription, errorUri: body.errorUri?.absoluteString)))
        }
    }

    /// The grant's details an approval makes of the request; what is wrong with the approval otherwise (claims
    /// that are no JSON object, scopes the service does not have or the client may not request).
    static func approved(_ body: some DecoupledApproval, request: Request, client: ClientPolicy, service: ServicePolicy)
        -> Result<GrantDetails, Problem>
    {
        if let claims = body.claims {
            guard case .object? = try? JSONValue(parsing: claims) else { return .failure(Problem("claims must be a JSON object.")) }
        }
        if let unknown = body.scopes?.first(where: { !service.scopeNames.contains($0) }) {
            return .failure(Problem("The scope '\(unknown)' is not one the service supports."))
        }
        if let forbidden = body.scopes?.first(where: { !client.mayRequest($0) }) {
            return .failure(Problem("The client may not request the scope '\(forbidden)'."))
        }
        var details = GrantDetails(
            subject: body.subject, sub: body.sub, scopes: body.scopes ?? request.scopes, resources: request.resources,
            // Authlete's SDKs send 0 for "not given".
            authTime: body.authTime.flatMap { $0 > 0 ? $0 : nil }, acr: body.acr, claims: body.claims, idtHeaderParams: body.idtHeaderParams,
            idTokenAudType: body.idTokenAudType?.rawValue, sessionId: nil, nonce: nil, jwtAtClaims: body.jwtAtClaims,
            requestedIdTokenClaims: [], clientIdentifier: client.identifier(aliasUsed: request.clientIdAliasUsed), redirectUri: nil,
            redirectUriGiven: false, codeChallenge: nil, codeChallengeMethod: nil, accessTokenDuration: body.accessTokenDuration,
            properties: StoredProperty.from(body.properties), consentedClaims: body.consentedClaims)
        details.authorizationDetails = request.authorizationDetails.flatMap { try? JSONValue(parsing: $0) }?.arrayValue
        return .success(details)
    }
}
