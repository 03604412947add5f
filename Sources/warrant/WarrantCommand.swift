import ArgumentParser
import Foundation
import Logging
import OTel
import ServiceLifecycle
import Tracing
import WarrantEngine
import WarrantServer
import WarrantStore

@main
struct WarrantCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "warrant",
        abstract: "An OAuth 2.0 / OpenID Connect authorization backend, compatible with the Authlete 3.0 API.",
        subcommands: [Serve.self, Initialize.self, Rekey.self],
        defaultSubcommand: Serve.self
    )
}

/// Options shared by the subcommands; each falls back to a WARRANT_* environment variable.
struct DatabaseOptions: ParsableArguments {
    // WARRANT_DATABASE is read after parsing rather than as the option's default, which --help would print,
    // password and all.
    @Option(
        name: .customLong("database"),
        help: """
            The SQLite database file, created if missing; a postgres://user:password@host:port/database?sslmode=… URL; \
            or :memory:, which keeps everything in memory until the process stops (env: WARRANT_DATABASE; \
            default: ./warrant.sqlite).
            """)
    var databaseOption: String?

    var database: String { databaseOption ?? ProcessInfo.processInfo.environment["WARRANT_DATABASE"] ?? "./warrant.sqlite" }

    @Option(name: .long, help: "PostgreSQL: the most connections this process opens (env: WARRANT_DATABASE_POOL).")
    var databasePool: Int = ProcessInfo.processInfo.environment["WARRANT_DATABASE_POOL"].flatMap(Int.init) ?? 10

    @Option(
        name: .long,
        help: "PostgreSQL: seconds a unit of work may take, waiting for a connection included, before the request fails as unavailable (env: WARRANT_DATABASE_TIMEOUT).")
    var databaseTimeout: Int = ProcessInfo.processInfo.environment["WARRANT_DATABASE_TIMEOUT"].flatMap(Int.init) ?? 5

    @Option(name: .long, help: "Log level: trace, debug, info, notice, warning, error, critical (env: WARRANT_LOG_LEVEL).")
    var logLevel: String = ProcessInfo.processInfo.environment["WARRANT_LOG_LEVEL"] ?? "info"

    func logger() throws -> Logger {
        guard let level = Logger.Level(rawValue: logLevel) else { throw ValidationError("unknown log level '\(logLevel)'") }
        var logger = Logger(label: "warrant")
        logger.logLevel = level
        return logger
    }

    /// The database as messages name it: a PostgreSQL URL without its password (never the URL as given).
    var databaseName: String {
        guard PostgresLocation.isPostgres(database) else { return database }
        return (try? PostgresLocation(url: database))?.redacted ?? "the PostgreSQL database"
    }

    @Option(
        name: .long,
        help: """
            A file holding the key-encryption key that seals private signing keys in the database: 32 bytes as base64 \
            or 64 hex digits (env: WARRANT_KEY_ENCRYPTION_KEY_FILE, or the key itself in WARRANT_KEY_ENCRYPTION_KEY).
            """)
    var keyEncryptionKeyFile: String? = ProcessInfo.processInfo.environment["WARRANT_KEY_ENCRYPTION_KEY_FILE"]

    @Option(
        name: .long,
        help: """
            A file holding a previous key-encryption key, one per line, kept during a rotation to open what it sealed \
            (repeatable; env: WARRANT_PREVIOUS_KEY_ENCRYPTION_KEYS, the keys themselves, comma-separated).
            """)
    var previousKeyEncryptionKeyFile: [String] = []

    /// The current key-encryption key: from its file, else from the environment (never a command-line value,
    /// which `ps` would show).
    func keyEncryptionKey() throws -> String? {
        if let path = keyEncryptionKeyFile { return try Self.read(path) }
        return ProcessInfo.processInfo.environment["WARRANT_KEY_ENCRYPTION_KEY"].flatMap { $0.isEmpty ? nil : $0 }
    }

