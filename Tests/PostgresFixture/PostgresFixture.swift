import Foundation
import Logging
import PostgresNIO
import WarrantStore

/// A real PostgreSQL server for the tests, and an empty database on it for each test that asks.
///
/// The server is the one `WARRANT_TEST_POSTGRES` names (an administrator's URL), or else one this test process
/// starts on 127.0.0.1 with `.ci/postgres.sh` in a temporary directory and stops when it exits. The PostgreSQL
/// cases run when either is possible; `WARRANT_REQUIRE_POSTGRES=1` (set by `.ci/run`) makes a missing
/// PostgreSQL a failure instead of leaving those cases out.
public enum PostgresFixture {
    /// Whether the PostgreSQL cases run.
    public static let isAvailable: Bool = {
        let environment = ProcessInfo.processInfo.environment
        if environment["WARRANT_TEST_POSTGRES"] != nil || environment["WARRANT_REQUIRE_POSTGRES"] == "1" { return true }
        return installedBinaries != nil
    }()

    /// Creates an empty database and returns its URL.
    public static func freshDatabase() async throws -> String {
        let admin = try await Server.shared.adminURL()
        let name = "warrant_test_\(UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: ""))"
        guard var components = URLComponents(string: admin) else { throw FixtureError(description: "WARRANT_TEST_POSTGRES is not a URL") }
        try await administer(admin, "CREATE DATABASE \(name)")
        components.path = "/\(name)"
        return components.string ?? admin
    }

    /// Drops a database `freshDatabase` made, closing whatever connections are left on it.
    public static func drop(_ url: String) async {
        guard let admin = try? await Server.shared.adminURL(), let location = try? PostgresLocation(url: url) else { return }
        try? await administer(admin, "DROP DATABASE IF EXISTS \(location.database) WITH (FORCE)")
    }

    /// Runs `body` with the URL of a fresh database, dropped afterwards.
    public static func withDatabase<T>(_ body: (String) async throws -> T) async throws -> T {
        let url = try await freshDatabase()
        do {
            let value = try await body(url)
            await drop(url)
            return value
        } catch {
            await drop(url)
            throw error
        }
    }

    /// The repository's root, where `.ci/postgres.sh` is.
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static var installedBinaries: String? {
        if let path = ProcessInfo.processInfo.environment["PATH"] {
            for directory in path.split(separator: ":") where FileManager.default.isExecutableFile(atPath: "\(directory)/initdb") {
                return String(directory)
            }
        }
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? []
        return versions.sorted().last.map { "/usr/lib/postgresql/\($0)/bin" }
            .flatMap { FileManager.default.isExecutableFile(atPath: "\($0)/initdb") ? $0 : nil }
    }

    static func administer(_ admin: String, _ statement: String) async throws {
        let location = try PostgresLocation(url: admin)
        let configuration = PostgresConnection.Configuration(
            host: location.host, port: location.port, username: location.username, password: location.password,
            database: location.database, tls: .disable)
        let connection = try await PostgresConnection.connect(configuration: configuration, id: 1, logger: Logger(label: "postgres-fixture"))
        do {
            try await connection.query(PostgresQuery(unsafeSQL: statement), logger: Logger(label: "postgres-fixture"))
        } catch {
            try? await connection.close()
            throw error
        }
        try await connection.close()
    }

    /// The server, started at most once per process.
    actor Server {
        static let shared = Server()
        /// The first caller starts it; the others, arriving while it starts, wait for the same task.
        private var started: Task<String, any Error>?

        func adminURL() async throws -> String {
            if let started { return try await started.value }
            let task = Task<String, any Error> {
                if let url = ProcessInfo.processInfo.environment["WARRANT_TEST_POSTGRES"] { return url }
                return try await Self.start()
            }
            started = task
            return try await task.value
        }

        /// Starts a cluster in a temporary directory, removed when the process exits.
        private static func start() async throws -> String {
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("warrant-test-postgres-\(getpid())").path
            Server.directory = directory
            _ = try? await PostgresFixture.script("stop", directory)
            // Only the test cluster trades durability for speed: each test creates a database.
            let url = try await PostgresFixture.script("start", directory, environment: ["POSTGRES_FSYNC": "off"])
            atexit {
                guard let directory = Server.directory else { return }
                let script = PostgresFixture.root.appendingPathComponent(".ci/postgres.sh").path
                _ = system("/bin/bash \(PostgresFixture.quoted(script)) stop \(PostgresFixture.quoted(directory)) >/dev/null 2>&1")
            }
            return PostgresFixture.lastLine(url)
        }

        nonisolated(unsafe) static var directory: String?
    }

    /// Runs `.ci/postgres.sh` and returns what it printed.
    ///
    /// Through popen on a thread of its own: the script takes seconds, and Foundation's Process did not
    /// always see it end once PostgreSQL (which it starts) was running.
    @discardableResult
    public static func script(_ arguments: String..., environment: [String: String] = [:]) async throws -> String {
        let settings = environment.map { "\($0.key)=\(quoted($0.value))" }.joined(separator: " ")
        let command = "\(settings) /bin/bash \(quoted(root.appendingPathComponent(".ci/postgres.sh").path)) "
            + arguments.map(quoted).joined(separator: " ") + " 2>&1"
        let (status, printed): (Int32, String) = await withCheckedContinuation { continuation in
            Thread.detachNewThread {
                guard let pipe = popen(command, "r") else { return continuation.resume(returning: (-1, "popen failed")) }
                var output: [UInt8] = []
                var buffer = [UInt8](repeating: 0, count: 4096)
                while true {
                    let count = fread(&buffer, 1, buffer.count, pipe)
                    if count == 0 { break }
                    output += buffer[0..<count]
                }
                continuation.resume(returning: (pclose(pipe), String(decoding: output, as: UTF8.self)))
            }
        }
        guard status == 0 else {
            throw FixtureError(description: ".ci/postgres.sh \(arguments.joined(separator: " ")) failed (\(status)): \(printed)")
        }
        // The URL is the last line `start` prints.
        return printed
    }

    /// Starts a server of its own in `directory` (for tests that stop and kill it), and returns its URL.
    public static func startServer(in directory: String) async throws -> String {
        lastLine(try await script("start", directory))
    }

    static func lastLine(_ text: String) -> String {
        String(text.split(separator: "\n").last ?? "").trimmingCharacters(in: .whitespaces)
    }

    static func quoted(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    struct FixtureError: Error, CustomStringConvertible {
        var description: String
    }
}
