import Foundation
import SpecRuntime
import WarrantAPI
import WarrantStore

extension WarrantEngine {
    public func serviceCreate(_ input: Operations.ServiceCreate.Input) async throws -> Operations.ServiceCreate.Output {
        let organizationId = try await access.organization(input.credentials)
        let violations = ServiceMetadata.violations(of: input.body)
        guard violations.isEmpty else { throw APIFailure.invalid(.serviceInvalid, violations) }
        let time = now()
        // IDs are random; a clash (one in billions) is simply retried.
        for _ in 0..<5 {
            let apiKey = Secrets.numericID()
            let service = ServiceMetadata.normalized(input.body, apiKey: apiKey)
            let record = ServiceRecord(
                apiKey: apiKey, organizationId: organizationId, document: service.jsonValue.serializedString, createdAt: time,
                modifiedAt: time)
            let keys = try SigningKeyFactory.generateAll(serviceApiKey: apiKey, now: time)
            do {
                try await store.insertService(record, keys: keys)
            } catch StoreError.duplicate {
                continue
            }
            logger.info("service created", metadata: ["apiKey": "\(apiKey)", "organization": "\(organizationId)"])
            return .created(try apiService(from: record, result: .serviceCreated))
        }
        throw APIFailure(500, .internalError)
    }

    public func serviceGet(_ input: Operations.ServiceGet.Input) async throws -> Operations.ServiceGet.Output {
        let (_, record) = try await access.service(input.path.serviceId, input.credentials)
        return .ok(try apiService(from: record, result: .serviceRead))
    }

    public func serviceGetList(_ input: Operations.ServiceGetList.Input) async throws -> Operations.ServiceGetList.Output {
        let organizationId = try await access.organization(input.credentials)
        let (start, end) = (input.query.start, input.query.end)
        guard start <= end else { throw APIFailure(400, .badRange) }
        let page = try await store.services(organizationId: organizationId, offset: Int(start), limit: Bounds.pageLimit(start: start, end: end))
        return .ok(
            ServiceListResponse(
                resultCode: ResultCode.servicesListed.code, resultMessage: ResultCode.servicesListed.message, start: start,
                end: start + Int32(page.records.count), totalCount: Int32(clamping: page.total),
                services: try page.records.map { try apiService(from: $0, result: nil) }))
    }

    public func serviceUpdate(_ input: Operations.ServiceUpdate.Input) async throws -> Operations.ServiceUpdate.Output {
        let (_, existing) = try await access.service(input.path.serviceId, input.credentials, organizationTokenOnly: true)
        let violations = ServiceMetadata.violations(of: input.body)
        guard violations.isEmpty else { throw APIFailure.invalid(.serviceInvalid, violations) }
        var record = existing
        record.document = ServiceMetadata.normalized(input.body, apiKey: existing.apiKey).jsonValue.serializedString
        record.modifiedAt = now()
        guard try await store.updateService(record) else { throw APIFailure.notFound(.serviceNotFound) }
        return .ok(try apiService(from: record, result: .serviceUpdated))
    }

    public func serviceDelete(_ input: Operations.ServiceDelete.Input) async throws -> Operations.ServiceDelete.Output {
        let (_, record) = try await access.service(input.path.serviceId, input.credentials, organizationTokenOnly: true)
        guard try await store.deleteService(apiKey: record.apiKey) else { throw APIFailure.notFound(.serviceNotFound) }
        logger.info("service deleted", metadata: ["apiKey": "\(record.apiKey)"])
        return .noContent
    }

    /// The API's view of a stored service.
    func apiService(from record: ServiceRecord, result: ResultCode?) throws -> Service {
        var service = try documents.service(record)
        service.apiKey = record.apiKey
        service.createdAt = record.createdAt
        service.modifiedAt = record.modifiedAt
        service.resultCode = result?.code
        service.resultMessage = result?.message
        return service
    }

    // MARK: Service access tokens

    public func serviceTokenCreate(_ input: Operations.ServiceTokenCreate.Input) async throws -> Operations.ServiceTokenCreate.Output {
        let (caller, record) = try await access.service(input.path.serviceId, input.credentials, organizationTokenOnly: true)
        let value = Secrets.token()
        let token = APITokenRecord(
            id: Secrets.identifier(), hash: Secrets.hash(value), organizationId: caller.organizationId,
            serviceApiKey: record.apiKey, description: input.body.description, createdAt: now())
        try await store.insertAPIToken(token)
        logger.info("service access token created", metadata: ["apiKey": "\(record.apiKey)", "tokenId": "\(token.id)"])
        var body = Self.serviceToken(token)
        body.accessToken = value
        body.resultCode = ResultCode.serviceTokenCreated.code
        body.resultMessage = ResultCode.serviceTokenCreated.message
        return .created(body)
    }

