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

    @Option(name: .long, help: "PostgreSQL: the most connections this process opens (env: WARRANT_DATABASE_POOL; default: 10).")
    var databasePool: Int?

    @Option(
        name: .long,
        help: "PostgreSQL: seconds a unit of work may take, waiting for a connection included, before the request fails as unavailable (env: WARRANT_DATABASE_TIMEOUT; default: 5).")
    var databaseTimeout: Int?

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
        name: .customLong("key-encryption-key-file"),
        help: """
            A file holding the key-encryption key that seals private signing keys in the database: 32 bytes as base64 \
            or 64 hex digits (env: WARRANT_KEY_ENCRYPTION_KEY_FILE, or the key itself in WARRANT_KEY_ENCRYPTION_KEY).
            """)
    var keyEncryptionKeyFileOption: String?

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
        if let path = keyEncryptionKeyFileOption ?? ProcessInfo.processInfo.environment["WARRANT_KEY_ENCRYPTION_KEY_FILE"] {
            return try Self.read(path)
        }
        return ProcessInfo.processInfo.environment["WARRANT_KEY_ENCRYPTION_KEY"].flatMap { $0.isEmpty ? nil : $0 }
    }

    func previousKeyEncryptionKeys() throws -> [String] {
        let files = try previousKeyEncryptionKeyFile.flatMap { try Self.read($0).split(whereSeparator: \.isNewline).map(String.init) }
        let environment = ProcessInfo.processInfo.environment["WARRANT_PREVIOUS_KEY_ENCRYPTION_KEYS"]?.split(separator: ",").map(String.init) ?? []
        return (files + environment).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    static func read(_ path: String) throws -> String {
        do {
            return try String(contentsOfFile: path, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        } catch {
            throw ValidationError("cannot read the key file \(path)")
        }
    }

    /// The settings every subcommand shares.
    func configuration() throws -> ServerConfiguration {
        ServerConfiguration(
            database: database, databasePoolSize: try number(databasePool, "WARRANT_DATABASE_POOL", default: 10),
            databaseTimeout: try number(databaseTimeout, "WARRANT_DATABASE_TIMEOUT", default: 5), organizationToken: organizationToken,
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

/// A number from the command line, else from its environment variable, else the default. A variable set to
/// something else than a number is refused, not ignored.
func number(_ option: Int?, _ variable: String, default value: Int) throws -> Int {
    if let option { return option }
    guard let text = ProcessInfo.processInfo.environment[variable] else { return value }
    guard let number = Int(text.trimmingCharacters(in: .whitespaces)) else { throw ValidationError("\(variable) must be a whole number.") }
    return number
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

    @Option(name: .long, help: "The port to listen on (env: WARRANT_PORT; default: 8080).")
    var port: Int?

    @Option(name: .long, help: "Seconds a connection may stay open without a request in progress (env: WARRANT_IDLE_TIMEOUT; default: 30).")
    var idleTimeout: Int?

    @Option(name: .long, help: "Seconds a request body may take to arrive (env: WARRANT_BODY_TIMEOUT; default: 30).")
    var bodyTimeout: Int?

    @Option(name: .long, help: "The most connections open at once; by default below the open-file limit (env: WARRANT_MAX_CONNECTIONS).")
    var maxConnections: Int?

    @Option(
        name: .long,
        help: "Seconds between purges of expired tickets, codes, tokens and grants; 0 turns purging off (env: WARRANT_PURGE_INTERVAL; default: 600).")
    var purgeInterval: Int?

    @Option(name: .long, help: "Seconds expired or revoked tokens are kept before a purge deletes them (env: WARRANT_PURGE_RETENTION; default: 86400).")
    var purgeRetention: Int?

    @Option(
        name: .long,
        help: "Seconds the server goes on answering once a stop begins, its readiness check answering DRAINING (env: WARRANT_DRAIN_DELAY; default: 0).")
    var drainDelay: Int?

    @Flag(
        name: .long,
        help: "Fetch request_uri objects from loopback and private addresses too; for development only (env: WARRANT_REQUEST_URI_PRIVATE_HOSTS=1).")
    var requestUriPrivateHosts = false

    @Option(
        name: .customLong("metrics-token-file"),
        help: """
            A file holding the bearer token GET /metrics asks for (env: WARRANT_METRICS_TOKEN_FILE, or the token itself in \
            WARRANT_METRICS_TOKEN); without one the metrics are open to anyone who reaches the port.
            """)
    var metricsTokenFileOption: String?

    /// From its file, else from the environment (never a command-line value, which `ps` would show); set but
    /// empty is refused rather than leaving the metrics open.
    func metricsToken() throws -> String? {
        if let path = metricsTokenFileOption ?? ProcessInfo.processInfo.environment["WARRANT_METRICS_TOKEN_FILE"] {
            return try DatabaseOptions.read(path)
        }
        guard let token = ProcessInfo.processInfo.environment["WARRANT_METRICS_TOKEN"] else { return nil }
        guard !token.isEmpty else { throw ValidationError("WARRANT_METRICS_TOKEN is set but empty.") }
        return token
    }

    @Option(
        name: .long,
        help: """
            Export a span for each request and each unit of database work, with OTLP over HTTP, to this collector \
            (such as http://127.0.0.1:4318, to which /v1/traces is added); the OTEL_* variables configure the \
            exporter, and OTEL_EXPORTER_OTLP_ENDPOINT (or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) names the collector instead.
            """)
    var otlpEndpoint: String?

    @OptionGroup var options: DatabaseOptions

    /// The OTLP exporter of spans and the service that sends them (and flushes them at a stop), when a collector
    /// is named: on the command line or as OpenTelemetry's variables name it.
    func tracing(logger: Logger) throws -> (tracer: any Tracer, exporter: any ServiceLifecycle.Service)? {
        let environment = ProcessInfo.processInfo.environment
        let endpointVariables = ["OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"].filter { environment[$0] != nil }
        if otlpEndpoint != nil, let variable = endpointVariables.first {
            throw ValidationError("Name the collector once: --otlp-endpoint or \(variable), not both.")
        }
        let disabled = environment["OTEL_SDK_DISABLED"]?.lowercased() == "true" || environment["OTEL_TRACES_EXPORTER"] == "none"
        guard !disabled, otlpEndpoint != nil || !endpointVariables.isEmpty || environment["OTEL_TRACES_EXPORTER"] != nil else { return nil }
        var otel = OTel.Configuration.default
        otel.serviceName = "warrant"
        otel.diagnosticLogger = .custom(Logger(label: "warrant.otel") { _ in OTelDiagnostics(logger: logger) })
        // Logs go to standard error and metrics to /metrics; OTLP carries the spans.
        otel.logs.enabled = false
        otel.metrics.enabled = false
        if let otlpEndpoint {
            // As OTEL_EXPORTER_OTLP_ENDPOINT is read: the collector's base URL, to which the signal's path is added.
            let base = otlpEndpoint.hasSuffix("/") ? String(otlpEndpoint.dropLast()) : otlpEndpoint
            otel.traces.otlpExporter.endpoint = base.hasSuffix("/v1/traces") ? base : base + "/v1/traces"
        }
        let (tracer, exporter) = try OTel.makeTracingBackend(configuration: otel)
        // Libraries that trace through the process's tracer join the same traces.
        InstrumentationSystem.bootstrap(tracer)
        return (tracer, exporter)
    }

    func run() async throws {
        let logger = try options.logger()
        var configuration = try options.configuration()
        configuration.host = host
        configuration.port = try number(port, "WARRANT_PORT", default: 8080)
        configuration.idleTimeout = try number(idleTimeout, "WARRANT_IDLE_TIMEOUT", default: 30)
        configuration.bodyTimeout = try number(bodyTimeout, "WARRANT_BODY_TIMEOUT", default: 30)
        configuration.maxConnections = try number(maxConnections, "WARRANT_MAX_CONNECTIONS", default: ServerConfiguration.defaultMaxConnections)
        configuration.purgeInterval = try number(purgeInterval, "WARRANT_PURGE_INTERVAL", default: 600)
        configuration.purgeRetention = try number(purgeRetention, "WARRANT_PURGE_RETENTION", default: 86_400)
        configuration.metricsToken = try metricsToken()
        configuration.drainDelay = try number(drainDelay, "WARRANT_DRAIN_DELAY", default: 0)
        configuration.requestUriPrivateHostsAllowed = requestUriPrivateHosts || ProcessInfo.processInfo.environment["WARRANT_REQUEST_URI_PRIVATE_HOSTS"] == "1"
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
