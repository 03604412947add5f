import Foundation
import Logging
import Testing
import WarrantStore

/// What only the SQLite store has: database files, and the schema migrations recorded in them.
@Suite struct SQLiteStoreTests {
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

    @Test func migrationsRunOnceAndAreRecorded() async throws {
        try await Self.withStore { store, path in
            #expect(try await store.schemaVersions() == Array(1...7))
            try await store.createOrganization(StoreConformanceTests.organization, token: StoreConformanceTests.token)
            let reopened = try await SQLStore.openSQLite(path: path, logger: Logger(label: "test"))
            #expect(try await reopened.schemaVersions() == Array(1...7))
            #expect(try await reopened.organizationCount() == 1)
            try await reopened.close()
        }
    }
}
