import SpecRuntime
import WarrantAPI

/// What the device authorization and the backchannel authentication endpoints share: a client's form,
/// authenticated as at the token endpoint, and the scopes and acr values it asks for.
extension WarrantEngine {
    struct ClientCall {
        var pairs: [(name: String, value: String)]
        /// Each parameter once (`resource` may repeat and keeps its last value here).
        var form: [String: String]
        var client: ClientAuthenticator.Authenticated
    }

    /// Why a call was refused; `unauthorized` for a failed authentication.
    struct ClientCallRefusal: Error {
        var error: OAuthError
        var unauthorized = false
    }

    func authenticatedCall(
        _ parameters: String, clientId: String?, clientSecret: String?, certificate pem: String?, path: [String]?, audiences: [String],
        service: ServicePolicy
    ) async throws -> Result<ClientCall, ClientCallRefusal> {
        let pairs: [(name: String, value: String)]
        do {
            pairs = try FormEncoding.pairs(from: parameters)
        } catch {
            return .failure(ClientCallRefusal(error: .invalidRequest("The parameters are malformed: \(error.description).")))
        }
        var form: [String: String] = [:]
        for (name, value) in pairs {
            if form[name] != nil, name != "resource" {
                return .failure(ClientCallRefusal(error: .invalidRequest("The parameter '\(name)' must not be repeated.")))
            }
            form[name] = value
        }
        let certificate: ClientCertificate.Presented?
        switch ClientCertificate.Presented.parse(pem, path: path) {
        case .failure(let error): return .failure(ClientCallRefusal(error: error))
        case .success(let presented): certificate = presented
        }
        switch try await authenticator(for: service, audiences: audiences + service.tokenEndpointAudiences, methods: service.tokenAuthMethods)
            .authenticate(form: form, basicId: clientId, basicSecret: clientSecret, certificate: certificate)
        {
        case .failure(let error): return .failure(ClientCallRefusal(error: error, unauthorized: error.isInvalidClient))
        case .success(let client): return .success(ClientCall(pairs: pairs, form: form, client: client))
        }
    }
}

extension DecoupledAuthorization.Request {
    /// Takes the scopes and acr values asked for, as the authorization endpoint does: those the service does
    /// not have, or the client may not request, are left out; returns what was left out, in words.
    mutating func take(scopes text: String?, acrValues: String?, service: ServicePolicy, client: ClientPolicy) -> [String] {
        var warnings: [String] = []
        for scope in (text ?? "").split(separator: " ").map(String.init) where !scopes.contains(scope) {
            if !service.scopeNames.contains(scope) {
                warnings.append("The scope '\(scope)' is not one the service supports; it was left out.")
            } else if !client.mayRequest(scope) {
                warnings.append("The client may not request the scope '\(scope)'; it was left out.")
            } else {
                scopes.append(scope)
            }
        }
        let supported = service.document.supportedAcrs ?? []
        for acr in (acrValues ?? "").split(separator: " ").map(String.init) where !acrs.contains(acr) {
            if supported.isEmpty || supported.contains(acr) {
                acrs.append(acr)
            } else {
                warnings.append("The acr '\(acr)' is not one the service supports; it was left out.")
            }
        }
        return warnings
    }
}
