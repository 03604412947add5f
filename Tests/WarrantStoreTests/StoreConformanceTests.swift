import Foundation
import Logging
import PostgresFixture
import Testing
import WarrantStore

/// The stores warrant has, each fresh and empty: SQLite on a real database file, PostgreSQL on a real server
/// (where one can run: see ``PostgresFixture``), and the in-memory store.
enum StoreKind: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case sqlite
    case postgres
    case memory

    static var allCases: [StoreKind] { PostgresFixture.isAvailable ? [.sqlite, .postgres, .memory] : [.sqlite, .memory] }

    var testDescription: String { rawValue }

    func withStore(_ body: (any WarrantStore) async throws -> Void) async throws {
        switch self {
        case .sqlite:
            try await SQLiteStoreTests.withStore { store, _ in try await body(store) }
        case .postgres:
            try await PostgresStoreTests.withStore { store, _ in try await body(store) }
        case .memory:
            try await body(MemoryWarrantStore())
        }
    }
}

/// What every store must answer alike: one suite, run against each ``StoreKind``.
@Suite struct StoreConformanceTests {
    static let organization = OrganizationRecord(id: 1, name: "Org", createdAt: 1)
    static let token = APITokenRecord(id: "t1", hash: "hash-1", organizationId: 1, serviceApiKey: nil, description: nil, createdAt: 1)

    static func service(_ apiKey: Int64) -> ServiceRecord {
        ServiceRecord(apiKey: apiKey, organizationId: 1, document: "{}", createdAt: apiKey, modifiedAt: apiKey)
    }

    static func key(_ kid: String, _ apiKey: Int64, createdAt: Int64 = 1) -> SigningKeyRecord {
        SigningKeyRecord(kid: kid, serviceApiKey: apiKey, algorithm: "ES256", privateJWK: "{}", createdAt: createdAt)
    }

