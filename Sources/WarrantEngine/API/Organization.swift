import Foundation
import SpecRuntime
import WarrantAPI
import WarrantStore

extension WarrantEngine {
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
}

/// The organization token: rotated by a call made with it.
extension WarrantEngine {
    public func organizationTokenRotate(_ input: Operations.OrganizationTokenRotate.Input) async throws
        -> Operations.OrganizationTokenRotate.Output
    {
        let current = try await access.token(input.credentials)
        guard current.serviceApiKey == nil else { throw APIFailure(403, .organizationTokenRequired) }
        let time = now()
        let retireAt = Bounds.expiry(from: time, seconds: input.body.gracePeriod)
        let value = Secrets.token()
        let replacement = APITokenRecord(
            id: Secrets.identifier(), hash: Secrets.hash(value), organizationId: current.organizationId, serviceApiKey: nil,
            description: input.body.description ?? "Organization token, rotated from \(current.id)", createdAt: time)
        // The same call twice at once: the second finds its token retired (or gone) and is refused.
        guard try await store.rotateOrganizationToken(retiring: current.id, retireAt: retireAt, replacement: replacement, now: time) else {
            throw APIFailure(401, .unauthenticated)
        }
        let retiredAt = min(current.expiresAt ?? retireAt, retireAt)
        logger.notice(
            "organization token rotated", metadata: ["retired": "\(current.id)", "retiredAt": "\(retiredAt)", "tokenId": "\(replacement.id)"])
        return .ok(
            OrganizationTokenRotateResponse(
                resultCode: ResultCode.organizationTokenRotated.code, resultMessage: ResultCode.organizationTokenRotated.message,
                accessToken: value, tokenId: replacement.id, retiredTokenId: current.id, retiredAt: retiredAt))
    }
}

extension WarrantEngine {
    // MARK: Health

    public func healthcheck(_ input: Operations.Healthcheck.Input) async throws -> Operations.Healthcheck.Output {
        // A write, not a read: a database that answers but stores nothing must not look healthy.
        do {
            try await healthProbe.run { [store, now] in try await store.checkWritable(now: now()) }
            return .ok(Self.health(.healthy, status: "OK"))
        } catch {
            logger.error("health check: the database does not take writes", metadata: ["error": "\(error)"])
            let (result, status) = FaultAnswer.health(for: error)
            return .serviceUnavailable(Self.health(result, status: status))
        }
    }

    private static func health(_ result: ResultCode, status: String) -> HealthcheckResponse {
        HealthcheckResponse(resultCode: result.code, resultMessage: result.message, status: status, version: WarrantVersion.api)
    }

    /// No I/O at all: the ceiling of what the server answers per second, and what a liveness probe wants.
    public func liveness(_ input: Operations.Liveness.Input) async throws -> Operations.Liveness.Output {
        .ok(Self.alive)
    }

    private static let alive = LivenessResponse(status: "OK", version: WarrantVersion.api)

    /// One read, no write: whether this node should be sent requests.
    public func readiness(_ input: Operations.Readiness.Input) async throws -> Operations.Readiness.Output {
        func answer(_ result: ResultCode, _ status: String, _ schema: SchemaStatus?) -> ReadinessResponse {
            ReadinessResponse(
                resultCode: result.code, resultMessage: result.message, status: status, schemaVersion: schema?.newest.map(Int64.init),
                expectedSchemaVersion: Int64(SchemaStatus.expected), version: WarrantVersion.api)
        }
        if node.isDraining { return .serviceUnavailable(answer(.draining, "DRAINING", nil)) }
        let schema: SchemaStatus
        do {
            schema = try await store.schemaStatus()
        } catch {
            logger.error("readiness check: the database does not answer", metadata: ["error": "\(error)"])
            return .serviceUnavailable(answer(.databaseUnavailable, "DATABASE_UNAVAILABLE", nil))
        }
        guard schema.isCurrent else { return .serviceUnavailable(answer(.schemaBehind, "SCHEMA_BEHIND", schema)) }
        return .ok(answer(.ready, "READY", schema))
    }

    public func serverInfo(_ input: Operations.ServerInfo.Input) async throws -> Operations.ServerInfo.Output {
        let counters = await store.apiTokenCacheCounters()
        return .ok(
            ServerInfoResponse(
                version: WarrantVersion.api, features: Self.features,
                configuration: ["runtimeBodyBytes": String(RuntimeLimits.bodyBytes), "maxPageSize": String(Bounds.pageSize)],
                serviceTokenCache: counters.map {
                    CacheStatistics(hitCount: $0.hits, missCount: $0.misses, evictionCount: $0.evictions)
                }))
    }

    public func echo(_ input: Operations.Echo.Input) async throws -> Operations.Echo.Output {
        _ = try await access.caller(input.credentials)
        return .ok(input.query.parameters ?? [:])
    }

    /// What warrant implements, by the names the OAuth and OpenID specifications use.
    static let features = [
        "authorization_code", "implicit", "hybrid", "pkce", "refresh_token", "refresh_token_rotation", "client_credentials", "password",
        "token_exchange", "jwt_access_token", "id_token", "userinfo", "introspection", "revocation", "private_key_jwt",
        "resource_indicators", "response_mode_form_post", "granted_scopes", "client_authorization_management",
    ]
}
