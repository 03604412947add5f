import Foundation
import SpecRuntime
import Testing
import WarrantClient

@Suite(.serialized) struct ServiceManagementTests {
    @Test func createsServicesWithDefaultsAndNumericIDs() async throws {
        try await TestServer.with { server in
            let client = server.client()
            let service = try await client.createService()
            let apiKey = try #require(service.apiKey)
            #expect(apiKey >= 1_000_000_000)
            #expect(service.resultCode == "A300001")
            #expect(service.resultMessage == "[A300001] The service was created.")
            #expect(service.serviceName == "Test service")
            #expect(service.issuer?.absoluteString == "https://as.example.com")
            #expect(service.tokenEndpoint?.absoluteString == "https://as.example.com/token")
            #expect(service.accessTokenDuration == 86_400)
            #expect(service.refreshTokenDuration == 864_000)
            #expect(service.idTokenDuration == 86_400)
            #expect(service.authorizationCodeDuration == 600)
            #expect(service.idTokenAudType == .array)
            #expect(service.supportedResponseTypes == [.code])
            #expect(service.supportedGrantTypes == [.authorizationCode, .refreshToken, .clientCredentials])
            #expect(service.supportedScopes?.map(\.name) == ["openid", "profile", "email", "address", "phone", "offline_access"])
            #expect(service.createdAt == service.modifiedAt)
            #expect(service.accessTokenSignAlg == nil)
        }
    }

    @Test func readsListsUpdatesAndDeletesServices() async throws {
        try await TestServer.with { server in
            let client = server.client()
            var created: [Service] = []
            for index in 0..<3 {
                created.append(try await client.createService(Service(serviceName: "Service \(index)", issuer: URL(string: "https://s\(index).example.com")!)))
            }
            let apiKey = try #require(created[1].apiKey)

            guard case .ok(let read) = try await client.serviceGet(.init(path: .init(serviceId: apiKey))) else { throw UnexpectedOutput() }
            #expect(read.serviceName == "Service 1")
            #expect(read.resultCode == "A300002")

            guard case .ok(let page) = try await client.serviceGetList(.init(query: .init(start: 1, end: 3))) else { throw UnexpectedOutput() }
            #expect(page.totalCount == 3)
            #expect(page.start == 1)
            #expect(page.end == 3)
            #expect(page.services.map(\.serviceName) == ["Service 1", "Service 2"])

            var changed = read
            changed.serviceName = "Renamed"
            changed.accessTokenDuration = 300
            changed.idTokenReissuable = true
            guard case .ok(let updated) = try await client.serviceUpdate(.init(path: .init(serviceId: apiKey), body: changed)) else {
                throw UnexpectedOutput()
            }
            #expect(updated.serviceName == "Renamed")
            #expect(updated.accessTokenDuration == 300)
            #expect(updated.idTokenReissuable == true)
            #expect(updated.createdAt == read.createdAt)
            #expect(updated.apiKey == apiKey)

            #expect(try await client.serviceDelete(.init(path: .init(serviceId: apiKey))) == .noContent)
            guard case .notFound(let missing) = try await client.serviceGet(.init(path: .init(serviceId: apiKey))) else {
                throw UnexpectedOutput()
            }
            #expect(missing.resultCode == "A300202")
            guard case .ok(let after) = try await client.serviceGetList(.init()) else { throw UnexpectedOutput() }
            #expect(after.totalCount == 2)
        }
    }

    @Test func refusesInvalidServiceMetadataNamingEachField() async throws {
        try await TestServer.with { server in
            let bad = Service(
                issuer: URL(string: "http://as.example.com/?tenant=1#top")!, tokenEndpoint: URL(string: "ftp://files.example.com")!,
                supportedScopes: [Scope(name: "read write"), Scope(name: "openid"), Scope(name: "openid")])
            guard case .badRequest(let result) = try await server.client().serviceCreate(.init(body: bad)) else { throw UnexpectedOutput() }
            #expect(result.resultCode == "A300201")
            #expect(
                result.fieldViolations?.map { "\($0.path): \($0.message)" } == [
                    "/issuer: must be an https URL (http only for localhost)",
                    "/issuer: must not have a query",
                    "/issuer: must not have a fragment",
                    "/tokenEndpoint: must be an http or https URL",
                    "/supportedScopes/0/name: must not contain spaces",
                    "/supportedScopes/2/name: repeats scope 'openid'",
                ])
        }
    }

    @Test func malformedRequestsAre400sListingEveryProblem() async throws {
        try await TestServer.with { server in
            let response = try await server.raw(
                .post, "/api/service/create", token: TestServer.organizationToken,
                body: #"{"serviceName": {"name": 5}, "accessTokenDuration": -1, "supportedGrantTypes": ["AUTHORIZATION_CODE", "MAGIC"]}"#)
            #expect(response.status == 400)
            #expect(response.body?["resultCode"] == "A001201")
            #expect(
                response.body?["violations"] == [
                    ["in": "body", "path": "/serviceName", "message": "must be a string, not an object"]
                ])
            let second = try await server.raw(
                .post, "/api/service/create", token: TestServer.organizationToken,
                body: #"{"accessTokenDuration": -1, "supportedGrantTypes": ["AUTHORIZATION_CODE", "MAGIC"]}"#)
            #expect(second.status == 400)
            #expect(
                second.body?["violations"] == [
                    [
                        "in": "body", "path": "/supportedGrantTypes/1",
                        "message":
                            "must be one of AUTHORIZATION_CODE, IMPLICIT, PASSWORD, CLIENT_CREDENTIALS, REFRESH_TOKEN, CIBA, DEVICE_CODE, TOKEN_EXCHANGE, JWT_BEARER, PRE_AUTHORIZED_CODE; 'MAGIC' is not",
                    ],
                    ["in": "body", "path": "/accessTokenDuration", "message": "must be at least 0"],
                ])
            let list = try await server.raw(.get, "/api/service/get/list?start=5&end=2", token: TestServer.organizationToken)
            #expect(list.status == 400)
            #expect(list.body?["resultCode"] == "A300203")
        }
    }

    @Test func healthcheckNeedsNoToken() async throws {
        try await TestServer.with { server in
            let output = try await server.client(token: nil).healthcheck(.init())
            #expect(
                output
                    == .ok(
                        HealthcheckResponse(
                            resultCode: "A001001", resultMessage: "[A001001] The server answers and its database takes writes.", status: "OK",
                            version: "3.0")))
        }
    }
}
