import Foundation
import HTTPTypes
import Hummingbird
import Logging
import SpecRuntime
import Testing
import WarrantClient
import WarrantEngine
@testable import WarrantServer
import WarrantStore

#if canImport(Glibc)
import Glibc
#endif

/// One caller's bad value must never reach another: bounds, parsing caps, refused settings, atomic writes and
/// honest answers, each tried against a running server.
@Suite(.serialized) struct HardeningTests {
    typealias Flow = TokenFlowTests.Flow
    static let token = TestServer.organizationToken

    /// Every route of the API, from a router built for the purpose.
    static func routes() async throws -> [Router<BasicRequestContext>.RouteDescription] {
        try WarrantServer.makeRouter(store: MemoryWarrantStore(), logger: .init(label: "test")).routes
    }

    // MARK: Arithmetic on outside values

    @Test func durationsBeyondTenYearsAreRefusedNamingTheField() async throws {
        try await TestServer.with { server in
            let created = try await server.raw(
                .post, "/api/service/create", token: Self.token,
                body: #"{"serviceName":"Big","accessTokenDuration":9223372036854775807,"refreshTokenDuration":315360001}"#)
            #expect(created.status == 400)
            let paths = created.body?["violations"]?.arrayValue?.compactMap { $0["path"]?.stringValue }
            #expect(paths == ["/accessTokenDuration", "/refreshTokenDuration"])
        }
        try await TokenFlowTests.withFlow { flow in
            let request = #"{"parameters":"grant_type=client_credentials","clientId":"\#(flow.clientId)","clientSecret":"\#(flow.secret)","accessTokenDuration":9223372036854775807}"#
            let answer = try await flow.server.raw(.post, "/api/\(flow.serviceId)/auth/token", token: Self.token, body: request)
            #expect(answer.status == 400)
            #expect(answer.body?["violations"]?[0]?["path"] == "/accessTokenDuration")
            #expect(try await flow.server.raw(.get, "/api/lifecycle/healthcheck").status == 200)
        }
    }

    @Test func storedSettingsBeyondTheBoundsDoNotOverflow() async throws {
        try await TokenFlowTests.withFlow { flow in
            // A service stored before the bounds existed: its durations are as large as an Int64 goes.
            let apiKey = try #require(Int64(flow.serviceId))
            var record = try #require(try await flow.server.server.store.service(apiKey: apiKey))
            var service = try Service(jsonData: Array(record.document.utf8))
            service.accessTokenDuration = .max
            service.authorizationResponseDuration = .max
            record.document = service.jsonValue.serializedString
            #expect(try await flow.server.server.store.updateService(record))

            let before = Int64(Date().timeIntervalSince1970 * 1000)
            let issued = try await flow.token("grant_type=client_credentials", clientId: flow.clientId, secret: flow.secret)
            #expect(issued.action == .ok)
            #expect(issued.accessTokenDuration == 315_360_000)
            let expiresAt = try #require(issued.accessTokenExpiresAt)
            #expect(expiresAt >= before + 315_360_000_000 && expiresAt < before + 315_360_000_000 + 60_000)
            // The ticket of an authorization request is bounded the same way.
            #expect(try await flow.authorize().isEmpty == false)
        }
    }

    @Test func signingAlgorithmsWithoutKeysAreRefusedNotReplaced() async throws {
        try await TestServer.with { server in
            let api = server.client()
            var service = Service(serviceName: "Algorithms", issuer: URL(string: "https://as.example.com")!)
            service.accessTokenSignAlg = .es384
            guard case .badRequest(let refused) = try await api.serviceCreate(.init(body: service)) else { throw UnexpectedOutput() }
            #expect(refused.fieldViolations?.map(\.path) == ["/accessTokenSignAlg"])

            service.accessTokenSignAlg = .es256
            let apiKey = try #require(try await api.createService(service).apiKey)
            for (client, field) in [
                (OAuthClient(redirectUris: ["https://app.example.com/cb"], idTokenSignAlg: JwsAlg.none), "/idTokenSignAlg"),
                (OAuthClient(redirectUris: ["https://app.example.com/cb"], idTokenSignAlg: .hs256), "/idTokenSignAlg"),
                (OAuthClient(redirectUris: ["https://app.example.com/cb"], userInfoSignAlg: .es512), "/userInfoSignAlg"),
                (OAuthClient(redirectUris: ["https://app.example.com/cb"], tokenAuthSignAlg: .hs256), "/tokenAuthSignAlg"),
            ] {
                guard case .badRequest(let result) = try await api.clientCreate(.init(path: .init(serviceId: apiKey), body: client)) else {
                    throw UnexpectedOutput()
                }
                #expect(result.fieldViolations?.map(\.path) == [field])
            }
        }
    }

    @Test func settingsWarrantDoesNotEnforceAreRefused() async throws {
        try await TestServer.with { server in
            let api = server.client()
            var service = Service(serviceName: "Unenforced", issuer: URL(string: "https://as.example.com")!)
            service.singleAccessTokenPerSubject = true
            service.supportedTokenAuthMethods = [.clientSecretBasic, .clientSecretJwt, .tlsClientAuth]
            guard case .badRequest(let refused) = try await api.serviceCreate(.init(body: service)) else { throw UnexpectedOutput() }
            #expect(refused.fieldViolations?.map(\.path).sorted() == ["/singleAccessTokenPerSubject", "/supportedTokenAuthMethods/1"])

            let apiKey = try #require(try await api.createService().apiKey)
            var client = OAuthClient(redirectUris: ["https://app.example.com/cb"], subjectType: .pairwise)
            client.authTimeRequired = true
            client.rsRequestSigned = true
            guard case .badRequest(let result) = try await api.clientCreate(.init(path: .init(serviceId: apiKey), body: client)) else {
                throw UnexpectedOutput()
            }
            #expect(
                result.fieldViolations?.map(\.path).sorted()
                    == ["/authTimeRequired", "/rsRequestSigned", "/subjectType"])
            // false is what every Authlete SDK sends for "not set", and is accepted.
            client = OAuthClient(redirectUris: ["https://app.example.com/cb"], authTimeRequired: false)
            guard case .created = try await api.clientCreate(.init(path: .init(serviceId: apiKey), body: client)) else { throw UnexpectedOutput() }
        }
    }

