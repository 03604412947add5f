import SpecRuntime
import WarrantAPI
import WarrantStore

/// What users granted clients: the consent recorded per client and user, and the clients a user has live
/// tokens for, for an account page where a user reviews and revokes applications.
extension WarrantEngine {
    // MARK: Granted scopes

    public func grantedScopesGet(_ input: Operations.GrantedScopesGet.Input) async throws -> Operations.GrantedScopesGet.Output {
        .ok(try await grantedScopes(input.path.serviceId, input.path.clientId, input.query.subject, input.credentials))
    }

    public func grantedScopesGetPost(_ input: Operations.GrantedScopesGetPost.Input) async throws -> Operations.GrantedScopesGetPost.Output {
        .ok(try await grantedScopes(input.path.serviceId, input.path.clientId, input.body.subject, input.credentials))
    }

    public func grantedScopesGetBySubject(_ input: Operations.GrantedScopesGetBySubject.Input) async throws
        -> Operations.GrantedScopesGetBySubject.Output
    {
        .ok(try await grantedScopes(input.path.serviceId, input.path.clientId, input.path.subject, input.credentials))
    }

    public func grantedScopesDelete(_ input: Operations.GrantedScopesDelete.Input) async throws -> Operations.GrantedScopesDelete.Output {
        .ok(try await deleteGrantedScopes(input.path.serviceId, input.path.clientId, input.query.subject, input.credentials))
    }

    public func grantedScopesDeletePost(_ input: Operations.GrantedScopesDeletePost.Input) async throws
        -> Operations.GrantedScopesDeletePost.Output
    {
        .ok(try await deleteGrantedScopes(input.path.serviceId, input.path.clientId, input.body.subject, input.credentials))
    }

    public func grantedScopesDeleteBySubject(_ input: Operations.GrantedScopesDeleteBySubject.Input) async throws
        -> Operations.GrantedScopesDeleteBySubject.Output
    {
        .ok(try await deleteGrantedScopes(input.path.serviceId, input.path.clientId, input.path.subject, input.credentials))
    }

    private func grantedScopes(
        _ serviceId: Int64, _ clientId: String, _ subject: String, _ credentials: BearerCredentials?
    ) async throws -> GrantedScopes {
        let (_, client) = try await clientRecord(serviceId, clientId, credentials)
        return try await grantedScopes(of: client, subject, result: .grantedScopesRead)
    }

    private func grantedScopes(of client: ClientRecord, _ subject: String, result: ResultCode) async throws -> GrantedScopes {
        let record = try await store.grantedScopes(serviceApiKey: client.serviceApiKey, clientId: client.clientId, subject: subject)
        return GrantedScopes(
            resultCode: result.code, resultMessage: result.message, serviceApiKey: client.serviceApiKey, clientId: client.clientId,
            subject: subject, latestGrantedScopes: record.map { ProtocolValues.words($0.latestScopes) },
            mergedGrantedScopes: record.map { ProtocolValues.words($0.mergedScopes) }, modifiedAt: record?.modifiedAt)
    }

    private func deleteGrantedScopes(
        _ serviceId: Int64, _ clientId: String, _ subject: String, _ credentials: BearerCredentials?
    ) async throws -> ApiResult {
        let (_, client) = try await clientRecord(serviceId, clientId, credentials)
        _ = try await store.deleteGrantedScopes(serviceApiKey: client.serviceApiKey, clientId: client.clientId, subject: subject)
        return ResultCode.grantedScopesDeleted.apiResult
    }

    // MARK: Authorized clients

    public func authorizedClientsGet(_ input: Operations.AuthorizedClientsGet.Input) async throws -> Operations.AuthorizedClientsGet.Output {
        let query = input.query
        return .ok(try await authorizedClients(input.path.serviceId, query.subject, query.developer, query.start, query.end, input.credentials))
    }

    public func authorizedClientsPost(_ input: Operations.AuthorizedClientsPost.Input) async throws -> Operations.AuthorizedClientsPost.Output {
        let body = input.body
        return .ok(try await authorizedClients(input.path.serviceId, body.subject, body.developer, body.start, body.end, input.credentials))
    }

