import Foundation
import Testing
import WarrantStore

/// Decoupled authorizations (the device flow, CIBA) on every store: a user code is unique in its service, a
/// decision is taken once, polls keep their interval (growing by 5 s when too soon), and one poll redeems.
@Suite struct DecoupledConformanceTests {
    static func record(_ hash: String = "dc", lookup: String = "uc", service: Int64 = 10, interval: Int64 = 5, expiresAt: Int64 = 600_000)
        -> DecoupledAuthorizationRecord
    {
        DecoupledAuthorizationRecord(
            hash: hash, kind: .device, lookupHash: lookup, serviceApiKey: service, clientId: 1, payload: #"{"request":1}"#, interval: interval,
            createdAt: 0, expiresAt: expiresAt)
    }

    @Test(arguments: StoreKind.allCases) func userCodesAreUniqueWithinAServiceAndDecidedOnce(_ kind: StoreKind) async throws {
        try await kind.withStore { store in
            try await store.insertDecoupledAuthorization(Self.record())
            await #expect(throws: StoreError.duplicate("decoupled authorization")) { try await store.insertDecoupledAuthorization(Self.record("other")) }
            // Another service may have the same user code.
            try await store.insertDecoupledAuthorization(Self.record("other", service: 20))
            let found = try #require(try await store.decoupledAuthorization(lookupHash: "uc", kind: .device, serviceApiKey: 10))
            #expect(found == Self.record())
            #expect(try await store.decoupledAuthorization(lookupHash: "nope", kind: .device, serviceApiKey: 10) == nil)

            // Not after it expired, and once only.
            #expect(!(try await store.decideDecoupledAuthorization(lookupHash: "uc", kind: .device, serviceApiKey: 10, state: .denied, payload: "late", now: 600_001)))
            #expect(try await store.decideDecoupledAuthorization(lookupHash: "uc", kind: .device, serviceApiKey: 10, state: .authorized, payload: "yes", now: 1_000))
            #expect(!(try await store.decideDecoupledAuthorization(lookupHash: "uc", kind: .device, serviceApiKey: 10, state: .denied, payload: "no", now: 1_000)))
            let decided = try #require(try await store.decoupledAuthorization(lookupHash: "uc", kind: .device, serviceApiKey: 10))
            #expect(decided.state == .authorized && decided.payload == "yes")
            #expect(try await store.decoupledAuthorization(lookupHash: "uc", kind: .device, serviceApiKey: 20)?.state == .pending)
        }
    }

    @Test(arguments: StoreKind.allCases) func pollsKeepTheirIntervalAndSlowDownBySeconds(_ kind: StoreKind) async throws {
        try await kind.withStore { store in
            try await store.insertDecoupledAuthorization(Self.record())
            func poll(at now: Int64, client: Int64 = 1) async throws -> DecoupledPoll {
                try await store.pollDecoupledAuthorization(hash: "dc", kind: .device, serviceApiKey: 10, clientId: client, leeway: 500, now: now)
            }
            guard case .polled(let first) = try await poll(at: 1_000) else { throw PollFailure() }
            #expect(first.polledAt == 1_000 && first.state == .pending)
            // 4.5 s later is on time (the leeway); 4.4 s is too soon, and the interval becomes 10 s from then.
            guard case .polled = try await poll(at: 5_500) else { throw PollFailure() }
            #expect(try await poll(at: 9_900) == .slowDown(interval: 10))
            #expect(try await poll(at: 19_000) == .slowDown(interval: 15))
            guard case .polled(let late) = try await poll(at: 33_600) else { throw PollFailure() }
            #expect(late.interval == 15 && late.polledAt == 33_600)
            // Another client's poll, or one of another service, changes nothing: the owner is on time after it.
            #expect(try await poll(at: 48_700, client: 2) == .otherClient)
            guard case .polled = try await poll(at: 48_700) else { throw PollFailure() }
            #expect(try await poll(at: 60_000, client: 2) == .otherClient)
            #expect(try await store.pollDecoupledAuthorization(hash: "dc", kind: .device, serviceApiKey: 20, clientId: 1, leeway: 500, now: 60_000) == .unknown)
            #expect(try await poll(at: 600_001) == .expired)
            #expect(try await store.pollDecoupledAuthorization(hash: "none", kind: .device, serviceApiKey: 10, clientId: 1, leeway: 500, now: 1) == .unknown)
        }
    }

    @Test(arguments: StoreKind.allCases) func theIntervalStopsGrowingAtAnHour(_ kind: StoreKind) async throws {
        try await kind.withStore { store in
            try await store.insertDecoupledAuthorization(Self.record(interval: 3_598, expiresAt: 100_000_000))
            func poll(at now: Int64) async throws -> DecoupledPoll {
                try await store.pollDecoupledAuthorization(hash: "dc", kind: .device, serviceApiKey: 10, clientId: 1, leeway: 0, now: now)
            }
            guard case .polled = try await poll(at: 1) else { throw PollFailure() }
            #expect(try await poll(at: 2) == .slowDown(interval: 3_600))
            #expect(try await poll(at: 3) == .slowDown(interval: 3_600))
        }
    }

