/// Where warrant listens and keeps its data. The command line and `WARRANT_*` environment variables fill it in.
public struct ServerConfiguration: Sendable {
    public var host: String
    public var port: Int
    /// The SQLite database file; created on first start.
    public var databasePath: String
    /// The organization token to create on first start instead of a random one (for automation).
    public var organizationToken: String?

    public init(host: String = "127.0.0.1", port: Int = 8080, databasePath: String = "./warrant.sqlite", organizationToken: String? = nil) {
        self.host = host
        self.port = port
        self.databasePath = databasePath
        self.organizationToken = organizationToken
    }
}