    public func authorizedClientsGetBySubject(_ input: Operations.AuthorizedClientsGetBySubject.Input) async throws
        -> Operations.AuthorizedClientsGetBySubject.Output
    {
        let query = input.query
        return .ok(
            try await authorizedClients(input.path.serviceId, input.path.subject, query.developer, query.start, query.end, input.credentials))
    }

    private func authorizedClients(
        _ serviceId: Int64, _ subject: String, _ developer: String?, _ start: Int32, _ end: Int32, _ credentials: BearerCredentials?
    ) async throws -> AuthorizedClientList {
        let (_, service) = try await access.service(serviceId, credentials)
        guard start <= end else { throw APIFailure(400, .badRange) }
        let page = try await store.authorizedClients(
            serviceApiKey: service.apiKey, subject: subject, developer: developer, now: now(), offset: Int(start),
            limit: Bounds.pageLimit(start: start, end: end))
        return AuthorizedClientList(
            resultCode: ResultCode.authorizedClientsListed.code, resultMessage: ResultCode.authorizedClientsListed.message, start: start,
            end: start + Int32(page.records.count), developer: developer, subject: subject, totalCount: Int32(clamping: page.total),
            clients: try page.records.map { try apiClient(from: $0, result: nil) })
    }

    // MARK: Changing and revoking what a user gave a client

    public func clientAuthorizationUpdate(_ input: Operations.ClientAuthorizationUpdate.Input) async throws
        -> Operations.ClientAuthorizationUpdate.Output
    {
        let (serviceRecord, client) = try await clientRecord(input.path.serviceId, input.path.clientId, input.credentials)
        let scopes = input.body.scopes ?? []
        let supported = try policies.service(serviceRecord).scopeNames
        if let unknown = scopes.first(where: { !supported.contains($0) }) {
            throw APIFailure.invalid(
                .unsupportedScope, [Violation(location: .body, path: "/scopes", message: "'\(unknown)' is not a scope the service supports")])
        }
        let joined = scopes.joined(separator: " ")
        let count = try await store.rescopeLiveTokens(
            serviceApiKey: client.serviceApiKey, clientId: client.clientId, subject: input.body.subject, scopes: joined, now: now()
        ) { payload in
            var details = try GrantDetails.decoded(payload)
            details.scopes = scopes
            return try GrantDetails.json(details)
        }
        logger.info("client authorization updated", metadata: ["client": "\(client.clientId)", "tokens": "\(count)"])
        return .ok(ResultCode.clientAuthorizationUpdated.apiResult)
    }

    public func clientAuthorizationDelete(_ input: Operations.ClientAuthorizationDelete.Input) async throws
        -> Operations.ClientAuthorizationDelete.Output
    {
        .ok(try await revokeClientAuthorization(input.path.serviceId, input.path.clientId, input.query.subject, input.credentials))
    }

    public func clientAuthorizationDeletePost(_ input: Operations.ClientAuthorizationDeletePost.Input) async throws
        -> Operations.ClientAuthorizationDeletePost.Output
    {
        .ok(try await revokeClientAuthorization(input.path.serviceId, input.path.clientId, input.body.subject, input.credentials))
    }

    public func clientAuthorizationDeleteBySubject(_ input: Operations.ClientAuthorizationDeleteBySubject.Input) async throws
        -> Operations.ClientAuthorizationDeleteBySubject.Output
    {
        .ok(try await revokeClientAuthorization(input.path.serviceId, input.path.clientId, input.path.subject, input.credentials))
    }

    /// Revokes every access and refresh token the user gave the client; the consent record stays.
    private func revokeClientAuthorization(
        _ serviceId: Int64, _ clientId: String, _ subject: String, _ credentials: BearerCredentials?
    ) async throws -> GrantedScopes {
        let (_, client) = try await clientRecord(serviceId, clientId, credentials)
        let count = try await store.revokeTokens(serviceApiKey: client.serviceApiKey, clientId: client.clientId, subject: subject, now: now())
        logger.info("client authorization revoked", metadata: ["client": "\(client.clientId)", "tokens": "\(count)"])
        return try await grantedScopes(of: client, subject, result: .clientAuthorizationDeleted)
    }
}
