import SpecRuntime
import WarrantStore

/// Who is calling, from the bearer token of the API call.
public enum Caller: Sendable, Equatable {
    case organization(id: Int64)
    /// A service access token: it acts on one service only.
    case service(organizationId: Int64, apiKey: Int64)

    var organizationId: Int64 {
        switch self {
        case .organization(let id), .service(let id, _): id
        }
    }

    var isOrganization: Bool {
        if case .organization = self { return true }
        return false
    }
}

/// Checks API tokens: 401 for a missing or unknown token, 403 for a token used beyond its reach, 404 for a
/// service the caller's organization does not have.
struct Access: Sendable {
    let store: any WarrantStore
    let now: @Sendable () -> Int64

    func caller(_ credentials: BearerCredentials?) async throws -> Caller {
        let record = try await token(credentials)
        if let apiKey = record.serviceApiKey { return .service(organizationId: record.organizationId, apiKey: apiKey) }
        return .organization(id: record.organizationId)
    }

    /// The stored API token the call presents; a retired one is as unknown as a wrong one.
    func token(_ credentials: BearerCredentials?) async throws -> APITokenRecord {
        guard let token = credentials?.token, let record = try await store.apiToken(hash: Secrets.hash(token)),
            record.expiresAt.map({ $0 > now() }) ?? true
        else { throw APIFailure(401, .unauthenticated) }
        return record
    }

    /// The caller's organization, for APIs only an organization token may call.
    func organization(_ credentials: BearerCredentials?) async throws -> Int64 {
        let caller = try await caller(credentials)
        guard caller.isOrganization else { throw APIFailure(403, .organizationTokenRequired) }
        return caller.organizationId
    }

    /// The service the call is about, once the caller may act on it.
    func service(
        _ apiKey: Int64, _ credentials: BearerCredentials?, organizationTokenOnly: Bool = false
    ) async throws -> (caller: Caller, service: ServiceRecord) {
        let caller = try await caller(credentials)
        if case .service(_, let allowed) = caller {
            guard allowed == apiKey else { throw APIFailure(403, .forbiddenService) }
            if organizationTokenOnly { throw APIFailure(403, .organizationTokenRequired) }
        }
        guard let service = try await store.service(apiKey: apiKey), service.organizationId == caller.organizationId else {
            throw APIFailure.notFound(.serviceNotFound)
        }
        return (caller, service)
    }
}
