import WarrantAPI
import WarrantStore

/// The client credentials grant (RFC 6749 §4.4): a confidential client gets an access token for itself.
struct ClientCredentialsGrant: Sendable {
    let store: any WarrantStore
    let issuer: TokenIssuer

    func run(_ request: TokenGrantRequest) async throws -> TokenResponse {
        guard !request.client.client.isPublic else {
            return TokenAnswer.failure(.unauthorizedClient("A public client cannot use the client_credentials grant."), service: request.service)
        }
        let scopes: [String]
        switch request.requestedScopes() {
        case .failure(let error): return TokenAnswer.failure(error, service: request.service)
        case .success(let requested): scopes = requested
        }
        if scopes.contains("openid") {
            return TokenAnswer.failure(.invalidScope("openid makes no sense without a user."), service: request.service)
        }
        var details = request.details(subject: nil, scopes: scopes)
        // RFC 9396 §6.1: with no authorization before it, the token request's own details, checked.
        if let text = request.form["authorization_details"] {
            switch RichAuthorization.parse(text, service: request.service, client: request.client.client) {
            case .failure(let error): return TokenAnswer.failure(error, service: request.service)
            case .success(let elements): details.authorizationDetails = elements
            }
        }
        let tokens = try await issuer.issue(request.issueRequest(details: details, grantType: .clientCredentials, grantId: nil))
        try await ChosenValues.storing { try await store.insertTokens(accessToken: tokens.accessRecord, refreshToken: nil) }
        return TokenAnswer.success(tokens, for: request, grantType: .clientCredentials, subject: nil)
    }
}
