import Foundation
import NIOSSL
import PostgresNIO

/// Where a PostgreSQL database is and how to reach it, read from a `postgres://` URL the way libpq reads one:
/// `postgres://user:password@host:port/database?sslmode=verify-full&sslrootcert=/path/ca.pem`.
///
/// `sslmode` takes libpq's values: `disable`; `prefer` (the default: TLS when the server offers it, the
/// certificate unchecked); `require` (TLS, the certificate unchecked unless `sslrootcert` is given, as with
/// libpq); `verify-ca` (TLS with a certificate from `sslrootcert`, or else the system's roots, where libpq
/// would read ~/.postgresql/root.crt); `verify-full` (also the host name). `sslcert` and `sslkey`
/// name a client certificate and its key. Any other parameter is refused, so a typo does not go unnoticed.
public struct PostgresLocation: Sendable {
    public var host: String
    public var port: Int
    public var username: String
    public var password: String?
    public var database: String
    public var sslMode: SSLMode
    public var rootCertificate: String?
    public var clientCertificate: String?
    public var clientKey: String?

    public enum SSLMode: String, Sendable, CaseIterable {
        case disable, prefer, require
        case verifyCA = "verify-ca"
        case verifyFull = "verify-full"
    }

    /// Whether a database setting names PostgreSQL rather than an SQLite file.
    public static func isPostgres(_ database: String) -> Bool {
        database.hasPrefix("postgres://") || database.hasPrefix("postgresql://")
    }

    /// Reads the URL; the error lists every problem, and never repeats the password.
    public init(url text: String) throws(PostgresLocationError) {
        guard Self.isPostgres(text), let components = URLComponents(string: text) else {
            throw PostgresLocationError(problems: ["The database URL is not a postgres:// URL."])
        }
        var problems: [String] = []
        let host = components.host ?? ""
        if host.isEmpty { problems.append("The database URL names no host.") }
        let username = components.user ?? ""
        if username.isEmpty { problems.append("The database URL names no user.") }
        let database = String(components.path.drop { $0 == "/" })
        if database.isEmpty || database.contains("/") { problems.append("The database URL names no database (…/name at its end).") }
        var sslMode = SSLMode.prefer
        var parameters: [String: String] = [:]
        for item in components.queryItems ?? [] {
            guard ["sslmode", "sslrootcert", "sslcert", "sslkey"].contains(item.name) else {
                problems.append("The database URL has the unknown parameter '\(item.name)' (known: sslmode, sslrootcert, sslcert, sslkey).")
                continue
            }
            parameters[item.name] = item.value ?? ""
        }
        if let mode = parameters["sslmode"] {
            if let known = SSLMode(rawValue: mode) {
                sslMode = known
            } else {
                problems.append("The database URL's sslmode '\(mode)' is not one of \(SSLMode.allCases.map(\.rawValue).joined(separator: ", ")).")
            }
        }
        if (parameters["sslcert"] == nil) != (parameters["sslkey"] == nil) {
            problems.append("The database URL needs sslcert and sslkey together.")
        }
        if sslMode == .disable, parameters.keys.contains(where: { $0 != "sslmode" }) {
            problems.append("The database URL has certificate parameters with sslmode=disable.")
        }
        guard problems.isEmpty else { throw PostgresLocationError(problems: problems) }
        self.host = host
        self.port = components.port ?? 5432
        // URLComponents decodes percent escapes in `user` and `password`.
        self.username = username
        self.password = components.password
        self.database = database
        self.sslMode = sslMode
        self.rootCertificate = parameters["sslrootcert"]
        self.clientCertificate = parameters["sslcert"]
        self.clientKey = parameters["sslkey"]
    }

    /// The URL without its password, for logs and messages.
    public var redacted: String {
        "postgres://\(username)@\(host):\(port)/\(database)?sslmode=\(sslMode.rawValue)"
    }

    /// The TLS settings of the connection.
    func tls() throws -> PostgresClient.Configuration.TLS {
        if sslMode == .disable { return .disable }
        var configuration = TLSConfiguration.makeClientConfiguration()
        switch sslMode {
        // As libpq: `require` with a root certificate checks the server's certificate as verify-ca does.
        case .require where rootCertificate != nil: configuration.certificateVerification = .noHostnameVerification
        case .disable, .prefer, .require: configuration.certificateVerification = .none
        case .verifyCA: configuration.certificateVerification = .noHostnameVerification
        case .verifyFull: configuration.certificateVerification = .fullVerification
        }
        if let rootCertificate { configuration.trustRoots = .file(rootCertificate) }
        if let clientCertificate, let clientKey {
            configuration.certificateChain = try NIOSSLCertificate.fromPEMFile(clientCertificate).map { .certificate($0) }
            configuration.privateKey = .privateKey(try NIOSSLPrivateKey(file: clientKey, format: .pem))
        }
        return sslMode == .prefer ? .prefer(configuration) : .require(configuration)
    }
}

/// A database URL that cannot be used; the message lists every problem.
public struct PostgresLocationError: Error, CustomStringConvertible, Equatable {
    public var problems: [String]
    public var description: String { problems.joined(separator: " ") }

    public init(problems: [String]) {
        self.problems = problems
    }
}