    @Test func theServicesAuthenticationMethodsAreEnforcedAtTheTokenEndpoint() async throws {
        try await TokenFlowTests.withFlow { flow in
            let apiKey = try #require(Int64(flow.serviceId))
            guard case .ok(var service) = try await flow.api.serviceGet(.init(path: .init(serviceId: apiKey))) else { throw UnexpectedOutput() }
            service.supportedTokenAuthMethods = [.clientSecretPost, .privateKeyJwt, .none]
            guard case .ok = try await flow.api.serviceUpdate(.init(path: .init(serviceId: apiKey), body: service)) else { throw UnexpectedOutput() }
            // The client registered client_secret_basic while the service still allowed it.
            let refused = try await flow.token("grant_type=client_credentials", clientId: flow.clientId, secret: flow.secret)
            #expect(refused.action == .invalidClient)
            #expect(try TokenFlowTests.body(refused)["error"] == "invalid_client")

            guard case .ok(let configuration) = try await flow.api.serviceConfiguration(.init(path: .init(serviceId: apiKey))) else {
                throw UnexpectedOutput()
            }
            let algorithms = configuration["token_endpoint_auth_signing_alg_values_supported"]?.arrayValue?.compactMap(\.stringValue) ?? []
            #expect(!algorithms.isEmpty && !algorithms.contains { $0.hasPrefix("HS") })
            #expect(configuration["token_endpoint_auth_methods_supported"] == ["client_secret_post", "private_key_jwt", "none"])
        }
    }

    // MARK: Parsing

