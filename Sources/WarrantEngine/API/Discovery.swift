import Foundation
import SpecRuntime
import WarrantAPI
import WarrantStore

extension WarrantEngine {
    public func serviceConfiguration(_ input: Operations.ServiceConfiguration.Input) async throws -> Operations.ServiceConfiguration.Output {
        .ok(try await configuration(input.path.serviceId, input.credentials, patch: input.query.patch, from: .query))
    }

    public func serviceConfigurationPost(
        _ input: Operations.ServiceConfigurationPost.Input
    ) async throws -> Operations.ServiceConfigurationPost.Output {
        .ok(try await configuration(input.path.serviceId, input.credentials, patch: input.body.patch, from: .body))
    }

    /// The discovery document, with the caller's JSON Patch (RFC 6902) applied when one is given.
    private func configuration(
        _ apiKey: Int64, _ credentials: BearerCredentials?, patch: String?, from location: Violation.Location
    ) async throws -> JSONValue {
        let (_, record) = try await access.service(apiKey, credentials)
        let document = Discovery.document(for: try apiService(from: record, result: nil), fetchesRequestUris: requestObjectFetcher != nil)
        guard let patch, !patch.isEmpty else { return document }
        do {
            return try JSONPatch.apply(patch, to: document)
        } catch {
            throw APIFailure.invalid(
                .discoveryPatchInvalid, [Violation(location: location, path: location == .body ? "/patch" : "patch", message: error.description)])
        }
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
        let service = try policies.service(record)
        let time = now()
        // The old keys sign on for the activation delay while the new ones are published, and then stay
        // published as long as a token they signed can still be valid.
        let retiredAt = time.addingReportingOverflow(keyActivationDelay).partialValue
        let longest = [service.accessTokenDuration, service.idTokenDuration].compactMap { $0 }.max() ?? 0
        let publishedUntil = Bounds.expiry(from: retiredAt, seconds: longest)
        let newKeys = try SigningKeyFactory.generateAll(serviceApiKey: record.apiKey, now: time)
        let before = try await store.signingKeys(serviceApiKey: record.apiKey).filter { $0.retiredAt == nil }
        try await store.rotateSigningKeys(
            serviceApiKey: record.apiKey, newKeys: newKeys, retiredAt: retiredAt, publishedUntil: publishedUntil, now: time)
        logger.info("signing keys rotated", metadata: ["apiKey": "\(record.apiKey)"])
        return .ok(
            JwksRotateResponse(
                resultCode: ResultCode.keysRotated.code, resultMessage: ResultCode.keysRotated.message,
                activeKeyIds: newKeys.map(\.kid), retiredKeyIds: before.map(\.kid)))
    }
}
