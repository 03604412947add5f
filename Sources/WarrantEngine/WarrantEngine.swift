import Foundation
import Logging
import SpecRuntime
import WarrantAPI
import WarrantStore

/// warrant's implementation of the generated `APIProtocol`: management of organizations' services and
/// clients, discovery and keys. The generated routes have already decoded and validated every request.
public struct WarrantEngine: APIProtocol {
    let store: any WarrantStore
    let access: Access
    let signer: TokenSigner
    let documents = DocumentCache()
    let logger: Logger
    /// Milliseconds since the Unix epoch; replaceable so tests can move time.
    let now: @Sendable () -> Int64

    public init(store: any WarrantStore, logger: Logger, now: @escaping @Sendable () -> Int64 = { Clock.nowMilliseconds }) {
        self.store = store
        self.access = Access(store: store, now: now)
        self.signer = TokenSigner(store: store)
        self.logger = logger
        self.now = now
    }

    // MARK: Health

    public func healthcheck(_ input: Operations.Healthcheck.Input) async throws -> Operations.Healthcheck.Output {
        // A write, not a read: a database that answers but stores nothing must not look healthy.
        do {
            try await store.checkWritable(now: now())
            return .ok(Self.health(.healthy, status: "OK"))
        } catch {
            logger.error("health check: the database does not take writes", metadata: ["error": "\(error)"])
            let (result, status) = FaultAnswer.health(for: error)
            return .serviceUnavailable(Self.health(result, status: status))
        }
    }

    private static func health(_ result: ResultCode, status: String) -> HealthcheckResponse {
        HealthcheckResponse(resultCode: result.code, resultMessage: result.message, status: status, version: WarrantVersion.api)
    }

    /// No I/O at all: the ceiling of what the server answers per second, and what a liveness probe wants.
    public func liveness(_ input: Operations.Liveness.Input) async throws -> Operations.Liveness.Output {
        .ok(Self.alive)
    }

    private static let alive = LivenessResponse(status: "OK", version: WarrantVersion.api)

    /// Runtime APIs take the service ID as text (`^\d+$`, checked by the route).
    func serviceID(_ text: String) throws -> Int64 {
        guard let id = Int64(text) else { throw APIFailure.notFound(.serviceNotFound) }
        return id
    }
}

public enum WarrantVersion {
    /// The Authlete API version warrant is compatible with.
    public static let api = "3.0"
}