    @Test func malformedEncodingIsAnInvalidRequestNeverARewrite() async throws {
        try await TokenFlowTests.withFlow { flow in
            let percent = try await flow.token("grant_type=client_credentials&scope=%ZZ", clientId: flow.clientId, secret: flow.secret)
            #expect(percent.action == .badRequest)
            #expect(try TokenFlowTests.body(percent)["error"] == "invalid_request")
            #expect(percent.resultMessage.contains("'scope' has a % not followed by two hex digits"))

            // %FF decodes to a byte that is not UTF-8: refused, not turned into U+FFFD.
            let parameters = "response_type=code&client_id=\(flow.clientId)&redirect_uri=\(FormEncoding.escape(flow.redirect))&scope=openid&state=%FF"
            guard case .ok(let authorization) = try await flow.api.authorization(
                .init(path: .init(serviceId: flow.serviceId), body: .init(parameters: parameters)))
            else { throw UnexpectedOutput() }
            #expect(authorization.action == .badRequest)
            #expect(authorization.resultMessage.contains("'state' is not UTF-8"))

            let body: [UInt8] = Array("parameters=grant_type%3Dclient_credentials&clientId=".utf8) + [0xC3, 0x28]
            let raw = try await flow.server.raw(
                .post, "/api/\(flow.serviceId)/auth/token", token: Self.token, bytes: body, contentType: "application/x-www-form-urlencoded")
            #expect(raw.status == 400)
            #expect(raw.body?["violations"]?[0]?["message"]?.stringValue?.contains("is not UTF-8") == true)
        }
    }

    @Test func parameterCountsAndRepeatsAreCapped() async throws {
        try await TokenFlowTests.withFlow { flow in
            let repeats = "grant_type=client_credentials" + String(repeating: "&resource=https%3A%2F%2Fapi.example.com", count: 65)
            let repeated = try await flow.token(repeats, clientId: flow.clientId, secret: flow.secret)
            #expect(try TokenFlowTests.body(repeated)["error"] == "invalid_request")
            #expect(repeated.resultMessage.contains("repeats 'resource' more than 64 times"))

            let many = (0..<300).map { "p\($0)=v" }.joined(separator: "&")
            let tooMany = try await flow.token(many, clientId: flow.clientId, secret: flow.secret)
            #expect(tooMany.resultMessage.contains("more than 256 parameters"))

            let long = "grant_type=client_credentials&scope=" + String(repeating: "a", count: 70_000)
            let tooLong = try await flow.token(long, clientId: flow.clientId, secret: flow.secret)
            #expect(tooLong.resultMessage.contains("'scope' is longer than 65536 bytes"))
        }
    }

    @Test func formParsingIsLinearInRepeats() throws {
        // 50,000 repeats of one name: quadratic copying would take minutes; one pass takes milliseconds.
        let text = String(repeating: "a=1&", count: 50_000)
        let limits = FormLimits(maxPairs: 100_000, maxRepeats: 100_000)
        let object = try FormEncoding.object(from: text, limits: limits)
        #expect(object["a"]?.arrayValue?.count == 50_000)
        #expect(throws: FormError.self) { try FormEncoding.pairs(from: "a=%", limits: limits) }
        #expect(try FormEncoding.pairs(from: "a=%41%42+c&b").map { "\($0.name)=\($0.value)" } == ["a=AB c", "b="])
    }

    @Test func aBodyDeclaredOverTheCapIsRefusedBeforeItIsSent() async throws {
        try await TestServer.with { server in
            let port = try #require(server.url.port)
            let head = "POST /api/service/create HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer \(Self.token)\r\n"
                + "Content-Type: application/json\r\nContent-Length: 10000000\r\nExpect: 100-continue\r\n\r\n"
            let answer = try RawSocket.exchange(port: port, send: head, readFor: 5)
            #expect(answer.hasPrefix("HTTP/1.1 413"))
            #expect(answer.contains("A001206"))
        }
    }

    @Test func connectionsThatSendNothingAreClosed() async throws {
        try await TestServer.with(configure: { $0.idleTimeout = 1 }) { server in
            let port = try #require(server.url.port)
            let start = ContinuousClock.now
            // Half a request head, then silence: the server closes the connection instead of waiting forever.
            let answer = try RawSocket.exchange(port: port, send: "GET /api/lifecycle/healthcheck HTTP/1.1\r\nHo", readFor: 10)
            #expect(answer.isEmpty)
            #expect(ContinuousClock.now - start < .seconds(8))
            #expect(try await server.raw(.get, "/api/lifecycle/healthcheck").status == 200)
        }
    }

    @Test func theConnectionCapHoldsAndIdleConnectionsMakeRoom() async throws {
        try await TestServer.with(configure: { $0.maxConnections = 4; $0.idleTimeout = 2 }) { server in
            let port = try #require(server.url.port)
            // Four silent connections take every place.
            let idle = try (0..<4).map { _ in try RawSocket.connect(port: port) }
            defer { for socket in idle { close(socket) } }
            try await Task.sleep(for: .milliseconds(200))
            let start = ContinuousClock.now
            let health = try RawSocket.exchange(port: port, send: "GET /api/lifecycle/healthcheck HTTP/1.1\r\nHost: x\r\n\r\n", readFor: 15)
            let waited = ContinuousClock.now - start
            #expect(health.hasPrefix("HTTP/1.1 200"))
            // It waited for the idle ones to be closed (the cap counts), and no longer than that takes.
            #expect(waited >= .milliseconds(1000))
            #expect(waited < .seconds(10))
        }
    }

