import ServiceLifecycle

/// Runs `body` every `interval` until the service group shuts down gracefully (then returns at once, not
/// after the current sleep).
func periodically(every interval: Duration, _ body: () async -> Void) async {
    while !Task.isShuttingDownGracefully {
        do {
            try await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
        } catch {
            return  // shutting down
        }
        await body()
    }
}
