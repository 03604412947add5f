import HTTPTypes
import OpenAPIRuntime
import Foundation
import Logging
import PostgresFixture
import OpenAPIAsyncHTTPClient
import SpecRuntime
import Tracing
import WarrantClient
import WarrantServer
import WarrantStore

/// A real warrant server on 127.0.0.1 (a free port) with its own database, and clients for it.
struct TestServer {
    static let organizationToken = "test-organization-token-0123456789"

    let url: URL
    let server: WarrantServer
    private let task: Task<Void, any Error>

    /// The database the server tests run on: SQLite files, or PostgreSQL databases with
    /// `WARRANT_TEST_STORE=postgres` (which `.ci/run` sets for a second run of the server suite).
    static let onPostgres = ProcessInfo.processInfo.environment["WARRANT_TEST_STORE"] == "postgres"

    /// Runs `body` with a fresh, empty database (a temporary SQLite file, or a PostgreSQL database), removed
    /// afterwards.
    static func withDatabase<T>(_ body: (String) async throws -> T) async throws -> T {
        if onPostgres { return try await PostgresFixture.withDatabase(body) }
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("warrant-test-\(UUID().uuidString).sqlite").path
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        return try await body(path)
    }

    static func start(
        database: String, organizationToken: String? = TestServer.organizationToken, logger: Logger? = nil, tracer: (any Tracer)? = nil,
        configure: (inout ServerConfiguration) -> Void = { _ in }
    ) async throws -> TestServer {
        let logger = logger ?? {
            var quiet = Logger(label: "warrant-test")
            quiet.logLevel = .warning
            return quiet
        }()
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        var configuration = ServerConfiguration(host: "127.0.0.1", port: 0, database: database, organizationToken: organizationToken)
        configure(&configuration)
        let server = try await WarrantServer.make(
            configuration: configuration, logger: logger, tracer: tracer, onRunning: { port in continuation.yield(port) })
        let task = Task { try await server.serviceGroup.run() }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else { throw CancellationError() }
        return TestServer(url: URL(string: "http://127.0.0.1:\(port)")!, server: server, task: task)
    }

    /// Stops the server the way SIGTERM does and waits until it is down and the database is closed.
    func stop() async throws {
        await server.serviceGroup.triggerGracefulShutdown()
        try await task.value
    }

    /// The WarrantClient SDK for this server, over AsyncHTTPClient unless another transport is given.
    func client(token: String? = TestServer.organizationToken, transport: any ClientTransport = AsyncHTTPClientTransport()) -> Client {
        Client(serverURL: url, transport: transport, credentials: token.map(BearerCredentials.init))
    }

    /// Runs `body` against a fresh server and database, then shuts both down.
    static func with(configure: (inout ServerConfiguration) -> Void = { _ in }, _ body: (TestServer) async throws -> Void) async throws {
        try await withDatabase { database in
            let server = try await start(database: database, configure: configure)
            do {
                try await body(server)
            } catch {
                try? await server.stop()
                throw error
            }
            try await server.stop()
        }
    }

    /// Sends a raw request, for what the generated client cannot send (malformed bodies, no token).
    func raw(_ method: HTTPRequest.Method, _ path: String, token: String? = nil, body: String? = nil) async throws -> (
        status: Int, body: JSONValue?
    ) {
        let answer = try await raw(method, path, token: token, bytes: body.map { Array($0.utf8) })
        return (answer.status, answer.body)
    }

    /// A GET whose answer is text (the metrics).
    func text(_ path: String, token: String? = nil) async throws -> (status: Int, text: String, headers: HTTPFields) {
        var request = HTTPRequest(method: .get, scheme: nil, authority: nil, path: path)
        if let token { request.headerFields[.authorization] = "Bearer \(token)" }
        let (response, body) = try await AsyncHTTPClientTransport().send(request, body: nil, baseURL: url, operationID: "raw")
        var bytes: [UInt8] = []
        if let body { bytes = try await [UInt8](collecting: body, upTo: 4 << 20) }
        return (response.status.code, String(decoding: bytes, as: UTF8.self), response.headerFields)
    }

    /// The same with any bytes as the body, and the response's header fields.
    func raw(
        _ method: HTTPRequest.Method, _ path: String, token: String? = nil, bytes: [UInt8]?, contentType: String = "application/json",
        headers: HTTPFields = [:]
    ) async throws -> (status: Int, body: JSONValue?, headers: HTTPFields) {
        var request = HTTPRequest(method: method, scheme: nil, authority: nil, path: path, headerFields: headers)
        if let token { request.headerFields[.authorization] = "Bearer \(token)" }
        if bytes != nil { request.headerFields[.contentType] = contentType }
        let (response, responseBody) = try await AsyncHTTPClientTransport().send(
            request, body: bytes.map { HTTPBody($0) }, baseURL: url, operationID: "raw")
        var received: [UInt8] = []
        if let responseBody { received = try await [UInt8](collecting: responseBody, upTo: 1 << 20) }
        return (response.status.code, try? JSONValue(parsing: received), response.headerFields)
    }
}

extension Client {
    /// Creates a service through the API and returns it.
    func createService(_ service: Service = Service(serviceName: "Test service", issuer: URL(string: "https://as.example.com")!))
        async throws -> Service
    {
        guard case .created(let created) = try await serviceCreate(.init(body: service)) else { throw UnexpectedOutput() }
        return created
    }
}

struct UnexpectedOutput: Error {
    var output: String?

    init() {}

    /// Keeps what came instead, for the failure message.
    init(_ output: Any) { self.output = "\(output)" }
}
