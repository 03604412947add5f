import Foundation
import Logging
import Testing
import WarrantStore

/// The SQLite store on real database files.
@Suite struct SQLStoreTests {
    static func withStore(_ body: (SQLStore, String) async throws -> Void) async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("store-\(UUID().uuidString).sqlite").path
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        let store = try await SQLStore.openSQLite(path: path, logger: Logger(label: "test"))
        do {
            try await body(store, path)
        } catch {
            try? await store.close()
            throw error
        }
        try await store.close()
    }

    static let organization = OrganizationRecord(id: 1, name: "Org", createdAt: 1)
    static let token = APITokenRecord(id: "t1", hash: "hash-1", organizationId: 1, serviceApiKey: nil, description: nil, createdAt: 1)

    static func service(_ apiKey: Int64) -> ServiceRecord {
        ServiceRecord(apiKey: apiKey, organizationId: 1, document: "{}", createdAt: apiKey, modifiedAt: apiKey)
    }

    static func key(_ kid: String, _ apiKey: Int64, createdAt: Int64 = 1) -> SigningKeyRecord {
        SigningKeyRecord(kid: kid, serviceApiKey: apiKey, algorithm: "ES256", privateJWK: "{}", createdAt: createdAt)
    }

    @Test func migrationsRunOnceAndAreRecorded() async throws {
        try await Self.withStore { store, path in
            #expect(try await store.schemaVersions() == [1, 2, 3])
            try await store.createOrganization(Self.organization, token: Self.token)
            let reopened = try await SQLStore.openSQLite(path: path, logger: Logger(label: "test"))
            #expect(try await reopened.schemaVersions() == [1, 2, 3])
            #expect(try await reopened.organizationCount() == 1)
            try await reopened.close()
        }
    }

    @Test func aFailedMultiRowChangeLeavesNothingBehind() async throws {
        try await Self.withStore { store, _ in
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

    @Test func clientAliasesAreUniqueWithinAService() async throws {
        try await Self.withStore { store, _ in
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

    @Test func deletingAServiceRemovesWhatBelongsToIt() async throws {
        try await Self.withStore { store, _ in
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

    @Test func rotationRetiresKeysAndDropsThoseNoLongerPublished() async throws {
        try await Self.withStore { store, _ in
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
        }
    }
}
