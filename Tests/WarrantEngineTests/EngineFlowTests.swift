import Foundation
import Logging
import SpecRuntime
import Synchronization
import Testing
import WarrantAPI
import WarrantStore

@testable import WarrantEngine

/// The flows driven through the engine itself (the generated protocol, without HTTP) on the in-memory store,
/// with a clock the test moves, so that expiry is tested without waiting. The same flows run end to end over
/// HTTP and SQLite in WarrantServerTests.
@Suite struct EngineFlowTests {
    /// Milliseconds since the epoch, moved by the test.
    final class TestClock: Sendable {
        private let value = Mutex<Int64>(1_700_000_000_000)

        func now() -> Int64 { value.withLock { $0 } }
        func advance(seconds: Int64) { value.withLock { $0 += seconds * 1000 } }
    }

    struct Harness {
        static let organizationToken = "engine-test-organization-token-0123"
        static let redirect = "https://app.example.com/cb"

        let engine: WarrantEngine
        let store: MemoryWarrantStore
        let clock: TestClock
        let serviceId: String
        let clientId: Int64
        let secret: String

        var credentials: BearerCredentials { BearerCredentials(token: Self.organizationToken) }

        init(keyActivationDelay: Int64 = 0, configure: (inout Service) -> Void = { _ in }) async throws {
            let store = MemoryWarrantStore()
            let clock = TestClock()
            _ = try await Bootstrap.run(store: store, organizationToken: Self.organizationToken, now: clock.now())
            var logger = Logger(label: "engine-test")
            logger.logLevel = .critical
            let engine = WarrantEngine(store: store, logger: logger, keyActivationDelay: keyActivationDelay, now: { clock.now() })
            var service = Service(serviceName: "Engine", issuer: URL(string: "https://as.example.com")!)
            service.supportedGrantTypes = [.authorizationCode, .refreshToken, .clientCredentials]
            service.supportedScopes = [Scope(name: "openid"), Scope(name: "read")]
            configure(&service)
            let credentials = BearerCredentials(token: Self.organizationToken)
            guard case .created(let created) = try await engine.serviceCreate(.init(body: service, credentials: credentials)),
                let apiKey = created.apiKey
            else { throw Unexpected() }
            let web = OAuthClient(
                clientName: "Web", redirectUris: [Self.redirect], grantTypes: [.authorizationCode, .refreshToken, .clientCredentials])
            guard case .created(let client) = try await engine.clientCreate(.init(path: .init(serviceId: apiKey), body: web, credentials: credentials)),
                let clientId = client.clientId, let secret = client.clientSecret
            else { throw Unexpected() }
            self.init(engine: engine, store: store, clock: clock, serviceId: String(apiKey), clientId: clientId, secret: secret)
        }

        private init(engine: WarrantEngine, store: MemoryWarrantStore, clock: TestClock, serviceId: String, clientId: Int64, secret: String) {
            self.engine = engine
            self.store = store
            self.clock = clock
            self.serviceId = serviceId
            self.clientId = clientId
            self.secret = secret
        }

        func token(_ parameters: String) async throws -> TokenResponse {
            let body = TokenRequest(parameters: parameters, clientId: String(clientId), clientSecret: secret)
            guard case .ok(let response) = try await engine.authToken(.init(path: .init(serviceId: serviceId), body: body, credentials: credentials))
            else { throw Unexpected() }
            return response
        }

        func introspect(_ token: String) async throws -> IntrospectionResponse {
            let input = Operations.Introspection.Input(path: .init(serviceId: serviceId), body: .init(token: token), credentials: credentials)
            guard case .ok(let response) = try await engine.introspection(input) else { throw Unexpected() }
            return response
        }

        func code() async throws -> String {
            let parameters = "response_type=code&client_id=\(clientId)&redirect_uri=\(FormEncoding.escape(Self.redirect))&scope=openid+read&state=s"
            guard case .ok(let authorization) = try await engine.authorization(
                .init(path: .init(serviceId: serviceId), body: .init(parameters: parameters), credentials: credentials)),
                let ticket = authorization.ticket
            else { throw Unexpected() }
            guard case .ok(let issued) = try await engine.authorizationIssue(
                .init(path: .init(serviceId: serviceId), body: .init(ticket: ticket, subject: "alice"), credentials: credentials)),
                let code = issued.authorizationCode
            else { throw Unexpected() }
            return code
        }

        func redeem(_ code: String) async throws -> TokenResponse {
            try await token("grant_type=authorization_code&code=\(code)&redirect_uri=\(FormEncoding.escape(Self.redirect))")
        }
    }

    struct Unexpected: Error {}

