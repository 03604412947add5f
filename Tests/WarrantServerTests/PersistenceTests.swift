import Foundation
import Testing
import WarrantClient
import WarrantEngine
import WarrantServer
import WarrantStore

@Suite(.serialized) struct PersistenceTests {
    @Test func dataSurvivesARestartOnTheSameDatabase() async throws {
        try await TestServer.withDatabase { database in try await Self.restart(on: database) }
    }

    static func restart(on database: String) async throws {
        let first = try await TestServer.start(database: database)
        #expect(first.server.bootstrap != .alreadyInitialized)
        let api = first.client()
        let apiKey = try #require(try await api.createService().apiKey)
        guard case .created(let created) = try await api.clientCreate(
            .init(path: .init(serviceId: apiKey), body: OAuthClient(clientIdAlias: "kept", clientName: "Kept")))
        else { throw UnexpectedOutput() }
        guard case .created(let token) = try await api.serviceTokenCreate(.init(path: .init(serviceId: apiKey), body: .init())) else {
            throw UnexpectedOutput()
        }
        guard case .ok(let keysBefore) = try await api.serviceJwksGet(.init(path: .init(serviceId: apiKey))) else { throw UnexpectedOutput() }
        try await first.stop()

        // A different WARRANT_ORGANIZATION_TOKEN is ignored: the organization already exists.
        let second = try await TestServer.start(database: database, organizationToken: "another-organization-token-0123456789")
        #expect(second.server.bootstrap == .alreadyInitialized)
        #expect(try await #require(second.server.store as? SQLStore).schemaVersions() == Array(1...7))
        let again = second.client()
        guard case .ok(let client) = try await again.clientGet(.init(path: .init(serviceId: apiKey, clientId: "kept"))) else {
            throw UnexpectedOutput()
        }
        #expect(client.clientId == created.clientId)
        #expect(client.clientName == "Kept")
        guard case .ok = try await second.client(token: token.accessToken).serviceGet(.init(path: .init(serviceId: apiKey))) else {
            throw UnexpectedOutput()
        }
        guard case .ok(let keysAfter) = try await again.serviceJwksGet(.init(path: .init(serviceId: apiKey))) else { throw UnexpectedOutput() }
        #expect(keysAfter == keysBefore)
        guard case .unauthorized = try await second.client(token: "another-organization-token-0123456789").serviceGetList(.init()) else { throw UnexpectedOutput() }
        try await second.stop()
    }

    @Test func firstStartWithoutATokenGeneratesOne() async throws {
        try await TestServer.withDatabase { database in
            let server = try await TestServer.start(database: database, organizationToken: nil)
            guard case .created(_, let generated?) = server.server.bootstrap else { throw UnexpectedOutput() }
            #expect(generated.count == 43)
            guard case .ok = try await server.client(token: generated).serviceGetList(.init()) else { throw UnexpectedOutput() }
            try await server.stop()
        }
    }
}