    @Test func aBodyThatTricklesGetsA408() async throws {
        try await TestServer.with(configure: { $0.bodyTimeout = 1 }) { server in
            let port = try #require(server.url.port)
            let head = "POST /api/service/create HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer \(Self.token)\r\n"
                + "Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"serviceName\""
            let start = ContinuousClock.now
            let answer = try RawSocket.exchange(port: port, send: head, readFor: 10)
            #expect(answer.hasPrefix("HTTP/1.1 408"))
            #expect(answer.contains("A001207"))
            #expect(ContinuousClock.now - start < .seconds(8))
        }
    }

    @Test func aHundredViolationsAreListedAndAllAreCounted() async throws {
        try await TestServer.with { server in
            // 150 redirect URIs of the wrong type (objects, which no coercion makes text): the generated decoder
            // counts each and lists the first 100.
            let numbers = Array(repeating: "{}", count: 150).joined(separator: ",")
            let apiKey = try #require(try await server.client().createService().apiKey)
            let decoded = try await server.raw(.post, "/api/\(apiKey)/client/create", token: Self.token, body: #"{"redirectUris":[\#(numbers)]}"#)
            #expect(decoded.status == 400)
            #expect(decoded.body?["violations"]?.arrayValue?.count == 100)
            #expect(decoded.body?["resultMessage"]?.stringValue?.contains("has 150 problems. The first 100 are listed.") == true)
            // The engine's own checks go through the same list: 150 scopes with spaces.
            let scopes = (0..<150).map { #"{"name":"bad \#($0)"}"# }.joined(separator: ",")
            let checked = try await server.raw(.post, "/api/service/create", token: Self.token, body: #"{"supportedScopes":[\#(scopes)]}"#)
            #expect(checked.status == 400)
            #expect(checked.body?["violations"]?.arrayValue?.count == 100)
        }
    }

    // MARK: Settings of the server

    @Test func shortOrganizationTokensAreRefused() async throws {
        try await TestServer.withDatabase { database in
            await #expect(throws: ConfigurationError.self) {
                _ = try await TestServer.start(database: database, organizationToken: "too-short")
            }
        }
    }

    @Test func tokensInPathsNeverReachTheLog() async throws {
        let lines = LogLines()
        var logger = Logger(label: "warrant-test") { _ in LogLines.Handler(lines: lines) }
        logger.logLevel = .trace
        try await TestServer.withDatabase { database in
            let server = try await TestServer.start(database: database, logger: logger)
            do {
                let apiKey = try #require(try await server.client().createService().apiKey)
                let secret = "a-secret-access-token-value"
                let deleted = try await server.raw(.delete, "/api/\(apiKey)/auth/token/delete/\(secret)?also=\(secret)", token: Self.token, bytes: nil)
                #expect(deleted.status == 404)
                // A known path with a method it does not take: no route matched, and the token is still redacted.
                _ = try await server.raw(.get, "/api/\(apiKey)/auth/token/delete/\(secret)", token: Self.token, bytes: nil)
            } catch {
                try? await server.stop()
                throw error
            }
            try await server.stop()
        }
        let logged = lines.all
        #expect(logged.contains { $0.contains("/api/") && $0.contains("/auth/token/delete/[redacted]") && $0.contains("404") })
        #expect(logged.contains { $0.contains("/auth/token/delete/[redacted]") && $0.contains("405") })
        #expect(!logged.contains { $0.contains("a-secret-access-token-value") })
        // Nor do token hashes or keys: SQL statements are not logged at all, at any level.
        #expect(!logged.contains { $0.contains("INSERT") || $0.contains("SELECT") })
    }

    // MARK: Writes

    @Test func twoAuthenticationMethodsAreAnInvalidRequest() async throws {
        try await TokenFlowTests.withFlow { flow in
            let both = try await flow.token("grant_type=client_credentials&client_secret=\(flow.secret)", clientId: flow.clientId, secret: flow.secret)
            #expect(both.action == .badRequest)
            #expect(try TokenFlowTests.body(both)["error"] == "invalid_request")
        }
    }

    @Test func aTakenTokenValueIsA400AndCostsNoTicket() async throws {
        try await TokenFlowTests.withFlow { flow in
            let first = try await flow.token("grant_type=client_credentials", clientId: flow.clientId, secret: flow.secret)
            let taken = try #require(first.accessToken)
            let password = try await flow.token("grant_type=password&username=alice&password=pw", clientId: flow.clientId, secret: flow.secret)
            let ticket = try #require(password.ticket)
            guard case .badRequest(let refused) = try await flow.api.tokenIssue(
                .init(path: .init(serviceId: flow.serviceId), body: .init(ticket: ticket, subject: "alice", accessToken: taken)))
            else { throw UnexpectedOutput() }
            #expect(refused.resultCode == "A001209")
            // The ticket still works with another value.
            guard case .ok(let issued) = try await flow.api.tokenIssue(
                .init(path: .init(serviceId: flow.serviceId), body: .init(ticket: ticket, subject: "alice", accessToken: "a-value-of-my-own")))
            else { throw UnexpectedOutput() }
            #expect(issued.action == .ok)
            #expect(issued.accessToken == "a-value-of-my-own")

            guard case .badRequest(let duplicate) = try await flow.api.tokenCreate(
                .init(
                    path: .init(serviceId: flow.serviceId),
                    body: .init(grantType: .clientCredentials, clientIdentifier: flow.clientId, accessToken: "a-value-of-my-own")))
            else { throw UnexpectedOutput() }
            #expect(duplicate.resultCode == "A001209")
        }
    }

    @Test func deletingAClientEndsEverythingItHolds() async throws {
        try await TokenFlowTests.withFlow { flow in
            let tokens = try await flow.redeem(try await flow.code())
            let access = try #require(tokens.accessToken)
            let ticket = try await flow.authorize()
            let code = try await flow.code()
            #expect(try await IntrospectionTests.introspect(flow, access).action == .ok)

            let apiKey = try #require(Int64(flow.serviceId))
            #expect(try await flow.api.clientDelete(.init(path: .init(serviceId: apiKey, clientId: flow.clientId))) == .noContent)
            let after = try await IntrospectionTests.introspect(flow, access)
            #expect(after.action == .unauthorized)
            #expect(after.resultCode == "A056304")
            #expect(try await IntrospectionTests.standardJSON(flow, try #require(tokens.refreshToken)) == ["active": false])
            guard case .ok(let userInfo) = try await flow.api.userInfo(.init(path: .init(serviceId: flow.serviceId), body: .init(token: access)))
            else { throw UnexpectedOutput() }
            #expect(userInfo.action == .unauthorized)
            guard case .ok(let issue) = try await flow.api.authorizationIssue(
                .init(path: .init(serviceId: flow.serviceId), body: .init(ticket: ticket, subject: "alice")))
            else { throw UnexpectedOutput() }
            #expect(issue.action == .badRequest)
            #expect(try await flow.redeem(code).action != .ok)
        }
    }

    @Test func requestableScopesLimitEveryGrant() async throws {
        try await TokenFlowTests.withFlow { flow in
            let apiKey = try #require(Int64(flow.serviceId))
            var client = flow.client
            client.extension = ClientExtension(requestableScopesEnabled: true, requestableScopes: ["profile"])
            guard case .ok = try await flow.api.clientUpdate(.init(path: .init(serviceId: apiKey, clientId: flow.clientId), body: client)) else {
                throw UnexpectedOutput()
            }
            let allowed = try await flow.token("grant_type=client_credentials&scope=profile", clientId: flow.clientId, secret: flow.secret)
            #expect(allowed.scopes == ["profile"])
            let refused = try await flow.token("grant_type=client_credentials&scope=profile+email", clientId: flow.clientId, secret: flow.secret)
            #expect(try TokenFlowTests.body(refused)["error"] == "invalid_scope")
            let password = try await flow.token("grant_type=password&username=a&password=b&scope=email", clientId: flow.clientId, secret: flow.secret)
            #expect(try TokenFlowTests.body(password)["error"] == "invalid_scope")
        }
    }

    // MARK: Honest answers

    @Test func unknownPathsAndMethodsAnswerInJSON() async throws {
        try await TestServer.with { server in
            let unknown = try await server.raw(.get, "/api/no/such/thing", bytes: nil)
            #expect(unknown.status == 404)
            #expect(unknown.body?["resultCode"] == "A001210")
            let wrongMethod = try await server.raw(.get, "/api/service/create", bytes: nil)
            #expect(wrongMethod.status == 405)
            #expect(wrongMethod.body?["resultCode"] == "A001211")
            #expect(wrongMethod.headers[.allow] == "POST")
            let twoMethods = try await server.raw(.delete, "/api/123/service/configuration", bytes: nil)
            #expect(twoMethods.headers[.allow] == "GET, POST")
        }
    }

    @Test func anEmptyFormBodyIsAnEmptyObject() async throws {
        try await TokenFlowTests.withFlow { flow in
            let answer = try await flow.server.raw(
                .post, "/api/\(flow.serviceId)/auth/token", token: Self.token, bytes: [], contentType: "application/x-www-form-urlencoded")
            #expect(answer.status == 400)
            #expect(answer.body?["violations"]?[0]?["path"] == "/parameters")
        }
    }

    /// Every route, sent bodies meant to hurt: never a 5xx, and the server answers its health check after each.
    @Test func hostileBodiesNeverGetAServerError() async throws {
        try await TokenFlowTests.withFlow { flow in
            let max = "9223372036854775807"
            let integers = [
                "accessTokenDuration", "refreshTokenDuration", "idTokenDuration", "authorizationCodeDuration", "authorizationResponseDuration",
                "authTime", "maxAge", "clientId", "accessTokenExpiresAt", "defaultMaxAge",
            ].map { "\"\($0)\":\(max)" }.joined(separator: ",")
            let bodies: [[UInt8]] = [
                Array(#"{"parameters":"grant_type=client_credentials","ticket":"t","token":"t","subject":"s",\#(integers)}"#.utf8),
                Array(#"{"parameters":"\#(String(repeating: "%", count: 1000))","ticket":"%%","token":"\u{0}"}"#.utf8),
                Array((String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)).utf8),
                [0xFF, 0xFE, 0x7B, 0x22, 0xC3],
                Array(("{\"parameters\":\"" + String(repeating: "a=b&", count: 200_000) + "\"}").utf8),
                Array(repeating: UInt8(ascii: "a"), count: 10 << 20),
            ]
            let serviceId = flow.serviceId
            for route in try await Self.routes() {
                let path = route.path.description.split(separator: "/").map { segment in
                    segment.hasPrefix(":") || segment.hasPrefix("{") ? (segment.contains("serviceId") ? Substring(serviceId) : "x") : segment
                }.joined(separator: "/")
                for body in bodies {
                    do {
                        let answer = try await flow.server.raw(route.method, "/" + path + "?start=\(max)&end=-1", token: Self.token, bytes: body)
                        #expect(answer.status < 500, "\(route.method) \(path) answered \(answer.status) to a body of \(body.count) bytes")
                    } catch {
                        // The server may answer 413 and close before a body over the cap is sent in full.
                        #expect(body.count > RuntimeLimits.bodyBytes, "\(route.method) \(path): \(error)")
                    }
                }
            }
            #expect(try await flow.server.raw(.get, "/api/lifecycle/healthcheck").status == 200)
        }
    }
}

/// Every log line, as text with its metadata, for tests that look at what reached the log.
final class LogLines: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []

    var all: [String] { lock.withLock { lines } }

    func append(_ line: String) { lock.withLock { lines.append(line) } }

    struct Handler: LogHandler {
        let lines: LogLines
        var logLevel: Logger.Level = .trace
        var metadata: Logger.Metadata = [:]

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let all = metadata.merging(event.metadata ?? [:]) { $1 }
            lines.append("\(event.level) \(event.message) \(all.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "))")
        }
    }

