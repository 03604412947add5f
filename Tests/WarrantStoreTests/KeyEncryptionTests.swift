import Foundation
import Logging
import PostgresFixture
import SQLKit
import Testing
@testable import WarrantStore

/// Private signing keys sealed at rest with a key-encryption key, and a rotation of that key.
@Suite struct KeyEncryptionTests {
    static let first = try! KeyEncryption.Key(Data((0..<32).map { UInt8($0) }).base64EncodedString())
    static let second = try! KeyEncryption.Key(String(repeating: "ab", count: 32))
    static let jwk = #"{"kty":"EC","crv":"P-256","x":"x","y":"y","d":"the-private-part"}"#

    static var kinds: [StoreKind] { StoreKind.allCases.filter { $0 != .memory } }

    /// The stores a test opened, closed at its end.
    final class Opened: @unchecked Sendable {
        var stores: [SQLStore] = []

        func closeAll() async {
            for store in stores { try? await store.close() }
        }
    }

    /// Runs `body` with a way to open the one database of the test with given KEKs; each store is closed after.
    static func withDatabase(_ kind: StoreKind, _ body: (_ open: (KeyEncryption) async throws -> SQLStore) async throws -> Void) async throws {
        let opened = Opened()
        func run(_ open: @escaping (KeyEncryption) async throws -> SQLStore) async throws {
            do {
                try await body { encryption in
                    let store = try await open(encryption)
                    opened.stores.append(store)
                    return store
                }
            } catch {
                await opened.closeAll()
                throw error
            }
            await opened.closeAll()
        }
        if kind == .postgres {
            try await PostgresFixture.withDatabase { url in
                try await run { encryption in
                    try await SQLStore.openPostgres(
                        location: try PostgresLocation(url: url), poolSize: 2, timeout: .seconds(30), logger: Logger(label: "test"),
                        keyEncryption: encryption)
                }
            }
        } else {
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("kek-\(UUID().uuidString).sqlite").path
            defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
            try await run { encryption in try await SQLStore.openSQLite(path: path, logger: Logger(label: "test"), keyEncryption: encryption) }
        }
    }

    static func key(_ kid: String, _ apiKey: Int64) -> SigningKeyRecord {
        SigningKeyRecord(kid: kid, serviceApiKey: apiKey, algorithm: "ES256", privateJWK: jwk, createdAt: 1)
    }

    static func stored(_ store: SQLStore) async throws -> [String] {
        try await store.session.read { db in
            try await db.raw("SELECT private_jwk FROM signing_keys ORDER BY kid").all().map { try $0.decode(column: "private_jwk", as: String.self) }
        }
    }

    static func createService(_ store: SQLStore, _ apiKey: Int64, keys: [String]) async throws {
        if try await store.organizationCount() == 0 {
            try await store.createOrganization(StoreConformanceTests.organization, token: StoreConformanceTests.token)
        }
        try await store.insertService(StoreConformanceTests.service(apiKey), keys: keys.map { Self.key($0, apiKey) })
    }

