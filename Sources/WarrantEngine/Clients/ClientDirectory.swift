import WarrantStore

/// Finds a service's clients by the identifier a request uses (the numeric ID, or failing that the alias),
/// as policies built once per stored version.
struct ClientDirectory: Sendable {
    let store: any WarrantStore
    let policies: PolicyCache

    /// The client, with whether the alias named it.
    func client(named identifier: String, serviceApiKey: Int64) async throws -> (client: ClientPolicy, aliasUsed: Bool)? {
        guard let (record, aliasUsed) = try await record(named: identifier, serviceApiKey: serviceApiKey) else { return nil }
        return (try policies.client(record), aliasUsed)
    }

    func client(id: Int64, serviceApiKey: Int64) async throws -> ClientPolicy? {
        try await store.client(serviceApiKey: serviceApiKey, clientId: id).map(policies.client)
    }

    /// The stored client named by its numeric ID or, failing that, its alias.
    func record(named identifier: String, serviceApiKey: Int64) async throws -> (record: ClientRecord, aliasUsed: Bool)? {
        if let numeric = Int64(identifier), let record = try await store.client(serviceApiKey: serviceApiKey, clientId: numeric) {
            return (record, false)
        }
        if let record = try await store.client(serviceApiKey: serviceApiKey, alias: identifier) { return (record, true) }
        return nil
    }
}
