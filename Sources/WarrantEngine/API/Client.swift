import Foundation
import SpecRuntime
import WarrantAPI
import WarrantStore

extension WarrantEngine {
    public func clientCreate(_ input: Operations.ClientCreate.Input) async throws -> Operations.ClientCreate.Output {
        let (_, serviceRecord) = try await access.service(input.path.serviceId, input.credentials)
        let service = try apiService(from: serviceRecord, result: nil)
        let client = ClientMetadata.normalized(input.body)
        let violations = ClientMetadata.violations(of: client, service: service)
        guard violations.isEmpty else { throw APIFailure.invalid(.clientInvalid, violations) }
        let secret = client.clientType == .public ? nil : Secrets.token()
        let time = now()
        for _ in 0..<5 {
            let record = ClientRecord(
                clientId: Secrets.numericID(), serviceApiKey: serviceRecord.apiKey, alias: client.clientIdAlias,
                developer: client.developer, secretHash: secret.map(Secrets.hash), document: client.jsonValue.serializedString,
                createdAt: time, modifiedAt: time)
            do {
                try await store.insertClient(record)
            } catch StoreError.duplicate where client.clientIdAlias != nil {
                // The random ID or the alias is taken; only the alias is worth reporting.
                if let alias = client.clientIdAlias, try await store.client(serviceApiKey: serviceRecord.apiKey, alias: alias) != nil {
                    throw Self.aliasTaken
                }
                continue
            } catch StoreError.duplicate {
                continue
            }
            var created = try apiClient(from: record, result: .clientCreated)
            created.clientSecret = secret
            return .created(created)
        }
        throw APIFailure(500, .internalError)
    }

    public func clientGet(_ input: Operations.ClientGet.Input) async throws -> Operations.ClientGet.Output {
        let (_, record) = try await clientRecord(input.path.serviceId, input.path.clientId, input.credentials)
        return .ok(try apiClient(from: record, result: .clientRead))
    }

    public func clientGetList(_ input: Operations.ClientGetList.Input) async throws -> Operations.ClientGetList.Output {
        let (_, serviceRecord) = try await access.service(input.path.serviceId, input.credentials)
        let (start, end) = (input.query.start, input.query.end)
        guard start <= end else { throw APIFailure(400, .badRange) }
        let page = try await store.clients(
            serviceApiKey: serviceRecord.apiKey, developer: input.query.developer, offset: Int(start), limit: Bounds.pageLimit(start: start, end: end))
        return .ok(
            ClientListResponse(
                resultCode: ResultCode.clientsListed.code, resultMessage: ResultCode.clientsListed.message, start: start,
                end: start + Int32(page.records.count), developer: input.query.developer, totalCount: Int32(clamping: page.total),
                clients: try page.records.map { try apiClient(from: $0, result: nil) }))
    }

    public func clientUpdate(_ input: Operations.ClientUpdate.Input) async throws -> Operations.ClientUpdate.Output {
        let (serviceRecord, existing) = try await clientRecord(input.path.serviceId, input.path.clientId, input.credentials)
        let service = try apiService(from: serviceRecord, result: nil)
        let client = ClientMetadata.normalized(input.body)
        let violations = ClientMetadata.violations(of: client, service: service)
        guard violations.isEmpty else { throw APIFailure.invalid(.clientInvalid, violations) }
        var record = existing
        record.alias = client.clientIdAlias
        record.developer = client.developer
        record.document = client.jsonValue.serializedString
        record.modifiedAt = now()
        do {
            guard try await store.updateClient(record) else { throw APIFailure.notFound(.clientNotFound) }
        } catch StoreError.duplicate {
            throw Self.aliasTaken
        }
        // A client that becomes confidential needs a secret; one that becomes public loses it.
        var newSecret: String?
        if client.clientType != .public, existing.secretHash == nil {
            newSecret = Secrets.token()
        }
        if newSecret != nil || (client.clientType == .public && existing.secretHash != nil) {
            _ = try await store.updateClientSecret(
                serviceApiKey: record.serviceApiKey, clientId: record.clientId, secretHash: newSecret.map(Secrets.hash),
                modifiedAt: record.modifiedAt)
        }
        var updated = try apiClient(from: record, result: .clientUpdated)
        updated.clientSecret = newSecret
        return .ok(updated)
    }

    public func clientDelete(_ input: Operations.ClientDelete.Input) async throws -> Operations.ClientDelete.Output {
        let (_, record) = try await clientRecord(input.path.serviceId, input.path.clientId, input.credentials)
        guard try await store.deleteClient(serviceApiKey: record.serviceApiKey, clientId: record.clientId, now: now()) else {
            throw APIFailure.notFound(.clientNotFound)
        }
        return .noContent
    }

    public func clientSecretRefresh(_ input: Operations.ClientSecretRefresh.Input) async throws -> Operations.ClientSecretRefresh.Output {
        let (_, record) = try await clientRecord(input.path.serviceId, input.path.clientId, input.credentials)
        guard record.secretHash != nil else { throw APIFailure(400, .publicClientHasNoSecret) }
        let secret = Secrets.token()
        guard
            try await store.updateClientSecret(
                serviceApiKey: record.serviceApiKey, clientId: record.clientId, secretHash: Secrets.hash(secret), modifiedAt: now())
        else { throw APIFailure.notFound(.clientNotFound) }
        return .ok(
            ClientSecretRefreshResponse(
                resultCode: ResultCode.clientSecretRefreshed.code, resultMessage: ResultCode.clientSecretRefreshed.message,
                newClientSecret: secret))
    }

    /// The client named in the path by its numeric ID or its alias, once the caller may act on its service.
    func clientRecord(
        _ serviceId: Int64, _ clientId: String, _ credentials: BearerCredentials?
    ) async throws -> (service: ServiceRecord, client: ClientRecord) {
        let (_, service) = try await access.service(serviceId, credentials)
        guard let (record, _) = try await clients.record(named: clientId, serviceApiKey: service.apiKey) else {
            throw APIFailure.notFound(.clientNotFound)
        }
        return (service, record)
    }

    private static let aliasTaken = APIFailure.invalid(
        .clientInvalid, [Violation(location: .body, path: "/clientIdAlias", message: "is already used by another client of the service")])

    /// The API's view of a stored client (never with its secret, which is not stored).
    func apiClient(from record: ClientRecord, result: ResultCode?) throws -> OAuthClient {
        var client = try policies.client(record).document
        client.resultCode = result?.code
        client.resultMessage = result?.message
        return client
    }
}