    @Test func aBackgroundPurgeDeletesWhatExpired() async throws {
        try await TestServer.with(configure: { $0.purgeInterval = 1; $0.purgeRetention = 0 }) { server in
            let api = server.client()
            var service = Service(serviceName: "Purged", issuer: URL(string: "https://as.example.com")!)
            service.supportedGrantTypes = [.clientCredentials]
            let apiKey = try #require(try await api.createService(service).apiKey)
            guard case .created(let client) = try await api.clientCreate(
                .init(path: .init(serviceId: apiKey), body: OAuthClient(clientName: "M2M", grantTypes: [.clientCredentials])))
            else { throw UnexpectedOutput() }
            func create(seconds: Int64) async throws -> String {
                guard case .ok(let created) = try await api.tokenCreate(
                    .init(
                        path: .init(serviceId: String(apiKey)),
                        body: TokenCreateRequest(grantType: .clientCredentials, clientId: client.clientId, accessTokenDuration: seconds)))
                else { throw UnexpectedOutput() }
                return try #require(created.tokenId)
            }
            let brief = try await create(seconds: 1)
            let lasting = try await create(seconds: 3600)
            #expect(try await server.server.store.accessToken(hash: brief) != nil)
            var gone = false
            for _ in 0..<40 where !gone {
                try await Task.sleep(for: .milliseconds(250))
                gone = try await server.server.store.accessToken(hash: brief) == nil
            }
            #expect(gone)
            #expect(try await server.server.store.accessToken(hash: lasting) != nil)
        }
    }

