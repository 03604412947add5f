/// ``WarrantStore`` in the process's memory, for engine tests that need no database file and for trying
/// warrant out (`warrant serve --database :memory:`); everything is gone when the process ends.
///
/// It keeps the rules the SQL schema enforces (unique keys, the parent a row refers to) and answers every
/// operation as ``SQLStore`` does; one conformance suite runs against both. Each method runs without a
/// suspension inside the actor, so each is atomic, and a method that fails changes nothing: it checks
/// everything before it writes.
public actor MemoryWarrantStore: WarrantStore {
    private struct StoredGrant {
        var record: GrantRecord
        var revokedAt: Int64?
    }

    private struct ConsentKey: Hashable {
        var serviceApiKey: Int64
        var clientId: Int64
        var subject: String
    }

    private struct StoredCode {
        var record: AuthorizationCodeRecord
        var usedAt: Int64?
    }

    private var organizations: [Int64: OrganizationRecord] = [:]
    /// By ID, with the index by hash beside it.
    private var apiTokens: [String: APITokenRecord] = [:]
    private var apiTokenIDs: [String: String] = [:]
    private var services: [Int64: ServiceRecord] = [:]
    /// By client ID, which is unique across services as in the schema.
    private var clients: [Int64: ClientRecord] = [:]
    private var signingKeys: [String: SigningKeyRecord] = [:]
    private var tickets: [String: TicketRecord] = [:]
    private var grants: [String: StoredGrant] = [:]
    private var codes: [String: StoredCode] = [:]
    private var accessTokens: [String: AccessTokenRecord] = [:]
    private var refreshTokens: [String: RefreshTokenRecord] = [:]
    private var assertions: [String: Int64] = [:]
    private var grantedScopes: [ConsentKey: GrantedScopesRecord] = [:]
    private var tokenBatches: [String: TokenBatchRecord] = [:]
    /// By hash (of the device code, the auth_req_id).
    private var decoupled: [String: DecoupledAuthorizationRecord] = [:]
    private var healthCheckedAt: Int64 = 0

    public init() {}

    /// A row refers to a parent that does not exist (an unknown organization or service), as a foreign key
    /// refuses it in the database.
    public struct MissingParent: Error, Equatable {
        public var what: String
    }

    public func ping() async throws {}

    /// Memory has no schema: it is always the process's own.
    public func schemaStatus() async throws -> SchemaStatus { SchemaStatus(recorded: Migrations.all.map(\.version)) }

    public func close() async throws {}

    /// Nothing is cached: every record is in memory already.
    public func apiTokenCacheCounters() async -> CacheCounters? { nil }

    public func checkWritable(now: Int64) async throws {
        healthCheckedAt = now
    }

    public func purge(now: Int64, retention: Int64) async throws -> PurgeReport {
        let cutoff = now.subtractingReportingOverflow(max(0, retention)).partialValue
        var report = PurgeReport()
        report.tickets = Self.remove(from: &tickets) { $0.expiresAt < now }
        report.decoupledAuthorizations = Self.remove(from: &decoupled) { $0.expiresAt < now }
        report.authorizationCodes = Self.remove(from: &codes) { $0.record.expiresAt < now }
        report.assertions = Self.remove(from: &assertions) { $0 < now }
        report.accessTokens = Self.remove(from: &accessTokens) { $0.expiresAt < cutoff || ($0.revokedAt.map { $0 < cutoff } ?? false) }
        report.refreshTokens = Self.remove(from: &refreshTokens) { $0.expiresAt < cutoff || ($0.revokedAt.map { $0 < cutoff } ?? false) }
        // Whether anything refers to a grant is decided before any grant goes, as one DELETE statement decides
        // (SQLStore decides again per batch of `purgeBatch`, so past that many it may take a parent one purge sooner).
        var referred = Set(accessTokens.values.compactMap(\.grantId))
        referred.formUnion(refreshTokens.values.map(\.grantId))
        referred.formUnion(codes.values.map(\.record.grantId))
        referred.formUnion(grants.values.compactMap(\.record.parentId))
        report.grants = Self.remove(from: &grants) { $0.record.createdAt < cutoff && !referred.contains($0.record.id) }
        let retired = apiTokens.values.filter { $0.expiresAt.map { $0 < now } ?? false }
        for token in retired { removeAPIToken(id: token.id) }
        report.apiTokens = retired.count
        report.tokenBatches = Self.remove(from: &tokenBatches) { $0.modifiedAt < cutoff }
        return report
    }

    // MARK: Organizations and API tokens

    public func organizationCount() async throws -> Int { organizations.count }

    public func createOrganization(_ organization: OrganizationRecord, token: APITokenRecord) async throws {
        guard organizations[organization.id] == nil, canInsert(token) else { throw StoreError.duplicate("organization") }
        guard token.organizationId == organization.id || organizations[token.organizationId] != nil else {
            throw MissingParent(what: "organization")
        }
        organizations[organization.id] = organization
        keep(token)
    }

    public func createFirstOrganization(_ organization: OrganizationRecord, token: APITokenRecord) async throws -> Bool {
        guard organizations.isEmpty else { return false }
        try await createOrganization(organization, token: token)
        return true
    }

    public func apiToken(hash: String) async throws -> APITokenRecord? {
        apiTokenIDs[hash].flatMap { apiTokens[$0] }
    }

    public func insertAPIToken(_ token: APITokenRecord) async throws {
        guard canInsert(token) else { throw StoreError.duplicate("api token") }
        guard organizations[token.organizationId] != nil else { throw MissingParent(what: "organization") }
        keep(token)
    }

    public func apiTokens(serviceApiKey: Int64) async throws -> [APITokenRecord] {
        apiTokens.values.filter { $0.serviceApiKey == serviceApiKey }.sorted { ($0.createdAt, $0.id) < ($1.createdAt, $1.id) }
    }

    public func deleteAPIToken(id: String, serviceApiKey: Int64) async throws -> Bool {
        guard let token = apiTokens[id], token.serviceApiKey == serviceApiKey else { return false }
        removeAPIToken(id: token.id)
        return true
    }

    public func rotateOrganizationToken(retiring id: String, retireAt: Int64, replacement: APITokenRecord, now: Int64) async throws -> Bool {
        guard var retiring = apiTokens[id], retiring.organizationId == replacement.organizationId, retiring.serviceApiKey == nil else {
            return false
        }
        if let expiresAt = retiring.expiresAt, expiresAt < now { return false }
        guard canInsert(replacement) else { throw StoreError.duplicate("api token") }
        keep(replacement)
        retiring.expiresAt = min(retiring.expiresAt ?? retireAt, retireAt)
        apiTokens[id] = retiring
        return true
    }

    private func canInsert(_ token: APITokenRecord) -> Bool {
        apiTokens[token.id] == nil && apiTokenIDs[token.hash] == nil
    }

    private func keep(_ token: APITokenRecord) {
        apiTokens[token.id] = token
        apiTokenIDs[token.hash] = token.id
    }

    private func removeAPIToken(id: String) {
        guard let token = apiTokens.removeValue(forKey: id) else { return }
        apiTokenIDs[token.hash] = nil
    }

    // MARK: Services

    public func insertService(_ service: ServiceRecord, keys: [SigningKeyRecord]) async throws {
        guard services[service.apiKey] == nil, Self.areNew(keys.map(\.kid), among: signingKeys) else { throw StoreError.duplicate("service") }
        guard organizations[service.organizationId] != nil else { throw MissingParent(what: "organization") }
        guard keys.allSatisfy({ $0.serviceApiKey == service.apiKey || services[$0.serviceApiKey] != nil }) else {
            throw MissingParent(what: "service")
        }
        services[service.apiKey] = service
        for key in keys { signingKeys[key.kid] = key }
    }

    public func service(apiKey: Int64) async throws -> ServiceRecord? { services[apiKey] }

    public func services(organizationId: Int64, offset: Int, limit: Int) async throws -> Page<ServiceRecord> {
        let matching = services.values.filter { $0.organizationId == organizationId }
            .sorted { ($0.createdAt, $0.apiKey) < ($1.createdAt, $1.apiKey) }
        return Self.page(matching, offset: offset, limit: limit)
    }

    public func updateService(_ service: ServiceRecord) async throws -> Bool {
        guard var stored = services[service.apiKey] else { return false }
        stored.document = service.document
        stored.modifiedAt = service.modifiedAt
        services[service.apiKey] = stored
        return true
    }

    public func deleteService(apiKey: Int64) async throws -> Bool {
        guard services.removeValue(forKey: apiKey) != nil else { return false }
        clients = clients.filter { $0.value.serviceApiKey != apiKey }
        signingKeys = signingKeys.filter { $0.value.serviceApiKey != apiKey }
        for token in apiTokens.values where token.serviceApiKey == apiKey { removeAPIToken(id: token.id) }
        tickets = tickets.filter { $0.value.serviceApiKey != apiKey }
        decoupled = decoupled.filter { $0.value.serviceApiKey != apiKey }
        grants = grants.filter { $0.value.record.serviceApiKey != apiKey }
        codes = codes.filter { $0.value.record.serviceApiKey != apiKey }
        accessTokens = accessTokens.filter { $0.value.serviceApiKey != apiKey }
        refreshTokens = refreshTokens.filter { $0.value.serviceApiKey != apiKey }
        grantedScopes = grantedScopes.filter { $0.key.serviceApiKey != apiKey }
        tokenBatches = tokenBatches.filter { $0.value.serviceApiKey != apiKey }
        return true
    }

    // MARK: Clients

    public func insertClient(_ client: ClientRecord) async throws {
        guard clients[client.clientId] == nil, !aliasTaken(client) else { throw StoreError.duplicate("client") }
        guard services[client.serviceApiKey] != nil else { throw MissingParent(what: "service") }
        clients[client.clientId] = client
    }

    public func client(serviceApiKey: Int64, clientId: Int64) async throws -> ClientRecord? {
        storedClient(serviceApiKey, clientId)
    }

    private func storedClient(_ serviceApiKey: Int64, _ clientId: Int64) -> ClientRecord? {
        clients[clientId].flatMap { $0.serviceApiKey == serviceApiKey ? $0 : nil }
    }

    public func client(serviceApiKey: Int64, alias: String) async throws -> ClientRecord? {
        clients.values.first { $0.serviceApiKey == serviceApiKey && $0.alias == alias }
    }

    public func clients(serviceApiKey: Int64, developer: String?, offset: Int, limit: Int) async throws -> Page<ClientRecord> {
        let matching = clients.values.filter { $0.serviceApiKey == serviceApiKey && (developer == nil || $0.developer == developer) }
            .sorted { ($0.createdAt, $0.clientId) < ($1.createdAt, $1.clientId) }
        return Self.page(matching, offset: offset, limit: limit)
    }

    public func updateClient(_ client: ClientRecord) async throws -> Bool {
        guard var stored = storedClient(client.serviceApiKey, client.clientId) else { return false }
        guard !aliasTaken(client) else { throw StoreError.duplicate("client alias") }
        stored.alias = client.alias
        stored.developer = client.developer
        stored.document = client.document
        stored.modifiedAt = client.modifiedAt
        clients[client.clientId] = stored
        return true
    }

    public func updateClient(_ client: ClientRecord, ifDocumentIs expected: String) async throws -> Bool {
        guard storedClient(client.serviceApiKey, client.clientId)?.document == expected else { return false }
        return try await updateClient(client)
    }

    public func updateClientSecret(serviceApiKey: Int64, clientId: Int64, secretHash: String?, modifiedAt: Int64) async throws -> Bool {
        guard var stored = storedClient(serviceApiKey, clientId) else { return false }
        stored.secretHash = secretHash
        stored.modifiedAt = modifiedAt
        clients[clientId] = stored
        return true
    }

    public func deleteClient(serviceApiKey: Int64, clientId: Int64, now: Int64) async throws -> Bool {
        guard storedClient(serviceApiKey, clientId) != nil else { return false }
        func held(_ service: Int64, _ client: Int64) -> Bool { service == serviceApiKey && client == clientId }
        // As in SQLStore: the client's grants with those derived from them are revoked with their tokens, then
        // whatever else of the client's is still live; codes and tickets are gone.
        revokeFamilies(of: grants.values.filter { held($0.record.serviceApiKey, $0.record.clientId) }.map(\.record.id), now: now)
        for (hash, token) in accessTokens where held(token.serviceApiKey, token.clientId) && token.revokedAt == nil {
            accessTokens[hash]?.revokedAt = now
        }
        for (hash, token) in refreshTokens where held(token.serviceApiKey, token.clientId) && token.revokedAt == nil {
            refreshTokens[hash]?.revokedAt = now
        }
        for (id, grant) in grants where held(grant.record.serviceApiKey, grant.record.clientId) && grant.revokedAt == nil {
            grants[id]?.revokedAt = now
        }
        codes = codes.filter { !held($0.value.record.serviceApiKey, $0.value.record.clientId) }
        tickets = tickets.filter { !held($0.value.serviceApiKey, $0.value.clientId) }
        decoupled = decoupled.filter { !held($0.value.serviceApiKey, $0.value.clientId) }
        grantedScopes = grantedScopes.filter { !held($0.key.serviceApiKey, $0.key.clientId) }
        clients[clientId] = nil
        return true
    }

    /// Whether another client of the same service has this client's alias (an alias is unique within a service).
    private func aliasTaken(_ client: ClientRecord) -> Bool {
        guard let alias = client.alias else { return false }
        return clients.values.contains { $0.serviceApiKey == client.serviceApiKey && $0.alias == alias && $0.clientId != client.clientId }
    }

    // MARK: Signing keys

    public func signingKeys(serviceApiKey: Int64) async throws -> [SigningKeyRecord] {
        signingKeys.values.filter { $0.serviceApiKey == serviceApiKey }
            .sorted { $0.createdAt != $1.createdAt ? $0.createdAt > $1.createdAt : $0.kid < $1.kid }
    }

    public func rotateSigningKeys(
        serviceApiKey: Int64, newKeys: [SigningKeyRecord], retiredAt: Int64, publishedUntil: Int64, now: Int64
    ) async throws {
        let remaining = signingKeys.filter { key in
            key.value.serviceApiKey != serviceApiKey || !(key.value.publishedUntil.map { $0 < now } ?? false)
        }
        guard Self.areNew(newKeys.map(\.kid), among: remaining) else { throw StoreError.duplicate("signing key") }
        guard newKeys.allSatisfy({ services[$0.serviceApiKey] != nil }) else { throw MissingParent(what: "service") }
        signingKeys = remaining
        for (kid, key) in signingKeys where key.serviceApiKey == serviceApiKey && key.retiredAt == nil {
            signingKeys[kid]?.retiredAt = retiredAt
            signingKeys[kid]?.publishedUntil = publishedUntil
        }
        for key in newKeys { signingKeys[key.kid] = key }
    }

    // MARK: Client assertions and tickets

    public func recordAssertion(hash: String, expiresAt: Int64, now: Int64) async throws -> Bool {
        // A replay changes nothing, as the rolled-back transaction in SQLStore: expired ones go only with an insert.
        if let seen = assertions[hash], seen >= now { return false }
        assertions = assertions.filter { $0.value >= now }
        assertions[hash] = expiresAt
        return true
    }

    public func insertTicket(_ ticket: TicketRecord) async throws {
        guard tickets[ticket.hash] == nil else { throw StoreError.duplicate("ticket") }
        tickets[ticket.hash] = ticket
    }

    public func consumeTicket(hash: String, kind: TicketRecord.Kind, serviceApiKey: Int64, now: Int64) async throws -> TicketRecord? {
        guard let ticket = tickets[hash], ticket.kind == kind, ticket.serviceApiKey == serviceApiKey, ticket.expiresAt >= now else {
            return nil
        }
        tickets[hash] = nil
        return ticket
    }

    public func ticket(hash: String, kind: TicketRecord.Kind, serviceApiKey: Int64, now: Int64) async throws -> TicketRecord? {
        guard let ticket = tickets[hash], ticket.kind == kind, ticket.serviceApiKey == serviceApiKey, ticket.expiresAt >= now else {
            return nil
        }
        return ticket
    }

    public func updateTicket(hash: String, kind: TicketRecord.Kind, serviceApiKey: Int64, payload: String, now: Int64) async throws -> Bool {
        guard try await ticket(hash: hash, kind: kind, serviceApiKey: serviceApiKey, now: now) != nil else { return false }
        tickets[hash]?.payload = payload
        return true
    }

    // MARK: Grants and codes

    public func insertGrant(
        _ grant: GrantRecord, code: AuthorizationCodeRecord?, accessToken: AccessTokenRecord?, refreshToken: RefreshTokenRecord?,
        consent: GrantedScopesRecord?
    ) async throws {
        guard grants[grant.id] == nil, code.map({ codes[$0.hash] == nil }) ?? true, canInsert(accessToken, refreshToken) else {
            throw StoreError.duplicate("token")
        }
        grants[grant.id] = StoredGrant(record: grant)
        if let code { codes[code.hash] = StoredCode(record: code) }
        if let accessToken { accessTokens[accessToken.hash] = accessToken }
        if let refreshToken { refreshTokens[refreshToken.hash] = refreshToken }
        if let consent {
            let key = ConsentKey(serviceApiKey: consent.serviceApiKey, clientId: consent.clientId, subject: consent.subject)
            grantedScopes[key] = grantedScopes[key]?.granting(consent.latestScopes, at: consent.modifiedAt) ?? consent
        }
        // A grant derived from one revoked meanwhile is born revoked, with its tokens.
        if let parent = grant.parentId, liveGrant(parent) == nil { revokeFamilies(of: [grant.id], now: grant.createdAt) }
    }

    public func grant(id: String) async throws -> GrantRecord? { liveGrant(id) }

    private func liveGrant(_ id: String) -> GrantRecord? {
        grants[id].flatMap { $0.revokedAt == nil ? $0.record : nil }
    }

    public func redeemCode(hash: String, serviceApiKey: Int64, clientId: Int64, now: Int64) async throws -> CodeRedemption {
        guard let stored = codes[hash], stored.record.serviceApiKey == serviceApiKey else { return .unknown }
        if stored.usedAt != nil {
            revokeFamilies(of: [stored.record.grantId], now: now)
            return .replayed(grantId: stored.record.grantId)
        }
        guard stored.record.clientId == clientId else { return .otherClient }
        guard stored.record.expiresAt >= now else { return .expired }
        // Used even when its grant is gone, as the update in SQLStore marks it before it looks at the grant.
        codes[hash]?.usedAt = now
        guard let grant = liveGrant(stored.record.grantId) else { return .expired }
        return .redeemed(stored.record, grant)
    }

    @discardableResult public func revokeGrant(id: String, now: Int64) async throws -> Int {
        revokeFamilies(of: [id], now: now)
    }

    /// Revokes the grants, those derived from them at any depth, and their tokens; returns how many access
    /// tokens were live.
    @discardableResult
    private func revokeFamilies(of roots: [String], now: Int64) -> Int {
        var family = Set(roots.filter { grants[$0] != nil })
        var frontier = family
        while !frontier.isEmpty {
            let children = grants.values.filter { $0.record.parentId.map(frontier.contains) ?? false }.map(\.record.id)
            frontier = Set(children).subtracting(family)
            family.formUnion(frontier)
        }
        var live = 0
        for (hash, token) in accessTokens where token.revokedAt == nil && (token.grantId.map(family.contains) ?? false) {
            accessTokens[hash]?.revokedAt = now
            live += 1
        }
        for (hash, token) in refreshTokens where token.revokedAt == nil && family.contains(token.grantId) {
            refreshTokens[hash]?.revokedAt = now
        }
        for id in family where grants[id]?.revokedAt == nil { grants[id]?.revokedAt = now }
        return live
    }

    // MARK: Tokens

    public func insertTokens(accessToken: AccessTokenRecord, refreshToken: RefreshTokenRecord?) async throws {
        guard canInsert(accessToken, refreshToken) else { throw StoreError.duplicate("token") }
        var accessToken = accessToken
        var refreshToken = refreshToken
        if let grantId = accessToken.grantId, let revokedAt = grants[grantId]?.revokedAt {
            accessToken.revokedAt = revokedAt
            refreshToken?.revokedAt = revokedAt
        }
        accessTokens[accessToken.hash] = accessToken
        if let refreshToken { refreshTokens[refreshToken.hash] = refreshToken }
    }

    public func accessToken(hash: String) async throws -> AccessTokenRecord? { accessTokens[hash] }

    public func refreshToken(hash: String) async throws -> RefreshTokenRecord? { refreshTokens[hash] }

    public func refresh(
        hash: String, clientId: Int64, rotate: Bool, accessToken: AccessTokenRecord, refreshToken: RefreshTokenRecord?, now: Int64
    ) async throws -> RefreshRotation {
        guard let old = refreshTokens[hash] else { return .unknown }
        guard old.clientId == clientId, old.rotatedAt == nil, old.revokedAt == nil, old.expiresAt >= now else {
            if old.rotatedAt != nil, old.clientId == clientId {
                revokeFamilies(of: [old.grantId], now: now)
                return .replayed(grantId: old.grantId)
            }
            return .inactive
        }
        guard canInsert(accessToken, refreshToken) else { throw StoreError.duplicate("token") }
        if rotate { refreshTokens[hash]?.rotatedAt = now }
        // A refresh replaces the access tokens issued with this refresh token.
        for (tokenHash, token) in accessTokens where token.refreshTokenHash == hash && token.revokedAt == nil {
            accessTokens[tokenHash]?.revokedAt = now
        }
        accessTokens[accessToken.hash] = accessToken
        if let refreshToken { refreshTokens[refreshToken.hash] = refreshToken }
        return .rotated
    }

    public func revokeAccessToken(hash: String, now: Int64) async throws -> Bool {
        guard let token = accessTokens[hash], token.revokedAt == nil else { return false }
        accessTokens[hash]?.revokedAt = now
        return true
    }

    public func deleteAccessToken(hash: String, serviceApiKey: Int64) async throws -> Bool {
        guard accessTokens[hash]?.serviceApiKey == serviceApiKey else { return false }
        accessTokens[hash] = nil
        return true
    }

    public func updateAccessToken(_ token: AccessTokenRecord) async throws -> Bool {
        guard var stored = accessTokens[token.hash] else { return false }
        stored.scopes = token.scopes
        stored.expiresAt = token.expiresAt
        stored.payload = token.payload
        accessTokens[token.hash] = stored
        return true
    }

    public func liveAccessTokens(
        serviceApiKey: Int64, clientId: Int64?, subject: String?, now: Int64, offset: Int, limit: Int
    ) async throws -> Page<AccessTokenRecord> {
        let matching = accessTokens.values
            .filter { Self.unrevoked($0.serviceApiKey, $0.clientId, $0.subject, $0.revokedAt, serviceApiKey, clientId, subject) && $0.expiresAt >= now }
            .sorted { $0.createdAt != $1.createdAt ? $0.createdAt > $1.createdAt : $0.hash < $1.hash }
        return Self.page(matching, offset: offset, limit: limit)
    }

    public func revokeTokens(serviceApiKey: Int64, clientId: Int64?, subject: String?, now: Int64) async throws -> Int {
        var count = 0
        for (hash, token) in accessTokens
        where Self.unrevoked(token.serviceApiKey, token.clientId, token.subject, token.revokedAt, serviceApiKey, clientId, subject) {
            accessTokens[hash]?.revokedAt = now
            count += 1
        }
        for (hash, token) in refreshTokens
        where Self.unrevoked(token.serviceApiKey, token.clientId, token.subject, token.revokedAt, serviceApiKey, clientId, subject) {
            refreshTokens[hash]?.revokedAt = now
        }
        return count
    }

    public func rescopeLiveTokens(
        serviceApiKey: Int64, clientId: Int64, subject: String, scopes: String, now: Int64,
        _ rewrite: @escaping @Sendable (_ payload: String) throws -> String
    ) async throws -> Int {
        let access = accessTokens.values.filter {
            Self.unrevoked($0.serviceApiKey, $0.clientId, $0.subject, $0.revokedAt, serviceApiKey, clientId, subject) && $0.expiresAt >= now
        }
        let refresh = refreshTokens.values.filter {
            Self.unrevoked($0.serviceApiKey, $0.clientId, $0.subject, $0.revokedAt, serviceApiKey, clientId, subject) && $0.expiresAt >= now
                && $0.rotatedAt == nil
        }
        // Every rewrite is made before any is stored, so one that throws changes nothing.
        let accessPayloads = try access.map { ($0.hash, try rewrite($0.payload)) }
        let refreshHashes = refresh.map(\.hash)
        for (hash, payload) in accessPayloads {
            accessTokens[hash]?.scopes = scopes
            accessTokens[hash]?.payload = payload
        }
        for hash in refreshHashes { refreshTokens[hash]?.scopes = scopes }
        return accessPayloads.count + refreshHashes.count
    }

    // MARK: Decoupled authorizations

    public func insertDecoupledAuthorization(_ record: DecoupledAuthorizationRecord) async throws {
        let taken = decoupled.values.contains {
            $0.serviceApiKey == record.serviceApiKey && $0.kind == record.kind && $0.lookupHash == record.lookupHash
        }
        guard !taken, decoupled[record.hash] == nil else { throw StoreError.duplicate("decoupled authorization") }
        decoupled[record.hash] = record
    }

    public func decoupledAuthorization(lookupHash: String, kind: DecoupledAuthorizationRecord.Kind, serviceApiKey: Int64) async throws
        -> DecoupledAuthorizationRecord?
    {
        decoupled.values.first { $0.serviceApiKey == serviceApiKey && $0.kind == kind && $0.lookupHash == lookupHash }
    }

    public func decideDecoupledAuthorization(
        lookupHash: String, kind: DecoupledAuthorizationRecord.Kind, serviceApiKey: Int64, state: DecoupledAuthorizationRecord.State,
        payload: String, now: Int64
    ) async throws -> Bool {
        guard let record = try await decoupledAuthorization(lookupHash: lookupHash, kind: kind, serviceApiKey: serviceApiKey),
            record.state == .pending, record.expiresAt >= now
        else { return false }
        decoupled[record.hash]?.state = state
        decoupled[record.hash]?.payload = payload
        return true
    }

    public func pollDecoupledAuthorization(
        hash: String, kind: DecoupledAuthorizationRecord.Kind, serviceApiKey: Int64, clientId: Int64, leeway: Int64, now: Int64
    ) async throws -> DecoupledPoll {
        guard var record = decoupled[hash], record.kind == kind, record.serviceApiKey == serviceApiKey else { return .unknown }
        guard record.clientId == clientId else { return .otherClient }
        guard record.expiresAt >= now else { return .expired }
        let onTime = record.polledAt.map { $0 + record.interval * 1000 - leeway <= now } ?? true
        record.polledAt = now
        if !onTime { record.interval = min(record.interval + 5, DecoupledAuthorizationRecord.longestInterval) }
        decoupled[hash] = record
        return onTime ? .polled(record) : .slowDown(interval: record.interval)
    }

    public func redeemDecoupledAuthorization(
        hash: String, kind: DecoupledAuthorizationRecord.Kind, serviceApiKey: Int64, state: DecoupledAuthorizationRecord.State,
        grant: GrantRecord, accessToken: AccessTokenRecord, refreshToken: RefreshTokenRecord?, consent: GrantedScopesRecord?
    ) async throws -> Bool {
        guard let record = decoupled[hash], record.kind == kind, record.serviceApiKey == serviceApiKey, record.clientId == grant.clientId,
            record.state == state
        else {
            return false
        }
        try await insertGrant(grant, code: nil, accessToken: accessToken, refreshToken: refreshToken, consent: consent)
        decoupled[record.hash] = nil
        return true
    }

    // MARK: Token batches

    public func insertTokenBatch(_ batch: TokenBatchRecord) async throws {
        guard tokenBatches[batch.requestId] == nil else { throw StoreError.duplicate("token batch") }
        tokenBatches[batch.requestId] = batch
    }

    public func completeTokenBatch(requestId: String, serviceApiKey: Int64, issues: [IssuedRecords], now: Int64) async throws -> Bool {
        guard var batch = tokenBatches[requestId], batch.serviceApiKey == serviceApiKey, batch.state == .running else { return false }
        // Every key and client is checked before anything is stored, as the transaction would roll back.
        for clientId in Set(issues.map(\.accessToken.clientId)) where storedClient(serviceApiKey, clientId) == nil {
            throw StoreError.missing("client \(clientId)")
        }
        var grantIDs = Set<String>()
        var accessHashes = Set<String>()
        var refreshHashes = Set<String>()
        for issue in issues {
            let grantFree = issue.grant.map { grants[$0.id] == nil && grantIDs.insert($0.id).inserted } ?? true
            let accessFree = accessTokens[issue.accessToken.hash] == nil && accessHashes.insert(issue.accessToken.hash).inserted
            let refreshFree = issue.refreshToken.map { refreshTokens[$0.hash] == nil && refreshHashes.insert($0.hash).inserted } ?? true
            guard grantFree, accessFree, refreshFree else { throw StoreError.duplicate("token") }
        }
        for issue in issues {
            if let grant = issue.grant { grants[grant.id] = StoredGrant(record: grant) }
            accessTokens[issue.accessToken.hash] = issue.accessToken
            if let refreshToken = issue.refreshToken { refreshTokens[refreshToken.hash] = refreshToken }
        }
        batch.state = .succeeded
        batch.tokenCount = Int64(issues.count)
        batch.modifiedAt = now
        tokenBatches[requestId] = batch
        return true
    }

    public func failTokenBatch(
        requestId: String, serviceApiKey: Int64, errorCode: String, errorDescription: String, now: Int64
    ) async throws -> Bool {
        guard var batch = tokenBatches[requestId], batch.serviceApiKey == serviceApiKey, batch.state == .running else { return false }
        batch.state = .failed
        batch.errorCode = errorCode
        batch.errorDescription = errorDescription
        batch.modifiedAt = now
        tokenBatches[requestId] = batch
        return true
    }

    public func tokenBatch(requestId: String, serviceApiKey: Int64) async throws -> TokenBatchRecord? {
        tokenBatches[requestId].flatMap { $0.serviceApiKey == serviceApiKey ? $0 : nil }
    }

    // MARK: What users granted clients

    public func grantedScopes(serviceApiKey: Int64, clientId: Int64, subject: String) async throws -> GrantedScopesRecord? {
        grantedScopes[ConsentKey(serviceApiKey: serviceApiKey, clientId: clientId, subject: subject)]
    }

    public func deleteGrantedScopes(serviceApiKey: Int64, clientId: Int64, subject: String) async throws -> Bool {
        grantedScopes.removeValue(forKey: ConsentKey(serviceApiKey: serviceApiKey, clientId: clientId, subject: subject)) != nil
    }

    public func authorizedClients(
        serviceApiKey: Int64, subject: String, developer: String?, now: Int64, offset: Int, limit: Int
    ) async throws -> Page<ClientRecord> {
        var holders = Set<Int64>()
        for token in accessTokens.values
        where token.serviceApiKey == serviceApiKey && token.subject == subject && token.revokedAt == nil && token.expiresAt >= now {
            holders.insert(token.clientId)
        }
        for token in refreshTokens.values
        where token.serviceApiKey == serviceApiKey && token.subject == subject && token.revokedAt == nil && token.rotatedAt == nil
            && token.expiresAt >= now
        {
            holders.insert(token.clientId)
        }
        let matching = holders.compactMap { storedClient(serviceApiKey, $0) }.filter { developer == nil || $0.developer == developer }
            .sorted { ($0.createdAt, $0.clientId) < ($1.createdAt, $1.clientId) }
        return Self.page(matching, offset: offset, limit: limit)
    }

    /// Whether neither token value exists yet (each is a primary key of its table).
    private func canInsert(_ accessToken: AccessTokenRecord?, _ refreshToken: RefreshTokenRecord?) -> Bool {
        (accessToken.map { accessTokens[$0.hash] == nil } ?? true) && (refreshToken.map { refreshTokens[$0.hash] == nil } ?? true)
    }

    /// A token of the service not revoked, of the client and the subject when they are given.
    private static func unrevoked(
        _ service: Int64, _ client: Int64, _ subject: String?, _ revokedAt: Int64?, _ wantedService: Int64, _ wantedClient: Int64?,
        _ wantedSubject: String?
    ) -> Bool {
        service == wantedService && revokedAt == nil && (wantedClient.map { $0 == client } ?? true)
            && (wantedSubject.map { $0 == subject } ?? true)
    }

    // MARK: Mechanics

    /// Removes the values `condition` selects; returns how many.
    private static func remove<Key, Value>(from entries: inout [Key: Value], where condition: (Value) -> Bool) -> Int {
        let before = entries.count
        entries = entries.filter { !condition($0.value) }
        return before - entries.count
    }

    private static func areNew(_ kids: [String], among keys: [String: SigningKeyRecord]) -> Bool {
        Set(kids).count == kids.count && kids.allSatisfy { keys[$0] == nil }
    }

    /// One page, as OFFSET and LIMIT select it.
    private static func page<Record>(_ records: [Record], offset: Int, limit: Int) -> Page<Record> {
        let start = min(max(0, offset), records.count)
        let end = start + min(max(0, limit), records.count - start)
        return Page(total: records.count, records: Array(records[start..<end]))
    }
}
