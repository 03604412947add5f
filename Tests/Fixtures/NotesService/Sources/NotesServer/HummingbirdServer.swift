import Hummingbird
import NotesAPI
import OpenAPIHummingbird

/// Serves an `APIProtocol` on Hummingbird: a router, the generated routes registered on it.
public enum HummingbirdServer {
    public static func application(
        serving api: some APIProtocol, host: String = "127.0.0.1", port: Int = 8080,
        onRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) throws -> some ApplicationProtocol {
        let router = Router()
        try api.registerHandlers(on: router)
        return Application(
            router: router, configuration: .init(address: .hostname(host, port: port)),
            onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? port) })
    }
}