    @Test func redirectURIsMatchByteForByte() async throws {
        try await TokenFlowTests.withFlow { flow in
            let body = OAuthClient(clientName: "K", redirectUris: ["https://app.example.com/Kb"], grantTypes: [.authorizationCode])
            guard case .created(let client) = try await flow.api.clientCreate(.init(path: .init(serviceId: Int64(flow.serviceId)!), body: body))
            else { throw UnexpectedOutput() }
            func authorize(_ redirect: String) async throws -> AuthorizationResponse {
                let parameters = "response_type=code&client_id=\(client.clientId ?? 0)&redirect_uri=\(FormEncoding.escape(redirect))&scope=openid"
                guard case .ok(let response) = try await flow.api.authorization(
                    .init(path: .init(serviceId: flow.serviceId), body: .init(parameters: parameters)))
                else { throw UnexpectedOutput() }
                return response
            }
            #expect(try await authorize("https://app.example.com/Kb").action == .interaction)
            // U+212A KELVIN SIGN is canonically equivalent to K, so Swift's == would call these equal.
            #expect("https://app.example.com/\u{212A}b" == "https://app.example.com/Kb")
            #expect(try await authorize("https://app.example.com/\u{212A}b").action == .badRequest)
        }
    }

    @Test func purgeSettingsOutsideTheirRangeAreRefused() {
        let settings = ServerConfiguration(purgeInterval: -1, purgeRetention: ServerConfiguration.maximumSeconds + 1)
        #expect(settings.problems == [
            "The purge interval must be 0 (off) to 31536000 seconds.", "The purge retention must be 0 to 31536000 seconds.",
        ])
        #expect(ServerConfiguration(purgeInterval: 0).problems.isEmpty)
    }
}

