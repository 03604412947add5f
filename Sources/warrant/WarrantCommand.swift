import ArgumentParser
import Foundation
import Logging
import WarrantEngine
import WarrantServer
import WarrantStore

@main
struct WarrantCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "warrant",
        abstract: "An OAuth 2.0 / OpenID Connect authorization backend, compatible with the Authlete 3.0 API.",
        subcommands: [Serve.self, Initialize.self],
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

    @OptionGroup var options: DatabaseOptions

    func run() async throws {
        let logger = try options.logger()
        let configuration = ServerConfiguration(
            host: host, port: port, database: options.database, databasePoolSize: options.databasePool,
            databaseTimeout: options.databaseTimeout, organizationToken: options.organizationToken,
            idleTimeout: idleTimeout, bodyTimeout: bodyTimeout, maxConnections: maxConnections, purgeInterval: purgeInterval,
            purgeRetention: purgeRetention, metricsToken: metricsToken, drainDelay: drainDelay)
        // WarrantServer.make refuses settings that cannot serve (ConfigurationError lists each problem).
        let server = try await WarrantServer.make(configuration: configuration, logger: logger) { port in
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
        let configuration = ServerConfiguration(
            database: options.database, databasePoolSize: options.databasePool, databaseTimeout: options.databaseTimeout,
            organizationToken: options.organizationToken)
        let problems = configuration.problems
        guard problems.isEmpty else { throw ValidationError(problems.joined(separator: " ")) }
        guard !configuration.keepsDatabaseInMemory else {
            throw ValidationError("init keeps nothing with --database \(ServerConfiguration.inMemory): serve creates the organization itself.")
        }
        let store = try await WarrantServer.openStore(configuration: configuration, logger: logger)
        let outcome = try await Bootstrap.run(store: store, organizationToken: options.organizationToken, now: Clock.nowMilliseconds)
        try await store.close()
        if outcome == .alreadyInitialized { print("\(options.databaseName) is already initialized.") }
        report(outcome, database: options.databaseName)
    }
}
