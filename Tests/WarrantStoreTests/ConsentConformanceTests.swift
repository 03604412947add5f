import Testing
import WarrantStore

/// What users granted clients, and pending tickets read and annotated: answered alike by every store.
@Suite struct ConsentConformanceTests {
    static func client(_ id: Int64, developer: String? = nil) -> ClientRecord {
        ClientRecord(clientId: id, serviceApiKey: 10, alias: nil, developer: developer, secretHash: nil, document: "{}", createdAt: id, modifiedAt: id)
    }

    static func consent(_ scopes: String, client: Int64 = 1, subject: String = "alice", at time: Int64) -> GrantedScopesRecord {
        GrantedScopesRecord(serviceApiKey: 10, clientId: client, subject: subject, latestScopes: scopes, mergedScopes: scopes, modifiedAt: time)
    }

    static func withClients(_ kind: StoreKind, _ body: (any WarrantStore) async throws -> Void) async throws {
        try await kind.withStore { store in
            try await store.createOrganization(StoreConformanceTests.organization, token: StoreConformanceTests.token)
            try await store.insertService(StoreConformanceTests.service(10), keys: [])
            for id in [Int64(1), 2, 3] { try await store.insertClient(Self.client(id, developer: id == 3 ? "acme" : nil)) }
            try await body(store)
        }
    }

