import Logging
import ServiceLifecycle
import WarrantEngine

/// Runs the HTTP server and stops it the way a node behind a load balancer should. When the stop begins, the
/// readiness check turns DRAINING and the node goes on answering for `delay`, long enough for load balancers
/// to see it and send new requests elsewhere; then the listener closes and the requests in flight finish
/// (Hummingbird's graceful shutdown). The services before it, the database among them, stop only after.
struct DrainingService<Server: Service>: Service {
    let server: Server
    let node: NodeState
    let delay: Duration
    let logger: Logger

    init(_ server: Server, node: NodeState, delay: Duration, logger: Logger) {
        self.server = server
        self.node = node
        self.delay = delay
        self.logger = logger
    }

    func run() async throws {
        let group = ServiceGroup(configuration: .init(services: [.init(service: server)], gracefulShutdownSignals: [], logger: logger))
        // Detached: a group run in this service's task would inherit its graceful shutdown and stop at the signal,
        // not after the delay.
        let running = Task.detached { try await group.run() }
        try await withTaskCancellationHandler {
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask {
                    // Thrown only when cancelled: the server has ended already.
                    guard (try? await gracefulShutdown()) != nil else { return }
                    node.startDraining()
                    if delay > .zero {
                        logger.notice("stopping: the readiness check answers DRAINING; still serving", metadata: ["for": "\(delay)"])
                        try? await Task.sleep(for: delay)
                    }
                    await group.triggerGracefulShutdown()
                }
                try await running.value
                tasks.cancelAll()
            }
        } onCancel: {
            running.cancel()
        }
    }
}