    @Test(arguments: StoreKind.allCases) func anAuthorizedRecordIsRedeemedOnceWithItsGrant(_ kind: StoreKind) async throws {
        try await kind.withStore { store in
            try await store.insertDecoupledAuthorization(Self.record())
            let grant = StoreConformanceTests.grant("g")
            let access = StoreConformanceTests.access("a1", grant: "g", refresh: "r1")
            let refresh = StoreConformanceTests.refresh("r1", grant: "g")
            func redeem(_ grant: GrantRecord, _ access: AccessTokenRecord, _ refresh: RefreshTokenRecord?) async throws -> Bool {
                try await store.redeemDecoupledAuthorization(
                    hash: "dc", kind: .device, serviceApiKey: 10, state: .authorized, grant: grant, accessToken: access, refreshToken: refresh,
                    consent: nil)
            }
            // Pending: nothing is stored.
            #expect(!(try await redeem(grant, access, refresh)))
            #expect(try await store.accessToken(hash: "a1") == nil)
            #expect(try await store.decideDecoupledAuthorization(lookupHash: "uc", kind: .device, serviceApiKey: 10, state: .authorized, payload: "{}", now: 1))
            // A token value in use already stores nothing, and leaves the record to redeem.
            try await store.insertGrant(StoreConformanceTests.grant("taken"), code: nil, accessToken: StoreConformanceTests.access("a0", grant: "taken"), refreshToken: nil)
            await #expect(throws: StoreError.duplicate("token")) {
                try await redeem(grant, StoreConformanceTests.access("a0", grant: "g"), nil)
            }
            #expect(try await store.grant(id: "g") == nil)
            #expect(try await redeem(grant, access, refresh))
            #expect(try await store.grant(id: "g") != nil)
            #expect(try await store.accessToken(hash: "a1") != nil)
            #expect(try await store.refreshToken(hash: "r1") != nil)
            #expect(!(try await redeem(StoreConformanceTests.grant("g2"), StoreConformanceTests.access("a2", grant: "g2"), nil)))
            #expect(try await store.decoupledAuthorization(lookupHash: "uc", kind: .device, serviceApiKey: 10) == nil)
        }
    }

    /// CIBA's push mode decides and stores the tokens at once: from pending, once, and then nothing is left to decide.
    @Test(arguments: StoreKind.allCases) func aPendingRecordIsRedeemedAtOnceOnlyOnce(_ kind: StoreKind) async throws {
        try await kind.withStore { store in
            var record = Self.record("ar", lookup: "ticket")
            record.kind = .backchannel
            try await store.insertDecoupledAuthorization(record)
            func redeem(_ id: String) async throws -> Bool {
                try await store.redeemDecoupledAuthorization(
                    hash: "ar", kind: .backchannel, serviceApiKey: 10, state: .pending, grant: StoreConformanceTests.grant(id),
                    accessToken: StoreConformanceTests.access("a-" + id, grant: id), refreshToken: nil, consent: nil)
            }
            // The device kind's record of the same hash is another one.
            #expect(!(try await store.redeemDecoupledAuthorization(
                hash: "ar", kind: .device, serviceApiKey: 10, state: .pending, grant: StoreConformanceTests.grant("d"),
                accessToken: StoreConformanceTests.access("a-d", grant: "d"), refreshToken: nil, consent: nil)))
            #expect(try await redeem("g1"))
            #expect(!(try await redeem("g2")))
            #expect(try await store.grant(id: "g2") == nil)
            #expect(!(try await store.decideDecoupledAuthorization(lookupHash: "ticket", kind: .backchannel, serviceApiKey: 10, state: .denied, payload: "{}", now: 1)))
        }
    }

    @Test(arguments: StoreKind.allCases) func fiftyPollsAtOnceFindTheRecordOnTimeOnce(_ kind: StoreKind) async throws {
        try await kind.withStore { store in
            try await store.insertDecoupledAuthorization(Self.record())
            let outcomes = try await withThrowingTaskGroup(of: DecoupledPoll.self) { group in
                for _ in 0..<50 {
                    group.addTask { try await store.pollDecoupledAuthorization(hash: "dc", kind: .device, serviceApiKey: 10, clientId: 1, leeway: 500, now: 1_000) }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(outcomes.filter { if case .polled = $0 { true } else { false } }.count == 1)
            #expect(outcomes.filter { if case .slowDown = $0 { true } else { false } }.count == 49)
        }
    }

    @Test(arguments: StoreKind.allCases) func expiredRecordsArePurgedAndLiveOnesKept(_ kind: StoreKind) async throws {
        try await kind.withStore { store in
            try await store.insertDecoupledAuthorization(Self.record("old", lookup: "u1", expiresAt: 100))
            try await store.insertDecoupledAuthorization(Self.record("live", lookup: "u2", expiresAt: 10_000))
            let report = try await store.purge(now: 200, retention: 0)
            #expect(report.decoupledAuthorizations == 1)
            #expect(try await store.decoupledAuthorization(lookupHash: "u1", kind: .device, serviceApiKey: 10) == nil)
            #expect(try await store.decoupledAuthorization(lookupHash: "u2", kind: .device, serviceApiKey: 10) != nil)
        }
    }

    struct PollFailure: Error {}
}
