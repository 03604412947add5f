import Foundation
import HTTPTypes
import InMemoryTracing
import SQLKit
import SpecRuntime
import Testing
import WarrantClient
import WarrantServer
@testable import WarrantStore

/// What operators run warrant with: the Prometheus metrics, the readiness check and the drain at a stop.
@Suite struct OperationsTests {
    /// Samples of a Prometheus text exposition, by metric name and labels.
    struct Samples {
        var values: [String: Double] = [:]

        init(_ text: String) throws {
            for line in text.split(separator: "\n") where !line.hasPrefix("#") {
                guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else {
                    Issue.record("not a sample: \(line)")
                    continue
                }
                values[Self.key(String(line[..<space]))] = value
            }
        }

        subscript(_ name: String, _ labels: [String: String] = [:]) -> Double? {
            values[Self.key(name, labels)]
        }

        /// The sum over every series of a metric whose labels include `labels`.
        func total(_ name: String, _ labels: [String: String] = [:]) -> Double {
            values.filter { key, _ in
                guard key == name || key.hasPrefix(name + "{") else { return false }
                return labels.allSatisfy { key.contains("\($0.key)=\"\($0.value)\"") }
            }.values.reduce(0, +)
        }

        private static func key(_ name: String, _ labels: [String: String]) -> String {
            labels.isEmpty ? name : name + "{" + labels.sorted { $0.key < $1.key }.map { "\($0.key)=\"\($0.value)\"" }.joined(separator: ",") + "}"
        }

        /// `name{b="2",a="1"}` with its labels in order.
        private static func key(_ series: String) -> String {
            guard let open = series.firstIndex(of: "{"), series.hasSuffix("}") else { return series }
            let labels = series[series.index(after: open)..<series.index(before: series.endIndex)].split(separator: ",").map { pair in
                let parts = pair.split(separator: "=", maxSplits: 1)
                return (String(parts[0]), String(parts.count > 1 ? parts[1] : "").trimmingCharacters(in: CharacterSet(charactersIn: "\"")))
            }
            return key(String(series[..<open]), Dictionary(labels, uniquingKeysWith: { first, _ in first }))
        }
    }

    static func scrape(_ server: TestServer, token: String? = nil) async throws -> Samples {
        let (status, text, headers) = try await server.text("/metrics", token: token)
        #expect(status == 200)
        #expect(headers[.contentType] == "text/plain; version=0.0.4; charset=utf-8")
        return try Samples(text)
    }

    @Test func metricsCountAnswersByOperationStatusAndActionTheTokensIssuedTheDatabaseAndTheCache() async throws {
        try await TokenFlowTests.withFlow { flow in
            let before = try await Self.scrape(flow.server)
            for _ in 0..<2 {
                let issued = try await flow.token("grant_type=client_credentials&scope=profile", clientId: flow.clientId, secret: flow.secret)
                #expect(issued.action == .ok)
            }
            let refused = try await flow.token("grant_type=client_credentials", clientId: flow.clientId, secret: "not-the-secret")
            #expect(refused.action == .invalidClient)
            let code = try await flow.redeem(try await flow.code())
            #expect(code.action == .ok)
            #expect(try await flow.server.raw(.get, "/api/no/such/api").status == 404)
            #expect(try await flow.server.raw(.post, "/api/lifecycle/liveness").status == 405)

            let after = try await Self.scrape(flow.server)
            func delta(_ name: String, _ labels: [String: String]) -> Double { after.total(name, labels) - before.total(name, labels) }
            #expect(delta("warrant_requests_total", ["operation": "authToken", "status": "200", "action": "OK"]) == 3)
            #expect(delta("warrant_requests_total", ["operation": "authToken", "status": "200", "action": "INVALID_CLIENT"]) == 1)
            #expect(delta("warrant_requests_total", ["operation": "authorization", "action": "INTERACTION"]) == 1)
            #expect(delta("warrant_requests_total", ["operation": "authorizationIssue", "action": "LOCATION"]) == 1)
            #expect(delta("warrant_requests_total", ["operation": "none", "status": "404"]) == 1)
            #expect(delta("warrant_requests_total", ["operation": "none", "status": "405"]) == 1)
            #expect(delta("warrant_request_duration_seconds_count", ["operation": "authToken"]) == 4)
            #expect(delta("warrant_tokens_issued_total", ["grant_type": "CLIENT_CREDENTIALS"]) == 2)
            #expect(delta("warrant_tokens_issued_total", ["grant_type": "AUTHORIZATION_CODE"]) == 1)
            // A refused request issued nothing.
            #expect(delta("warrant_tokens_issued_total", [:]) == 3)
            // The service's API key and each request's token were read from the cache after the first time.
            #expect(delta("warrant_cache_hits_total", ["cache": "api_tokens"]) >= 6)
            #expect(after.total("warrant_cache_misses_total", ["cache": "services"]) >= 1)
            // Each token issued is a database write; each took a connection and gave it back.
            #expect(delta("warrant_database_duration_seconds_count", ["kind": "write"]) >= 3)
            // Background work (the cache poller on PostgreSQL) may hold one for a moment: wait for it to come back.
            var inUse = after["warrant_database_connections_in_use"]
            for _ in 0..<50 where inUse != 0 {
                try await Task.sleep(for: .milliseconds(100))
                inUse = try await Self.scrape(flow.server)["warrant_database_connections_in_use"]
            }
            #expect(inUse == 0)
            #expect(after["warrant_database_connections_max"] == (TestServer.onPostgres ? 10 : 3))
            #expect(after.total("warrant_database_failures_total") == 0)
            // Histograms have their buckets, up to +Inf.
            #expect(after["warrant_request_duration_seconds_bucket", ["operation": "authToken", "le": "+Inf"]] == after["warrant_request_duration_seconds_count", ["operation": "authToken"]])
        }
    }

