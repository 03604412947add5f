import Foundation
import JWTKit
import SpecRuntime
import Testing
import WarrantClient

/// Rich authorization requests (RFC 9396): authorization_details checked at the authorization endpoint,
/// granted (or replaced) at /auth/authorization/issue, and carried by every token made from the grant.
@Suite(.serialized) struct RichAuthorizationTests {
    static let payment: JSONValue = [
        "type": "payment_initiation", "actions": ["initiate"], "locations": ["https://bank.example.com/payments"],
        "instructedAmount": ["currency": "EUR", "amount": "123.50"],
    ]
    static let accounts: JSONValue = ["type": "account_information", "actions": ["read"], "identifier": "acc-1"]

    static func withFlow(_ body: @Sendable (TokenFlowTests.Flow) async throws -> Void) async throws {
        try await TokenFlowTests.withFlow(configure: {
            $0.accessTokenSignAlg = .es256
            $0.supportedAuthorizationDetailsTypes = ["payment_initiation", "account_information"]
        }, body)
    }

    static func parameter(_ elements: [JSONValue]) -> String { "&authorization_details=" + FormEncoding.escape(JSONValue.array(elements).serializedString) }

    static func authorize(_ flow: TokenFlowTests.Flow, _ extra: String) async throws -> AuthorizationResponse {
        try await PushedAuthorizationTests.authorize(
            flow, "response_type=code&client_id=\(flow.clientId)&redirect_uri=\(FormEncoding.escape(flow.redirect))&scope=openid&state=s" + extra)
    }

    @Test func detailsTravelFromTheRequestIntoEveryToken() async throws {
        try await Self.withFlow { flow in
            let authorization = try await Self.authorize(flow, Self.parameter([Self.payment, Self.accounts]))
            #expect(authorization.action == .interaction)
            #expect(authorization.authorizationDetails?.elements == [Self.payment, Self.accounts])
            let ticket = try #require(authorization.ticket)
            let code = try #require(try await flow.issue(ticket).authorizationCode)
            let tokens = try await flow.redeem(code)
            #expect(tokens.action == .ok)
            #expect(tokens.authorizationDetails?.elements == [Self.payment, Self.accounts])
            #expect(try TokenFlowTests.body(tokens)["authorization_details"] == .array([Self.payment, Self.accounts]))
            let jwt = try #require(tokens.jwtAccessToken)
            let claims = try await flow.jwks().verify(jwt, as: RequestObjectTests.Claims.self).members
            #expect(claims["authorization_details"] == .array([Self.payment, Self.accounts]))
            guard case .ok(let introspected) = try await flow.api.introspection(.init(path: .init(serviceId: flow.serviceId), body: .init(token: jwt)))
            else { throw UnexpectedOutput() }
            #expect(introspected.authorizationDetails?.elements == [Self.payment, Self.accounts])
            guard case .ok(let standard) = try await flow.api.standardIntrospection(
                .init(path: .init(serviceId: flow.serviceId), body: .init(parameters: "token=\(jwt)")))
            else { throw UnexpectedOutput() }
            #expect(try JSONValue(parsing: try #require(standard.responseContent))["authorization_details"] == .array([Self.payment, Self.accounts]))

            // A refresh may ask for some of the details (RFC 9396 §6.2), never for others.
            let refresh = "grant_type=refresh_token&refresh_token=\(try #require(tokens.refreshToken))"
            let narrowed = try await flow.token(refresh + Self.parameter([Self.accounts]), clientId: flow.clientId, secret: flow.secret)
            #expect(narrowed.action == .ok)
            #expect(narrowed.authorizationDetails?.elements == [Self.accounts])
            let more: JSONValue = ["type": "account_information", "actions": ["read", "write"], "identifier": "acc-1"]
            let widened = try await flow.token(
                "grant_type=refresh_token&refresh_token=\(try #require(narrowed.refreshToken))" + Self.parameter([more]),
                clientId: flow.clientId, secret: flow.secret)
            #expect(try TokenFlowTests.body(widened)["error"] == "invalid_authorization_details")
            let repeated = try await flow.token(
                "grant_type=refresh_token&refresh_token=\(try #require(narrowed.refreshToken))" + Self.parameter([Self.accounts, Self.accounts]),
                clientId: flow.clientId, secret: flow.secret)
            #expect(try TokenFlowTests.body(repeated)["error"] == "invalid_authorization_details")
            // Naming none gives the whole grant back.
            let whole = try await flow.token("grant_type=refresh_token&refresh_token=\(try #require(narrowed.refreshToken))", clientId: flow.clientId, secret: flow.secret)
            #expect(whole.authorizationDetails?.elements == [Self.payment, Self.accounts])
        }
    }

