import Foundation
import Testing
import WarrantStore

/// Many callers at once on one store (each kind of store): the single-use operations have exactly one winner, and transactions
/// committed in one group (group commit) keep one caller's failure from reaching the others.
@Suite struct ConcurrencyTests {
    static let callers = 50

    @Test(arguments: StoreKind.allCases) func fiftyRedemptionsOfOneCodeHaveOneWinner(_ kind: StoreKind) async throws {
        try await kind.withStore { store in
            let code = AuthorizationCodeRecord(hash: "code", grantId: "g", serviceApiKey: 10, clientId: 1, payload: "{}", createdAt: 1, expiresAt: 100)
            try await store.insertGrant(StoreConformanceTests.grant("g"), code: code, accessToken: nil, refreshToken: nil)
            let outcomes = try await withThrowingTaskGroup(of: CodeRedemption.self) { group in
                for _ in 0..<Self.callers { group.addTask { try await store.redeemCode(hash: "code", serviceApiKey: 10, clientId: 1, now: 50) } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(outcomes.filter { if case .redeemed = $0 { true } else { false } }.count == 1)
            #expect(outcomes.filter { $0 == .replayed(grantId: "g") }.count == Self.callers - 1)
        }
    }

    @Test(arguments: StoreKind.allCases) func fiftyUsesOfOneTicketHaveOneWinner(_ kind: StoreKind) async throws {
        try await kind.withStore { store in
            try await store.insertTicket(TicketRecord(hash: "t", kind: .authorization, serviceApiKey: 10, clientId: 1, payload: "{}", createdAt: 1, expiresAt: 100))
            let used = try await withThrowingTaskGroup(of: Bool.self) { group in
                for _ in 0..<Self.callers {
                    group.addTask { try await store.consumeTicket(hash: "t", kind: .authorization, serviceApiKey: 10, now: 50) != nil }
                }
                return try await group.reduce(into: 0) { $0 += $1 ? 1 : 0 }
            }
            #expect(used == 1)
        }
    }

    /// Nodes starting together on an empty database: one creates the organization, each with its own ID and token.
    @Test(arguments: StoreKind.allCases) func tenFirstOrganizationsHaveOneWinner(_ kind: StoreKind) async throws {
        try await kind.withStore { store in
            let created = try await withThrowingTaskGroup(of: Bool.self) { group in
                for id in Int64(1)...10 {
                    group.addTask {
                        let token = APITokenRecord(
                            id: "t\(id)", hash: "hash-\(id)", organizationId: id, serviceApiKey: nil, description: nil, createdAt: 1)
                        return try await store.createFirstOrganization(OrganizationRecord(id: id, name: "Org", createdAt: 1), token: token)
                    }
                }
                return try await group.reduce(into: 0) { $0 += $1 ? 1 : 0 }
            }
            #expect(created == 1)
            #expect(try await store.organizationCount() == 1)
        }
    }

    @Test(arguments: StoreKind.allCases) func fiftyRecordingsOfOneAssertionHaveOneWinner(_ kind: StoreKind) async throws {
        try await kind.withStore { store in
            let recorded = try await withThrowingTaskGroup(of: Bool.self) { group in
                for _ in 0..<Self.callers { group.addTask { try await store.recordAssertion(hash: "jti", expiresAt: 100, now: 50) } }
                return try await group.reduce(into: 0) { $0 += $1 ? 1 : 0 }
            }
            #expect(recorded == 1)
        }
    }

    @Test(arguments: StoreKind.allCases) func fiftyRotationsOfOneRefreshTokenHaveOneWinner(_ kind: StoreKind) async throws {
        try await kind.withStore { store in
            try await store.insertGrant(
                StoreConformanceTests.grant("g"), code: nil, accessToken: StoreConformanceTests.access("a0", grant: "g", refresh: "r0"),
                refreshToken: StoreConformanceTests.refresh("r0", grant: "g"))
            let outcomes = try await withThrowingTaskGroup(of: RefreshRotation.self) { group in
                for index in 0..<Self.callers {
                    group.addTask {
                        try await store.refresh(
                            hash: "r0", clientId: 1, rotate: true, accessToken: StoreConformanceTests.access("a\(index + 1)", grant: "g", refresh: "r\(index + 1)"),
                            refreshToken: StoreConformanceTests.refresh("r\(index + 1)", grant: "g"), now: 50)
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(outcomes.filter { $0 == .rotated }.count == 1)
            #expect(outcomes.filter { $0 == .replayed(grantId: "g") }.count == Self.callers - 1)
            // The replays revoked the grant, and with it whatever the winner was issued.
            #expect(try await store.grant(id: "g") == nil)
            #expect(try await store.liveAccessTokens(serviceApiKey: 10, clientId: 1, subject: nil, now: 50, offset: 0, limit: 99).total == 0)
        }
    }

    /// Inserts racing in one group: those whose key clashes fail alone; every other one is committed.
    @Test(arguments: StoreKind.allCases) func aFailingTransactionInAGroupFailsAlone(_ kind: StoreKind) async throws {
        try await kind.withStore { store in
            try await store.createOrganization(StoreConformanceTests.organization, token: StoreConformanceTests.token)
            // Every fifth token reuses the organization token's hash, which is unique.
            let outcomes = try await withThrowingTaskGroup(of: (Int, Bool).self) { group in
                for index in 0..<Self.callers {
                    group.addTask {
                        let token = APITokenRecord(
                            id: "t-\(index)", hash: index % 5 == 0 ? StoreConformanceTests.token.hash : "hash-\(index)-x", organizationId: 1,
                            serviceApiKey: nil, description: nil, createdAt: 1)
                        do {
                            try await store.insertAPIToken(token)
                            return (index, true)
                        } catch StoreError.duplicate {
                            return (index, false)
                        }
                    }
                }
                return try await group.reduce(into: [Int: Bool]()) { $0[$1.0] = $1.1 }
            }
            for index in 0..<Self.callers {
                #expect(outcomes[index] == (index % 5 != 0), "token \(index)")
                let stored = try await store.apiToken(hash: "hash-\(index)-x")
                #expect((stored != nil) == (index % 5 != 0), "token \(index)")
            }
        }
    }
}
