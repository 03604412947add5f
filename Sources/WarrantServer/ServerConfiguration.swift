#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import WarrantStore

/// Where warrant listens and keeps its data. The command line and `WARRANT_*` environment variables fill it in.
public struct ServerConfiguration: Sendable {
    public var host: String
    public var port: Int
    /// The SQLite database file, created on first start; a `postgres://` URL (see ``PostgresLocation``), a
    /// PostgreSQL database that several warrant processes may share; or ``inMemory``, which keeps everything
    /// in the process's memory (gone when it stops: for trying warrant out and for measuring it without a
    /// database).
    public var database: String
    /// PostgreSQL: the most connections this process opens.
    public var databasePoolSize: Int
    /// PostgreSQL: seconds one unit of work may take, waiting for a connection included, before the request
    /// answers that the database is unavailable.
    public var databaseTimeout: Int
    /// The organization token to create on first start instead of a random one (for automation).
    public var organizationToken: String?
    /// Seconds a connection may stay open without a complete request in progress (this also bounds how long a
    /// request head may take to arrive).
    public var idleTimeout: Int
    /// Seconds a request body may take to arrive once its head has.
    public var bodyTimeout: Int
    /// The most connections open at once; more wait in the listen backlog until one closes.
    public var maxConnections: Int
    /// Seconds between purges of expired tickets, codes, tokens and grants; 0 turns purging off.
    public var purgeInterval: Int
    /// Seconds an expired or revoked token is kept before a purge deletes it, so introspection can still tell
    /// why it no longer works.
    public var purgeRetention: Int
    /// The bearer token `GET /metrics` asks for; nil serves the metrics to anyone who can reach the port.
    public var metricsToken: String?
    /// Seconds the server goes on answering once a stop begins, with the readiness check answering DRAINING, so
    /// load balancers stop sending before the listener closes.
    public var drainDelay: Int
    /// The key-encryption key that seals private signing keys in the database (``KeyEncryption``): 32 bytes
    /// as base64 or hex; nil stores them as they are.
    public var keyEncryptionKey: String?
    /// Older key-encryption keys, kept during a rotation to open what they sealed.
    public var previousKeyEncryptionKeys: [String]
    /// Whether request_uri URLs may lead to loopback, private or link-local addresses (development and tests);
    /// off, warrant fetches only from public addresses, so no tenant can make it call the server's own network.
    public var requestUriPrivateHostsAllowed = false

    public init(
        host: String = "127.0.0.1", port: Int = 8080, database: String = "./warrant.sqlite", databasePoolSize: Int = 10,
        databaseTimeout: Int = 5, organizationToken: String? = nil,
        idleTimeout: Int = 30, bodyTimeout: Int = 30, maxConnections: Int = ServerConfiguration.defaultMaxConnections,
        purgeInterval: Int = 600, purgeRetention: Int = 86_400, metricsToken: String? = nil, drainDelay: Int = 0,
        keyEncryptionKey: String? = nil, previousKeyEncryptionKeys: [String] = []
    ) {
        self.host = host
        self.port = port
        self.database = database
        self.databasePoolSize = databasePoolSize
        self.databaseTimeout = databaseTimeout
        self.organizationToken = organizationToken
        self.idleTimeout = idleTimeout
        self.bodyTimeout = bodyTimeout
        self.maxConnections = maxConnections
        self.purgeInterval = purgeInterval
        self.purgeRetention = purgeRetention
        self.metricsToken = metricsToken
        self.drainDelay = drainDelay
        self.keyEncryptionKey = keyEncryptionKey
        self.previousKeyEncryptionKeys = previousKeyEncryptionKeys
    }

    /// The key-encryption keys, once ``problems`` found none wrong with them.
    public var keyEncryption: KeyEncryption {
        get throws {
            try KeyEncryption(current: keyEncryptionKey.map { try KeyEncryption.Key($0) }, previous: previousKeyEncryptionKeys.map { try KeyEncryption.Key($0) })
        }
    }

    /// The database "path" that selects the in-memory store, SQLite's own name for a database without a file.
    public static let inMemory = ":memory:"

    public var keepsDatabaseInMemory: Bool { database == Self.inMemory }

    /// Whether ``database`` is a PostgreSQL URL rather than an SQLite file.
    public var usesPostgres: Bool { PostgresLocation.isPostgres(database) }

    /// Below the process's open-file limit, leaving room for the database and logs: at the limit a server can
    /// no longer accept, and every caller (the health check too) would wait.
    public static var defaultMaxConnections: Int {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 512 }
        let open = Int(clamping: min(limit.rlim_cur, 1 << 20))
        return max(16, min(open - 64, 10_000))
    }

    /// Problems with the settings, each a sentence; empty when they are good.
    public var problems: [String] {
        var problems: [String] = []
        if let token = organizationToken, token.count < Self.minimumTokenLength {
            problems.append("The organization token must be at least \(Self.minimumTokenLength) characters long.")
        }
        if idleTimeout < 1 { problems.append("The idle timeout must be at least 1 second.") }
        if bodyTimeout < 1 { problems.append("The body timeout must be at least 1 second.") }
        if maxConnections < 1 { problems.append("The connection limit must be at least 1.") }
        if !(0...Self.maximumSeconds).contains(purgeInterval) { problems.append("The purge interval must be 0 (off) to \(Self.maximumSeconds) seconds.") }
        if !(0...Self.maximumSeconds).contains(purgeRetention) { problems.append("The purge retention must be 0 to \(Self.maximumSeconds) seconds.") }
        if usesPostgres {
            do { _ = try PostgresLocation(url: database) } catch { problems += error.problems }
        }
        if !(1...1000).contains(databasePoolSize) { problems.append("The database pool size must be 1 to 1000 connections.") }
        if !(1...600).contains(databaseTimeout) { problems.append("The database timeout must be 1 to 600 seconds.") }
        if let token = metricsToken, token.count < 16 { problems.append("The metrics token must be at least 16 characters long.") }
        if !(0...3600).contains(drainDelay) { problems.append("The drain delay must be 0 to 3600 seconds.") }
        if let key = keyEncryptionKey, (try? KeyEncryption.Key(key)) == nil {
            problems.append("The key-encryption key must be 32 bytes, written as base64 or as 64 hex digits.")
        }
        for (index, key) in previousKeyEncryptionKeys.enumerated() where (try? KeyEncryption.Key(key)) == nil {
            problems.append("Previous key-encryption key \(index + 1) must be 32 bytes, written as base64 or as 64 hex digits.")
        }
        return problems
    }

    /// An organization token has at least this many characters (about 190 bits when random).
    public static let minimumTokenLength = 32
    /// The longest interval or retention: a year.
    public static let maximumSeconds = 31_536_000
}

/// Settings that cannot serve; the message lists every problem.
public struct ConfigurationError: Error, CustomStringConvertible {
    public var problems: [String]
    public var description: String { problems.joined(separator: " ") }
}
