import Synchronization
import WarrantAPI
import WarrantStore

/// Service and client policies, each built once per stored version: decoding a service's JSON on every
/// request cost more than the rest of a token request.
///
/// An entry serves only the version it was built from (the same document text, modification time and, for
/// a client, secret), so it can never be stale: a write gives the record a new version, which is built anew.
/// The store hands out the same string while its record stays cached, so the comparison is usually a
/// pointer check.
final class PolicyCache: Sendable {
    private struct Entry<Policy: Sendable>: Sendable {
        var document: String
        var modifiedAt: Int64
        var secretHash: String?
        var policy: Policy

        func serves(document: String, modifiedAt: Int64, secretHash: String?) -> Bool {
            self.modifiedAt == modifiedAt && self.secretHash == secretHash && self.document == document
        }
    }

    private struct ClientKey: Hashable, Sendable {
        var serviceApiKey: Int64
        var clientId: Int64
    }

    private let services: Mutex<BoundedCache<Int64, Entry<ServicePolicy>>>
    private let clients: Mutex<BoundedCache<ClientKey, Entry<ClientPolicy>>>

    /// - Parameter limit: entries per kind.
    init(limit: Int = 4096) {
        services = Mutex(BoundedCache(limit: limit))
        clients = Mutex(BoundedCache(limit: limit))
    }

    func service(_ record: ServiceRecord) throws -> ServicePolicy {
        if let entry = services.withLock({ $0[record.apiKey] }),
            entry.serves(document: record.document, modifiedAt: record.modifiedAt, secretHash: nil)
        {
            return entry.policy
        }
        var document = try Service(jsonData: Array(record.document.utf8))
        document.apiKey = record.apiKey
        document.createdAt = record.createdAt
        document.modifiedAt = record.modifiedAt
        let policy = ServicePolicy(document, apiKey: record.apiKey)
        let entry = Entry(document: record.document, modifiedAt: record.modifiedAt, secretHash: nil, policy: policy)
        services.withLock { $0[record.apiKey] = entry }
        return policy
    }

    func client(_ record: ClientRecord) throws -> ClientPolicy {
        let key = ClientKey(serviceApiKey: record.serviceApiKey, clientId: record.clientId)
        if let entry = clients.withLock({ $0[key] }),
            entry.serves(document: record.document, modifiedAt: record.modifiedAt, secretHash: record.secretHash)
        {
            return entry.policy
        }
        var document = try OAuthClient(jsonData: Array(record.document.utf8))
        document.clientId = record.clientId
        document.createdAt = record.createdAt
        document.modifiedAt = record.modifiedAt
        let policy = ClientPolicy(document, record: record)
        let entry = Entry(document: record.document, modifiedAt: record.modifiedAt, secretHash: record.secretHash, policy: policy)
        clients.withLock { $0[key] = entry }
        return policy
    }
}
