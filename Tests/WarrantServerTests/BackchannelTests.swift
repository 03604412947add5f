import Foundation
import Hummingbird
import JWTKit
import SpecRuntime
import Synchronization
import Testing
import WarrantClient

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// CIBA on a running server, in its three delivery modes: poll, ping (the client is notified, then polls)
/// and push (the tokens come in the notification). Notifications go to a real HTTP receiver on 127.0.0.1,
/// delivered by the test as a front end does: a POST of responseContent with the client's bearer token.
@Suite(.serialized) struct BackchannelTests {
    static let grantType = "urn:openid:params:grant-type:ciba"

    /// A client's notification endpoint: what it received, with the Authorization header.
    final class Receiver: Sendable {
        let received = Mutex<[(authorization: String?, body: JSONValue)]>([])

        func run(_ body: @Sendable (String) async throws -> Void) async throws {
            let router = Router()
            router.post("cb") { request, context in
                let buffer = try await request.body.collect(upTo: 65_536)
                let json = try JSONValue(parsing: Array(buffer.readableBytesView))
                self.received.withLock { $0.append((request.headers[.authorization], json)) }
                return Response(status: .noContent)
            }
            try await LoopbackHTTP.serving(router) { url in try await body(url + "/cb") }
        }

        /// What the front end does with NOTIFICATION.
        static func deliver(_ complete: BackchannelAuthenticationCompleteResponse) async throws -> Int {
            var request = URLRequest(url: try #require(complete.clientNotificationEndpoint))
            request.httpMethod = "POST"
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
            request.setValue("Bearer \(try #require(complete.clientNotificationToken))", forHTTPHeaderField: "Authorization")
            request.httpBody = Data(try #require(complete.responseContent).utf8)
            let (_, response) = try await URLSession.shared.data(for: request)
            return (response as? HTTPURLResponse)?.statusCode ?? 0
        }
    }

    struct Setup {
        let server: TestServer
        let api: Client
        let serviceId: String
        let client: OAuthClient
        var clientId: String { String(client.clientId ?? 0) }
        var secret: String { client.clientSecret ?? "" }

        func authenticate(_ parameters: String, clientId: String? = nil, secret: String? = nil) async throws -> BackchannelAuthenticationResponse {
            guard case .ok(let response) = try await api.backchannelAuthentication(
                .init(path: .init(serviceId: serviceId), body: .init(parameters: parameters, clientId: clientId ?? self.clientId, clientSecret: secret ?? self.secret)))
            else { throw UnexpectedOutput() }
            return response
        }

        func issue(_ ticket: String) async throws -> BackchannelAuthenticationIssueResponse {
            guard case .ok(let response) = try await api.backchannelAuthenticationIssue(.init(path: .init(serviceId: serviceId), body: .init(ticket: ticket)))
            else { throw UnexpectedOutput() }
            return response
        }

        func complete(_ body: BackchannelAuthenticationCompleteRequest) async throws -> BackchannelAuthenticationCompleteResponse {
            guard case .ok(let response) = try await api.backchannelAuthenticationComplete(.init(path: .init(serviceId: serviceId), body: body))
            else { throw UnexpectedOutput() }
            return response
        }

        func poll(_ authReqId: String) async throws -> TokenResponse {
            guard case .ok(let response) = try await api.authToken(
                .init(
                    path: .init(serviceId: serviceId),
                    body: .init(
                        parameters: "grant_type=\(FormEncoding.escape(BackchannelTests.grantType))&auth_req_id=\(authReqId)", clientId: clientId,
                        clientSecret: secret)))
            else { throw UnexpectedOutput() }
            return response
        }

        /// The request and its auth_req_id, for the user alice.
        func started(_ extra: String = "") async throws -> (ticket: String, authReqId: String) {
            let asked = try await authenticate("scope=openid+profile&login_hint=alice%40example.com&binding_message=W4SCT" + extra)
            #expect(asked.action == .userIdentification, "\(asked.resultMessage)")
            let ticket = try #require(asked.ticket)
            let issued = try await issue(ticket)
            #expect(issued.action == .ok)
            return (ticket, try #require(issued.authReqId))
        }
    }

    static func withClient(
        mode: String, notificationEndpoint: String? = nil, configure: (inout OAuthClient) -> Void = { _ in },
        _ body: @Sendable (Setup) async throws -> Void
    ) async throws {
        try await TestServer.with { server in
            let api = server.client()
            var service = Service(serviceName: "CIBA", issuer: URL(string: "https://as.example.com")!)
            service.supportedGrantTypes = [.ciba, .refreshToken]
            service.backchannelAuthenticationEndpoint = URL(string: "https://as.example.com/bc-authorize")
            service.supportedBackchannelTokenDeliveryModes = [.poll, .ping, .push]
            service.backchannelPollingInterval = 1
            service.backchannelUserCodeParameterSupported = true
            let apiKey = try #require(try await api.createService(service).apiKey)
            var registration = OAuthClient(clientName: "Call centre", grantTypes: [.ciba, .refreshToken])
            registration.bcDeliveryMode = mode
            registration.bcNotificationEndpoint = notificationEndpoint.flatMap(URL.init(string:))
            configure(&registration)
            guard case .created(let client) = try await api.clientCreate(.init(path: .init(serviceId: apiKey), body: registration)) else {
                throw UnexpectedOutput()
            }
            try await body(Setup(server: server, api: api, serviceId: String(apiKey), client: client))
        }
    }

    static func keys(_ setup: Setup) async throws -> JWTKeyCollection {
        guard case .ok(let document) = try await setup.api.serviceJwksGet(.init(path: .init(serviceId: Int64(setup.serviceId)!))) else {
            throw UnexpectedOutput()
        }
        return try await JWTKeyCollection().add(jwksJSON: document.serializedString)
    }

    /// at_hash and rt_hash for ES256 and RS256 ID tokens: the left half of the SHA-256, base64url.
    static func halfHash(_ value: String) -> String {
        Data(SHA256Digest.of(value).prefix(16)).base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    static func error(_ response: TokenResponse) throws -> String? { try JSONValue(parsing: try #require(response.responseContent))["error"]?.stringValue }

    @Test func pollModeTheClientPollsUntilTheUserApproves() async throws {
        try await Self.withClient(mode: "poll") { setup in
            let asked = try await setup.authenticate("scope=openid+profile+admin&login_hint=alice%40example.com&binding_message=W4SCT&requested_expiry=120")
            #expect(asked.action == .userIdentification && asked.resultCode == "A260001")
            #expect(asked.hintType == .loginHint && asked.hint == "alice@example.com" && asked.bindingMessage == "W4SCT")
            #expect(asked.deliveryMode == .poll && asked.requestedExpiry == 120 && asked.clientName == "Call centre")
            #expect(asked.scopes?.map(\.name) == ["openid", "profile"])
            #expect(asked.warnings == ["The scope 'admin' is not one the service supports; it was left out."])
            let ticket = try #require(asked.ticket)
            let issued = try await setup.issue(ticket)
            #expect(issued.action == .ok && issued.expiresIn == 120 && issued.interval == 1)
            let authReqId = try #require(issued.authReqId)
            #expect(try JSONValue(parsing: try #require(issued.responseContent)) == ["auth_req_id": .string(authReqId), "expires_in": 120, "interval": 1])
            // The ticket issues once.
            #expect(try await setup.issue(ticket).action == .invalidTicket)

            #expect(try Self.error(try await setup.poll(authReqId)) == "authorization_pending")
            let completed = try await setup.complete(
                .init(ticket: ticket, result: .authorized, subject: "alice", authTime: 1_700_000_000, claims: #"{"name":"Alice"}"#))
            #expect(completed.action == .noAction && completed.resultCode == "A263001" && completed.authReqId == authReqId)
            #expect(try await setup.complete(.init(ticket: ticket, result: .accessDenied, subject: "alice")).action == .serverError)
            try await Task.sleep(for: .milliseconds(1_100))
            let tokens = try await setup.poll(authReqId)
            #expect(tokens.action == .ok && tokens.grantType == .ciba && tokens.subject == "alice")
            let body = try JSONValue(parsing: try #require(tokens.responseContent))
            let keys = try await Self.keys(setup)
            let claims = try await keys.verify(try #require(body["id_token"]?.stringValue), as: Claims.self)
            #expect(claims.sub == "alice")
            #expect(claims.aud == [setup.clientId])
            #expect(claims.name == "Alice")
            try await Task.sleep(for: .milliseconds(1_100))
            #expect(try Self.error(try await setup.poll(authReqId)) == "invalid_grant")

            // The ID token names the user of a later request (id_token_hint): warrant verified it.
            let idToken = try #require(body["id_token"]?.stringValue)
            let hinted = try await setup.authenticate("scope=openid&id_token_hint=\(idToken)")
            #expect(hinted.action == .userIdentification && hinted.hintType == .idTokenHint && hinted.sub == "alice")
            // Another client may not use it, nor poll this client's auth_req_id.
            guard case .created(let other) = try await setup.api.clientCreate(
                .init(path: .init(serviceId: Int64(setup.serviceId)!), body: OAuthClient(clientName: "Other", grantTypes: [.ciba], bcDeliveryMode: "poll")))
            else { throw UnexpectedOutput() }
            let otherId = String(try #require(other.clientId))
            let foreign = try await setup.authenticate("scope=openid&id_token_hint=\(idToken)", clientId: otherId, secret: other.clientSecret)
            #expect(foreign.action == .badRequest && foreign.resultMessage.contains("issued to the client"))
            let (_, second) = try await setup.started()
            guard case .ok(let stolen) = try await setup.api.authToken(
                .init(
                    path: .init(serviceId: setup.serviceId),
                    body: .init(parameters: "grant_type=\(FormEncoding.escape(Self.grantType))&auth_req_id=\(second)", clientId: otherId, clientSecret: other.clientSecret)))
            else { throw UnexpectedOutput() }
            #expect(try Self.error(stolen) == "invalid_grant")
        }
    }

    @Test func pingModeTheClientIsNotifiedThenPolls() async throws {
        let receiver = Receiver()
        try await receiver.run { endpoint in
            try await Self.withClient(mode: "ping", notificationEndpoint: endpoint) { setup in
                let refused = try await setup.authenticate("scope=openid&login_hint=alice")
                #expect(refused.action == .badRequest && refused.resultMessage.contains("client_notification_token"))
                let token = "&client_notification_token=8d67dc78-7faa-4d41-aabd-67707b374255"
                let longMessage = try await setup.authenticate("scope=openid&login_hint=alice&binding_message=\(String(repeating: "x", count: 257))" + token)
                let longMessageError = try JSONValue(parsing: try #require(longMessage.responseContent))["error"]
                #expect(longMessage.action == .badRequest && longMessageError == "invalid_binding_message")
                for expiry in ["0", "86401", "ten"] {
                    let badExpiry = try await setup.authenticate("scope=openid&login_hint=alice&requested_expiry=\(expiry)" + token)
                    #expect(badExpiry.action == .badRequest && badExpiry.resultMessage.contains("requested_expiry"), "\(expiry)")
                }
                let longToken = try await setup.authenticate("scope=openid&login_hint=alice&client_notification_token=\(String(repeating: "t", count: 1025))")
                #expect(longToken.action == .badRequest && longToken.resultMessage.contains("1024 bytes"))
                let (ticket, authReqId) = try await setup.started("&client_notification_token=8d67dc78-7faa-4d41-aabd-67707b374255")
                let completed = try await setup.complete(.init(ticket: ticket, result: .authorized, subject: "alice"))
                #expect(completed.action == .notification && completed.resultCode == "A263002")
                #expect(completed.clientNotificationEndpoint?.absoluteString == endpoint && completed.deliveryMode == .ping)
                #expect(try JSONValue(parsing: try #require(completed.responseContent)) == ["auth_req_id": .string(authReqId)])
                #expect(try await Receiver.deliver(completed) == 204)
                let received = receiver.received.withLock { $0 }
                #expect(received.count == 1)
                #expect(received.first?.authorization == "Bearer 8d67dc78-7faa-4d41-aabd-67707b374255")
                #expect(received.first?.body["auth_req_id"]?.stringValue == authReqId)
                // Notified, the client polls once.
                let tokens = try await setup.poll(authReqId)
                #expect(tokens.action == .ok && tokens.subject == "alice")
            }
        }
    }

    @Test func pushModeTheTokensComeInTheNotification() async throws {
        let receiver = Receiver()
        try await receiver.run { endpoint in
            try await Self.withClient(mode: "push", notificationEndpoint: endpoint) { setup in
                let (ticket, authReqId) = try await setup.started("&client_notification_token=push-token-0123456789abcdef")
                let completed = try await setup.complete(.init(ticket: ticket, result: .authorized, subject: "alice"))
                #expect(completed.action == .notification && completed.deliveryMode == .push)
                let accessToken = try #require(completed.accessToken)
                let content = try JSONValue(parsing: try #require(completed.responseContent))
                #expect(content["auth_req_id"]?.stringValue == authReqId && content["access_token"]?.stringValue == accessToken)
                #expect(content["token_type"] == "Bearer" && content["refresh_token"]?.stringValue == completed.refreshToken)
                // CIBA §10.3.1: the ID token names the auth_req_id and carries the hashes of both tokens.
                let keys = try await Self.keys(setup)
                let idToken = try await keys.verify(try #require(completed.idToken), as: PushedIDToken.self)
                #expect(idToken.sub == "alice" && idToken.authReqId == authReqId)
                #expect(idToken.at_hash == Self.halfHash(accessToken))
                #expect(idToken.rtHash == Self.halfHash(try #require(completed.refreshToken)))
                #expect(try await Receiver.deliver(completed) == 204)
                #expect(receiver.received.withLock { $0.first?.body["access_token"]?.stringValue } == accessToken)
                guard case .ok(let introspected) = try await setup.api.introspection(.init(path: .init(serviceId: setup.serviceId), body: .init(token: accessToken)))
                else { throw UnexpectedOutput() }
                #expect(introspected.action == .ok && introspected.subject == "alice")
                // A push client does not poll.
                #expect(try Self.error(try await setup.poll(authReqId)) == "unauthorized_client")

                // A refusal is pushed as an error with the auth_req_id.
                let (deniedTicket, deniedId) = try await setup.started("&client_notification_token=push-token-0123456789abcdef")
                let denied = try await setup.complete(.init(ticket: deniedTicket, result: .accessDenied, subject: "alice", errorDescription: "No."))
                #expect(denied.action == .notification && denied.accessToken == nil)
                #expect(try JSONValue(parsing: try #require(denied.responseContent)) == ["auth_req_id": .string(deniedId), "error": "access_denied", "error_description": "No."])
            }
        }
    }

    @Test func requestsAreCheckedBeforeTheUserIsLookedFor() async throws {
        let key = ES256PrivateKey()
        let jwks = try ClientAssertionTests.publicJWKS(key, kid: "rk")
        try await Self.withClient(mode: "poll", configure: { ($0.jwks, $0.bcRequestSignAlg, $0.bcUserCodeRequired) = (jwks, .es256, true) }) { setup in
            func refusal(_ parameters: String) async throws -> (BackchannelAuthenticationAction, String?) {
                let answer = try await setup.authenticate(parameters)
                return (answer.action, try JSONValue(parsing: try #require(answer.responseContent))["error"]?.stringValue)
            }
            // The client registered bcRequestSignAlg: plain parameters are refused.
            #expect(try await refusal("scope=openid&login_hint=alice&user_code=1234") == (.badRequest, "invalid_request"))
            let now = Int64(Date().timeIntervalSince1970)
            func signed(_ claims: [String: JSONValue]) async throws -> String {
                var all: [String: JSONValue] = [
                    "iss": .string(setup.clientId), "aud": "https://as.example.com", "exp": .integer(now + 300), "iat": .integer(now),
                    "nbf": .integer(now), "jti": .string(UUID().uuidString),
                ]
                for (name, value) in claims { all[name] = value }
                return "request=" + (try await RequestObjectTests.sign(all, with: key))
            }
            let good = try await setup.authenticate(try await signed(["scope": "openid", "login_hint": "alice", "user_code": "1234"]))
            #expect(good.action == .userIdentification && good.hint == "alice" && good.userCode == "1234" && good.userCodeRequired == true)
            #expect(try await refusal(try await signed(["scope": "openid", "login_hint": "alice"])) == (.badRequest, "missing_user_code"))
            #expect(try await refusal(try await signed(["scope": "profile", "login_hint": "alice", "user_code": "1"])) == (.badRequest, "invalid_scope"))
            #expect(
                try await refusal(try await signed(["scope": "openid", "login_hint": "alice", "login_hint_token": "t", "user_code": "1"]))
                    == (.badRequest, "invalid_request"))
            let beside = try await setup.authenticate(try await signed(["scope": "openid", "login_hint": "alice", "user_code": "1"]) + "&scope=openid")
            #expect(beside.action == .badRequest && beside.resultMessage.contains("'scope' must not come beside it"))
            // Each of CIBA §7.1.1's claims is required.
            for claim in ["iss", "aud", "exp", "iat", "nbf", "jti"] {
                var claims: [String: JSONValue] = [
                    "iss": .string(setup.clientId), "aud": "https://as.example.com", "exp": .integer(now + 300), "iat": .integer(now),
                    "nbf": .integer(now), "jti": .string(UUID().uuidString), "scope": "openid", "login_hint": "alice", "user_code": "1",
                ]
                claims[claim] = nil
                let missing = try await setup.authenticate("request=" + (try await RequestObjectTests.sign(claims, with: key)))
                #expect(missing.action == .badRequest && missing.resultMessage.contains("lacks its \(claim) claim"), "\(claim): \(missing.resultMessage)")
            }
            // Used once.
            let once = try await signed(["scope": "openid", "login_hint": "alice", "user_code": "1", "jti": "once"])
            #expect(try await setup.authenticate(once).action == .userIdentification)
            let replayed = try await setup.authenticate(once)
            #expect(replayed.action == .badRequest && replayed.resultMessage.contains("used before"))
            let elsewhere = try await setup.authenticate(try await signed(["scope": "openid", "login_hint": "alice", "user_code": "1", "aud": "https://other.example.com"]))
            #expect(elsewhere.action == .badRequest)
            // resource as an array, as a JWT carries several.
            let resources = try await setup.authenticate(
                try await signed(["scope": "openid", "login_hint": "alice", "user_code": "1", "resource": ["https://api.example.com/a", "https://api.example.com/b"]]))
            #expect(resources.action == .userIdentification && resources.resources == ["https://api.example.com/a", "https://api.example.com/b"])
            let other = ES256PrivateKey()
            let forged = "request=" + (try await RequestObjectTests.sign(
                ["iss": .string(setup.clientId), "aud": "https://as.example.com", "exp": .integer(now + 300), "iat": .integer(now), "nbf": .integer(now),
                 "jti": "j", "scope": "openid", "login_hint": "alice"], with: other))
            #expect(try await refusal(forged) == (.badRequest, "invalid_request_object"))
            #expect(try await setup.authenticate("scope=openid&login_hint=alice", secret: "wrong").action == .unauthorized)

            // /fail: the reason decides the error; the ticket is used up.
            let ticket = try #require(good.ticket)
            guard case .ok(let failed) = try await setup.api.backchannelAuthenticationFail(
                .init(path: .init(serviceId: setup.serviceId), body: .init(ticket: ticket, reason: .unknownUserId)))
            else { throw UnexpectedOutput() }
            let failure = try JSONValue(parsing: try #require(failed.responseContent))
            #expect(failed.action == .badRequest && failure["error"] == "unknown_user_id")
            #expect(try await setup.issue(ticket).action == .invalidTicket)
            let deniedTicket = try #require(try await setup.authenticate(try await signed(["scope": "openid", "login_hint": "bob", "user_code": "1"])).ticket)
            guard case .ok(let forbidden) = try await setup.api.backchannelAuthenticationFail(
                .init(path: .init(serviceId: setup.serviceId), body: .init(ticket: deniedTicket, reason: .accessDenied, errorUri: URL(string: "https://as.example.com/why"))))
            else { throw UnexpectedOutput() }
            let forbiddenBody = try JSONValue(parsing: try #require(forbidden.responseContent))
            #expect(forbidden.action == .forbidden && forbiddenBody["error"] == "access_denied" && forbiddenBody["error_uri"] == "https://as.example.com/why")
        }
    }

    @Test func clientsAndServicesMustBeSetUpForIt() async throws {
        try await TestServer.with { server in
            let api = server.client()
            var service = Service(serviceName: "CIBA", issuer: URL(string: "https://as.example.com")!)
            service.supportedGrantTypes = [.ciba]
            guard case .badRequest(let noModes) = try await api.serviceCreate(.init(body: service)) else { throw UnexpectedOutput() }
            #expect(noModes.fieldViolations?.map(\.message) == ["CIBA needs supportedBackchannelTokenDeliveryModes"])
            service.supportedBackchannelTokenDeliveryModes = [.poll]
            let apiKey = try #require(try await api.createService(service).apiKey)
            func violations(_ client: OAuthClient) async throws -> [String] {
                guard case .badRequest(let result) = try await api.clientCreate(.init(path: .init(serviceId: apiKey), body: client)) else { return [] }
                return (result.fieldViolations ?? []).map { "\($0.path): \($0.message)" }
            }
            var client = OAuthClient(clientName: "C", grantTypes: [.ciba])
            #expect(try await violations(client) == ["/grantTypes: CIBA needs bcDeliveryMode (poll, ping or push)"])
            client.bcDeliveryMode = "ping"
            #expect(try await violations(client) == ["/bcDeliveryMode: ping is not a delivery mode the service offers"])
            client.bcDeliveryMode = "poll"
            client.bcNotificationEndpoint = URL(string: "http://client.example.com/cb")
            #expect(try await violations(client) == ["/bcNotificationEndpoint: must be an https URL (http only on loopback)"])
            var spa = OAuthClient(clientName: "SPA", clientType: .public, grantTypes: [.ciba])
            spa.bcDeliveryMode = "poll"
            #expect(try await violations(spa) == ["/grantTypes: CIBA is for confidential clients, which authenticate"])
            // Pushed tokens could not be bound.
            var all = service
            all.supportedBackchannelTokenDeliveryModes = [.poll, .push]
            let pushKey = try #require(try await api.createService(all).apiKey)
            var bound = OAuthClient(clientName: "Bound", grantTypes: [.ciba])
            (bound.bcDeliveryMode, bound.bcNotificationEndpoint, bound.dpopRequired) = ("push", URL(string: "https://client.example.com/cb"), true)
            guard case .badRequest(let unbindable) = try await api.clientCreate(.init(path: .init(serviceId: pushKey), body: bound)) else { throw UnexpectedOutput() }
            #expect(unbindable.fieldViolations?.map(\.message) == ["push cannot bind tokens to a DPoP key or a certificate; use poll or ping"])
        }
    }
}

/// The claims CIBA's push mode adds to an ID token.
struct PushedIDToken: JWTPayload {
    var sub: String
    var at_hash: String?
    var authReqId: String
    var rtHash: String?

    enum CodingKeys: String, CodingKey {
        case sub, at_hash
        case authReqId = "urn:openid:params:jwt:claim:auth_req_id"
        case rtHash = "urn:openid:params:jwt:claim:rt_hash"
    }

    func verify(using algorithm: some JWTAlgorithm) async throws {}
}
