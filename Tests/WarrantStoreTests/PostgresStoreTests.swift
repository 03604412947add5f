import Foundation
import Logging
import PostgresFixture
import Testing
import WarrantStore

/// What only the PostgreSQL store has: database URLs, a schema several processes migrate at once, and a
/// server that can go away and come back.
@Suite(.enabled(if: PostgresFixture.isAvailable)) struct PostgresStoreTests {
    static func open(_ url: String, poolSize: Int = 4, timeout: Duration = .seconds(5)) async throws -> SQLStore {
        try await SQLStore.openPostgres(location: try PostgresLocation(url: url), poolSize: poolSize, timeout: timeout, logger: Logger(label: "test"))
    }

    static func withStore(_ body: (SQLStore, String) async throws -> Void) async throws {
        try await PostgresFixture.withDatabase { url in
            // The suites on it test answers, not deadlines (those tests set their own): a machine busy with the
            // whole test run in parallel must not turn 50 transactions queued for 4 connections into a timeout.
            let store = try await open(url, timeout: .seconds(30))
            do {
                try await body(store, url)
            } catch {
                try? await store.close()
                throw error
            }
            try await store.close()
        }
    }

    @Test func migrationsRunOnceAndAreRecorded() async throws {
        try await Self.withStore { store, url in
            #expect(try await store.schemaVersions() == Array(1...7))
            try await store.createOrganization(StoreConformanceTests.organization, token: StoreConformanceTests.token)
            let reopened = try await Self.open(url)
            #expect(try await reopened.schemaVersions() == Array(1...7))
            #expect(try await reopened.organizationCount() == 1)
            try await reopened.close()
        }
    }

    @Test func processesStartingTogetherMigrateTheSchemaOnce() async throws {
        try await PostgresFixture.withDatabase { url in
            // Each waits on the others' migration lock: on a machine busy with the whole test run that wait is
            // no deadline this test is about.
            let stores = try await withThrowingTaskGroup(of: SQLStore.self) { group in
                for _ in 0..<6 { group.addTask { try await Self.open(url, poolSize: 2, timeout: .seconds(30)) } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            for store in stores {
                #expect(try await store.schemaVersions() == Array(1...7))
                try await store.close()
            }
        }
    }

    /// Two processes on one database: what one changes, the other drops from its cache at its next poll, and
    /// only that; a hole in the change log (changes purged unread) drops the whole cache.
    @Test func aChangeOnOneProcessReachesTheCacheOfAnother() async throws {
        try await Self.withStore { a, url in
            let b = try await Self.open(url)
            do {
                try await a.createOrganization(StoreConformanceTests.organization, token: StoreConformanceTests.token)
                for apiKey in [Int64(10), 11] { try await a.insertService(StoreConformanceTests.service(apiKey), keys: []) }
                // B caches both services.
                #expect(try await b.service(apiKey: 10)?.document == "{}")
                #expect(try await b.service(apiKey: 11)?.document == "{}")
                var changed = StoreConformanceTests.service(10)
                changed.document = #"{"serviceName":"changed"}"#
                #expect(try await a.updateService(changed))
                #expect(try await b.service(apiKey: 10)?.document == "{}")  // cached until B polls
                #expect(try await b.followChanges() == 1)
                #expect(try await b.service(apiKey: 10)?.document == changed.document)
                #expect(try await b.followChanges() == 0)

                // B misses changes whose log entries are purged before it polls: it starts its cache over.
                changed.apiKey = 11
                #expect(try await a.updateService(changed))
                changed.apiKey = 10
                changed.document = #"{"serviceName":"again"}"#
                #expect(try await a.updateService(changed))
                _ = try await a.purge(now: Clock.nowMilliseconds + SQLStore.changeLogRetention + 1, retention: 0)
                #expect(try await b.followChanges() == 1)
                #expect(try await b.service(apiKey: 11)?.document == #"{"serviceName":"changed"}"#)
                #expect(try await b.service(apiKey: 10)?.document == #"{"serviceName":"again"}"#)
            } catch {
                try? await b.close()
                throw error
            }
            try await b.close()
        }
    }

    @Test func aURLWithMistakesNamesEachOne() {
        #expect(throws: PostgresLocationError(problems: [
            "The database URL names no user.",
            "The database URL has the unknown parameter 'sslmod' (known: sslmode, sslrootcert, sslcert, sslkey).",
            "The database URL needs sslcert and sslkey together.",
        ])) {
            try PostgresLocation(url: "postgres://db.example.com/warrant?sslmod=require&sslcert=/c.pem")
        }
        #expect(throws: PostgresLocationError(problems: [
            "The database URL names no database (…/name at its end).",
            "The database URL's sslmode 'strict' is not one of disable, prefer, require, verify-ca, verify-full.",
        ])) {
            try PostgresLocation(url: "postgresql://warrant:secret@db.example.com:6432?sslmode=strict")
        }
    }

    @Test func aURLIsReadTheWayLibpqReadsIt() throws {
        let location = try PostgresLocation(url: "postgres://war%40rant:p%2Fss@db.example.com:6432/auth?sslmode=verify-full&sslrootcert=/ca.pem")
        #expect(location.username == "war@rant")
        #expect(location.password == "p/ss")
        #expect(location.port == 6432)
        #expect(location.database == "auth")
        #expect(location.sslMode == .verifyFull)
        #expect(location.rootCertificate == "/ca.pem")
        #expect(!location.redacted.contains("p/ss") && !location.redacted.contains("p%2Fss"))
        #expect(try PostgresLocation(url: "postgres://u@h/d").sslMode == .prefer)
        #expect(try PostgresLocation(url: "postgres://u@h/d").port == 5432)
    }

    @Test func aServerNobodyListensOnIsUnavailableWithinTheTimeout() async throws {
        // A port just released: nothing listens there.
        let socket = try FreePort()
        let started = ContinuousClock.now
        await #expect {
            try await Self.open("postgres://warrant@127.0.0.1:\(socket.port)/warrant?sslmode=disable", timeout: .seconds(1))
        } throws: { error in
            guard case .unavailable = error as? StoreError else { return false }
            return true
        }
        // The timeout, and some slack for a machine busy with the other tests; the pool alone would try on.
        #expect(ContinuousClock.now - started < .seconds(10))
    }

    @Test func tlsRequiredOfAServerWithoutItIsRefused() async throws {
        try await PostgresFixture.withDatabase { url in
            await #expect {
                try await Self.open(url.replacingOccurrences(of: "sslmode=disable", with: "sslmode=require"), timeout: .seconds(3))
            } throws: { error in
                guard case .unavailable = error as? StoreError else { return false }
                return true
            }
        }
    }

    /// The server stops: units of work fail as unavailable, in time, and nothing committed before is lost;
    /// the server comes back: the same store works again by itself.
    @Test func aStoreOutlivesItsServerRestarting() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("warrant-pg-restart-\(UUID().uuidString)").path
        let url = try await PostgresFixture.startServer(in: directory)
        do {
            try await Self.restart(url, directory)
        } catch {
            _ = try? await PostgresFixture.script("stop", directory)
            throw error
        }
        try await PostgresFixture.script("stop", directory)
    }

    private static func restart(_ url: String, _ directory: String) async throws {
        // A server just started, on a machine busy with the other suites, may take longer than the deadline
        // under test to answer first: the first row goes in through a store that waits longer.
        let first = try await Self.open(url, timeout: .seconds(30))
        try await first.createOrganization(StoreConformanceTests.organization, token: StoreConformanceTests.token)
        try await first.close()
        let store = try await Self.open(url, timeout: .seconds(5))
        #expect(try await store.organizationCount() == 1)

        try await PostgresFixture.script("kill", directory)
        let started = ContinuousClock.now
        await #expect {
            try await store.organizationCount()
        } throws: { error in
            guard case .unavailable = error as? StoreError else { return false }
            return true
        }
        #expect(ContinuousClock.now - started < .seconds(15))

        // A caller that goes away (its client disconnected) stops waiting at once, not at the timeout.
        let abandoned = Task { try await store.organizationCount() }
        try await Task.sleep(for: .milliseconds(200))
        let cancelled = ContinuousClock.now
        abandoned.cancel()
        await #expect(throws: CancellationError.self) { try await abandoned.value }
        #expect(ContinuousClock.now - cancelled < .seconds(3))

        try await PostgresFixture.script("restart", directory)
        var count: Int?
        for _ in 0..<50 where count == nil {
            count = try? await store.organizationCount()
            if count == nil { try await Task.sleep(for: .milliseconds(100)) }
        }
        #expect(count == 1)
        try await store.close()
    }
}

/// A loopback port that was free a moment ago.
struct FreePort {
    let port: Int

    init() throws {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, length) == 0 && getsockname(descriptor, $0, &length) == 0 }
        }
        guard bound else { throw POSIXError(.EADDRINUSE) }
        port = Int(UInt16(bigEndian: address.sin_port))
    }
}