    func previousKeyEncryptionKeys() throws -> [String] {
        let files = try previousKeyEncryptionKeyFile.flatMap { try Self.read($0).split(whereSeparator: \.isNewline).map(String.init) }
        let environment = ProcessInfo.processInfo.environment["WARRANT_PREVIOUS_KEY_ENCRYPTION_KEYS"]?.split(separator: ",").map(String.init) ?? []
        return (files + environment).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    private static func read(_ path: String) throws -> String {
        do {
            return try String(contentsOfFile: path, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        } catch {
            throw ValidationError("cannot read the key file \(path)")
        }
    }

    /// The settings every subcommand shares.
    func configuration() throws -> ServerConfiguration {
        ServerConfiguration(
            database: database, databasePoolSize: databasePool, databaseTimeout: databaseTimeout, organizationToken: organizationToken,
            keyEncryptionKey: try keyEncryptionKey(), previousKeyEncryptionKeys: try previousKeyEncryptionKeys())
    }

    /// The settings of a command that works on a stored database, checked; `inMemory` is the message when
    /// the database is `:memory:`.
    func storedConfiguration(or inMemory: String) throws -> ServerConfiguration {
        let configuration = try configuration()
        let problems = configuration.problems
        guard problems.isEmpty else { throw ValidationError(problems.joined(separator: " ")) }
        guard !configuration.keepsDatabaseInMemory else { throw ValidationError(inMemory) }
        return configuration
    }

    /// `WARRANT_ORGANIZATION_TOKEN`: the organization token to create on first start.
    var organizationToken: String? {
        ProcessInfo.processInfo.environment["WARRANT_ORGANIZATION_TOKEN"].flatMap { $0.isEmpty ? nil : $0 }
    }
}

/// Prints what first start created; a generated organization token is shown this once.
func report(_ outcome: Bootstrap.Outcome, database: String) {
    switch outcome {
    case .created(let organizationId, let token?):
        print("Created organization \(organizationId) in \(database).")
        print("Organization token (shown once; keep it safe): \(token)")
    case .created(let organizationId, nil):
        print("Created organization \(organizationId) in \(database) with the token from WARRANT_ORGANIZATION_TOKEN.")
    case .alreadyInitialized:
        break
    }
    // Shown before the server logs, even when stdout is a file.
    fflush(nil)
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve the API over HTTP.",
        discussion: """
            On first start against an empty database, creates the organization and its organization token \
            (WARRANT_ORGANIZATION_TOKEN, or a random one printed once). Stops gracefully on SIGTERM or SIGINT: \
            the readiness check answers DRAINING, the server goes on answering for the drain delay, then closes \
            its listener and lets requests in flight finish.
            """
    )

    @Option(name: .long, help: "The address to listen on (env: WARRANT_HOST).")
    var host: String = ProcessInfo.processInfo.environment["WARRANT_HOST"] ?? "127.0.0.1"

    @Option(name: .long, help: "The port to listen on (env: WARRANT_PORT).")
    var port: Int = ProcessInfo.processInfo.environment["WARRANT_PORT"].flatMap(Int.init) ?? 8080

    @Option(name: .long, help: "Seconds a connection may stay open without a request in progress (env: WARRANT_IDLE_TIMEOUT).")
    var idleTimeout: Int = ProcessInfo.processInfo.environment["WARRANT_IDLE_TIMEOUT"].flatMap(Int.init) ?? 30

    @Option(name: .long, help: "Seconds a request body may take to arrive (env: WARRANT_BODY_TIMEOUT).")
    var bodyTimeout: Int = ProcessInfo.processInfo.environment["WARRANT_BODY_TIMEOUT"].flatMap(Int.init) ?? 30

    @Option(name: .long, help: "The most connections open at once; by default below the open-file limit (env: WARRANT_MAX_CONNECTIONS).")
    var maxConnections: Int = ProcessInfo.processInfo.environment["WARRANT_MAX_CONNECTIONS"].flatMap(Int.init)
        ?? ServerConfiguration.defaultMaxConnections

    @Option(name: .long, help: "Seconds between purges of expired tickets, codes, tokens and grants; 0 turns purging off (env: WARRANT_PURGE_INTERVAL).")
    var purgeInterval: Int = ProcessInfo.processInfo.environment["WARRANT_PURGE_INTERVAL"].flatMap(Int.init) ?? 600

    @Option(name: .long, help: "Seconds expired or revoked tokens are kept before a purge deletes them (env: WARRANT_PURGE_RETENTION).")
    var purgeRetention: Int = ProcessInfo.processInfo.environment["WARRANT_PURGE_RETENTION"].flatMap(Int.init) ?? 86_400

    @Option(
        name: .long,
        help: "Seconds the server goes on answering once a stop begins, its readiness check answering DRAINING (env: WARRANT_DRAIN_DELAY).")
    var drainDelay: Int = ProcessInfo.processInfo.environment["WARRANT_DRAIN_DELAY"].flatMap(Int.init) ?? 0

    // Read after parsing, as WARRANT_DATABASE, so --help does not print it.
    @Option(
        name: .customLong("metrics-token"),
        help: "The bearer token GET /metrics asks for; without one the metrics are open to anyone who reaches the port (env: WARRANT_METRICS_TOKEN).")
    var metricsTokenOption: String?

    var metricsToken: String? {
        metricsTokenOption ?? ProcessInfo.processInfo.environment["WARRANT_METRICS_TOKEN"].flatMap { $0.isEmpty ? nil : $0 }
    }

    @Option(
        name: .long,
        help: """
            Export a span for each request and each unit of database work, with OTLP over HTTP, to this collector \
            (such as http://127.0.0.1:4318); the OTEL_EXPORTER_OTLP_* and OTEL_TRACES_* variables configure it too, \
            and setting OTEL_EXPORTER_OTLP_ENDPOINT alone turns tracing on.
            """)
    var otlpEndpoint: String?

    /// Tracing is on when a collector is named, on the command line or as OpenTelemetry's variables name it.
    var tracesExported: Bool {
        let environment = ProcessInfo.processInfo.environment
        return otlpEndpoint != nil
            || ["OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_TRACES_EXPORTER"].contains { environment[$0] != nil }
    }

    @OptionGroup var options: DatabaseOptions

    /// The OTLP exporter of spans, and the service that sends them (and flushes them at a stop).
    func tracing(logger: Logger) throws -> (tracer: any Tracer, exporter: any Service)? {
        guard tracesExported else { return nil }
        var otel = OTel.Configuration.default
        otel.serviceName = "warrant"
        otel.diagnosticLogger = .custom(logger)
        // Logs go to standard error and metrics to /metrics; OTLP carries the spans.
        otel.logs.enabled = false
        otel.metrics.enabled = false
        if let otlpEndpoint { otel.traces.otlpExporter.endpoint = otlpEndpoint }
        let (tracer, exporter) = try OTel.makeTracingBackend(configuration: otel)
        // Libraries that trace through the process's tracer join the same traces.
        InstrumentationSystem.bootstrap(tracer)
        return (tracer, exporter)
    }

    func run() async throws {
        let logger = try options.logger()
        var configuration = try options.configuration()
        configuration.host = host
        configuration.port = port
        configuration.idleTimeout = idleTimeout
        configuration.bodyTimeout = bodyTimeout
        configuration.maxConnections = maxConnections
        configuration.purgeInterval = purgeInterval
        configuration.purgeRetention = purgeRetention
        configuration.metricsToken = metricsToken
        configuration.drainDelay = drainDelay
        // WarrantServer.make refuses settings that cannot serve (ConfigurationError lists each problem).
        let tracing = try tracing(logger: logger)
        let server = try await WarrantServer.make(
            configuration: configuration, logger: logger, tracer: tracing?.tracer, services: tracing.map { [$0.exporter] } ?? []
        ) { port in
            logger.info("warrant is listening", metadata: ["address": "http://\(host):\(port)"])
        }
        report(server.bootstrap, database: options.databaseName)
        try await server.serviceGroup.run()
    }
}

struct Initialize: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Create the database, the organization and its organization token, without serving."
    )

    @OptionGroup var options: DatabaseOptions

    func run() async throws {
        let logger = try options.logger()
        let configuration = try options.storedConfiguration(
            or: "init keeps nothing with --database \(ServerConfiguration.inMemory): serve creates the organization itself.")
        let store = try await WarrantServer.openStore(configuration: configuration, logger: logger)
        let outcome = try await Bootstrap.run(store: store, organizationToken: options.organizationToken, now: Clock.nowMilliseconds)
        try await store.close()
        if outcome == .alreadyInitialized { print("\(options.databaseName) is already initialized.") }
        report(outcome, database: options.databaseName)
    }
}

struct Rekey: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Reseal every private signing key with the current key-encryption key.",
        discussion: """
            The second step of a rotation of the key-encryption key: with the new key as the key-encryption key and \
            the old one as a previous key (on this command and on every node), reseals what the old one sealed. \
            Without a key-encryption key, stores every key unsealed. Safe while nodes serve.
            """
    )

    @OptionGroup var options: DatabaseOptions

    func run() async throws {
        let logger = try options.logger()
        let configuration = try options.storedConfiguration(or: "rekey needs a database that keeps its keys.")
        guard let store = try await WarrantServer.openStore(configuration: configuration, logger: logger) as? SQLStore else { return }
        do {
            let resealed = try await store.rekey()
            let report = try await store.keyEncryptionReport()
            try await store.close()
            let sealer = try configuration.keyEncryption.current.map { "key-encryption key \($0.id)" } ?? "no key-encryption key (unsealed)"
            print("Resealed \(resealed) signing key\(resealed == 1 ? "" : "s") in \(options.databaseName) with \(sealer).")
            let stale = report.stale(for: try configuration.keyEncryption)
            if stale > 0 { print("\(stale) changed while this ran; run rekey again.") }
        } catch {
            try? await store.close()
            throw error
        }
    }
}
