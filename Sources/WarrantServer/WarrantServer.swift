import Hummingbird
import Logging
import Metrics
import OpenAPIHummingbird
import ServiceLifecycle
import Tracing
import SpecRuntime
import WarrantAPI
import WarrantEngine
import WarrantStore

/// warrant as a running service: the database opened and migrated, the organization bootstrapped, the
/// generated routes on a Hummingbird router, and a graceful shutdown that lets in-flight requests finish
/// before the database closes.
public struct WarrantServer: Sendable {
    public let serviceGroup: ServiceGroup
    public let bootstrap: Bootstrap.Outcome
    public let store: any WarrantStore
    /// Set once a stop begins: the readiness check answers DRAINING.
    public let node: NodeState

    /// - Parameters:
    ///   - tracer: gives each request and each unit of database work a span; nil, no request spans.
    ///   - services: run beside the server, started before it and stopped after it (an exporter of spans).
    ///   - onRunning: called with the port once the server accepts connections (useful with port 0).
    public static func make(
        configuration: ServerConfiguration, logger: Logger, tracer: (any Tracer)? = nil, services extra: [any ServiceLifecycle.Service] = [],
        onRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) async throws -> WarrantServer {
        let problems = configuration.problems
        guard problems.isEmpty else { throw ConfigurationError(problems: problems) }
        let metrics = ServerMetrics()
        let node = NodeState()
        let store = try await openStore(configuration: configuration, logger: logger, metrics: metrics, tracer: tracer)
        let bootstrap = try await Bootstrap.run(
            store: store, organizationToken: configuration.organizationToken, now: Clock.nowMilliseconds)
        // On a shared database a rotated key signs on until every node has seen the new one.
        let router = try makeRouter(
            store: store, logger: logger, bodyTimeout: .seconds(configuration.bodyTimeout),
            keyActivationDelay: configuration.usesPostgres
                ? CacheSyncService.keyActivationDelay(databaseTimeout: .seconds(configuration.databaseTimeout)) : .zero,
            metrics: metrics, metricsToken: configuration.metricsToken, node: node, tracer: tracer,
            requestObjectFetcher: RequestObjectFetcher(privateHostsAllowed: configuration.requestUriPrivateHostsAllowed))
        let application = Application(
            router: router,
            server: .http1(configuration: .init(idleTimeout: .seconds(Int64(configuration.idleTimeout)))),
            configuration: .init(
                address: .hostname(configuration.host, port: configuration.port), serverName: "warrant",
                availableConnectionsDelegate: .maximum(configuration.maxConnections, logger: logger)),
            onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? configuration.port) },
            logger: logger)
        // Services stop in reverse order: the HTTP server drains first, then the cache sync and the purge, then
        // the database closes, so requests in flight have the database to the end.
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = extra.map { .init(service: $0) }
        services.append(.init(service: DatabaseService(store: store)))
        if configuration.purgeInterval > 0 {
            services.append(
                .init(
                    service: PurgeService(
                        store: store, interval: .seconds(configuration.purgeInterval), retention: .seconds(configuration.purgeRetention),
                        metrics: metrics, logger: logger)))
        }
        if configuration.usesPostgres, let shared = store as? SQLStore {
            services.append(
                .init(service: CacheSyncService(store: shared, interval: CacheSyncService.defaultInterval, metrics: metrics, logger: logger)))
        }
        services.append(
            .init(service: DrainingService(application, node: node, delay: .seconds(configuration.drainDelay), logger: logger)))
        let serviceGroup = ServiceGroup(
            configuration: .init(
                services: services,
                // SIGQUIT stops at once, cutting a drain short (requests in flight are cancelled).
                gracefulShutdownSignals: [.sigterm, .sigint], cancellationSignals: [.sigquit], logger: logger))
        return WarrantServer(serviceGroup: serviceGroup, bootstrap: bootstrap, store: store, node: node)
    }

    /// Opens the database the configuration names and brings its schema up to date.
    public static func openStore(
        configuration: ServerConfiguration, logger: Logger, metrics: ServerMetrics? = nil, tracer: (any Tracer)? = nil
    ) async throws -> any WarrantStore {
        if configuration.keepsDatabaseInMemory { return MemoryWarrantStore() }
        let factory: any MetricsFactory = metrics?.factory ?? NOOPMetricsHandler.instance
        let keyEncryption = try configuration.keyEncryption
        let store: SQLStore
        if configuration.usesPostgres {
            store = try await SQLStore.openPostgres(
                location: try PostgresLocation(url: configuration.database), poolSize: configuration.databasePoolSize,
                timeout: .seconds(configuration.databaseTimeout), logger: logger, metrics: factory, keyEncryption: keyEncryption,
                tracer: tracer)
        } else {
            store = try await SQLStore.openSQLite(
                path: configuration.database, logger: logger, metrics: factory, keyEncryption: keyEncryption, tracer: tracer)
        }
        do {
            try await checkKeyEncryption(of: store, keyEncryption, logger: logger)
        } catch {
            try? await store.close()
            throw error
        }
        return store
    }

    /// Refuses to serve keys no configured KEK opens (every token of their services would fail), and says when
    /// `warrant rekey` has work to do.
    static func checkKeyEncryption(of store: SQLStore, _ keyEncryption: KeyEncryption, logger: Logger) async throws {
        let report = try await store.keyEncryptionReport()
        let missing = report.missing(from: keyEncryption)
        guard missing.isEmpty else {
            throw ConfigurationError(problems: [
                "The database has signing keys sealed with key-encryption key \(missing.joined(separator: ", ")), which is not configured: "
                    + "set it as the key-encryption key or as a previous one."
            ])
        }
        let stale = report.stale(for: keyEncryption)
        if stale > 0 {
            logger.notice(
                keyEncryption.current == nil
                    ? "signing keys are sealed but no key-encryption key is set to seal new ones; run `warrant rekey` to store them unsealed"
                    : "signing keys are not sealed with the current key-encryption key; run `warrant rekey` to reseal them",
                metadata: ["keys": "\(stale)"])
        }
    }

    /// The router with every route of the API, for the server and for in-process tests.
    /// - Parameters:
    ///   - metrics: counts every answer and serves `GET /metrics`; nil, neither.
    ///   - metricsToken: the bearer token `/metrics` asks for; nil, none.
    ///   - tracer: gives each request a span; nil, none.
    public static func makeRouter(
        store: any WarrantStore, logger: Logger, bodyTimeout: Duration = .seconds(30), keyActivationDelay: Duration = .zero,
        metrics: ServerMetrics? = nil, metricsToken: String? = nil, node: NodeState = NodeState(), tracer: (any Tracer)? = nil,
        requestObjectFetcher: (any RequestObjectFetching)? = nil
    ) throws -> Router<BasicRequestContext> {
        let delay = keyActivationDelay.components.seconds * 1000 + keyActivationDelay.components.attoseconds / 1_000_000_000_000_000
        let engine = WarrantEngine(
            store: store, logger: logger, keyActivationDelay: delay, node: node, requestObjectFetcher: requestObjectFetcher)
        var options = ServerOptions.warrant(onInternalError: { error, operation in
            logger.error("request failed", metadata: ["operation": "\(operation)", "error": "\(error)"])
        })
        options.bodyTimeout = bodyTimeout
        options.maxBodyBytesByOperation = RuntimeLimits.bodyBytesByOperation
        if let metrics { options.onAnswer = metrics.served }
        // The routes are known only once registered; a first registration on a spare router tells them, so the
        // middleware of the real one (which must come before its routes) can use them.
        let probe = Router()
        try engine.registerHandlers(on: probe, options: options)
        let routes = RouteTable(probe.routes.map { (path: $0.path.description, method: $0.method) })

        let router = Router()
        if let tracer { router.add(middleware: RequestSpanMiddleware(routes: routes, tracer: tracer)) }
        router.add(middleware: RequestLogMiddleware(routes: routes, level: .info))
        router.add(middleware: UnroutedMiddleware(routes: routes, metrics: metrics))
        try engine.registerHandlers(on: router, options: options)
        if let metrics { MetricsRoute(metrics: metrics, token: metricsToken).register(on: router) }
        return router
    }
}

/// Keeps the database open while the server runs and closes it at shutdown.
struct DatabaseService: ServiceLifecycle.Service {
    let store: any WarrantStore

    func run() async throws {
        try? await gracefulShutdown()
        try await store.close()
    }
}
