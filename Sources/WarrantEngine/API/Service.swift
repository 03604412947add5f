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
        var service = try policies.service(record).document
        service.resultCode = result?.code
        service.resultMessage = result?.message
        return service
    }
}
