import Foundation
import JWTKit
import SpecRuntime
import Testing
import WarrantClient

/// The device authorization grant (RFC 8628): /device/authorization, /device/verification, /device/complete
/// and the device_code grant at /auth/token, on a running server.
@Suite(.serialized) struct DeviceFlowTests {
    static let grantType = "urn:ietf:params:oauth:grant-type:device_code"

    struct Device {
        let server: TestServer
        let api: Client
        let serviceId: String
        /// A public client, as a TV or a command line tool is.
        let client: OAuthClient
        /// A confidential client that may use the grant too.
        let confidential: OAuthClient

        var clientId: String { String(client.clientId ?? 0) }

        func authorize(_ parameters: String? = nil, clientId: String? = nil, secret: String? = nil) async throws -> DeviceAuthorizationResponse {
            guard case .ok(let response) = try await api.deviceAuthorization(
                .init(
                    path: .init(serviceId: serviceId),
                    body: .init(parameters: parameters ?? "client_id=\(self.clientId)&scope=openid+profile+offline_access", clientId: clientId, clientSecret: secret)))
            else { throw UnexpectedOutput() }
            return response
        }

        func verify(_ userCode: String) async throws -> DeviceVerificationResponse {
            guard case .ok(let response) = try await api.deviceVerification(.init(path: .init(serviceId: serviceId), body: .init(userCode: userCode)))
            else { throw UnexpectedOutput() }
            return response
        }

        func complete(_ body: DeviceCompleteRequest) async throws -> DeviceCompleteResponse {
            guard case .ok(let response) = try await api.deviceComplete(.init(path: .init(serviceId: serviceId), body: body)) else {
                throw UnexpectedOutput()
            }
            return response
        }

        /// A public client's poll, or, with a secret, a confidential client's.
        func poll(_ deviceCode: String, clientId: String? = nil, secret: String? = nil) async throws -> TokenResponse {
            var parameters = "grant_type=\(FormEncoding.escape(DeviceFlowTests.grantType))&device_code=\(deviceCode)"
            if secret == nil { parameters += "&client_id=\(clientId ?? self.clientId)" }
            guard case .ok(let response) = try await api.authToken(
                .init(path: .init(serviceId: serviceId), body: .init(parameters: parameters, clientId: secret == nil ? nil : clientId, clientSecret: secret)))
            else { throw UnexpectedOutput() }
            return response
        }
    }

    static func withDevice(configure: (inout Service) -> Void = { _ in }, _ body: @Sendable (Device) async throws -> Void) async throws {
        try await TestServer.with { server in
            let api = server.client()
            var service = Service(serviceName: "Devices", issuer: URL(string: "https://as.example.com")!)
            service.supportedGrantTypes = [.authorizationCode, .refreshToken, .deviceCode]
            service.deviceAuthorizationEndpoint = URL(string: "https://as.example.com/device_authorization")
            service.deviceVerificationUri = URL(string: "https://as.example.com/device")
            service.deviceVerificationUriComplete = URL(string: "https://as.example.com/device?user_code=USER_CODE")
            service.deviceFlowPollingInterval = 1
            configure(&service)
            let apiKey = try #require(try await api.createService(service).apiKey)
            var tv = OAuthClient(clientName: "Living room TV", clientType: .public, grantTypes: [.deviceCode, .refreshToken])
            tv.extension = ClientExtension(requestableScopesEnabled: true, requestableScopes: ["openid", "profile", "offline_access"])
            guard case .created(let client) = try await api.clientCreate(.init(path: .init(serviceId: apiKey), body: tv)) else { throw UnexpectedOutput() }
            let backend = OAuthClient(clientName: "Kiosk", grantTypes: [.deviceCode])
            guard case .created(let confidential) = try await api.clientCreate(.init(path: .init(serviceId: apiKey), body: backend)) else {
                throw UnexpectedOutput()
            }
            try await body(Device(server: server, api: api, serviceId: String(apiKey), client: client, confidential: confidential))
        }
    }