    @Test(arguments: StoreKind.allCases) func grantsMergeIntoOneRecordPerClientAndUser(_ kind: StoreKind) async throws {
        try await Self.withClients(kind) { store in
            var first = StoreConformanceTests.grant("g1", createdAt: 5)
            first.clientId = 1
            try await store.insertGrant(first, code: nil, accessToken: nil, refreshToken: nil, consent: Self.consent("openid email", at: 5))
            try await store.insertGrant(
                StoreConformanceTests.grant("g2", createdAt: 9), code: nil, accessToken: nil, refreshToken: nil,
                consent: Self.consent("profile openid", at: 9))
            let record = try await store.grantedScopes(serviceApiKey: 10, clientId: 1, subject: "alice")
            #expect(record?.latestScopes == "profile openid")
            #expect(record?.mergedScopes == "openid email profile")
            #expect(record?.modifiedAt == 9)
            #expect(try await store.grantedScopes(serviceApiKey: 10, clientId: 1, subject: "bob") == nil)
            #expect(try await store.grantedScopes(serviceApiKey: 10, clientId: 2, subject: "alice") == nil)
            // A grant that fails (its ID is taken) records no consent either.
            await #expect(throws: StoreError.duplicate("token")) {
                try await store.insertGrant(
                    StoreConformanceTests.grant("g2", createdAt: 11), code: nil, accessToken: nil, refreshToken: nil,
                    consent: Self.consent("address", at: 11))
            }
            #expect(try await store.grantedScopes(serviceApiKey: 10, clientId: 1, subject: "alice")?.mergedScopes == "openid email profile")
            #expect(try await store.deleteGrantedScopes(serviceApiKey: 10, clientId: 1, subject: "alice"))
            #expect(try await !store.deleteGrantedScopes(serviceApiKey: 10, clientId: 1, subject: "alice"))
            #expect(try await store.grantedScopes(serviceApiKey: 10, clientId: 1, subject: "alice") == nil)
            // Deleting the client deletes what was granted to it.
            try await store.insertGrant(
                StoreConformanceTests.grant("g3", createdAt: 12), code: nil, accessToken: nil, refreshToken: nil, consent: Self.consent("openid", at: 12))
            #expect(try await store.deleteClient(serviceApiKey: 10, clientId: 1, now: 13))
            #expect(try await store.grantedScopes(serviceApiKey: 10, clientId: 1, subject: "alice") == nil)
        }
    }

    @Test(arguments: StoreKind.allCases) func authorizedClientsAreThoseHoldingALiveTokenOfTheUser(_ kind: StoreKind) async throws {
        try await Self.withClients(kind) { store in
            // Client 1: a live access token of alice's. Client 2: only a live refresh token. Client 3: a revoked one.
            try await store.insertTokens(accessToken: StoreConformanceTests.access("a1", grant: nil), refreshToken: nil)
            var expired = StoreConformanceTests.access("a2", grant: nil, expiresAt: 20)
            expired.clientId = 2
            var refresh = StoreConformanceTests.refresh("r2", grant: "g")
            refresh.clientId = 2
            try await store.insertGrant(StoreConformanceTests.grant("g"), code: nil, accessToken: expired, refreshToken: refresh)
            var revoked = StoreConformanceTests.access("a3", grant: nil)
            revoked.clientId = 3
            try await store.insertTokens(accessToken: revoked, refreshToken: nil)
            #expect(try await store.revokeAccessToken(hash: "a3", now: 30))
            var bobs = StoreConformanceTests.access("b3", grant: nil)
            bobs.clientId = 3
            bobs.subject = "bob"
            try await store.insertTokens(accessToken: bobs, refreshToken: nil)

            let page = try await store.authorizedClients(serviceApiKey: 10, subject: "alice", developer: nil, now: 50, offset: 0, limit: 10)
            #expect(page.total == 2)
            #expect(page.records.map(\.clientId) == [1, 2])
            #expect(try await store.authorizedClients(serviceApiKey: 10, subject: "alice", developer: nil, now: 50, offset: 1, limit: 10).records.map(\.clientId) == [2])
            #expect(try await store.authorizedClients(serviceApiKey: 10, subject: "bob", developer: "acme", now: 50, offset: 0, limit: 10).records.map(\.clientId) == [3])
            #expect(try await store.authorizedClients(serviceApiKey: 10, subject: "bob", developer: "other", now: 50, offset: 0, limit: 10).total == 0)
            #expect(try await store.authorizedClients(serviceApiKey: 20, subject: "alice", developer: nil, now: 50, offset: 0, limit: 10).total == 0)
            // Once the refresh token expires, client 2 holds nothing live.
            #expect(try await store.authorizedClients(serviceApiKey: 10, subject: "alice", developer: nil, now: 20_000, offset: 0, limit: 10).total == 0)
        }
    }

    @Test(arguments: StoreKind.allCases) func rescopingAUsersTokensAtAClientChangesOnlyTheLiveOnes(_ kind: StoreKind) async throws {
        try await kind.withStore { store in
            for (hash, subject, client) in [("a1", "alice", Int64(1)), ("a2", "alice", 1), ("a3", "bob", 1), ("a4", "alice", 2)] {
                var token = StoreConformanceTests.access(hash, grant: nil)
                token.subject = subject
                token.clientId = client
                try await store.insertTokens(accessToken: token, refreshToken: nil)
            }
            try await store.insertGrant(
                StoreConformanceTests.grant("g"), code: nil, accessToken: nil, refreshToken: StoreConformanceTests.refresh("r1", grant: "g"))
            #expect(try await store.revokeAccessToken(hash: "a2", now: 5))
            let count = try await store.rescopeLiveTokens(serviceApiKey: 10, clientId: 1, subject: "alice", scopes: "email", now: 10) { _ in
                #"{"scopes":["email"]}"#
            }
            #expect(count == 2)
            #expect(try await store.accessToken(hash: "a1").map { [$0.scopes, $0.payload] } == ["email", #"{"scopes":["email"]}"#])
            #expect(try await store.refreshToken(hash: "r1").map { [$0.scopes, $0.payload] } == ["email", "{}"])
            for hash in ["a2", "a3", "a4"] { #expect(try await store.accessToken(hash: hash)?.scopes == "openid", "\(hash)") }
            // A rewrite that throws changes nothing.
            struct Refused: Error {}
            await #expect(throws: Refused.self) {
                _ = try await store.rescopeLiveTokens(serviceApiKey: 10, clientId: 1, subject: "alice", scopes: "x", now: 10) { _ in throw Refused() }
            }
            #expect(try await store.accessToken(hash: "a1")?.scopes == "email")
            #expect(try await store.refreshToken(hash: "r1")?.scopes == "email")
        }
    }

    @Test(arguments: StoreKind.allCases) func aPendingTicketIsReadAndAnnotatedWithoutBeingUsedUp(_ kind: StoreKind) async throws {
        try await kind.withStore { store in
            try await store.insertTicket(TicketRecord(hash: "t", kind: .authorization, serviceApiKey: 10, clientId: 1, payload: "{}", createdAt: 1, expiresAt: 100))
            #expect(try await store.ticket(hash: "t", kind: .authorization, serviceApiKey: 10, now: 50)?.payload == "{}")
            #expect(try await store.ticket(hash: "t", kind: .password, serviceApiKey: 10, now: 50) == nil)
            #expect(try await store.ticket(hash: "t", kind: .authorization, serviceApiKey: 20, now: 50) == nil)
            #expect(try await store.ticket(hash: "t", kind: .authorization, serviceApiKey: 10, now: 101) == nil)
            #expect(try await store.updateTicket(hash: "t", kind: .authorization, serviceApiKey: 10, payload: #"{"a":1}"#, now: 50))
            #expect(try await !store.updateTicket(hash: "t", kind: .authorization, serviceApiKey: 10, payload: "{}", now: 101))
            #expect(try await !store.updateTicket(hash: "t", kind: .authorization, serviceApiKey: 20, payload: "{}", now: 50))
            #expect(try await store.consumeTicket(hash: "t", kind: .authorization, serviceApiKey: 10, now: 60)?.payload == #"{"a":1}"#)
            #expect(try await !store.updateTicket(hash: "t", kind: .authorization, serviceApiKey: 10, payload: "{}", now: 61))
        }
    }
}

