import Hummingbird

/// Another party's web server for a test (a client's request objects, its notification endpoint): a
/// Hummingbird application on a free port of 127.0.0.1, running while `body` does.
enum LoopbackHTTP {
    static func serving(_ router: Router<BasicRequestContext>, _ body: (String) async throws -> Void) async throws {
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in continuation.yield(channel.localAddress?.port ?? 0) })
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await app.runService(gracefulShutdownSignals: []) }
            var iterator = ports.makeAsyncIterator()
            guard let port = await iterator.next() else { throw CancellationError() }
            defer { group.cancelAll() }
            try await body("http://127.0.0.1:\(port)")
        }
    }
}
