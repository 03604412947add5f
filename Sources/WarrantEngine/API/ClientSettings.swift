import SpecRuntime
import WarrantAPI
import WarrantStore

/// The client APIs that change one setting: a secret the caller chose, the lock flag, the requestable scopes.
extension WarrantEngine {
    public func clientSecretUpdate(_ input: Operations.ClientSecretUpdate.Input) async throws -> Operations.ClientSecretUpdate.Output {
        let (_, record) = try await clientRecord(input.path.serviceId, input.path.clientId, input.credentials)
        guard record.secretHash != nil else { throw APIFailure(400, .publicClientHasNoSecret) }
        let secret = input.body.clientSecret
        guard
            try await store.updateClientSecret(
                serviceApiKey: record.serviceApiKey, clientId: record.clientId, secretHash: Secrets.hash(secret), modifiedAt: now())
        else { throw APIFailure.notFound(.clientNotFound) }
        logger.info("client secret set", metadata: ["client": "\(record.clientId)"])
        return .ok(
            ClientSecretUpdateResponse(
                resultCode: ResultCode.clientSecretUpdated.code, resultMessage: ResultCode.clientSecretUpdated.message, newClientSecret: secret))
    }

    public func clientLockFlagUpdate(_ input: Operations.ClientLockFlagUpdate.Input) async throws -> Operations.ClientLockFlagUpdate.Output {
        let locked = input.body.clientLocked
        // Not checked against the service: locking must work even for a client its service's later changes made invalid.
        _ = try await changeClient(input.path.serviceId, input.path.clientId, input.credentials, checked: false) { $0.locked = locked }
        logger.info("client lock flag set", metadata: ["client": "\(input.path.clientId)", "locked": "\(locked)"])
        return .ok(ResultCode.clientLockFlagUpdated.apiResult)
    }

    public func requestableScopesGet(_ input: Operations.RequestableScopesGet.Input) async throws -> Operations.RequestableScopesGet.Output {
        let (_, record) = try await clientRecord(input.path.serviceId, input.path.clientId, input.credentials)
        return .ok(Self.requestableScopes(of: try apiClient(from: record, result: nil)))
    }

    public func requestableScopesUpdate(_ input: Operations.RequestableScopesUpdate.Input) async throws
        -> Operations.RequestableScopesUpdate.Output
    {
        .ok(try await setRequestableScopes(input.path.serviceId, input.path.clientId, input.credentials, input.body.requestableScopes))
    }

    public func requestableScopesPut(_ input: Operations.RequestableScopesPut.Input) async throws -> Operations.RequestableScopesPut.Output {
        .ok(try await setRequestableScopes(input.path.serviceId, input.path.clientId, input.credentials, input.body.requestableScopes))
    }

    public func requestableScopesDelete(_ input: Operations.RequestableScopesDelete.Input) async throws
        -> Operations.RequestableScopesDelete.Output
    {
        _ = try await setRequestableScopes(input.path.serviceId, input.path.clientId, input.credentials, nil)
        return .noContent
    }

    /// An empty or missing list lifts the limit, as Authlete's delete does.
    private func setRequestableScopes(
        _ serviceId: Int64, _ clientId: String, _ credentials: BearerCredentials?, _ scopes: [String]?
    ) async throws -> RequestableScopes {
        let scopes = scopes ?? []
        let client = try await changeClient(serviceId, clientId, credentials) { client in
            var settings = client.extension ?? ClientExtension()
            settings.requestableScopesEnabled = !scopes.isEmpty
            settings.requestableScopes = scopes.isEmpty ? nil : scopes
            client.extension = settings
        }
        return Self.requestableScopes(of: client)
    }

    private static func requestableScopes(of client: OAuthClient) -> RequestableScopes {
        RequestableScopes(requestableScopes: client.extension?.requestableScopesEnabled == true ? client.extension?.requestableScopes ?? [] : nil)
    }

    /// Reads a client, changes its metadata, checks the result as /client/update does (when `checked`), and stores it.
    private func changeClient(
        _ serviceId: Int64, _ clientId: String, _ credentials: BearerCredentials?, checked: Bool = true,
        _ change: (inout OAuthClient) -> Void
    ) async throws -> OAuthClient {
        // Written only over the document it was made from: a change racing this one (a lock, say) is read
        // again and kept, never overwritten.
        for _ in 0..<5 {
            let (serviceRecord, existing) = try await clientRecord(serviceId, clientId, credentials)
            var client = try apiClient(from: existing, result: nil)
            change(&client)
            if checked {
                let violations = ClientMetadata.violations(of: client, service: try apiService(from: serviceRecord, result: nil))
                guard violations.isEmpty else { throw APIFailure.invalid(.clientInvalid, violations) }
            }
            var record = existing
            record.document = client.jsonValue.serializedString
            record.modifiedAt = now()
            if try await store.updateClient(record, ifDocumentIs: existing.document) { return try apiClient(from: record, result: nil) }
        }
        throw APIFailure(409, .clientChangedMeanwhile)
    }
}
