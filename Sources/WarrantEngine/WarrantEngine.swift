import Foundation
import Synchronization
import Logging
import SpecRuntime
import WarrantAPI
import WarrantStore

/// warrant's implementation of the generated `APIProtocol`: a thin adapter that holds the components of
/// the domain core. Each method (in `API/`, one file per spec area) turns the wire input into a domain call
/// (policies, flows, the token issuer) and its outcome back into the wire answer. The generated routes have
/// already decoded and validated every request.
public struct WarrantEngine: APIProtocol {
    let store: any WarrantStore
    let access: Access
    let policies: PolicyCache
    let clients: ClientDirectory
    let signer: TokenSigner
    let issuer: TokenIssuer
    let presented: PresentedTokens
    let dpop: DPoPVerifier
    /// The token batches this process runs at once, so that bulk work cannot crowd out requests.
    let batchSlots = TokenBatchSlots(limit: 4)
    let logger: Logger
    /// Milliseconds since the Unix epoch; replaceable so tests can move time.
    let now: @Sendable () -> Int64
    /// Milliseconds a rotated key keeps signing after the rotation, while the new key is already published:
    /// longer than it takes every node on a shared database to see the new key (0 with one process).
    let keyActivationDelay: Int64
    /// Fetches request objects by reference (request_uri URLs); nil where the process fetches nothing.
    let requestObjectFetcher: (any RequestObjectFetching)?
    /// Whether the process is stopping, for the readiness check.
    let node: NodeState
    /// The health check's write, shared by the checks that arrive while it runs.
    let healthProbe = SharedProbe()
    /// Wrong device flow user codes, counted per service.
    let wrongUserCodes = WrongCodeLimiter()

    public init(
        store: any WarrantStore, logger: Logger, keyActivationDelay: Int64 = 0, node: NodeState = NodeState(),
        requestObjectFetcher: (any RequestObjectFetching)? = nil, now: @escaping @Sendable () -> Int64 = { Clock.nowMilliseconds }
    ) {
        let policies = PolicyCache()
        let signer = TokenSigner(store: store, now: now)
        self.store = store
        self.access = Access(store: store, now: now)
        self.policies = policies
        self.clients = ClientDirectory(store: store, policies: policies)
        self.signer = signer
        self.issuer = TokenIssuer(signer: signer, now: now)
        self.presented = PresentedTokens(store: store, signer: signer, clients: clients, now: now)
        self.dpop = DPoPVerifier(store: store, nonces: DPoPNonces(store: store, now: now), now: now)
        self.logger = logger
        self.now = now
        self.keyActivationDelay = max(0, keyActivationDelay)
        self.node = node
        self.requestObjectFetcher = requestObjectFetcher
    }

    // MARK: Shared by the API areas

    /// Runtime APIs take the service ID as text (`^\d+$`, checked by the route).
    func serviceID(_ text: String) throws -> Int64 {
        guard let id = Int64(text) else { throw APIFailure.notFound(.serviceNotFound) }
        return id
    }

    /// The policy of the service a runtime call is about, once the caller may act on it.
    func servicePolicy(_ serviceId: String, _ credentials: BearerCredentials?) async throws -> ServicePolicy {
        let (_, record) = try await access.service(try serviceID(serviceId), credentials)
        return try policies.service(record)
    }

    /// Client authentication for an endpoint of the service.
    func authenticator(for service: ServicePolicy, audiences: [String], methods: [ClientAuthMethod]?) -> ClientAuthenticator {
        ClientAuthenticator(
            clients: clients, signer: signer, now: now, serviceApiKey: service.apiKey, audiences: audiences, allowedMethods: methods,
            trustedRoots: service.trustedRoots, fapiModes: service.document.fapiModes ?? [], issuer: service.issuer,
            audienceRestrictedToIssuer: service.document.clientAssertionAudRestrictedToIssuer == true)
    }
}

/// Runs a probe once for every caller that asks while it runs: health checks arriving together share one
/// write instead of each updating the probe's row (on a shared database such writes only conflict with each
/// other, and SERIALIZABLE retries them).
final class SharedProbe: Sendable {
    private let inFlight = Mutex<Task<Void, any Error>?>(nil)

    func run(_ probe: @escaping @Sendable () async throws -> Void) async throws {
        let task = inFlight.withLock { current in
            if let current { return current }
            let task = Task { try await probe() }
            current = task
            return task
        }
        defer { inFlight.withLock { current in if current == task { current = nil } } }
        try await task.value
    }
}

/// What the process running the engine tells it of itself.
public final class NodeState: Sendable {
    private let draining = Atomic<Bool>(false)

    public init() {}

    /// Once set, the readiness check answers DRAINING: the process is stopping and load balancers should send
    /// requests elsewhere, though it still answers those it gets.
    public var isDraining: Bool { draining.load(ordering: .relaxed) }
    public func startDraining() { draining.store(true, ordering: .relaxed) }
}

public enum WarrantVersion {
    /// The Authlete API version warrant is compatible with.
    public static let api = "3.0"
}