/// A plain TCP exchange, for what an HTTP client library will not send: half a request head, or a body
/// that is announced and never sent.
enum RawSocket {
    struct Failure: Error { var step: String }

    /// Sends `text`, then reads until the server closes the connection or `seconds` pass.
    static func exchange(port: Int, send text: String, readFor seconds: Int) throws -> String {
        let socket = try connect(port: port)
        defer { close(socket) }
        var timeout = timeval(tv_sec: seconds, tv_usec: 0)
        setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let bytes = Array(text.utf8)
        guard Glibc.send(socket, bytes, bytes.count, Int32(MSG_NOSIGNAL)) == bytes.count else { throw Failure(step: "send") }
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        let deadline = ContinuousClock.now + .seconds(seconds)
        while ContinuousClock.now < deadline {
            let count = recv(socket, &buffer, buffer.count, 0)
            if count <= 0 { break }
            received += buffer.prefix(count)
            // One response is enough; a server that keeps the connection open is not waited for.
            if let text = String(validating: received, as: UTF8.self), text.contains("\r\n\r\n"), text.contains("}") { break }
        }
        return String(decoding: received, as: UTF8.self)
    }

    /// A connected TCP socket to 127.0.0.1; the caller closes it.
    static func connect(port: Int) throws -> Int32 {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { throw Failure(step: "socket") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            close(socket)
            throw Failure(step: "connect")
        }
        return socket
    }
}