    static func error(of response: TokenResponse) throws -> String? {
        try JSONValue(parsing: try #require(response.responseContent))["error"]?.stringValue
    }

    @Test func aClientCredentialsTokenIsUsableUntilItExpires() async throws {
        let harness = try await Harness { $0.accessTokenDuration = 60 }
        let response = try await harness.token("grant_type=client_credentials&scope=read")
        #expect(response.action == .ok)
        let token = try #require(response.accessToken)
        let live = try await harness.introspect(token)
        #expect(live.action == .ok)
        #expect(live.resultCode == ResultCode.tokenUsable.code)
        #expect(live.clientId == harness.clientId)
        #expect(live.scopes == ["read"])
        #expect(live.expiresAt == harness.clock.now() + 60_000)
        harness.clock.advance(seconds: 61)
        let expired = try await harness.introspect(token)
        #expect(expired.action == .unauthorized)
        #expect(expired.resultCode == ResultCode.tokenExpired.code)
    }

    /// With an activation delay (several nodes on one database), a rotation publishes the new keys at once and
    /// the old key signs on until the delay has passed; then the new key signs, and the old stays published.
    @Test func aRotatedKeySignsOnForTheActivationDelay() async throws {
        let harness = try await Harness(keyActivationDelay: 1000) { $0.accessTokenSignAlg = .es256 }
        func kid() async throws -> String? {
            let token = try #require(try await harness.token("grant_type=client_credentials").jwtAccessToken)
            let header = try #require(Base64URL.decode(String(token.split(separator: ".")[0])))
            return try JSONValue(parsing: Array(header))["kid"]?.stringValue
        }
        func published() async throws -> Set<String> {
            let input = Operations.ServiceJwksGet.Input(path: .init(serviceId: try #require(Int64(harness.serviceId))), credentials: harness.credentials)
            guard case .ok(let set) = try await harness.engine.serviceJwksGet(input) else { throw Unexpected() }
            return Set(set["keys"]?.arrayValue?.compactMap { $0["kid"]?.stringValue } ?? [])
        }
        let before = try #require(try await kid())
        let input = Operations.ServiceJwksRotate.Input(path: .init(serviceId: try #require(Int64(harness.serviceId))), credentials: harness.credentials)
        guard case .ok(let rotation) = try await harness.engine.serviceJwksRotate(input) else { throw Unexpected() }
        #expect(try await published().isSuperset(of: rotation.activeKeyIds + [before]))
        #expect(try await kid() == before)
        harness.clock.advance(seconds: 1)
        #expect(try await kid().map(rotation.activeKeyIds.contains) == true)
        #expect(try await published().contains(before))
    }

    @Test func aCodeWorksOnceAndNotAfterItExpires() async throws {
        let harness = try await Harness { $0.authorizationCodeDuration = 30 }
        let stale = try await harness.code()
        harness.clock.advance(seconds: 31)
        let late = try await harness.redeem(stale)
        #expect(late.action == .badRequest)
        #expect(try Self.error(of: late) == "invalid_grant")

        let code = try await harness.code()
        let first = try await harness.redeem(code)
        #expect(first.action == .ok)
        let accessToken = try #require(first.accessToken)
        #expect(try await harness.introspect(accessToken).subject == "alice")
        // The replay is refused and revokes what the first redemption issued (RFC 6749 §4.1.2).
        let replay = try await harness.redeem(code)
        #expect(replay.action == .badRequest)
        #expect(try Self.error(of: replay) == "invalid_grant")
        #expect(try await harness.introspect(accessToken).resultCode == ResultCode.tokenRevoked.code)
    }

    @Test func aRefreshTokenRotatesAndItsReplayRevokesTheFamily() async throws {
        let harness = try await Harness { $0.refreshTokenDuration = 3600 }
        let issued = try await harness.redeem(try await harness.code())
        let firstRefresh = try #require(issued.refreshToken)
        harness.clock.advance(seconds: 10)
        let rotated = try await harness.token("grant_type=refresh_token&refresh_token=\(firstRefresh)")
        #expect(rotated.action == .ok)
        let secondRefresh = try #require(rotated.refreshToken)
        let secondAccess = try #require(rotated.accessToken)
        #expect(secondRefresh != firstRefresh)
        // The access token issued with the first refresh token is replaced by the refresh.
        #expect(try await harness.introspect(try #require(issued.accessToken)).resultCode == ResultCode.tokenRevoked.code)
        #expect(try await harness.introspect(secondAccess).action == .ok)

        let replay = try await harness.token("grant_type=refresh_token&refresh_token=\(firstRefresh)")
        #expect(replay.action == .badRequest)
        #expect(try Self.error(of: replay) == "invalid_grant")
        #expect(try await harness.introspect(secondAccess).resultCode == ResultCode.tokenRevoked.code)
        let afterReplay = try await harness.token("grant_type=refresh_token&refresh_token=\(secondRefresh)")
        #expect(try Self.error(of: afterReplay) == "invalid_grant")
    }

    @Test func aRefreshTokenPastItsLifetimeIssuesNothing() async throws {
        let harness = try await Harness { $0.refreshTokenDuration = 120 }
        let refresh = try #require(try await harness.redeem(try await harness.code()).refreshToken)
        harness.clock.advance(seconds: 121)
        let late = try await harness.token("grant_type=refresh_token&refresh_token=\(refresh)")
        #expect(late.action == .badRequest)
        #expect(try Self.error(of: late) == "invalid_grant")
        // Only the access token from the code is live: the refresh issued none.
        #expect(try await harness.store.liveAccessTokens(
            serviceApiKey: try #require(Int64(harness.serviceId)), clientId: nil, subject: nil, now: harness.clock.now(), offset: 0, limit: 9
        ).total == 1)
    }

    @Test func aDeletedClientsTokensStopWorking() async throws {
        let harness = try await Harness()
        let token = try #require(try await harness.token("grant_type=client_credentials").accessToken)
        let deleted = try await harness.engine.clientDelete(
            .init(path: .init(serviceId: try #require(Int64(harness.serviceId)), clientId: String(harness.clientId)), credentials: harness.credentials))
        guard case .noContent = deleted else { throw Unexpected() }
        #expect(try await harness.introspect(token).resultCode == ResultCode.tokenRevoked.code)
    }
}
