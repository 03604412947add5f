import Foundation
import Hummingbird
import JWTKit
import SpecRuntime
import Synchronization
import Testing
import WarrantClient

/// request_uri by reference (RFC 9101 §5.2): warrant fetches a request object only from a URL the client
/// registered, follows no redirect, and reads at most 64 KiB. The objects are served by a real HTTP server on
/// 127.0.0.1 (http is allowed on loopback addresses only).
@Suite(.serialized) struct RequestUriTests {
    /// A web server holding a client's request objects, counting what it is asked for.
    final class ObjectHost: Sendable {
        let object = Mutex("")
        let hits = Mutex(0)

        func run(_ body: @Sendable (String) async throws -> Void) async throws {
            let router = Router()
            router.get("ro") { _, _ in
                self.hits.withLock { $0 += 1 }
                return self.object.withLock { $0 }
            }
            router.get("moved") { _, _ in
                self.hits.withLock { $0 += 1 }
                return Response(status: .found, headers: [.location: "/ro"])
            }
            router.get("big") { _, _ in
                self.hits.withLock { $0 += 1 }
                return String(repeating: "a", count: 70_000)
            }
            router.get("missing") { _, _ in
                self.hits.withLock { $0 += 1 }
                return Response(status: .notFound)
            }
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

    @Test func registeredURLsAreFetchedAndTheirObjectsVerified() async throws {
        let host = ObjectHost()
        try await host.run { base in
            let registered = ["\(base)/ro#v1", "\(base)/moved", "\(base)/big", "\(base)/missing"]
            try await RequestObjectTests.withSetup(client: { $0.requestUris = registered }) { setup in
                host.object.withLock { $0 = "" }
                let claims = RequestObjectTests.request(setup)
                let jwt = try await RequestObjectTests.sign(claims, with: setup.key)
                host.object.withLock { $0 = jwt + "\n" }
                func authorize(_ uri: String) async throws -> AuthorizationResponse {
                    try await RequestObjectTests.authorize(setup, "client_id=\(setup.clientId)&request_uri=\(FormEncoding.escape(uri))")
                }
                // A fragment tells versions apart and does not count in the comparison.
                let good = try await authorize("\(base)/ro#v2")
                #expect(good.action == .interaction)
                #expect(try JSONValue(parsing: try #require(good.requestObjectPayload)) == .object(claims))
                #expect(host.hits.withLock { $0 } == 1)

                // Not registered: not fetched at all.
                let unregistered = try await authorize("\(base)/ro-elsewhere")
                #expect(unregistered.action == .badRequest)
                #expect(try PushedAuthorizationTests.error(unregistered.responseContent) == "invalid_request_uri")
                #expect(host.hits.withLock { $0 } == 1)
                for uri in ["\(base)/moved", "\(base)/big", "\(base)/missing"] {
                    let refused = try await authorize(uri)
                    #expect(refused.action == .badRequest, "\(uri)")
                    #expect(refused.resultCode == "A004203", "\(uri)")
                    #expect(try PushedAuthorizationTests.error(refused.responseContent) == "invalid_request_uri", "\(uri)")
                }
                // What is fetched is verified as any request object: another key's is refused.
                host.object.withLock { $0 = "" }
                let forged = try await RequestObjectTests.sign(claims, with: ES256PrivateKey())
                host.object.withLock { $0 = forged }
                let bad = try await authorize("\(base)/ro")
                #expect(try PushedAuthorizationTests.error(bad.responseContent) == "invalid_request_object")
            }
        }
    }

    @Test func requestUrisMustBeHTTPSOrLoopback() async throws {
        try await TokenFlowTests.withFlow { flow in
            for uri in ["http://objects.example.com/ro", "ftp://127.0.0.1/ro", "not a url"] {
                let client = OAuthClient(clientName: "Objects", redirectUris: [flow.redirect], requestUris: [uri])
                guard case .badRequest(let result) = try await flow.api.clientCreate(.init(path: .init(serviceId: Int64(flow.serviceId)!), body: client))
                else { throw UnexpectedOutput() }
                #expect(result.fieldViolations?.map(\.path) == ["/requestUris/0"], "\(uri)")
            }
            guard case .ok(let discovery) = try await flow.api.serviceConfiguration(.init(path: .init(serviceId: Int64(flow.serviceId)!))) else {
                throw UnexpectedOutput()
            }
            #expect(discovery["request_uri_parameter_supported"] == true)
            #expect(discovery["require_request_uri_registration"] == true)
        }
    }
}
