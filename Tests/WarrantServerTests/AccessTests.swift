import Foundation
import SpecRuntime
import Testing
import WarrantClient

@Suite(.serialized) struct AccessTests {
    @Test func missingOrUnknownTokensAre401() async throws {
        try await TestServer.with { server in
            let service = try await server.client().createService()
            let apiKey = try #require(service.apiKey)
            let missing = try await server.raw(.get, "/api/\(apiKey)/service/get")
            #expect(missing.status == 401)
            #expect(missing.body?["resultCode"] == "A001202")
            #expect(
                missing.body?["resultMessage"] == "[A001202] serviceGet: The Authorization header is missing or is not a Bearer token.")
            guard case .unauthorized(let unknown) = try await server.client(token: "not-a-token").serviceGet(.init(path: .init(serviceId: apiKey)))
            else { throw UnexpectedOutput() }
            #expect(unknown.resultCode == "A001202")
        }
    }

    @Test func serviceAccessTokensActOnTheirServiceOnly() async throws {
        try await TestServer.with { server in
            let organization = server.client()
            let first = try #require(try await organization.createService().apiKey)
            let second = try #require(try await organization.createService().apiKey)
            guard case .created(let token) = try await organization.serviceTokenCreate(
                .init(path: .init(serviceId: first), body: .init(description: "CI")))
            else { throw UnexpectedOutput() }
            let value = try #require(token.accessToken)
            #expect(value.count == 43)
            #expect(token.serviceApiKey == first)
            #expect(token.resultCode == "A320001")

            let scoped = server.client(token: value)
            guard case .ok = try await scoped.serviceGet(.init(path: .init(serviceId: first))) else { throw UnexpectedOutput() }
            guard case .created = try await scoped.clientCreate(.init(path: .init(serviceId: first), body: OAuthClient(clientName: "App")))
            else { throw UnexpectedOutput() }
            guard case .forbidden(let other) = try await scoped.serviceGet(.init(path: .init(serviceId: second))) else { throw UnexpectedOutput() }
            #expect(other.resultCode == "A001203")
            guard case .forbidden = try await scoped.clientCreate(.init(path: .init(serviceId: second), body: OAuthClient()))
            else { throw UnexpectedOutput() }
            guard case .forbidden(let orgOnly) = try await scoped.serviceCreate(.init(body: Service())) else { throw UnexpectedOutput() }
            #expect(orgOnly.resultCode == "A001204")
            guard case .forbidden = try await scoped.serviceDelete(.init(path: .init(serviceId: first))) else { throw UnexpectedOutput() }
            guard case .forbidden = try await scoped.serviceGetList(.init()) else { throw UnexpectedOutput() }

            // Listed without its value; deleting it ends it at once.
            guard case .ok(let list) = try await organization.serviceTokenGetList(.init(path: .init(serviceId: first))) else {
                throw UnexpectedOutput()
            }
            #expect(list.tokens.map(\.tokenId) == [token.tokenId])
            #expect(list.tokens.allSatisfy { $0.accessToken == nil })
            #expect(try await organization.serviceTokenDelete(.init(path: .init(serviceId: first, tokenId: token.tokenId))) == .noContent)
            guard case .unauthorized = try await scoped.serviceGet(.init(path: .init(serviceId: first))) else { throw UnexpectedOutput() }
            guard case .notFound = try await organization.serviceTokenDelete(.init(path: .init(serviceId: first, tokenId: token.tokenId)))
            else { throw UnexpectedOutput() }
        }
    }

    @Test func unknownServicesAre404ForTheOrganization() async throws {
        try await TestServer.with { server in
            guard case .notFound(let result) = try await server.client().serviceGet(.init(path: .init(serviceId: 42))) else {
                throw UnexpectedOutput()
            }
            #expect(result.resultCode == "A300202")
        }
    }

    @Test func theOrganizationTokenRotatesWithAnOptionalGracePeriod() async throws {
        try await TestServer.with { server in
            let original = server.client()
            let apiKey = try #require(try await original.createService().apiKey)
            func works(_ client: Client) async throws -> Bool {
                if case .ok = try await client.serviceGet(.init(path: .init(serviceId: apiKey))) { return true }
                return false
            }
            // With a grace period both tokens work until it ends.
            guard case .ok(let first) = try await original.organizationTokenRotate(.init(body: .init(gracePeriod: 1, description: "deploy 2")))
            else { throw UnexpectedOutput() }
            #expect(first.resultCode == "A340001")
            #expect(first.accessToken.count == 43 && first.accessToken != TestServer.organizationToken)
            let second = server.client(token: first.accessToken)
            #expect(try await works(original))
            #expect(try await works(second))
            try await Task.sleep(for: .milliseconds(1200))
            #expect(try await !works(original))
            // A retired token cannot rotate again; the new one can, at once by default.
            guard case .unauthorized = try await original.organizationTokenRotate(.init(body: .init())) else { throw UnexpectedOutput() }
            guard case .ok(let third) = try await second.organizationTokenRotate(.init(body: .init())) else { throw UnexpectedOutput() }
            #expect(third.retiredTokenId == first.tokenId)
            #expect(try await !works(second))
            #expect(try await works(server.client(token: third.accessToken)))
            // Only an organization token rotates; the grace period is bounded.
            guard case .created(let serviceToken) = try await server.client(token: third.accessToken).serviceTokenCreate(
                .init(path: .init(serviceId: apiKey), body: .init()))
            else { throw UnexpectedOutput() }
            guard case .forbidden = try await server.client(token: try #require(serviceToken.accessToken)).organizationTokenRotate(.init(body: .init()))
            else { throw UnexpectedOutput() }
            let tooLong = try await server.raw(.post, "/api/organization/token/rotate", token: third.accessToken, body: #"{"gracePeriod":2592001}"#)
            #expect(tooLong.status == 400)
            #expect(tooLong.body?["violations"]?[0]?["path"] == "/gracePeriod")
        }
    }
}

