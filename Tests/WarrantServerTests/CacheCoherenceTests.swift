import Foundation
import SpecRuntime
import Testing
import WarrantClient
import WarrantServer

/// Services, clients, keys and API tokens are cached in the process; each change must reach the very next
/// request, which is made right after one that put the old state in the cache.
@Suite(.serialized) struct CacheCoherenceTests {
    private static func kid(_ response: TokenResponse) throws -> String? {
        let token = try #require(response.jwtAccessToken)
        let header = try #require(Data(base64Encoded: TokenFlowTests.padded(String(token.split(separator: ".")[0]))))
        return try JSONValue(parsing: Array(header))["kid"]?.stringValue
    }

    @Test func serviceUpdatesReachTheNextRequest() async throws {
        try await TokenFlowTests.withFlow { flow in
            #expect(try await flow.token("grant_type=client_credentials", clientId: flow.clientId, secret: flow.secret).action == .ok)
            let apiKey = try #require(Int64(flow.serviceId))
            guard case .ok(var service) = try await flow.api.serviceGet(.init(path: .init(serviceId: apiKey))) else { throw UnexpectedOutput() }
            service.supportedGrantTypes = [.authorizationCode]
            guard case .ok = try await flow.api.serviceUpdate(.init(path: .init(serviceId: apiKey), body: service)) else { throw UnexpectedOutput() }
            let refused = try await flow.token("grant_type=client_credentials", clientId: flow.clientId, secret: flow.secret)
            #expect(try TokenFlowTests.body(refused)["error"] == "unsupported_grant_type")
        }
    }

    @Test func clientUpdatesAndNewSecretsReachTheNextRequest() async throws {
        try await TokenFlowTests.withFlow { flow in
            let apiKey = try #require(Int64(flow.serviceId))
            #expect(try await flow.token("grant_type=client_credentials", clientId: flow.clientId, secret: flow.secret).action == .ok)
            guard case .ok(let refreshed) = try await flow.api.clientSecretRefresh(.init(path: .init(serviceId: apiKey, clientId: flow.clientId)))
            else { throw UnexpectedOutput() }
            #expect(try await flow.token("grant_type=client_credentials", clientId: flow.clientId, secret: flow.secret).action == .invalidClient)
            #expect(
                try await flow.token("grant_type=client_credentials", clientId: flow.clientId, secret: refreshed.newClientSecret).action == .ok)

            var client = flow.client
            client.grantTypes = [.authorizationCode]
            guard case .ok = try await flow.api.clientUpdate(.init(path: .init(serviceId: apiKey, clientId: flow.clientId), body: client)) else {
                throw UnexpectedOutput()
            }
            let refused = try await flow.token("grant_type=client_credentials", clientId: flow.clientId, secret: refreshed.newClientSecret)
            #expect(try TokenFlowTests.body(refused)["error"] == "unauthorized_client")

            #expect(try await flow.api.clientDelete(.init(path: .init(serviceId: apiKey, clientId: flow.clientId))) == .noContent)
            let gone = try await flow.token("grant_type=client_credentials", clientId: flow.clientId, secret: refreshed.newClientSecret)
            #expect(gone.action == .invalidClient)
        }
    }

    @Test func keyRotationReachesTheNextToken() async throws {
        try await TokenFlowTests.withFlow(configure: { $0.accessTokenSignAlg = .es256 }) { flow in
            let apiKey = try #require(Int64(flow.serviceId))
            let before = try Self.kid(try await flow.token("grant_type=client_credentials", clientId: flow.clientId, secret: flow.secret))
            guard case .ok(let rotation) = try await flow.api.serviceJwksRotate(.init(path: .init(serviceId: apiKey))) else {
                throw UnexpectedOutput()
            }
            let rotated = ContinuousClock.now
            #expect(rotation.retiredKeyIds.contains(try #require(before)))
            // The new keys are published at once, the old ones too.
            guard case .ok(let published) = try await flow.api.serviceJwksGet(.init(path: .init(serviceId: apiKey))) else {
                throw UnexpectedOutput()
            }
            let kids = Set(published["keys"]?.arrayValue?.compactMap { $0["kid"]?.stringValue } ?? [])
            #expect(kids.isSuperset(of: rotation.activeKeyIds + rotation.retiredKeyIds))
            if TestServer.onPostgres {
                // Nodes sharing a database: the old key signs on until every node publishes the new one.
                let delay = CacheSyncService.keyActivationDelay(databaseTimeout: .seconds(ServerConfiguration().databaseTimeout))
                let meanwhile = try Self.kid(try await flow.token("grant_type=client_credentials", clientId: flow.clientId, secret: flow.secret))
                #expect(meanwhile == before || ContinuousClock.now - rotated > delay)
                try await Task.sleep(until: rotated + delay + .milliseconds(100))
            }
            let after = try Self.kid(try await flow.token("grant_type=client_credentials", clientId: flow.clientId, secret: flow.secret))
            #expect(rotation.activeKeyIds.contains(try #require(after)))
        }
    }

    @Test func deletedServicesAndTheirTokensAreGoneAtOnce() async throws {
        try await TokenFlowTests.withFlow { flow in
            let apiKey = try #require(Int64(flow.serviceId))
            guard case .created(let token) = try await flow.api.serviceTokenCreate(.init(path: .init(serviceId: apiKey), body: .init()))
            else { throw UnexpectedOutput() }
            let scoped = flow.server.client(token: try #require(token.accessToken))
            guard case .ok = try await scoped.serviceGet(.init(path: .init(serviceId: apiKey))) else { throw UnexpectedOutput() }
            #expect(try await flow.token("grant_type=client_credentials", clientId: flow.clientId, secret: flow.secret).action == .ok)
            #expect(try await flow.api.serviceDelete(.init(path: .init(serviceId: apiKey))) == .noContent)
            guard case .unauthorized = try await scoped.serviceGet(.init(path: .init(serviceId: apiKey))) else { throw UnexpectedOutput() }
            guard case .notFound = try await flow.api.authToken(
                .init(path: .init(serviceId: flow.serviceId), body: .init(parameters: "grant_type=client_credentials", clientId: flow.clientId, clientSecret: flow.secret)))
            else { throw UnexpectedOutput() }
        }
    }
}
