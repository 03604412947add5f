/// Everything warrant persists. The engine talks only to this protocol; `SQLStore` implements it over
/// SQLKit, so the same queries run on the embedded SQLite database and on PostgreSQL, and
/// `MemoryWarrantStore` in memory. One conformance suite holds both to the same answers.
///
/// Each method is one unit of work: those that change several rows do so in one transaction.
public protocol WarrantStore: GrantStore {
    /// Checks that the database answers.
    func ping() async throws
    /// Which of this process's migrations the database has, read from it (the readiness check).
    func schemaStatus() async throws -> SchemaStatus
    /// Closes the database; nothing may be called after.
    func close() async throws
    /// Checks that the database takes writes, with a write that changes one row; throws
    /// ``StoreError/unavailable(_:)`` with the fault when it does not.
    func checkWritable(now: Int64) async throws
    /// Deletes what can no longer be used: tickets, codes and client assertions past their expiry, tokens and
    /// retired API tokens expired or revoked more than `retention` milliseconds ago, and grants nothing refers
    /// to any more. Works in small batches, so requests interleave.
    @discardableResult func purge(now: Int64, retention: Int64) async throws -> PurgeReport
    /// How the process's cache of API tokens has done; nil for a store that keeps no cache.
    func apiTokenCacheCounters() async -> CacheCounters?

    // MARK: Organizations and API tokens

    func organizationCount() async throws -> Int
    /// Creates an organization together with its first organization token.
    func createOrganization(_ organization: OrganizationRecord, token: APITokenRecord) async throws
    /// Creates the organization and its token only when the database has no organization yet, atomically: of
    /// several processes starting together on one database, one creates it. Returns false when there was one.
    func createFirstOrganization(_ organization: OrganizationRecord, token: APITokenRecord) async throws -> Bool
    func apiToken(hash: String) async throws -> APITokenRecord?
    func insertAPIToken(_ token: APITokenRecord) async throws
    func apiTokens(serviceApiKey: Int64) async throws -> [APITokenRecord]
    /// Returns false when there is no such token of that service.
    func deleteAPIToken(id: String, serviceApiKey: Int64) async throws -> Bool
    /// Adds `replacement` and makes the organization token `retiring` stop at `retireAt` (or sooner, when it
    /// was to stop sooner), in one transaction. Returns false when `retiring` is no live organization token.
    func rotateOrganizationToken(retiring id: String, retireAt: Int64, replacement: APITokenRecord, now: Int64) async throws -> Bool

    // MARK: Services

    /// Creates a service together with its signing keys.
    func insertService(_ service: ServiceRecord, keys: [SigningKeyRecord]) async throws
    func service(apiKey: Int64) async throws -> ServiceRecord?
    func services(organizationId: Int64, offset: Int, limit: Int) async throws -> Page<ServiceRecord>
    /// Returns false when there is no such service.
    func updateService(_ service: ServiceRecord) async throws -> Bool
    /// Deletes a service with its clients, keys and service access tokens. Returns false when there is no such service.
    func deleteService(apiKey: Int64) async throws -> Bool

    // MARK: Clients

    func insertClient(_ client: ClientRecord) async throws
    func client(serviceApiKey: Int64, clientId: Int64) async throws -> ClientRecord?
    func client(serviceApiKey: Int64, alias: String) async throws -> ClientRecord?
    func clients(serviceApiKey: Int64, developer: String?, offset: Int, limit: Int) async throws -> Page<ClientRecord>
    /// Replaces metadata, alias and developer (not the secret). Returns false when there is no such client.
    func updateClient(_ client: ClientRecord) async throws -> Bool
    /// The same, only while the stored document is still `expected` (a read-change-write that must not undo
    /// a change made in between); false when it is not, or the client is gone.
    func updateClient(_ client: ClientRecord, ifDocumentIs expected: String) async throws -> Bool
    func updateClientSecret(serviceApiKey: Int64, clientId: Int64, secretHash: String?, modifiedAt: Int64) async throws -> Bool
    /// Deletes a client and, in the same transaction, revokes its tokens and grants and drops its codes and
    /// tickets. Returns false when there is no such client.
    func deleteClient(serviceApiKey: Int64, clientId: Int64, now: Int64) async throws -> Bool

    // MARK: Signing keys

    /// The service's keys: those that sign and retired ones still published, newest first.
    func signingKeys(serviceApiKey: Int64) async throws -> [SigningKeyRecord]
    /// Retires the signing keys (keeping them published until `publishedUntil`), adds the new ones and
    /// drops retired keys whose publication ended before `now`, in one transaction.
    func rotateSigningKeys(serviceApiKey: Int64, newKeys: [SigningKeyRecord], retiredAt: Int64, publishedUntil: Int64, now: Int64)
        async throws
}