    @Test func theMetricsAskForTheirTokenWhenOneIsSet() async throws {
        let token = "metrics-token-0123456789"
        try await TestServer.with(configure: { $0.metricsToken = token }) { server in
            let anonymous = try await server.text("/metrics")
            #expect(anonymous.status == 401)
            #expect(anonymous.headers[.wwwAuthenticate] == "Bearer realm=\"metrics\"")
            #expect(try await server.text("/metrics", token: "metrics-token-012345678X").status == 401)
            // The organization token is not the metrics token.
            #expect(try await server.text("/metrics", token: TestServer.organizationToken).status == 401)
            let samples = try await Self.scrape(server, token: token)
            #expect(samples["warrant_database_connections_max"] == (TestServer.onPostgres ? 10 : 3))
        }
        #expect(ServerConfiguration(metricsToken: "short").problems == ["The metrics token must be at least 16 characters long."])
    }

    @Test func purgesAreCounted() async throws {
        try await TestServer.with(configure: { $0.purgeInterval = 1 }) { server in
            var samples = try await Self.scrape(server)
            // A bound, not a timing: the loop ends at the first purge, which a loaded machine may delay.
            let deadline = ContinuousClock.now + .seconds(90)
            while samples.total("warrant_purges_total", ["outcome": "done"]) < 1, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(200))
                samples = try await Self.scrape(server)
            }
            #expect(
                samples.total("warrant_purges_total", ["outcome": "done"]) >= 1,
                "failed purges: \(samples.total("warrant_purges_total", ["outcome": "failed"]))")
            #expect(samples["warrant_purged_records_total", ["kind": "access_tokens"]] == 0)
            #expect(samples["warrant_purged_records_total", ["kind": "cache_changes"]] != nil)
        }
    }

    @Test func readinessTellsTheSchemaAndTheDrain() async throws {
        try await TestServer.with(configure: { $0.drainDelay = 2 }) { server in
            let ready = try await server.raw(.get, "/api/lifecycle/readiness")
            #expect(ready.status == 200)
            #expect(ready.body?["status"] == "READY")
            #expect(ready.body?["resultCode"] == "A001002")
            let expected = Migrations.all.map(\.version).max() ?? 0
            #expect(ready.body?["schemaVersion"] == .integer(Int64(expected)))
            #expect(ready.body?["expectedSchemaVersion"] == .integer(Int64(expected)))

            // A database without the newest migration (an older warrant's, or one being migrated) is not ready.
            let store = try #require(server.server.store as? SQLStore)
            try await store.session.transaction { db in try await db.raw("DELETE FROM schema_migrations WHERE version = \(bind: expected)").run() }
            let behind = try await server.raw(.get, "/api/lifecycle/readiness")
            #expect(behind.status == 503)
            #expect(behind.body?["status"] == "SCHEMA_BEHIND")
            #expect(behind.body?["schemaVersion"] == .integer(Int64(expected - 1)))
            try await store.session.transaction { db in
                try await db.raw("INSERT INTO schema_migrations (version, name, applied_at) VALUES (\(bind: expected), 'restored', 0)").run()
            }
            #expect(try await server.raw(.get, "/api/lifecycle/readiness").status == 200)

            // A stop: readiness turns DRAINING at once, the node goes on answering for the delay, then it stops.
            let start = ContinuousClock.now
            await server.server.serviceGroup.triggerGracefulShutdown()
            var draining = try await server.raw(.get, "/api/lifecycle/readiness")
            // The signal reaches the HTTP service through the service group's own task, which a loaded machine
            // may run late: wait for it (the drain delay counts from when it arrives).
            while draining.status == 200, ContinuousClock.now - start < .seconds(10) {
                draining = try await server.raw(.get, "/api/lifecycle/readiness")
            }
            #expect(draining.status == 503)
            #expect(draining.body?["status"] == "DRAINING")
            #expect(draining.body?["resultCode"] == "A001105")
            #expect(server.server.node.isDraining)
            let api = server.client()
            guard case .ok(let list) = try await api.serviceGetList(.init()) else { throw UnexpectedOutput() }
            #expect(list.services.isEmpty)
            #expect(try await server.raw(.get, "/api/lifecycle/healthcheck").status == 200)
            try await server.stop()
            #expect(ContinuousClock.now - start >= .seconds(2))
        }
        #expect(ServerConfiguration(drainDelay: 3601).problems == ["The drain delay must be 0 to 3600 seconds."])
    }

    @Test func aServerRefusesToStartOnKeysNoConfiguredKeyEncryptionKeyOpens() async throws {
        let first = String(repeating: "11", count: 32), second = String(repeating: "22", count: 32)
        let firstID = try KeyEncryption.Key(first).id
        try await TestServer.withDatabase { database in
            let sealing = try await TestServer.start(database: database) { $0.keyEncryptionKey = first }
            let service = try await sealing.client().createService()
            try await sealing.stop()
            let apiKey = try #require(service.apiKey)

            await #expect {
                _ = try await TestServer.start(database: database)
            } throws: { error in
                (error as? ConfigurationError)?.problems == [
                    "The database has signing keys sealed with key-encryption key \(firstID), which is not configured: "
                        + "set it as the key-encryption key or as a previous one."
                ]
            }
            // During a rotation the old KEK opens what it sealed, and the service signs with its keys.
            let rotating = try await TestServer.start(database: database) {
                $0.keyEncryptionKey = second
                $0.previousKeyEncryptionKeys = [first]
            }
            let jwks = try KeysAndDiscoveryTests.jwks(
                try await rotating.client().serviceJwksGet(.init(path: .init(serviceId: apiKey), query: .init(includePrivateKeys: true))))
            #expect(KeysAndDiscoveryTests.keys(jwks).count == 4)
            #expect(KeysAndDiscoveryTests.keys(jwks).allSatisfy { $0["d"]?.stringValue?.isEmpty == false })
            try await rotating.stop()
        }
        #expect(ServerConfiguration(keyEncryptionKey: "too-short").problems == ["The key-encryption key must be 32 bytes, written as base64 or as 64 hex digits."])
    }

    @Test func eachRequestAndEachUnitOfDatabaseWorkHasASpanAndNoSecret() async throws {
        let tracer = InMemoryTracer()
        try await TestServer.withDatabase { database in
            let server = try await TestServer.start(database: database, tracer: tracer)
            let api = server.client()
            let apiKey = try #require(try await api.createService().apiKey)
            tracer.clearAll()

            // A caller's trace is continued: the server span is the child of the span the headers name.
            var headers = HTTPFields()
            headers[HTTPField.Name(InMemoryTracer.traceIDKey)!] = "trace-of-the-caller"
            headers[HTTPField.Name(InMemoryTracer.spanIDKey)!] = "span-of-the-caller"
            let secretPath = "/api/\(apiKey)/service/token/delete/a-token-identifier-0123456789?secret=query-value-0123"
            let deleted = try await server.raw(.delete, secretPath, token: TestServer.organizationToken, bytes: nil, headers: headers)
            #expect(deleted.status == 404)
            try await server.stop()

            let spans = tracer.finishedSpans
            let request = try #require(spans.first { $0.kind == .server })
            #expect(request.operationName == "DELETE /api/{serviceId}/service/token/delete/{tokenId}")
            #expect(request.traceID == "trace-of-the-caller")
            #expect(request.parentSpanID == "span-of-the-caller")
            #expect(request.attributes["http.route"]?.toSpanAttribute() == "/api/{serviceId}/service/token/delete/{tokenId}")
            #expect(request.attributes["url.path"]?.toSpanAttribute() == "/api/\(apiKey)/service/token/delete/[redacted]".toSpanAttribute())
            #expect(request.attributes["http.response.status_code"]?.toSpanAttribute() == 404)
            // The deletion's database work is its child (the API token was cached by the service's creation).
            let database = spans.filter { $0.kind == .client }
            #expect(!database.isEmpty)
            #expect(database.allSatisfy { $0.traceID == request.traceID && $0.parentSpanID == request.spanID })
            #expect(database.allSatisfy { $0.attributes["db.system.name"]?.toSpanAttribute() == (TestServer.onPostgres ? "postgresql" : "sqlite") })
            // Nothing recorded holds the token identifier, the query, or the organization token.
            let recorded = spans.map { "\($0.operationName) \($0.attributes)" }.joined(separator: "\n")
            for secret in ["a-token-identifier", "query-value", TestServer.organizationToken] { #expect(!recorded.contains(secret)) }
        }
    }
}