    @Test func detailsTheServiceOrClientDoesNotAcceptAreRefused() async throws {
        try await Self.withFlow { flow in
            let cases: [(String, String)] = [
                ("an unknown type", Self.parameter([["type": "wire_transfer"]])),
                ("no type", Self.parameter([["actions": ["read"]]])),
                ("not an array", "&authorization_details=" + FormEncoding.escape(#"{"type":"payment_initiation"}"#)),
                ("not JSON", "&authorization_details=%7B"),
                ("an element that is no object", Self.parameter(["payment_initiation"])),
                ("actions that are no strings", Self.parameter([["type": "payment_initiation", "actions": [1]]])),
                ("an identifier that is no string", Self.parameter([["type": "account_information", "identifier": 7]])),
            ]
            for (name, extra) in cases {
                let response = try await Self.authorize(flow, extra)
                #expect(response.action == .location, "\(name)")
                #expect(try AuthorizationTests.parameters(of: try #require(response.responseContent))["error"] == "invalid_authorization_details", "\(name)")
                #expect(response.ticket == nil, "\(name)")
            }
            // A client limited to some types.
            guard case .ok(var client) = try await flow.api.clientGet(.init(path: .init(serviceId: Int64(flow.serviceId)!, clientId: flow.clientId))) else {
                throw UnexpectedOutput()
            }
            client.authorizationDetailsTypes = ["account_information"]
            guard case .ok = try await flow.api.clientUpdate(.init(path: .init(serviceId: Int64(flow.serviceId)!, clientId: flow.clientId), body: client))
            else { throw UnexpectedOutput() }
            #expect(try await Self.authorize(flow, Self.parameter([Self.payment])).ticket == nil)
            #expect(try await Self.authorize(flow, Self.parameter([Self.accounts])).ticket != nil)
        }
        // A service that lists no types takes no details.
        try await TokenFlowTests.withFlow { flow in
            let response = try await Self.authorize(flow, Self.parameter([Self.payment]))
            #expect(try AuthorizationTests.parameters(of: try #require(response.responseContent))["error"] == "invalid_authorization_details")
        }
    }

    @Test func theUserMayGrantLessAndTheTicketSurvivesAMistake() async throws {
        try await Self.withFlow { flow in
            let ticket = try #require(try await Self.authorize(flow, Self.parameter([Self.payment, Self.accounts])).ticket)
            func issue(_ elements: [JSONValue]) async throws -> AuthorizationIssueResponse {
                guard case .ok(let response) = try await flow.api.authorizationIssue(
                    .init(
                        path: .init(serviceId: flow.serviceId),
                        body: .init(ticket: ticket, subject: "alice", authorizationDetails: AuthorizationDetails(elements: elements))))
                else { throw UnexpectedOutput() }
                return response
            }
            let mistake = try await issue([["type": "wire_transfer"]])
            #expect(mistake.action == .badRequest)
            #expect(mistake.resultCode == "A040204")
            let granted = try await issue([Self.accounts])
            #expect(granted.action == .location)
            let tokens = try await flow.redeem(try #require(granted.authorizationCode))
            #expect(tokens.authorizationDetails?.elements == [Self.accounts])
        }
    }

    @Test func tokenManagementSetsAndChangesDetails() async throws {
        try await Self.withFlow { flow in
            guard case .ok(let created) = try await flow.api.tokenCreate(
                .init(
                    path: .init(serviceId: flow.serviceId),
                    body: .init(
                        grantType: .clientCredentials, clientId: flow.client.clientId, authorizationDetails: AuthorizationDetails(elements: [Self.payment]))))
            else { throw UnexpectedOutput() }
            #expect(created.action == .ok)
            #expect(created.authorizationDetails?.elements == [Self.payment])
            let token = try #require(created.accessToken)
            guard case .ok(let updated) = try await flow.api.tokenUpdate(
                .init(path: .init(serviceId: flow.serviceId), body: .init(accessToken: token, authorizationDetails: AuthorizationDetails(elements: [Self.accounts]))))
            else { throw UnexpectedOutput() }
            #expect(updated.authorizationDetails?.elements == [Self.accounts])
            guard case .ok(let refused) = try await flow.api.tokenCreate(
                .init(
                    path: .init(serviceId: flow.serviceId),
                    body: .init(grantType: .clientCredentials, clientId: flow.client.clientId, authorizationDetails: AuthorizationDetails(elements: [["type": "x"]]))))
            else { throw UnexpectedOutput() }
            #expect(refused.action == .badRequest)
            // The client credentials grant takes its own details.
            let own = try await flow.token("grant_type=client_credentials" + Self.parameter([Self.accounts]), clientId: flow.clientId, secret: flow.secret)
            #expect(own.authorizationDetails?.elements == [Self.accounts])
        }
    }
}