/// Token batches: all of a batch's tokens with its completion, or nothing.
@Suite struct TokenBatchConformanceTests {
    static func issue(_ hash: String, grant: String? = nil) -> IssuedRecords {
        IssuedRecords(
            grant: grant.map { StoreConformanceTests.grant($0) }, accessToken: StoreConformanceTests.access(hash, grant: grant),
            refreshToken: grant.map { StoreConformanceTests.refresh("r-\(hash)", grant: $0) })
    }

    @Test(arguments: StoreKind.allCases) func aBatchStoresAllItsTokensWithItsCompletionOrNothing(_ kind: StoreKind) async throws {
        try await ConsentConformanceTests.withClients(kind) { store in
            try await store.insertTokenBatch(TokenBatchRecord(requestId: "b1", serviceApiKey: 10, state: .running, createdAt: 1, modifiedAt: 1))
            await #expect(throws: StoreError.duplicate("token batch")) {
                try await store.insertTokenBatch(TokenBatchRecord(requestId: "b1", serviceApiKey: 10, state: .running, createdAt: 1, modifiedAt: 1))
            }
            #expect(try await !store.completeTokenBatch(requestId: "b1", serviceApiKey: 20, issues: [Self.issue("x")], now: 2))
            #expect(try await store.completeTokenBatch(requestId: "b1", serviceApiKey: 10, issues: [Self.issue("a1"), Self.issue("a2", grant: "g2")], now: 5))
            let done = try await store.tokenBatch(requestId: "b1", serviceApiKey: 10)
            #expect(done?.state == .succeeded && done?.tokenCount == 2 && done?.modifiedAt == 5)
            #expect(try await store.accessToken(hash: "a2")?.grantId == "g2")
            #expect(try await store.refreshToken(hash: "r-a2") != nil)
            #expect(try await store.grant(id: "g2") != nil)
            // Finished: neither completed again nor failed.
            #expect(try await !store.completeTokenBatch(requestId: "b1", serviceApiKey: 10, issues: [Self.issue("a3")], now: 6))
            #expect(try await !store.failTokenBatch(requestId: "b1", serviceApiKey: 10, errorCode: "E", errorDescription: "e", now: 6))
            #expect(try await store.accessToken(hash: "a3") == nil)
            #expect(try await store.tokenBatch(requestId: "b1", serviceApiKey: 20) == nil)

            // A value in use already: the whole batch stores nothing and stays running, to be marked failed.
            try await store.insertTokenBatch(TokenBatchRecord(requestId: "b2", serviceApiKey: 10, state: .running, createdAt: 7, modifiedAt: 7))
            await #expect(throws: StoreError.duplicate("token")) {
                _ = try await store.completeTokenBatch(requestId: "b2", serviceApiKey: 10, issues: [Self.issue("a4"), Self.issue("a1")], now: 8)
            }
            #expect(try await store.accessToken(hash: "a4") == nil)
            #expect(try await store.tokenBatch(requestId: "b2", serviceApiKey: 10)?.state == .running)
            #expect(try await store.failTokenBatch(requestId: "b2", serviceApiKey: 10, errorCode: "A109203", errorDescription: "taken", now: 9))
            let failed = try await store.tokenBatch(requestId: "b2", serviceApiKey: 10)
            #expect(failed?.state == .failed && failed?.errorCode == "A109203" && failed?.tokenCount == 0 && failed?.modifiedAt == 9)
            // A client deleted while the batch ran gets nothing, and the batch stores nothing.
            try await store.insertTokenBatch(TokenBatchRecord(requestId: "b3", serviceApiKey: 10, state: .running, createdAt: 7, modifiedAt: 7))
            var orphan = Self.issue("a5")
            orphan.accessToken.clientId = 3
            #expect(try await store.deleteClient(serviceApiKey: 10, clientId: 3, now: 8))
            await #expect(throws: StoreError.missing("client 3")) {
                _ = try await store.completeTokenBatch(requestId: "b3", serviceApiKey: 10, issues: [Self.issue("a6"), orphan], now: 8)
            }
            #expect(try await store.accessToken(hash: "a6") == nil)
            #expect(try await store.failTokenBatch(requestId: "b3", serviceApiKey: 10, errorCode: "A109207", errorDescription: "gone", now: 9))
            // The purge drops statuses older than the retention.
            let report = try await store.purge(now: 1_000, retention: 992)
            #expect(report.tokenBatches == 1)
            #expect(try await store.tokenBatch(requestId: "b1", serviceApiKey: 10) == nil)
            #expect(try await store.tokenBatch(requestId: "b2", serviceApiKey: 10) != nil)
        }
    }
}