    public func serviceTokenGetList(_ input: Operations.ServiceTokenGetList.Input) async throws -> Operations.ServiceTokenGetList.Output {
        let (_, record) = try await access.service(input.path.serviceId, input.credentials, organizationTokenOnly: true)
        let tokens = try await store.apiTokens(serviceApiKey: record.apiKey)
        return .ok(
            ServiceTokenListResponse(
                resultCode: ResultCode.serviceTokensListed.code, resultMessage: ResultCode.serviceTokensListed.message,
                tokens: tokens.map(Self.serviceToken)))
    }

    public func serviceTokenDelete(_ input: Operations.ServiceTokenDelete.Input) async throws -> Operations.ServiceTokenDelete.Output {
        let (_, record) = try await access.service(input.path.serviceId, input.credentials, organizationTokenOnly: true)
        guard try await store.deleteAPIToken(id: input.path.tokenId, serviceApiKey: record.apiKey) else {
            throw APIFailure.notFound(.serviceTokenNotFound)
        }
        return .noContent
    }

    private static func serviceToken(_ record: APITokenRecord) -> ServiceToken {
        ServiceToken(
            tokenId: record.id, serviceApiKey: record.serviceApiKey ?? 0, description: record.description,
            createdAt: record.createdAt)
    }

    // MARK: Discovery and keys

    public func serviceConfiguration(_ input: Operations.ServiceConfiguration.Input) async throws -> Operations.ServiceConfiguration.Output {
        .ok(try await configuration(input.path.serviceId, input.credentials))
    }

    public func serviceConfigurationPost(
        _ input: Operations.ServiceConfigurationPost.Input
    ) async throws -> Operations.ServiceConfigurationPost.Output {
        .ok(try await configuration(input.path.serviceId, input.credentials))
    }

    /// `patch` is not supported; the spec lets it be empty only (`maxLength: 0`).
    private func configuration(_ apiKey: Int64, _ credentials: BearerCredentials?) async throws -> JSONValue {
        let (_, record) = try await access.service(apiKey, credentials)
        return Discovery.document(for: try apiService(from: record, result: nil))
    }

    public func serviceJwksGet(_ input: Operations.ServiceJwksGet.Input) async throws -> Operations.ServiceJwksGet.Output {
        let (caller, record) = try await access.service(input.path.serviceId, input.credentials)
        if input.query.includePrivateKeys, !caller.isOrganization { throw APIFailure(403, .privateKeysForbidden) }
        let keys = try await store.signingKeys(serviceApiKey: record.apiKey)
        let document = JWKSet.document(keys, includePrivateKeys: input.query.includePrivateKeys, now: now())
        if case .array(let members)? = document["keys"], members.isEmpty { return .noContent }
        return .ok(document)
    }

    public func serviceJwksRotate(_ input: Operations.ServiceJwksRotate.Input) async throws -> Operations.ServiceJwksRotate.Output {
        let (_, record) = try await access.service(input.path.serviceId, input.credentials)
        let service = try apiService(from: record, result: nil)
        let time = now()
        // A retired key stays published as long as a token it signed can still be valid.
        let longest = [service.accessTokenDuration, service.idTokenDuration].compactMap { $0 }.max() ?? 0
        let publishedUntil = Bounds.expiry(from: time, seconds: longest)
        let newKeys = try SigningKeyFactory.generateAll(serviceApiKey: record.apiKey, now: time)
        let before = try await store.signingKeys(serviceApiKey: record.apiKey).filter { $0.retiredAt == nil }
        try await store.rotateSigningKeys(
            serviceApiKey: record.apiKey, newKeys: newKeys, retiredAt: time, publishedUntil: publishedUntil, now: time)
        logger.info("signing keys rotated", metadata: ["apiKey": "\(record.apiKey)"])
        return .ok(
            JwksRotateResponse(
                resultCode: ResultCode.keysRotated.code, resultMessage: ResultCode.keysRotated.message,
                activeKeyIds: newKeys.map(\.kid), retiredKeyIds: before.map(\.kid)))
    }
}
