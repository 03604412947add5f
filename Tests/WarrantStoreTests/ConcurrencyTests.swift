import Foundation
import Testing
import WarrantStore

/// Many callers at once on one store: the single-use operations have exactly one winner, and transactions
/// committed in one group (group commit) keep one caller's failure from reaching the others.
@Suite struct ConcurrencyTests {
    static let callers = 50

    @Test func fiftyRedemptionsOfOneCodeHaveOneWinner() async throws {
        try await SQLStoreTests.withStore { store, _ in
            let code = AuthorizationCodeRecord(hash: "code", grantId: "g", serviceApiKey: 10, clientId: 1, payload: "{}", createdAt: 1, expiresAt: 100)
            try await store.insertGrant(SQLStoreTests.grant("g"), code: code, accessToken: nil, refreshToken: nil)
            let outcomes = try await withThrowingTaskGroup(of: CodeRedemption.self) { group in
                for _ in 0..<Self.callers { group.addTask { try await store.redeemCode(hash: "code", serviceApiKey: 10, clientId: 1, now: 50) } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(outcomes.filter { if case .redeemed = $0 { true } else { false } }.count == 1)
            #expect(outcomes.filter { $0 == .replayed(grantId: "g") }.count == Self.callers - 1)
        }
    }

    @Test func fiftyUsesOfOneTicketHaveOneWinner() async throws {
        try await SQLStoreTests.withStore { store, _ in
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

    @Test func fiftyRecordingsOfOneAssertionHaveOneWinner() async throws {
        try await SQLStoreTests.withStore { store, _ in
            let recorded = try await withThrowingTaskGroup(of: Bool.self) { group in
                for _ in 0..<Self.callers { group.addTask { try await store.recordAssertion(hash: "jti", expiresAt: 100, now: 50) } }
                return try await group.reduce(into: 0) { $0 += $1 ? 1 : 0 }
            }
            #expect(recorded == 1)
        }
    }

    /// Inserts racing in one group: those whose key clashes fail alone; every other one is committed.
    @Test func aFailingTransactionInAGroupFailsAlone() async throws {
        try await SQLStoreTests.withStore { store, _ in
            try await store.createOrganization(SQLStoreTests.organization, token: SQLStoreTests.token)
            // Every fifth token reuses the organization token's hash, which is unique.
            let outcomes = try await withThrowingTaskGroup(of: (Int, Bool).self) { group in
                for index in 0..<Self.callers {
                    group.addTask {
                        let token = APITokenRecord(
                            id: "t-\(index)", hash: index % 5 == 0 ? SQLStoreTests.token.hash : "hash-\(index)-x", organizationId: 1,
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
