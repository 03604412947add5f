import Foundation
import SpecRuntime
import WarrantAPI
import WarrantStore

/// Client authentication at the token endpoint (RFC 6749 §2.3): exactly one method, the one the client
/// registered; secrets compared through their hashes in constant time.
struct ClientAuthenticator {
    let engine: WarrantEngine
    let serviceApiKey: Int64

    struct Authenticated {
        var client: OAuthClient
        var record: ClientRecord
        /// The client_id value the client used (its alias or its number).
        var identifier: String
    }

    /// - Parameters:
    ///   - basicId, basicSecret: what the front end took from an `Authorization: Basic` header.
    func authenticate(form: [String: String], basicId: String?, basicSecret: String?) async throws -> Result<Authenticated, OAuthError> {
        let usedBasic = basicId != nil || basicSecret != nil
        let usedPost = form["client_secret"] != nil
        let usedAssertion = form["client_assertion"] != nil || form["client_assertion_type"] != nil
        if [usedBasic, usedPost, usedAssertion].filter({ $0 }).count > 1 {
            return .failure(.invalidClient("The request uses more than one client authentication method."))
        }
        if usedAssertion {
            return .failure(.invalidClient("Client assertions (private_key_jwt, client_secret_jwt) are not supported yet."))
        }
        if let basicId, let formId = form["client_id"], formId != basicId {
            return .failure(.invalidClient("client_id differs from the client authenticated by the Authorization header."))
        }
        guard let identifier = basicId ?? form["client_id"] else {
            return .failure(.invalidClient("The request does not identify the client."))
        }
        guard let (client, _) = try await engine.client(named: identifier, serviceApiKey: serviceApiKey),
            let clientId = client.clientId, let record = try await engine.store.client(serviceApiKey: serviceApiKey, clientId: clientId)
        else { return .failure(.invalidClient("There is no client with the client_id '\(identifier)'.")) }
        if client.locked == true { return .failure(.invalidClient("The client is locked.")) }

        let method = client.tokenAuthMethod ?? .clientSecretBasic
        let presented: String? = usedBasic ? basicSecret : form["client_secret"]
        switch method {
        case .none:
            guard presented == nil else { return .failure(.invalidClient("A public client has no secret to send.")) }
        case .clientSecretBasic, .clientSecretPost:
            if method == .clientSecretBasic, !usedBasic {
                return .failure(.invalidClient("The client must authenticate with client_secret_basic."))
            }
            if method == .clientSecretPost, !usedPost {
                return .failure(.invalidClient("The client must authenticate with client_secret_post."))
            }
            guard let presented, let stored = record.secretHash, Secrets.constantTimeEqual(Secrets.hash(presented), stored) else {
                return .failure(.invalidClient("The client secret is wrong."))
            }
        default:
            return .failure(.invalidClient("The client's authentication method \(method.rawValue) is not supported yet."))
        }
        return .success(Authenticated(client: client, record: record, identifier: identifier))
    }
}
