import SpecRuntime
import WarrantAPI

/// What a front end says about the user who approved on their own device: /device/complete and
/// /backchannel/authentication/complete carry the same members.
protocol DecoupledApproval {
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

extension DeviceCompleteRequest: DecoupledApproval {}
extension BackchannelAuthenticationCompleteRequest: DecoupledApproval {}

extension DecoupledAuthorization {
    /// What is wrong with an approval, for the caller's resultMessage.
    struct Problem: Error {
        var text: String
        init(_ text: String) { self.text = text }
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
