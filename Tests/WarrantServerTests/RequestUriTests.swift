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
                // JWT-shaped and streamed in chunks, so only the size limit refuses it.
                self.hits.withLock { $0 += 1 }
                return Response(
                    status: .ok,
                    body: ResponseBody { writer in
                        for _ in 0..<10 { try await writer.write(ByteBuffer(string: String(repeating: "a", count: 7_000) + ".")) }
                        try await writer.finish(nil)
                    })
            }
            router.get("stall") { _, _ in
                // The head and a little of the body, then nothing for longer than warrant waits.
                self.hits.withLock { $0 += 1 }
                return Response(
                    status: .ok,
                    body: ResponseBody { writer in
                        try await writer.write(ByteBuffer(string: "eyJ"))
                        try await Task.sleep(for: .seconds(15))
                        try await writer.finish(nil)
                    })
            }
            router.get("missing") { _, _ in
                self.hits.withLock { $0 += 1 }
                return Response(status: .notFound)
            }
            try await LoopbackHTTP.serving(router, body)
        }
    }

    /// A client that signs request objects and registered `requestUris`, on a server that may fetch from
    /// loopback addresses when `privateHosts` (the test's object host is one).
    static func withClient(
        requestUris: [String], privateHosts: Bool = true, configure: @escaping (inout Service) -> Void = { _ in },
        _ body: @Sendable (RequestObjectTests.Setup) async throws -> Void
    ) async throws {
        try await TokenFlowTests.withFlow(server: { $0.requestUriPrivateHostsAllowed = privateHosts }, configure: configure) { flow in
            let key = ES256PrivateKey()
            var registration = OAuthClient(
                clientName: "Signer", redirectUris: ["https://app.example.com/cb"], grantTypes: [.authorizationCode],
                jwks: try ClientAssertionTests.publicJWKS(key, kid: "rk"), requestSignAlg: .es256)
            registration.requestUris = requestUris
            guard case .created(let client) = try await flow.api.clientCreate(.init(path: .init(serviceId: Int64(flow.serviceId)!), body: registration))
            else { throw UnexpectedOutput() }
            try await body(RequestObjectTests.Setup(flow: flow, key: key, client: client))
        }
    }

    static func authorize(_ setup: RequestObjectTests.Setup, _ uri: String) async throws -> AuthorizationResponse {
        try await RequestObjectTests.authorize(setup, "client_id=\(setup.clientId)&request_uri=\(FormEncoding.escape(uri))")
    }

    @Test func registeredURLsAreFetchedAndTheirObjectsVerified() async throws {
        let host = ObjectHost()
        try await host.run { base in
            let registered = ["\(base)/ro#v1", "\(base)/moved", "\(base)/big", "\(base)/missing", "\(base)/stall"]
            try await Self.withClient(requestUris: registered) { setup in
                let claims = RequestObjectTests.request(setup)
                let jwt = try await RequestObjectTests.sign(claims, with: setup.key)
                host.object.withLock { $0 = jwt + "\n" }
                func authorize(_ uri: String) async throws -> AuthorizationResponse { try await Self.authorize(setup, uri) }
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
                // A host that stalls in the body is given up on after 5 s.
                let start = ContinuousClock.now
                #expect(try await authorize("\(base)/stall").resultCode == "A004203")
                #expect(ContinuousClock.now - start < .seconds(8))
                // A minute's cache: the same URL again is not fetched again; another version (fragment) is.
                let hits = host.hits.withLock { $0 }
                #expect(try await authorize("\(base)/ro#v2").action == .interaction)
                #expect(host.hits.withLock { $0 } == hits)
                // What is fetched is verified as any request object: another key's is refused.
                host.object.withLock { $0 = "" }
                let forged = try await RequestObjectTests.sign(claims, with: ES256PrivateKey())
                host.object.withLock { $0 = forged }
                let bad = try await authorize("\(base)/ro#v3")
                #expect(try PushedAuthorizationTests.error(bad.responseContent) == "invalid_request_object")
            }
        }
    }

    @Test func nothingIsFetchedFromPrivateAddressesOrForRequestsRefusedAnyway() async throws {
        let host = ObjectHost()
        try await host.run { base in
            // The server's own network is off limits unless the server allows it.
            try await Self.withClient(requestUris: ["\(base)/ro"], privateHosts: false) { setup in
                let refused = try await Self.authorize(setup, "\(base)/ro")
                #expect(try PushedAuthorizationTests.error(refused.responseContent) == "invalid_request_uri")
                #expect(host.hits.withLock { $0 } == 0)
            }
            // A service that takes pushed requests only has nothing to fetch.
            try await Self.withClient(requestUris: ["\(base)/ro"], configure: { $0.parRequired = true }) { setup in
                let refused = try await Self.authorize(setup, "\(base)/ro")
                #expect(refused.action == .badRequest)
                #expect(host.hits.withLock { $0 } == 0)
            }
        }
    }

    @Test func requestUrisMustBeHTTPSOrLoopback() async throws {
        try await TokenFlowTests.withFlow { flow in
            for uri in ["http://objects.example.com/ro", "ftp://127.0.0.1/ro", "not a url", "https://objects.example.com/" + String(repeating: "a", count: 600)] {
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