    @Test(arguments: kinds) func keysAreSealedAtRestAndOpenAsTheyWere(_ kind: StoreKind) async throws {
        try await Self.withDatabase(kind) { open in
            let store = try await open(KeyEncryption(current: Self.first))
            try await Self.createService(store, 10, keys: ["k1", "k2"])
            #expect(try await store.signingKeys(serviceApiKey: 10).map(\.privateJWK) == [Self.jwk, Self.jwk])
            let stored = try await Self.stored(store)
            #expect(stored.count == 2)
            #expect(stored.allSatisfy { $0.hasPrefix("kek1:\(Self.first.id):") && !$0.contains("private") })
            // Sealed twice, the same key gives two values: each seal has its own nonce.
            #expect(Set(stored).count == 2)
            #expect(try await store.keyEncryptionReport() == KeyEncryptionReport(unsealed: 0, sealed: [Self.first.id: 2]))

            // Another process with the same KEK (no cache yet) opens them.
            let other = try await open(KeyEncryption(current: Self.first))
            #expect(try await other.signingKeys(serviceApiKey: 10).map(\.privateJWK) == [Self.jwk, Self.jwk])
            // A process without it cannot.
            let without = try await open(.none)
            await #expect(throws: SigningKeyUnreadable(kid: "k1", serviceApiKey: 10, reason: .unknownKey(Self.first.id))) {
                try await without.signingKeys(serviceApiKey: 10)
            }
        }
    }

    @Test(arguments: kinds) func aSealedKeyMovedToAnotherRowDoesNotOpen(_ kind: StoreKind) async throws {
        try await Self.withDatabase(kind) { open in
            let store = try await open(KeyEncryption(current: Self.first))
            try await Self.createService(store, 10, keys: ["k1"])
            try await Self.createService(store, 20, keys: ["k2"])
            try await store.session.transaction { db in
                try await db.raw("UPDATE signing_keys SET private_jwk = (SELECT private_jwk FROM signing_keys WHERE kid = 'k1') WHERE kid = 'k2'").run()
            }
            let fresh = try await open(KeyEncryption(current: Self.first))
            await #expect(throws: SigningKeyUnreadable(kid: "k2", serviceApiKey: 20, reason: .corrupt)) { try await fresh.signingKeys(serviceApiKey: 20) }
            #expect(try await fresh.signingKeys(serviceApiKey: 10).map(\.privateJWK) == [Self.jwk])
        }
    }

    @Test(arguments: kinds) func aRotationOfTheKeyEncryptionKeyResealsEveryKey(_ kind: StoreKind) async throws {
        try await Self.withDatabase(kind) { open in
            // Keys stored before any KEK, then some under the first.
            let plain = try await open(.none)
            try await Self.createService(plain, 10, keys: ["k1"])
            #expect(try await Self.stored(plain) == [Self.jwk])
            let sealing = try await open(KeyEncryption(current: Self.first))
            #expect(try await sealing.signingKeys(serviceApiKey: 10).map(\.privateJWK) == [Self.jwk])
            try await Self.createService(sealing, 20, keys: ["k2", "k3"])
            #expect(try await sealing.keyEncryptionReport() == KeyEncryptionReport(unsealed: 1, sealed: [Self.first.id: 2]))

            // Step 1: the second KEK is current, the first kept as previous; both kinds of keys open.
            let rotating = try await open(KeyEncryption(current: Self.second, previous: [Self.first]))
            #expect(try await rotating.signingKeys(serviceApiKey: 20).map(\.privateJWK) == [Self.jwk, Self.jwk])
            let report = try await rotating.keyEncryptionReport()
            #expect(report.missing(from: KeyEncryption(current: Self.second, previous: [Self.first])) == [])
            #expect(report.missing(from: KeyEncryption(current: Self.second)) == [Self.first.id])
            #expect(report.stale(for: KeyEncryption(current: Self.second)) == 3)
            // Step 2: rekey reseals all three, and finds nothing more to do the second time.
            #expect(try await rotating.rekey() == 3)
            #expect(try await rotating.rekey() == 0)
            #expect(try await rotating.keyEncryptionReport() == KeyEncryptionReport(unsealed: 0, sealed: [Self.second.id: 3]))
            // Step 3: the first KEK is no longer needed.
            let rotated = try await open(KeyEncryption(current: Self.second))
            #expect(try await rotated.signingKeys(serviceApiKey: 10).map(\.privateJWK) == [Self.jwk])
            #expect(try await rotated.signingKeys(serviceApiKey: 20).map(\.privateJWK) == [Self.jwk, Self.jwk])

            // And back to unsealed: no current KEK, the second as previous.
            let unsealing = try await open(KeyEncryption(current: nil, previous: [Self.second]))
            #expect(try await unsealing.rekey() == 3)
            #expect(try await Self.stored(unsealing) == [Self.jwk, Self.jwk, Self.jwk])
        }
    }

    @Test func keyEncryptionKeysAreRead32BytesAsBase64OrHex() throws {
        let bytes = Data((0..<32).map { UInt8(255 - $0) })
        let standard = try KeyEncryption.Key(bytes.base64EncodedString())
        let url = try KeyEncryption.Key(
            bytes.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
                .replacingOccurrences(of: "=", with: ""))
        let hex = try KeyEncryption.Key(bytes.map { String(format: "%02X", $0) }.joined() + "\n")
        #expect(standard.id == url.id)
        #expect(standard.id == hex.id)
        #expect(standard.id.count == 16)
        #expect(standard.id != Self.first.id)
        // Among them 62 hex digits and a two-byte character (64 bytes of UTF-8), and signs that Int(_:radix:) takes.
        let hostile = String(repeating: "ab", count: 31) + "é", signed = "+f" + String(repeating: "ab", count: 31)
        for bad in ["", "c2hvcnQ=", String(repeating: "zz", count: 32), Data(count: 31).base64EncodedString(), Data(count: 33).base64EncodedString(), hostile, signed] {
            #expect(throws: KeyEncryptionError.malformedKey) { try KeyEncryption.Key(bad) }
        }
    }
}