    static func content(_ text: String?) throws -> JSONValue { try JSONValue(parsing: try #require(text)) }
    static func error(_ response: TokenResponse) throws -> String? { try content(response.responseContent)["error"]?.stringValue }

    @Test func aDeviceGetsTokensOnceTheUserApproves() async throws {
        try await Self.withDevice { device in
            let started = try await device.authorize()
            #expect(started.action == .ok)
            #expect(started.resultCode == "A250001")
            #expect(started.clientName == "Living room TV")
            #expect(started.clientAuthMethod == ClientAuthMethod.none)
            #expect(started.scopes?.map(\.name) == ["openid", "profile", "offline_access"])
            #expect(started.claimNames?.contains("name") == true)
            let userCode = try #require(started.userCode)
            let deviceCode = try #require(started.deviceCode)
            // Eight consonants of RFC 8628 §6.1's set: no vowels, no digits.
            #expect(userCode.count == 8 && userCode.allSatisfy { "BCDFGHJKLMNPQRSTVWXZ".contains($0) })
            let body = try Self.content(started.responseContent)
            #expect(body["device_code"]?.stringValue == deviceCode && body["user_code"]?.stringValue == userCode)
            #expect(body["verification_uri"] == "https://as.example.com/device")
            #expect(body["verification_uri_complete"]?.stringValue == "https://as.example.com/device?user_code=\(userCode)")
            #expect(body["expires_in"] == 600 && body["interval"] == 1)

            // The first poll may come at once; the user has not decided.
            let pending = try await device.poll(deviceCode)
            #expect(pending.action == .badRequest)
            #expect(try Self.error(pending) == "authorization_pending")

            // The user types the code in lower case with a hyphen.
            let typed = userCode.prefix(4).lowercased() + "-" + userCode.dropFirst(4).lowercased()
            let verified = try await device.verify(typed)
            #expect(verified.action == .valid)
            #expect(verified.clientId == device.client.clientId && verified.clientName == "Living room TV")
            #expect(verified.scopes?.map(\.name) == ["openid", "profile", "offline_access"])
            #expect(try #require(verified.expiresAt) > Int64(Date().timeIntervalSince1970 * 1000))
            let completed = try await device.complete(
                .init(userCode: typed, result: .authorized, subject: "alice", authTime: 1_700_000_000, acr: "urn:acr:pwd", claims: #"{"name":"Alice"}"#))
            #expect(completed.action == .success)
            #expect(completed.resultCode == "A252001")
            // Decided once: the code is gone for the user's side.
            #expect(try await device.verify(userCode).action == .notExist)
            #expect(try await device.complete(.init(userCode: userCode, result: .accessDenied, subject: "alice")).action == .userCodeNotExist)

            try await Task.sleep(for: .milliseconds(1_100))
            let tokens = try await device.poll(deviceCode)
            #expect(tokens.action == .ok)
            #expect(tokens.grantType == .deviceCode && tokens.subject == "alice")
            let issued = try Self.content(tokens.responseContent)
            #expect(issued["scope"] == "openid profile offline_access")
            #expect(issued["refresh_token"]?.stringValue == tokens.refreshToken && tokens.refreshToken != nil)
            guard case .ok(let document) = try await device.api.serviceJwksGet(.init(path: .init(serviceId: Int64(device.serviceId)!))) else {
                throw UnexpectedOutput()
            }
            let keys = try await JWTKeyCollection().add(jwksJSON: document.serializedString)
            let claims = try await keys.verify(try #require(issued["id_token"]?.stringValue), as: Claims.self)
            #expect(claims.sub == "alice")
            #expect(claims.aud == [device.clientId])
            #expect(claims.name == "Alice")
            #expect(claims.auth_time == 1_700_000_000 && claims.acr == "urn:acr:pwd")
            guard case .ok(let introspected) = try await device.api.introspection(
                .init(path: .init(serviceId: device.serviceId), body: .init(token: tokens.accessToken)))
            else { throw UnexpectedOutput() }
            #expect(introspected.action == .ok && introspected.subject == "alice")

            // The device code was used: the next poll is refused, and the refresh token works.
            try await Task.sleep(for: .milliseconds(1_100))
            #expect(try Self.error(try await device.poll(deviceCode)) == "invalid_grant")
            guard case .ok(let refreshed) = try await device.api.authToken(
                .init(
                    path: .init(serviceId: device.serviceId),
                    body: .init(parameters: "grant_type=refresh_token&refresh_token=\(try #require(tokens.refreshToken))&client_id=\(device.clientId)")))
            else { throw UnexpectedOutput() }
            #expect(refreshed.action == .ok && refreshed.subject == "alice")
        }
    }

    @Test func pollsTooSoonSlowDownByFiveSecondsEachTime() async throws {
        // An interval of 5 s, so that "at once" and "a second later" are too soon however loaded the machine.
        try await Self.withDevice(configure: { $0.deviceFlowPollingInterval = 5 }) { device in
            let deviceCode = try #require(try await device.authorize().deviceCode)
            #expect(try Self.error(try await device.poll(deviceCode)) == "authorization_pending")
            let tooSoon = try await device.poll(deviceCode)
            #expect(try Self.error(tooSoon) == "slow_down")
            #expect(tooSoon.resultCode == "A050009")
            #expect(tooSoon.resultMessage.contains("every 10 seconds"))
            // A second later is on time for the old interval, not for the new one: it grows again.
            try await Task.sleep(for: .milliseconds(1_100))
            let again = try await device.poll(deviceCode)
            #expect(try Self.error(again) == "slow_down")
            #expect(again.resultMessage.contains("every 15 seconds"))
        }
    }

    @Test func twoPollsAtOnceGetOneSetOfTokens() async throws {
        try await Self.withDevice { device in
            let started = try await device.authorize()
            let deviceCode = try #require(started.deviceCode)
            #expect(try await device.complete(.init(userCode: try #require(started.userCode), result: .authorized, subject: "alice")).action == .success)
            let answers = try await withThrowingTaskGroup(of: TokenResponse.self) { group in
                for _ in 0..<2 { group.addTask { try await device.poll(deviceCode) } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(answers.filter { $0.action == .ok }.count == 1)
            // The other came too soon, or (when the database retried it after the first's redemption) too late.
            let other = try #require(answers.first { $0.action != .ok })
            let refusal = try #require(try Self.error(other))
            #expect(["slow_down", "invalid_grant"].contains(refusal), "\(other.resultMessage)")
        }
    }

    @Test func refusalsAndFailuresReachTheDevice() async throws {
        try await Self.withDevice { device in
            let denied = try await device.authorize()
            let failed = try await device.authorize()
            #expect(
                try await device.complete(
                    .init(
                        userCode: try #require(denied.userCode), result: .accessDenied, subject: "alice", errorDescription: "The user said no.",
                        errorUri: URL(string: "https://as.example.com/why"))
                ).action == .success)
            #expect(try await device.complete(.init(userCode: try #require(failed.userCode), result: .transactionFailed, subject: "alice")).action == .success)
            let refusal = try Self.content(try await device.poll(try #require(denied.deviceCode)).responseContent)
            #expect(refusal == ["error": "access_denied", "error_description": "The user said no.", "error_uri": "https://as.example.com/why"])
            let failure = try await device.poll(try #require(failed.deviceCode))
            #expect(try Self.error(failure) == "expired_token")
            #expect(failure.resultCode == "A050304")

            // Another client cannot poll a device's code.
            let other = try await device.poll(
                try #require(denied.deviceCode), clientId: String(try #require(device.confidential.clientId)), secret: device.confidential.clientSecret)
            let otherError = try Self.error(other)
            #expect(otherError == "invalid_grant")
            // A confidential client's poll without its secret is not a poll.
            let unauthenticated = try await device.poll(try #require(denied.deviceCode), clientId: String(try #require(device.confidential.clientId)))
            #expect(unauthenticated.action == .invalidClient)
            // A decision the service cannot keep is refused, and the code stays to decide.
            let live = try await device.authorize()
            let badScope = try await device.complete(.init(userCode: try #require(live.userCode), result: .authorized, subject: "alice", scopes: ["admin"]))
            #expect(badScope.action == .invalidRequest && badScope.resultMessage.contains("'admin'"))
            let badClaims = try await device.complete(.init(userCode: try #require(live.userCode), result: .authorized, subject: "alice", claims: "[1]"))
            #expect(badClaims.action == .invalidRequest)
            let unrequestable = try await device.complete(.init(userCode: try #require(live.userCode), result: .authorized, subject: "alice", scopes: ["email"]))
            #expect(unrequestable.action == .invalidRequest && unrequestable.resultMessage.contains("may not request the scope 'email'"))
            let quoted = try await device.complete(
                .init(userCode: try #require(live.userCode), result: .accessDenied, subject: "alice", errorDescription: "said \"no\""))
            #expect(quoted.action == .invalidRequest)
            #expect(try await device.verify(try #require(live.userCode)).action == .valid)
        }
    }

    @Test func codesExpire() async throws {
        try await Self.withDevice(configure: { $0.deviceFlowCodeDuration = 1 }) { device in
            let started = try await device.authorize()
            #expect(try Self.content(started.responseContent)["expires_in"] == 1)
            try await Task.sleep(for: .milliseconds(1_200))
            let userCode = try #require(started.userCode)
            let verified = try await device.verify(userCode)
            #expect(verified.action == .expired && verified.expiresAt != nil)
            #expect(try await device.complete(.init(userCode: userCode, result: .authorized, subject: "alice")).action == .userCodeExpired)
            #expect(try Self.error(try await device.poll(try #require(started.deviceCode))) == "expired_token")
        }
    }

    @Test func wrongUserCodesAreLimitedPerService() async throws {
        try await Self.withDevice { device in
            let live = try #require(try await device.authorize().userCode)
            // Right codes are not counted.
            #expect(try await device.verify(live).action == .valid)
            // Guesses sent at once are counted all the same: of 130, 100 are answered and 30 refused.
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for attempt in 0..<130 {
                    group.addTask {
                        let (status, _) = try await device.server.raw(
                            .post, "/api/\(device.serviceId)/device/verification", token: TestServer.organizationToken,
                            body: #"{"userCode": "\#(attempt % 2 == 0 ? "BCDF-GHJK" : "not a code")"}"#)
                        return status
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(statuses.filter { $0 == 200 }.count == 100)
            #expect(statuses.filter { $0 == 429 }.count == 30)
            // Past the limit, even the right code waits out the minute.
            guard case .tooManyRequests(let limited) = try await device.api.deviceVerification(
                .init(path: .init(serviceId: device.serviceId), body: .init(userCode: live)))
            else { throw UnexpectedOutput() }
            #expect(limited.resultCode == "A250301")
            guard case .tooManyRequests = try await device.api.deviceComplete(
                .init(path: .init(serviceId: device.serviceId), body: .init(userCode: live, result: .authorized, subject: "alice")))
            else { throw UnexpectedOutput() }
            // Another service of the same server is not slowed.
            var other = Service(serviceName: "Other", issuer: URL(string: "https://other.example.com")!)
            other.supportedGrantTypes = [.deviceCode]
            other.deviceVerificationUri = URL(string: "https://other.example.com/device")
            let otherKey = try #require(try await device.api.createService(other).apiKey)
            guard case .ok(let answer) = try await device.api.deviceVerification(.init(path: .init(serviceId: String(otherKey)), body: .init(userCode: live)))
            else { throw UnexpectedOutput() }
            #expect(answer.action == .notExist)
        }
    }

    @Test func clientsAndServicesMustAllowTheGrant() async throws {
        try await Self.withDevice { device in
            let confidential = String(try #require(device.confidential.clientId))
            let wrong = try await device.authorize("scope=openid", clientId: confidential, secret: "wrong")
            #expect(wrong.action == .unauthorized)
            #expect(wrong.clientId == nil)
            let right = try await device.authorize("scope=openid", clientId: confidential, secret: device.confidential.clientSecret)
            #expect(right.action == .ok && right.clientAuthMethod == .clientSecretBasic)
            // A client without the grant type.
            guard case .created(let web) = try await device.api.clientCreate(
                .init(path: .init(serviceId: Int64(device.serviceId)!), body: OAuthClient(clientName: "Web", clientType: .public, redirectUris: ["https://app.example.com/cb"])))
            else { throw UnexpectedOutput() }
            let refused = try await device.authorize("client_id=\(try #require(web.clientId))")
            #expect(refused.action == .badRequest)
            #expect(try Self.content(refused.responseContent)["error"] == "unauthorized_client")
            // A service without the grant.
            let plainKey = try #require(try await device.api.createService(Service(serviceName: "Plain", issuer: URL(string: "https://plain.example.com")!)).apiKey)
            guard case .created(let plainClient) = try await device.api.clientCreate(
                .init(path: .init(serviceId: plainKey), body: OAuthClient(clientName: "App", clientType: .public, redirectUris: ["https://app.example.com/cb"])))
            else { throw UnexpectedOutput() }
            guard case .ok(let unsupported) = try await device.api.deviceAuthorization(
                .init(path: .init(serviceId: String(plainKey)), body: .init(parameters: "client_id=\(try #require(plainClient.clientId))")))
            else { throw UnexpectedOutput() }
            #expect(unsupported.action == .badRequest && unsupported.resultMessage.contains("The service does not support the device authorization grant"))
            // Scopes and acr values the service does not have are left out, and said so.
            let narrowed = try await device.authorize("client_id=\(device.clientId)&scope=openid+admin&acr_values=urn:acr:none")
            #expect(narrowed.action == .ok && narrowed.scopes?.map(\.name) == ["openid"] && narrowed.acrs == ["urn:acr:none"])
            #expect(narrowed.warnings == ["The scope 'admin' is not one the service supports; it was left out."])
            let repeated = try await device.authorize("client_id=\(device.clientId)&scope=openid&scope=profile")
            #expect(repeated.action == .badRequest && repeated.resultCode == "A250201")
            #expect(try Self.content(repeated.responseContent)["error"] == "invalid_request")
        }
    }

    @Test func deviceSettingsAreChecked() async throws {
        try await TestServer.with { server in
            let api = server.client()
            func violations(_ configure: (inout Service) -> Void) async throws -> [String] {
                var service = Service(serviceName: "Checked", issuer: URL(string: "https://as.example.com")!)
                configure(&service)
                guard case .badRequest(let result) = try await api.serviceCreate(.init(body: service)) else { return [] }
                return (result.fieldViolations ?? []).map { "\($0.path): \($0.message)" }
            }
            let noPage = try await violations { $0.supportedGrantTypes = [.deviceCode] }
            #expect(noPage == ["/supportedGrantTypes: DEVICE_CODE needs deviceVerificationUri, the page where users enter their code"])
            let short = try await violations { $0.userCodeLength = 7 }
            #expect(short == ["/userCodeLength: must be at least 8 for BASE20 codes (33 bits), or 0 for 8"])
            let shortDigits = try await violations { ($0.userCodeLength, $0.userCodeCharset) = (9, .numeric) }
            #expect(shortDigits == ["/userCodeLength: must be at least 10 for NUMERIC codes (33 bits), or 0 for 10"])
            let noPlaceholder = try await violations { $0.deviceVerificationUriComplete = URL(string: "https://as.example.com/device") }
            #expect(noPlaceholder == ["/deviceVerificationUriComplete: must hold USER_CODE where the user code goes"])
        }
        try await Self.withDevice(configure: { $0.userCodeCharset = .numeric }) { device in
            let started = try await device.authorize()
            let code = try #require(started.userCode)
            #expect(code.count == 10 && code.allSatisfy(\.isNumber))
            #expect(try await device.verify(String(code.prefix(3)) + " " + code.dropFirst(3)).action == .valid)
            guard case .ok(let discovery) = try await device.api.serviceConfiguration(.init(path: .init(serviceId: Int64(device.serviceId)!))) else {
                throw UnexpectedOutput()
            }
            #expect(discovery["device_authorization_endpoint"] == "https://as.example.com/device_authorization")
            #expect(discovery["grant_types_supported"]?.arrayValue?.contains(.string(Self.grantType)) == true)
        }
    }
}
