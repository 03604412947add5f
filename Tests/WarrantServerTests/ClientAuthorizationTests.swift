import Foundation
import SpecRuntime
import Testing
import WarrantClient

/// What users granted clients, and the client settings changed one at a time, on a running server.
@Suite(.serialized) struct ClientAuthorizationTests {
    typealias Flow = TokenFlowTests.Flow

    static func scopes(_ flow: Flow, subject: String = "alice") async throws -> GrantedScopes {
        guard case .ok(let answer) = try await flow.api.grantedScopesGet(
            .init(path: .init(serviceId: Int64(flow.serviceId)!, clientId: flow.clientId), query: .init(subject: subject)))
        else { throw UnexpectedOutput() }
        return answer
    }

    @Test func eachApprovedAuthorizationIsRecordedAsTheUsersConsent() async throws {
        try await TokenFlowTests.withFlow { flow in
            let service = Int64(flow.serviceId)!
            let nothing = try await Self.scopes(flow)
            #expect(nothing.latestGrantedScopes == nil && nothing.mergedGrantedScopes == nil && nothing.modifiedAt == nil)
            #expect(nothing.clientId == flow.client.clientId && nothing.subject == "alice" && nothing.serviceApiKey == service)

            _ = try await flow.code()
            let first = try await Self.scopes(flow)
            #expect(first.latestGrantedScopes == ["openid", "profile", "email"])
            #expect(first.mergedGrantedScopes == ["openid", "profile", "email"])
            #expect((first.modifiedAt ?? 0) > 1_700_000_000_000)
            #expect(try await Self.scopes(flow, subject: "bob").latestGrantedScopes == nil)

            // A narrower second grant: latest is what was approved now, merged keeps what was approved before.
            let parameters = "response_type=code&client_id=\(flow.clientId)&redirect_uri=\(FormEncoding.escape(flow.redirect))&scope=openid"
            guard case .ok(let asked) = try await flow.api.authorization(.init(path: .init(serviceId: flow.serviceId), body: .init(parameters: parameters)))
            else { throw UnexpectedOutput() }
            _ = try await flow.issue(try #require(asked.ticket))
            let second = try await Self.scopes(flow)
            #expect(second.latestGrantedScopes == ["openid"])
            #expect(second.mergedGrantedScopes == ["openid", "profile", "email"])

            // The POST form and the form with the user in the path answer the same.
            guard case .ok(let posted) = try await flow.api.grantedScopesGetPost(
                .init(path: .init(serviceId: service, clientId: flow.clientId), body: .init(subject: "alice")))
            else { throw UnexpectedOutput() }
            guard case .ok(let byPath) = try await flow.api.grantedScopesGetBySubject(
                .init(path: .init(serviceId: service, clientId: flow.clientId, subject: "alice")))
            else { throw UnexpectedOutput() }
            #expect(posted.mergedGrantedScopes == second.mergedGrantedScopes && byPath.latestGrantedScopes == ["openid"])

            // Deleting forgets the consent; the tokens issued stay (that is /client/authorization/delete's job).
            let issued = try await flow.redeem(try await flow.code())
            guard case .ok(let deleted) = try await flow.api.grantedScopesDelete(
                .init(path: .init(serviceId: service, clientId: flow.clientId), query: .init(subject: "alice")))
            else { throw UnexpectedOutput() }
            #expect(deleted.resultCode == "A360002")
            #expect(try await Self.scopes(flow).mergedGrantedScopes == nil)
            #expect(try await IntrospectionTests.introspect(flow, try #require(issued.accessToken)).action == .ok)
            guard case .ok = try await flow.api.grantedScopesDeleteBySubject(
                .init(path: .init(serviceId: service, clientId: flow.clientId, subject: "alice")))
            else { throw UnexpectedOutput() }

            // An unknown client is a 404, a missing subject a 400 naming it.
            guard case .notFound = try await flow.api.grantedScopesGet(
                .init(path: .init(serviceId: service, clientId: "999"), query: .init(subject: "alice")))
            else { throw UnexpectedOutput() }
            let missing = try await flow.server.raw(
                .get, "/api/\(service)/client/granted_scopes/get/\(flow.clientId)", token: TestServer.organizationToken)
            #expect(missing.status == 400)
            #expect(missing.body?["violations"]?[0]?["path"] == "subject")
        }
    }

    @Test func aUserSeesTheClientsTheyAuthorizedAndTakesBackWhatOneWasGiven() async throws {
        try await TokenFlowTests.withFlow { flow in
            let service = Int64(flow.serviceId)!
            let issued = try await flow.redeem(try await flow.code())
            let accessToken = try #require(issued.accessToken)
            let refreshToken = try #require(issued.refreshToken)

            guard case .ok(let listed) = try await flow.api.authorizedClientsGet(.init(path: .init(serviceId: service), query: .init(subject: "alice")))
            else { throw UnexpectedOutput() }
            #expect(listed.totalCount == 1 && listed.subject == "alice" && listed.start == 0 && listed.end == 1)
            #expect(listed.clients.map(\.clientId) == [flow.client.clientId])
            #expect(listed.clients.first?.clientSecret == nil)
            guard case .ok(let posted) = try await flow.api.authorizedClientsPost(.init(path: .init(serviceId: service), body: .init(subject: "alice")))
            else { throw UnexpectedOutput() }
            guard case .ok(let nobody) = try await flow.api.authorizedClientsGetBySubject(.init(path: .init(serviceId: service, subject: "bob")))
            else { throw UnexpectedOutput() }
            #expect(posted.totalCount == 1 && nobody.totalCount == 0 && nobody.clients.isEmpty)
            guard case .badRequest = try await flow.api.authorizedClientsGet(
                .init(path: .init(serviceId: service), query: .init(subject: "alice", start: 5, end: 2)))
            else { throw UnexpectedOutput() }

            // New scopes for every live token alice gave the client; introspection answers them.
            guard case .ok = try await flow.api.clientAuthorizationUpdate(
                .init(path: .init(serviceId: service, clientId: flow.clientId), body: .init(subject: "alice", scopes: ["openid"])))
            else { throw UnexpectedOutput() }
            #expect(try await IntrospectionTests.introspect(flow, accessToken).scopes == ["openid"])
            guard case .badRequest(let refused) = try await flow.api.clientAuthorizationUpdate(
                .init(path: .init(serviceId: service, clientId: flow.clientId), body: .init(subject: "alice", scopes: ["payments"])))
            else { throw UnexpectedOutput() }
            #expect(refused.fieldViolations?.first?.path == "/scopes")
            #expect(try await IntrospectionTests.introspect(flow, accessToken).scopes == ["openid"])
            // The refresh token was rescoped too: a refresh does not give back what was taken away.
            let refreshedNarrow = try await flow.token(
                "grant_type=refresh_token&refresh_token=\(refreshToken)", clientId: flow.clientId, secret: flow.secret)
            #expect(refreshedNarrow.action == .ok && refreshedNarrow.scopes == ["openid"])
            let currentRefresh = try #require(refreshedNarrow.refreshToken)
            let currentAccess = try #require(refreshedNarrow.accessToken)

            // Revoking everything alice gave the client: the access and the refresh token stop working.
            guard case .ok(let revoked) = try await flow.api.clientAuthorizationDelete(
                .init(path: .init(serviceId: service, clientId: flow.clientId), query: .init(subject: "alice")))
            else { throw UnexpectedOutput() }
            #expect(revoked.resultCode == "A360005")
            #expect(revoked.mergedGrantedScopes == ["openid", "profile", "email"])
            #expect(try await IntrospectionTests.introspect(flow, currentAccess).action == .unauthorized)
            let refreshed = try await flow.token("grant_type=refresh_token&refresh_token=\(currentRefresh)", clientId: flow.clientId, secret: flow.secret)
            #expect(refreshed.action == .badRequest)
            guard case .ok(let after) = try await flow.api.authorizedClientsGet(.init(path: .init(serviceId: service), query: .init(subject: "alice")))
            else { throw UnexpectedOutput() }
            #expect(after.totalCount == 0)
            // The POST form and the form with the user in the path.
            guard case .ok = try await flow.api.clientAuthorizationDeletePost(
                .init(path: .init(serviceId: service, clientId: flow.clientId), body: .init(subject: "alice")))
            else { throw UnexpectedOutput() }
            guard case .ok = try await flow.api.clientAuthorizationDeleteBySubject(
                .init(path: .init(serviceId: service, clientId: flow.clientId, subject: "alice")))
            else { throw UnexpectedOutput() }
        }
    }

    @Test func aSecretTheCallerChoseReplacesTheOldOneAtOnce() async throws {
        try await TokenFlowTests.withFlow { flow in
            let service = Int64(flow.serviceId)!
            let chosen = String(repeating: "s3cr3t-", count: 6)
            guard case .ok(let answer) = try await flow.api.clientSecretUpdate(
                .init(path: .init(serviceId: service, clientId: flow.clientId), body: .init(clientSecret: chosen)))
            else { throw UnexpectedOutput() }
            #expect(answer.newClientSecret == chosen && answer.oldClientSecret == nil && answer.resultCode == "A310006")
            let old = try await flow.token("grant_type=client_credentials", clientId: flow.clientId, secret: flow.secret)
            #expect(old.action == .invalidClient)
            let new = try await flow.token("grant_type=client_credentials", clientId: flow.clientId, secret: chosen)
            #expect(new.action == .ok)
            // Too short, outside base64url's alphabet, or for a public client: refused, and the secret stays.
            for bad in ["short", String(repeating: "é", count: 40)] {
                guard case .badRequest(let refused) = try await flow.api.clientSecretUpdate(
                    .init(path: .init(serviceId: service, clientId: flow.clientId), body: .init(clientSecret: bad)))
                else { throw UnexpectedOutput() }
                #expect(refused.fieldViolations?.first?.path == "/clientSecret")
            }
            guard case .badRequest(let publicRefused) = try await flow.api.clientSecretUpdate(
                .init(path: .init(serviceId: service, clientId: String(flow.publicClient.clientId ?? 0)), body: .init(clientSecret: chosen)))
            else { throw UnexpectedOutput() }
            #expect(publicRefused.resultCode == "A310203")
            #expect(try await flow.token("grant_type=client_credentials", clientId: flow.clientId, secret: chosen).action == .ok)
        }
    }

    @Test func aLockedClientCanNeitherAuthorizeNorGetTokensUntilUnlocked() async throws {
        try await TokenFlowTests.withFlow { flow in
            let service = Int64(flow.serviceId)!
            func lock(_ locked: Bool) async throws {
                guard case .ok(let answer) = try await flow.api.clientLockFlagUpdate(
                    .init(path: .init(serviceId: service, clientId: flow.clientId), body: .init(clientLocked: locked)))
                else { throw UnexpectedOutput() }
                #expect(answer.resultCode == "A310007")
            }
            try await lock(true)
            guard case .ok(let client) = try await flow.api.clientGet(.init(path: .init(serviceId: service, clientId: flow.clientId)))
            else { throw UnexpectedOutput() }
            #expect(client.locked == true)
            #expect(try await flow.token("grant_type=client_credentials", clientId: flow.clientId, secret: flow.secret).action == .invalidClient)
            let parameters = "response_type=code&client_id=\(flow.clientId)&redirect_uri=\(FormEncoding.escape(flow.redirect))&scope=openid"
            guard case .ok(let asked) = try await flow.api.authorization(.init(path: .init(serviceId: flow.serviceId), body: .init(parameters: parameters)))
            else { throw UnexpectedOutput() }
            #expect(asked.action != .interaction && asked.ticket == nil)
            try await lock(false)
            #expect(try await flow.token("grant_type=client_credentials", clientId: flow.clientId, secret: flow.secret).action == .ok)
            // The form body works as JSON does.
            let form = try await flow.server.raw(
                .post, "/api/\(service)/client/lock_flag/update/\(flow.clientId)", token: TestServer.organizationToken,
                bytes: Array("clientLocked=true".utf8), contentType: "application/x-www-form-urlencoded")
            #expect(form.status == 200)
            #expect(try await flow.token("grant_type=client_credentials", clientId: flow.clientId, secret: flow.secret).action == .invalidClient)
        }
    }

    @Test func requestableScopesLimitWhatAClientMayAskFor() async throws {
        try await TokenFlowTests.withFlow { flow in
            let service = Int64(flow.serviceId)!
            let path = Operations.RequestableScopesGet.PathParameters(serviceId: service, clientId: flow.clientId)
            guard case .ok(let none) = try await flow.api.requestableScopesGet(.init(path: path)) else { throw UnexpectedOutput() }
            #expect(none.requestableScopes == nil)
            guard case .ok(let set) = try await flow.api.requestableScopesUpdate(
                .init(path: .init(serviceId: service, clientId: flow.clientId), body: .init(requestableScopes: ["openid", "email"])))
            else { throw UnexpectedOutput() }
            #expect(set.requestableScopes == ["openid", "email"])
            guard case .ok(let read) = try await flow.api.requestableScopesGet(.init(path: path)) else { throw UnexpectedOutput() }
            #expect(read.requestableScopes == ["openid", "email"])
            // The authorization asks for openid, profile and email; the client may have openid and email only.
            let tokens = try await flow.redeem(try await flow.code())
            #expect(tokens.action == .ok)
            #expect(!(tokens.scopes ?? []).contains("profile"))
            guard case .ok(let put) = try await flow.api.requestableScopesPut(
                .init(path: .init(serviceId: service, clientId: flow.clientId), body: .init(requestableScopes: ["openid"])))
            else { throw UnexpectedOutput() }
            #expect(put.requestableScopes == ["openid"])
            guard case .noContent = try await flow.api.requestableScopesDelete(.init(path: .init(serviceId: service, clientId: flow.clientId)))
            else { throw UnexpectedOutput() }
            guard case .ok(let lifted) = try await flow.api.requestableScopesGet(.init(path: path)) else { throw UnexpectedOutput() }
            #expect(lifted.requestableScopes == nil)
            #expect(try await flow.redeem(try await flow.code()).scopes == ["openid", "profile", "email"])
        }
    }

    @Test func aPendingTicketIsReadAndAnnotatedAndIssueAnswersTheAnnotation() async throws {
        try await TokenFlowTests.withFlow { flow in
            let parameters = "response_type=code&client_id=\(flow.clientId)&redirect_uri=\(FormEncoding.escape(flow.redirect))&scope=openid"
            guard case .ok(let asked) = try await flow.api.authorization(
                .init(path: .init(serviceId: flow.serviceId), body: .init(parameters: parameters, context: "step-1")))
            else { throw UnexpectedOutput() }
            let ticket = try #require(asked.ticket)
            guard case .ok(let info) = try await flow.api.authorizationTicketGet(.init(path: .init(serviceId: flow.serviceId), body: .init(ticket: ticket)))
            else { throw UnexpectedOutput() }
            #expect(info.action == .ok && info.info?.context == "step-1")
            guard case .ok(let updated) = try await flow.api.authorizationTicketUpdate(
                .init(path: .init(serviceId: flow.serviceId), body: .init(ticket: ticket, info: .string(#"{"context":"step-2"}"#))))
            else { throw UnexpectedOutput() }
            #expect(updated.action == .ok && updated.info?.context == "step-2")
            // Not an AuthorizationTicketInfo: CALLER_ERROR, and the ticket keeps its information.
            guard case .ok(let wrong) = try await flow.api.authorizationTicketUpdate(
                .init(path: .init(serviceId: flow.serviceId), body: .init(ticket: ticket, info: .string(#"{"context": 5}"#))))
            else { throw UnexpectedOutput() }
            #expect(wrong.action == .callerError)
            // The object itself, as Authlete's Python SDK sends it, works as the JSON text does.
            guard case .ok(let asObject) = try await flow.api.authorizationTicketUpdate(
                .init(path: .init(serviceId: flow.serviceId), body: .init(ticket: ticket, info: ["context": "step-3"])))
            else { throw UnexpectedOutput() }
            #expect(asObject.action == .ok && asObject.info?.context == "step-3")
            let issued = try await flow.issue(ticket)
            #expect(issued.ticketInfo?.context == "step-3")
            // Used up by the issue: NOT_FOUND for both calls.
            guard case .ok(let gone) = try await flow.api.authorizationTicketGet(.init(path: .init(serviceId: flow.serviceId), body: .init(ticket: ticket)))
            else { throw UnexpectedOutput() }
            guard case .ok(let goneUpdate) = try await flow.api.authorizationTicketUpdate(
                .init(path: .init(serviceId: flow.serviceId), body: .init(ticket: ticket, info: .object([:]))))
            else { throw UnexpectedOutput() }
            #expect(gone.action == .notFound && goneUpdate.action == .notFound && gone.info == nil)
        }
    }

    @Test func serverInfoNeedsNoTokenAndSaysWhatTheServerDoes() async throws {
        try await TestServer.with { server in
            let answer = try await server.raw(.get, "/api/info")
            #expect(answer.status == 200)
            #expect(answer.body?["version"] == "3.0")
            #expect(answer.body?["configuration"]?["maxPageSize"] == "1000")
            guard case .array(let features) = answer.body?["features"] else { throw UnexpectedOutput() }
            #expect(features.contains("token_exchange") && features.contains("pkce"))
            // The API-token cache counts the lookups made so far.
            _ = try await server.raw(.get, "/api/service/get/list", token: TestServer.organizationToken)
            _ = try await server.raw(.get, "/api/service/get/list", token: TestServer.organizationToken)
            let later = try await server.raw(.get, "/api/info")
            guard case .integer(let hits) = later.body?["serviceTokenCache"]?["hitCount"] else { throw UnexpectedOutput() }
            #expect(hits >= 1)
        }
    }

    @Test func echoAnswersTheQueryBackToACallerWithAToken() async throws {
        try await TestServer.with { server in
            let api = server.client()
            guard case .ok(let echoed) = try await api.echo(.init(query: .init(parameters: ["a": "1", "name": "x y"]))) else {
                throw UnexpectedOutput()
            }
            #expect(echoed == ["a": "1", "name": "x y"])
            let raw = try await server.raw(.get, "/api/misc/echo?k=v&empty=", token: TestServer.organizationToken)
            #expect(raw.status == 200 && raw.body == ["k": "v", "empty": ""])
            #expect(try await server.raw(.get, "/api/misc/echo", token: TestServer.organizationToken).body == [:])
            #expect(try await server.raw(.get, "/api/misc/echo?k=1&k=2", token: TestServer.organizationToken).status == 400)
            #expect(try await server.raw(.get, "/api/misc/echo?k=v").status == 401)
        }
    }
}
