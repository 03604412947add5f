import NotesAPI
import OpenAPIVapor
import Vapor

/// Serves an `APIProtocol` on Vapor: the generated routes registered through swift-openapi-vapor.
public enum VaporServer {
    public static func application(
        serving api: some APIProtocol, host: String = "127.0.0.1", port: Int = 8080, environment: Environment
    ) async throws -> Application {
        let app = try await Application.make(environment)
        app.http.server.configuration.hostname = host
        app.http.server.configuration.port = port
        try api.registerHandlers(on: VaporTransport(routesBuilder: app))
        return app
    }
}
