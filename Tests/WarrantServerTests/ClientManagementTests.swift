import Foundation
import SpecRuntime
import Testing
import WarrantClient

@Suite(.serialized) struct ClientManagementTests {
    static let webClient = OAuthClient(
        clientIdAlias: "web-app", clientName: "Web app", developer: "alice", redirectUris: ["https://app.example.com/callback"],
        grantTypes: [.authorizationCode, .refreshToken])

    @Test func createsConfidentialClientsWithASecretShownOnce() async throws {
        try await TestServer.with { server in
            let api = server.client()
            let apiKey = try #require(try await api.createService().apiKey)
            guard case .created(let created) = try await api.clientCreate(.init(path: .init(serviceId: apiKey), body: Self.webClient)) else {
                throw UnexpectedOutput()
            }
            let clientId = try #require(created.clientId)
            #expect(clientId >= 1_000_000_000)
            #expect(created.resultCode == "A310001")
            #expect(created.clientType == .confidential)
            #expect(created.tokenAuthMethod == .clientSecretBasic)
            #expect(created.responseTypes == [.code])
            #expect(created.idTokenSignAlg == .rs256)
            let secret = try #require(created.clientSecret)
            #expect(Base64Length.bytes(of: secret) == 32)

            guard case .ok(let read) = try await api.clientGet(.init(path: .init(serviceId: apiKey, clientId: String(clientId)))) else {
                throw UnexpectedOutput()
            }
            #expect(read.clientSecret == nil)
            #expect(read.clientName == "Web app")
            guard case .ok(let byAlias) = try await api.clientGet(.init(path: .init(serviceId: apiKey, clientId: "web-app"))) else {
                throw UnexpectedOutput()
            }
            #expect(byAlias.clientId == clientId)

            guard case .ok(let refreshed) = try await api.clientSecretRefresh(.init(path: .init(serviceId: apiKey, clientId: String(clientId))))
            else { throw UnexpectedOutput() }
            #expect(refreshed.newClientSecret != secret)
            #expect(Base64Length.bytes(of: refreshed.newClientSecret) == 32)
            #expect(refreshed.resultCode == "A310005")
        }
    }

    @Test func publicClientsHaveNoSecret() async throws {
        try await TestServer.with { server in
            let api = server.client()
            let apiKey = try #require(try await api.createService().apiKey)
            let native = OAuthClient(
                clientName: "Phone app", clientType: .public, applicationType: .native,
                redirectUris: ["com.example.app:/callback", "http://127.0.0.1/callback"])
            guard case .created(let created) = try await api.clientCreate(.init(path: .init(serviceId: apiKey), body: native)) else {
                throw UnexpectedOutput()
            }
            #expect(created.clientSecret == nil)
            #expect(created.tokenAuthMethod == ClientAuthMethod.none)
            guard case .badRequest(let result) = try await api.clientSecretRefresh(
                .init(path: .init(serviceId: apiKey, clientId: String(created.clientId ?? 0))))
            else { throw UnexpectedOutput() }
            #expect(result.resultCode == "A310203")
        }
    }

    @Test func refusesBadMetadataNamingEachField() async throws {
        try await TestServer.with { server in
            let api = server.client()
            let apiKey = try #require(try await api.createService().apiKey)
            let bad = OAuthClient(
                clientIdAlias: "12345", redirectUris: ["/relative", "https://app.example.com/cb#fragment", "http://app.example.com/cb", "myapp:/cb"],
                grantTypes: [.authorizationCode, .password], tokenAuthMethod: ClientAuthMethod.none,
                jwksUri: URL(string: "https://app.example.com/jwks")!, jwks: #"{"no":"keys"}"#)
            guard case .badRequest(let result) = try await api.clientCreate(.init(path: .init(serviceId: apiKey), body: bad)) else {
                throw UnexpectedOutput()
            }
            #expect(result.resultCode == "A310201")
            #expect(
                result.fieldViolations?.map { "\($0.path): \($0.message)" } == [
                    "/redirectUris/0: must be an absolute URI",
                    "/redirectUris/1: must not have a fragment",
                    "/redirectUris/2: must use https unless the host is a loopback address",
                    "/redirectUris/3: may use a private-use scheme only for a NATIVE application",
                    "/grantTypes/1: PASSWORD is not supported by the service",
                    "/tokenAuthMethod: must not be NONE for a confidential client",
                    "/jwks: must not be given together with jwksUri",
                    "/jwks: must be a JWK Set: an object with a non-empty keys array",
                    "/clientIdAlias: must not be all digits, which would read as a client ID",
                ])
        }
    }

    @Test func listsUpdatesAndDeletesClients() async throws {
        try await TestServer.with { server in
            let api = server.client()
            let apiKey = try #require(try await api.createService().apiKey)
            var ids: [Int64] = []
            for (index, developer) in ["alice", "bob", "alice"].enumerated() {
                let body = OAuthClient(clientName: "Client \(index)", developer: developer)
                guard case .created(let created) = try await api.clientCreate(.init(path: .init(serviceId: apiKey), body: body)) else {
                    throw UnexpectedOutput()
                }
                ids.append(try #require(created.clientId))
            }
            guard case .ok(let all) = try await api.clientGetList(.init(path: .init(serviceId: apiKey), query: .init(end: 10))) else {
                throw UnexpectedOutput()
            }
            #expect(all.totalCount == 3)
            #expect(all.clients.map(\.clientName) == ["Client 0", "Client 1", "Client 2"])
            #expect(all.clients.allSatisfy { $0.clientSecret == nil })
            guard case .ok(let alices) = try await api.clientGetList(.init(path: .init(serviceId: apiKey), query: .init(developer: "alice")))
            else { throw UnexpectedOutput() }
            #expect(alices.totalCount == 2)
            #expect(alices.developer == "alice")

            let clientId = String(ids[1])
            guard case .ok(var client) = try await api.clientGet(.init(path: .init(serviceId: apiKey, clientId: clientId))) else {
                throw UnexpectedOutput()
            }
            client.clientName = "Renamed"
            client.clientIdAlias = "renamed"
            guard case .ok(let updated) = try await api.clientUpdate(.init(path: .init(serviceId: apiKey, clientId: clientId), body: client))
            else { throw UnexpectedOutput() }
            #expect(updated.clientName == "Renamed")
            #expect(updated.createdAt == client.createdAt)

            // Aliases are unique within a service.
            var other = OAuthClient(clientIdAlias: "renamed")
            guard case .badRequest(let taken) = try await api.clientCreate(.init(path: .init(serviceId: apiKey), body: other)) else {
                throw UnexpectedOutput()
            }
            #expect(taken.fieldViolations?.map(\.path) == ["/clientIdAlias"])
            other.clientIdAlias = "free"
            guard case .created = try await api.clientCreate(.init(path: .init(serviceId: apiKey), body: other)) else { throw UnexpectedOutput() }

            #expect(try await api.clientDelete(.init(path: .init(serviceId: apiKey, clientId: "renamed"))) == .noContent)
            guard case .notFound(let gone) = try await api.clientGet(.init(path: .init(serviceId: apiKey, clientId: clientId))) else {
                throw UnexpectedOutput()
            }
            #expect(gone.resultCode == "A310202")
        }
    }
}

/// The number of bytes a base64url text (without padding) encodes.
enum Base64Length {
    static func bytes(of text: String) -> Int { text.count * 3 / 4 }
}