    @Test(arguments: StoreKind.allCases) func aFailedMultiRowChangeLeavesNothingBehind(_ kind: StoreKind) async throws {
        try await kind.withStore { store in
            try await store.createOrganization(Self.organization, token: Self.token)
            try await store.insertService(Self.service(10), keys: [Self.key("k1", 10)])
            // The second key clashes with the first service's kid: the whole insert must roll back.
            await #expect(throws: StoreError.duplicate("service")) {
                try await store.insertService(Self.service(11), keys: [Self.key("k2", 11), Self.key("k1", 11)])
            }
            #expect(try await store.service(apiKey: 11) == nil)
            #expect(try await store.signingKeys(serviceApiKey: 11).isEmpty)
            #expect(try await store.signingKeys(serviceApiKey: 10).map(\.kid) == ["k1"])
        }
    }

    @Test(arguments: StoreKind.allCases) func clientAliasesAreUniqueWithinAService(_ kind: StoreKind) async throws {
        try await kind.withStore { store in
            try await store.createOrganization(Self.organization, token: Self.token)
            try await store.insertService(Self.service(10), keys: [])
            try await store.insertService(Self.service(20), keys: [])
            func client(_ id: Int64, service: Int64, alias: String?) -> ClientRecord {
                ClientRecord(
                    clientId: id, serviceApiKey: service, alias: alias, developer: nil, secretHash: nil, document: "{}", createdAt: id,
                    modifiedAt: id)
            }
            try await store.insertClient(client(1, service: 10, alias: "app"))
            try await store.insertClient(client(2, service: 20, alias: "app"))
            try await store.insertClient(client(3, service: 10, alias: nil))
            try await store.insertClient(client(4, service: 10, alias: nil))
            await #expect(throws: StoreError.duplicate("client")) { try await store.insertClient(client(5, service: 10, alias: "app")) }
            await #expect(throws: StoreError.duplicate("client alias")) {
                _ = try await store.updateClient(client(3, service: 10, alias: "app"))
            }
            #expect(try await store.client(serviceApiKey: 10, alias: "app")?.clientId == 1)
            #expect(try await store.clients(serviceApiKey: 10, developer: nil, offset: 1, limit: 5).records.map(\.clientId) == [3, 4])
        }
    }

    @Test(arguments: StoreKind.allCases) func deletingAServiceRemovesWhatBelongsToIt(_ kind: StoreKind) async throws {
        try await kind.withStore { store in
            try await store.createOrganization(Self.organization, token: Self.token)
            try await store.insertService(Self.service(10), keys: [Self.key("k1", 10)])
            try await store.insertClient(
                ClientRecord(clientId: 1, serviceApiKey: 10, alias: nil, developer: nil, secretHash: "h", document: "{}", createdAt: 1, modifiedAt: 1))
            try await store.insertAPIToken(
                APITokenRecord(id: "t2", hash: "hash-2", organizationId: 1, serviceApiKey: 10, description: nil, createdAt: 2))
            #expect(try await store.deleteService(apiKey: 10))
            #expect(try await store.client(serviceApiKey: 10, clientId: 1) == nil)
            #expect(try await store.signingKeys(serviceApiKey: 10).isEmpty)
            #expect(try await store.apiToken(hash: "hash-2") == nil)
            #expect(try await store.apiToken(hash: "hash-1") != nil)
            #expect(try await !store.deleteService(apiKey: 10))
        }
    }

    @Test(arguments: StoreKind.allCases) func rotationRetiresKeysAndDropsThoseNoLongerPublished(_ kind: StoreKind) async throws {
        try await kind.withStore { store in
            try await store.createOrganization(Self.organization, token: Self.token)
            try await store.insertService(Self.service(10), keys: [Self.key("first", 10, createdAt: 1)])
            try await store.rotateSigningKeys(
                serviceApiKey: 10, newKeys: [Self.key("second", 10, createdAt: 100)], retiredAt: 100, publishedUntil: 500, now: 100)
            let afterFirst = try await store.signingKeys(serviceApiKey: 10)
            #expect(afterFirst.map(\.kid) == ["second", "first"])
            #expect(afterFirst.last?.retiredAt == 100)
            #expect(afterFirst.last?.publishedUntil == 500)
            try await store.rotateSigningKeys(
                serviceApiKey: 10, newKeys: [Self.key("third", 10, createdAt: 600)], retiredAt: 600, publishedUntil: 1000, now: 600)
            #expect(try await store.signingKeys(serviceApiKey: 10).map(\.kid) == ["third", "second"])
            // A kid in use is refused, and the failed rotation retired nothing.
            await #expect(throws: StoreError.duplicate("signing key")) {
                try await store.rotateSigningKeys(
                    serviceApiKey: 10, newKeys: [Self.key("second", 10, createdAt: 700)], retiredAt: 700, publishedUntil: 1100, now: 700)
            }
            #expect(try await store.signingKeys(serviceApiKey: 10).first?.retiredAt == nil)
        }
    }

    // MARK: State transitions decided by the statement that makes them

    static func grant(_ id: String, parent: String? = nil, createdAt: Int64 = 1) -> GrantRecord {
        GrantRecord(id: id, serviceApiKey: 10, clientId: 1, subject: "alice", payload: "{}", createdAt: createdAt, parentId: parent)
    }

    static func access(_ hash: String, grant: String?, refresh: String? = nil, expiresAt: Int64 = 10_000) -> AccessTokenRecord {
        AccessTokenRecord(
            hash: hash, grantId: grant, serviceApiKey: 10, clientId: 1, subject: "alice", scopes: "openid", refreshTokenHash: refresh,
            payload: "{}", createdAt: 1, expiresAt: expiresAt)
    }

    static func refresh(_ hash: String, grant: String, expiresAt: Int64 = 10_000) -> RefreshTokenRecord {
        RefreshTokenRecord(
            hash: hash, grantId: grant, serviceApiKey: 10, clientId: 1, subject: "alice", scopes: "openid", payload: "{}", createdAt: 1,
            expiresAt: expiresAt)
    }

    @Test(arguments: StoreKind.allCases) func aCodeIsRedeemedOnlyByItsClientBeforeItExpires(_ kind: StoreKind) async throws {
        try await kind.withStore { store in
            let code = AuthorizationCodeRecord(hash: "code", grantId: "g", serviceApiKey: 10, clientId: 1, payload: "{}", createdAt: 1, expiresAt: 100)
            try await store.insertGrant(Self.grant("g"), code: code, accessToken: nil, refreshToken: nil)
            // Another client, or the right one too late, leaves the code unused: neither burns it for its owner.
            #expect(try await store.redeemCode(hash: "code", serviceApiKey: 10, clientId: 2, now: 50) == .otherClient)
            #expect(try await store.redeemCode(hash: "code", serviceApiKey: 10, clientId: 1, now: 101) == .expired)
            #expect(try await store.redeemCode(hash: "code", serviceApiKey: 20, clientId: 1, now: 50) == .unknown)
            guard case .redeemed(let redeemed, let grant) = try await store.redeemCode(hash: "code", serviceApiKey: 10, clientId: 1, now: 50) else {
                Issue.record("the code was not redeemed")
                return
            }
            #expect(redeemed.hash == "code" && grant.id == "g")
            #expect(try await store.redeemCode(hash: "code", serviceApiKey: 10, clientId: 1, now: 60) == .replayed(grantId: "g"))
            #expect(try await store.grant(id: "g") == nil)
        }
    }

    @Test(arguments: StoreKind.allCases) func aTicketWorksOnceAndNotAfterItExpires(_ kind: StoreKind) async throws {
        try await kind.withStore { store in
            let ticket = TicketRecord(hash: "t", kind: .authorization, serviceApiKey: 10, clientId: 1, payload: "{}", createdAt: 1, expiresAt: 100)
            try await store.insertTicket(ticket)
            await #expect(throws: StoreError.duplicate("ticket")) { try await store.insertTicket(ticket) }
            #expect(try await store.consumeTicket(hash: "t", kind: .password, serviceApiKey: 10, now: 50) == nil)
            #expect(try await store.consumeTicket(hash: "t", kind: .authorization, serviceApiKey: 10, now: 101) == nil)
            try await store.insertTicket(TicketRecord(hash: "u", kind: .authorization, serviceApiKey: 10, clientId: 1, payload: "{}", createdAt: 1, expiresAt: 100))
            #expect(try await store.consumeTicket(hash: "u", kind: .authorization, serviceApiKey: 10, now: 50) != nil)
            #expect(try await store.consumeTicket(hash: "u", kind: .authorization, serviceApiKey: 10, now: 50) == nil)
        }
    }

    @Test(arguments: StoreKind.allCases) func aRefreshAfterARevocationIssuesNothing(_ kind: StoreKind) async throws {
        try await kind.withStore { store in
            try await store.insertGrant(Self.grant("g"), code: nil, accessToken: Self.access("a1", grant: "g", refresh: "r1"), refreshToken: Self.refresh("r1", grant: "g"))
            // The revocation lands between the caller's look at the refresh token and its refresh.
            try await store.revokeGrant(id: "g", now: 5)
            for rotate in [true, false] {
                let outcome = try await store.refresh(
                    hash: "r1", clientId: 1, rotate: rotate, accessToken: Self.access("a2-\(rotate)", grant: "g", refresh: "r1"),
                    refreshToken: rotate ? Self.refresh("r2", grant: "g") : nil, now: 6)
                #expect(outcome == .inactive)
                #expect(try await store.accessToken(hash: "a2-\(rotate)") == nil)
            }
            #expect(try await store.refreshToken(hash: "r2") == nil)
            // Another client's refresh, or an expired one, issues nothing either.
            try await store.insertGrant(Self.grant("h"), code: nil, accessToken: nil, refreshToken: Self.refresh("s1", grant: "h", expiresAt: 100))
            #expect(try await store.refresh(hash: "s1", clientId: 2, rotate: true, accessToken: Self.access("b1", grant: "h"), refreshToken: nil, now: 50) == .inactive)
            #expect(try await store.refresh(hash: "s1", clientId: 1, rotate: true, accessToken: Self.access("b2", grant: "h"), refreshToken: nil, now: 101) == .inactive)
            #expect(try await store.refresh(hash: "s1", clientId: 1, rotate: true, accessToken: Self.access("b3", grant: "h"), refreshToken: nil, now: 50) == .rotated)
            #expect(try await store.refresh(hash: "s1", clientId: 1, rotate: true, accessToken: Self.access("b4", grant: "h"), refreshToken: nil, now: 51) == .replayed(grantId: "h"))
            #expect(try await store.accessToken(hash: "b3")?.revokedAt == 51)
        }
    }

    @Test(arguments: StoreKind.allCases) func revokingAGrantRevokesTheGrantsDerivedFromIt(_ kind: StoreKind) async throws {
        try await kind.withStore { store in
            try await store.insertGrant(Self.grant("root"), code: nil, accessToken: Self.access("a0", grant: "root"), refreshToken: nil)
            try await store.insertGrant(Self.grant("child", parent: "root"), code: nil, accessToken: Self.access("a1", grant: "child"), refreshToken: Self.refresh("r1", grant: "child"))
            try await store.insertGrant(Self.grant("grandchild", parent: "child"), code: nil, accessToken: Self.access("a2", grant: "grandchild"), refreshToken: nil)
            try await store.insertGrant(Self.grant("other"), code: nil, accessToken: Self.access("b0", grant: "other"), refreshToken: nil)
            #expect(try await store.revokeGrant(id: "root", now: 7) == 3)
            for hash in ["a0", "a1", "a2"] { #expect(try await store.accessToken(hash: hash)?.revokedAt == 7, "\(hash)") }
            #expect(try await store.refreshToken(hash: "r1")?.revokedAt == 7)
            #expect(try await store.accessToken(hash: "b0")?.revokedAt == nil)
            // A grant derived from one revoked meanwhile is born revoked.
            try await store.insertGrant(Self.grant("late", parent: "root", createdAt: 9), code: nil, accessToken: Self.access("a3", grant: "late"), refreshToken: nil)
            #expect(try await store.accessToken(hash: "a3")?.revokedAt == 9)
            #expect(try await store.grant(id: "late") == nil)
        }
    }

    @Test(arguments: StoreKind.allCases) func deletingAClientRevokesWhatItHeldAndWhatWasDerivedFromIt(_ kind: StoreKind) async throws {
        try await kind.withStore { store in
            try await store.createOrganization(Self.organization, token: Self.token)
            try await store.insertService(Self.service(10), keys: [])
            for id in [Int64(1), 2] {
                try await store.insertClient(
                    ClientRecord(clientId: id, serviceApiKey: 10, alias: nil, developer: nil, secretHash: nil, document: "{}", createdAt: id, modifiedAt: id))
            }
            let code = AuthorizationCodeRecord(hash: "code", grantId: "g", serviceApiKey: 10, clientId: 1, payload: "{}", createdAt: 1, expiresAt: 100)
            try await store.insertGrant(Self.grant("g"), code: code, accessToken: Self.access("a1", grant: "g", refresh: "r1"), refreshToken: Self.refresh("r1", grant: "g"))
            try await store.insertTicket(TicketRecord(hash: "t", kind: .authorization, serviceApiKey: 10, clientId: 1, payload: "{}", createdAt: 1, expiresAt: 100))
            // Client 2 exchanged client 1's token: its grant is derived from client 1's.
            var derived = Self.grant("d", parent: "g")
            derived.clientId = 2
            var derivedToken = Self.access("a2", grant: "d")
            derivedToken.clientId = 2
            try await store.insertGrant(derived, code: nil, accessToken: derivedToken, refreshToken: nil)
            var own = Self.grant("own")
            own.clientId = 2
            var ownToken = Self.access("a3", grant: "own")
            ownToken.clientId = 2
            try await store.insertGrant(own, code: nil, accessToken: ownToken, refreshToken: nil)

            #expect(try await !store.deleteClient(serviceApiKey: 20, clientId: 1, now: 5))
            #expect(try await store.deleteClient(serviceApiKey: 10, clientId: 1, now: 5))
            #expect(try await store.client(serviceApiKey: 10, clientId: 1) == nil)
            for hash in ["a1", "a2"] { #expect(try await store.accessToken(hash: hash)?.revokedAt == 5, "\(hash)") }
            #expect(try await store.refreshToken(hash: "r1")?.revokedAt == 5)
            #expect(try await store.accessToken(hash: "a3")?.revokedAt == nil)
            #expect(try await store.grant(id: "d") == nil)
            #expect(try await store.grant(id: "own") != nil)
            #expect(try await store.redeemCode(hash: "code", serviceApiKey: 10, clientId: 1, now: 6) == .unknown)
            #expect(try await store.consumeTicket(hash: "t", kind: .authorization, serviceApiKey: 10, now: 6) == nil)
            #expect(try await !store.deleteClient(serviceApiKey: 10, clientId: 1, now: 7))
        }
    }

    /// A grant with its tokens and nothing else (the client-credentials shape) is one statement on PostgreSQL:
    /// all of it is stored, or, when one row clashes, none.
    @Test(arguments: StoreKind.allCases) func aGrantWithItsTokensIsStoredWholeOrNotAtAll(_ kind: StoreKind) async throws {
        try await kind.withStore { store in
            try await store.insertGrant(
                Self.grant("g1"), code: nil, accessToken: Self.access("a1", grant: "g1", refresh: "r1"), refreshToken: Self.refresh("r1", grant: "g1"))
            #expect(try await store.grant(id: "g1") != nil)
            #expect(try await store.accessToken(hash: "a1")?.refreshTokenHash == "r1")
            #expect(try await store.refreshToken(hash: "r1")?.grantId == "g1")
            try await store.insertGrant(Self.grant("g2"), code: nil, accessToken: nil, refreshToken: nil)
            #expect(try await store.grant(id: "g2") != nil)
            // The refresh token clashes: the new grant and access token are not stored either.
            await #expect(throws: StoreError.duplicate("token")) {
                try await store.insertGrant(
                    Self.grant("g3"), code: nil, accessToken: Self.access("a3", grant: "g3", refresh: "r1"), refreshToken: Self.refresh("r1", grant: "g3"))
            }
            #expect(try await store.grant(id: "g3") == nil)
            #expect(try await store.accessToken(hash: "a3") == nil)
            #expect(try await store.refreshToken(hash: "r1")?.grantId == "g1")
        }
    }

    @Test(arguments: StoreKind.allCases) func liveTokensArePagedNewestFirstAndRevokedBySubjectOrClient(_ kind: StoreKind) async throws {
        try await kind.withStore { store in
            for index in 0..<5 {
                var token = Self.access("a\(index)", grant: nil, expiresAt: index == 4 ? 20 : 10_000)
                token.createdAt = Int64(index)
                token.subject = index % 2 == 0 ? "alice" : "bob"
                try await store.insertTokens(accessToken: token, refreshToken: nil)
            }
            await #expect(throws: StoreError.duplicate("token")) {
                try await store.insertTokens(accessToken: Self.access("a0", grant: nil), refreshToken: nil)
            }
            // a4 has expired at 50: listed no more, yet still revocable.
            let page = try await store.liveAccessTokens(serviceApiKey: 10, clientId: nil, subject: nil, now: 50, offset: 1, limit: 2)
            #expect(page.total == 4)
            #expect(page.records.map(\.hash) == ["a2", "a1"])
            #expect(try await store.liveAccessTokens(serviceApiKey: 10, clientId: 1, subject: "bob", now: 50, offset: 0, limit: 9).records.map(\.hash) == ["a3", "a1"])
            #expect(try await store.liveAccessTokens(serviceApiKey: 20, clientId: nil, subject: nil, now: 50, offset: 0, limit: 9).total == 0)
            #expect(try await store.revokeTokens(serviceApiKey: 10, clientId: 2, subject: nil, now: 60) == 0)
            #expect(try await store.revokeTokens(serviceApiKey: 10, clientId: 1, subject: "alice", now: 60) == 3)
            #expect(try await store.accessToken(hash: "a4")?.revokedAt == 60)
            #expect(try await store.liveAccessTokens(serviceApiKey: 10, clientId: nil, subject: nil, now: 61, offset: 0, limit: 9).records.map(\.hash) == ["a3", "a1"])
            #expect(try await store.revokeAccessToken(hash: "a3", now: 62))
            #expect(try await !store.revokeAccessToken(hash: "a3", now: 63))
            #expect(try await store.accessToken(hash: "a3")?.revokedAt == 62)
            var updated = Self.access("a1", grant: nil, expiresAt: 500)
            updated.scopes = "email"
            #expect(try await store.updateAccessToken(updated))
            #expect(try await store.accessToken(hash: "a1").map { [$0.scopes, String($0.expiresAt)] } == ["email", "500"])
            #expect(try await !store.updateAccessToken(Self.access("none", grant: nil)))
            #expect(try await !store.deleteAccessToken(hash: "a1", serviceApiKey: 20))
            #expect(try await store.deleteAccessToken(hash: "a1", serviceApiKey: 10))
            #expect(try await store.accessToken(hash: "a1") == nil)
        }
    }

    @Test(arguments: StoreKind.allCases) func apiTokensAreDeletedByTheirServiceAndRotatedOnceLive(_ kind: StoreKind) async throws {
        try await kind.withStore { store in
            try await store.createOrganization(Self.organization, token: Self.token)
            try await store.insertService(Self.service(10), keys: [])
            let serviceToken = APITokenRecord(id: "s1", hash: "hash-s1", organizationId: 1, serviceApiKey: 10, description: "ci", createdAt: 3)
            try await store.insertAPIToken(serviceToken)
            await #expect(throws: StoreError.duplicate("api token")) { try await store.insertAPIToken(serviceToken) }
            #expect(try await store.apiTokens(serviceApiKey: 10) == [serviceToken])
            #expect(try await !store.deleteAPIToken(id: "s1", serviceApiKey: 20))
            // Only a live organization token rotates, and only within its organization.
            let next = APITokenRecord(id: "t2", hash: "hash-2", organizationId: 1, serviceApiKey: nil, description: nil, createdAt: 4)
            #expect(try await !store.rotateOrganizationToken(retiring: "s1", retireAt: 100, replacement: next, now: 4))
            #expect(try await store.rotateOrganizationToken(retiring: "t1", retireAt: 100, replacement: next, now: 4))
            #expect(try await store.apiToken(hash: "hash-1")?.expiresAt == 100)
            let third = APITokenRecord(id: "t3", hash: "hash-3", organizationId: 1, serviceApiKey: nil, description: nil, createdAt: 5)
            #expect(try await store.rotateOrganizationToken(retiring: "t1", retireAt: 200, replacement: third, now: 5))
            #expect(try await store.apiToken(hash: "hash-1")?.expiresAt == 100)
            await #expect(throws: StoreError.duplicate("api token")) {
                _ = try await store.rotateOrganizationToken(retiring: "t3", retireAt: 200, replacement: third, now: 6)
            }
            let fourth = APITokenRecord(id: "t4", hash: "hash-4", organizationId: 1, serviceApiKey: nil, description: nil, createdAt: 101)
            #expect(try await !store.rotateOrganizationToken(retiring: "t1", retireAt: 300, replacement: fourth, now: 101))
            #expect(try await store.apiToken(hash: "hash-4") == nil)
            #expect(try await store.deleteAPIToken(id: "s1", serviceApiKey: 10))
            #expect(try await store.apiToken(hash: "hash-s1") == nil)
        }
    }

    @Test(arguments: StoreKind.allCases) func aReplayedAssertionChangesNothingAndAnExpiredOneMayComeBack(_ kind: StoreKind) async throws {
        try await kind.withStore { store async throws in
            #expect(try await store.recordAssertion(hash: "a", expiresAt: 10, now: 1))
            #expect(try await store.recordAssertion(hash: "b", expiresAt: 100, now: 1))
            #expect(try await !store.recordAssertion(hash: "b", expiresAt: 100, now: 20))
            // The refused replay removed nothing: "a" expired meanwhile and is still there for the purge.
            #expect(try await store.purge(now: 20, retention: 0).assertions == 1)
            #expect(try await store.recordAssertion(hash: "c", expiresAt: 30, now: 20))
            #expect(try await store.recordAssertion(hash: "c", expiresAt: 60, now: 31))
        }
    }

    @Test(arguments: StoreKind.allCases) func aPurgeDeletesOnlyWhatCanNoLongerBeUsed(_ kind: StoreKind) async throws {
        try await kind.withStore { store in
            try await store.createOrganization(Self.organization, token: Self.token)
            for (hash, expiresAt) in [("old", Int64(5)), ("new", 100)] {
                try await store.insertTicket(TicketRecord(hash: hash, kind: .authorization, serviceApiKey: 10, clientId: 1, payload: "{}", createdAt: 1, expiresAt: expiresAt))
            }
            let oldCode = AuthorizationCodeRecord(hash: "old-code", grantId: "coded", serviceApiKey: 10, clientId: 1, payload: "{}", createdAt: 1, expiresAt: 5)
            try await store.insertGrant(Self.grant("coded"), code: oldCode, accessToken: nil, refreshToken: nil)
            // Tokens: long expired, expired within the retention, revoked long ago, live.
            try await store.insertGrant(Self.grant("tokens"), code: nil, accessToken: Self.access("expired", grant: "tokens", expiresAt: 5), refreshToken: Self.refresh("r-expired", grant: "tokens", expiresAt: 5))
            try await store.insertTokens(accessToken: Self.access("recent", grant: "tokens", expiresAt: 9), refreshToken: Self.refresh("r-recent", grant: "tokens", expiresAt: 9))
            try await store.insertTokens(accessToken: Self.access("live", grant: "tokens"), refreshToken: nil)
            try await store.insertGrant(Self.grant("revoked"), code: nil, accessToken: Self.access("revoked-token", grant: "revoked"), refreshToken: nil)
            try await store.revokeGrant(id: "revoked", now: 2)
            // A parent without tokens of its own stays while a grant derived from it does.
            try await store.insertGrant(Self.grant("parent"), code: nil, accessToken: nil, refreshToken: nil)
            try await store.insertGrant(Self.grant("derived", parent: "parent"), code: nil, accessToken: Self.access("derived-token", grant: "derived"), refreshToken: nil)
            #expect(try await store.recordAssertion(hash: "assertion", expiresAt: 5, now: 1))
            let retiring = APITokenRecord(id: "t9", hash: "hash-9", organizationId: 1, serviceApiKey: nil, description: nil, createdAt: 1)
            #expect(try await store.rotateOrganizationToken(retiring: "t1", retireAt: 5, replacement: retiring, now: 1))

            let report = try await store.purge(now: 10, retention: 3)
            #expect(report.tickets == 1)
            #expect(report.authorizationCodes == 1)
            #expect(report.accessTokens == 2)  // expired and revoked-token
            #expect(report.refreshTokens == 1)
            #expect(report.grants == 2)  // coded (its code gone) and revoked (its token gone)
            #expect(report.assertions == 1)
            #expect(report.apiTokens == 1)
            #expect(try await store.consumeTicket(hash: "new", kind: .authorization, serviceApiKey: 10, now: 10) != nil)
            for hash in ["recent", "live", "derived-token"] { #expect(try await store.accessToken(hash: hash) != nil, "\(hash)") }
            for hash in ["expired", "revoked-token"] { #expect(try await store.accessToken(hash: hash) == nil, "\(hash)") }
            #expect(try await store.refreshToken(hash: "r-recent") != nil)
            #expect(try await store.grant(id: "tokens") != nil)
            #expect(try await store.grant(id: "parent") != nil)
            #expect(try await store.apiToken(hash: "hash-1") == nil)
            #expect(try await store.apiToken(hash: "hash-9") != nil)
            #expect(try await store.purge(now: 10, retention: 3) == PurgeReport())
        }
    }

    @Test(arguments: StoreKind.allCases) func aPurgeWorksInBatchesThroughLargeBacklogs(_ kind: StoreKind) async throws {
        try await kind.withStore { store in
            let count = SQLStore.purgeBatch * 2 + 7  // more than two of SQLStore's batches
            for index in 0..<count {
                try await store.insertTicket(TicketRecord(hash: "t\(index)", kind: .password, serviceApiKey: 10, clientId: 1, payload: "{}", createdAt: 1, expiresAt: 5))
            }
            #expect(try await store.purge(now: 10, retention: 0).tickets == count)
        }
    }
}

