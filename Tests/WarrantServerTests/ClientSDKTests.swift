import Foundation
import OpenAPIURLSession
import SpecRuntime
import Testing
import WarrantClient

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The WarrantClient product over Foundation's URLSession (the other tests use AsyncHTTPClient).
@Suite struct ClientSDKTests {
    @Test func managesAServiceAndAClientOverURLSession() async throws {
        try await TestServer.with { server in
            let api = server.client(transport: URLSessionTransport())
            let apiKey = try #require(try await api.createService(Service(serviceName: "Over URLSession", issuer: URL(string: "https://us.example.com")!)).apiKey)

            guard case .created(let created) = try await api.clientCreate(
                .init(path: .init(serviceId: apiKey), body: OAuthClient(clientIdAlias: "session-app", clientName: "Session app")))
            else { throw UnexpectedOutput() }
            guard case .ok(let read) = try await api.clientGet(.init(path: .init(serviceId: apiKey, clientId: "session-app"))) else {
                throw UnexpectedOutput()
            }
            #expect(read.clientId == created.clientId)
            #expect(read.clientName == "Session app")

            guard case .ok(let document) = try await api.serviceConfiguration(.init(path: .init(serviceId: apiKey))) else {
                throw UnexpectedOutput()
            }
            #expect(document["issuer"] == "https://us.example.com")
        }
    }

    @Test func reportsAnUnauthorizedCallAsTheSpecDeclaresIt() async throws {
        try await TestServer.with { server in
            let api = server.client(token: "not-a-token", transport: URLSessionTransport())
            guard case .unauthorized(let result) = try await api.serviceGetList(.init()) else { throw UnexpectedOutput() }
            #expect(result.resultCode == "A001202")
        }
    }
}
