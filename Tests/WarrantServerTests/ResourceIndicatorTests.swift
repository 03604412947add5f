import Foundation
import JWTKit
import SpecRuntime
import Testing
import WarrantClient

/// Resource indicators (RFC 8707): the authorization names the resources, and each token request may narrow
/// its access token's audience to some of them, never add one.
@Suite(.serialized) struct ResourceIndicatorTests {
    static let photos = "https://photos.example.com/"
    static let calendar = "https://calendar.example.com/"

    static func audience(_ flow: TokenFlowTests.Flow, _ response: TokenResponse) async throws -> JSONValue? {
        let token = try #require(response.jwtAccessToken)
        return try await flow.jwks().verify(token, as: RequestObjectTests.Claims.self).members["aud"]
    }

    @Test func tokenRequestsNarrowTheAudienceToResourcesTheAuthorizationNamed() async throws {
        try await TokenFlowTests.withFlow(configure: { $0.accessTokenSignAlg = .es256 }) { flow in
            let both = "&resource=\(FormEncoding.escape(Self.photos))&resource=\(FormEncoding.escape(Self.calendar))"
            let code = try await flow.code(both)
            let base = "grant_type=authorization_code&code=\(code)&redirect_uri=\(FormEncoding.escape(flow.redirect))"
            let narrowed = try await flow.token(base + "&resource=\(FormEncoding.escape(Self.photos))", clientId: flow.clientId, secret: flow.secret)
            #expect(narrowed.action == .ok)
            #expect(narrowed.resources == [Self.photos])
            #expect(narrowed.accessTokenResources == [Self.photos])
            #expect(try await Self.audience(flow, narrowed) == .string(Self.photos))

            // The resource server of the other resource finds the token is not for it.
            guard case .ok(let elsewhere) = try await flow.api.introspection(
                .init(path: .init(serviceId: flow.serviceId), body: .init(token: try #require(narrowed.accessToken), resources: [Self.calendar])))
            else { throw UnexpectedOutput() }
            #expect(elsewhere.action == .forbidden)

            // A refresh may pick another of the granted resources, or all of them by naming none.
            let refresh = "grant_type=refresh_token&refresh_token=\(try #require(narrowed.refreshToken))"
            let calendar = try await flow.token(refresh + "&resource=\(FormEncoding.escape(Self.calendar))", clientId: flow.clientId, secret: flow.secret)
            #expect(calendar.action == .ok)
            #expect(try await Self.audience(flow, calendar) == .string(Self.calendar))
            let all = try await flow.token("grant_type=refresh_token&refresh_token=\(try #require(calendar.refreshToken))", clientId: flow.clientId, secret: flow.secret)
            #expect(try await Self.audience(flow, all) == .array([.string(Self.photos), .string(Self.calendar)]))

            // Never one the authorization did not name, nor one that is no absolute URI.
            for resource in ["https://bank.example.com/", "relative/path", "https://photos.example.com/#frag"] {
                let refused = try await flow.token(
                    "grant_type=refresh_token&refresh_token=\(try #require(all.refreshToken))&resource=\(FormEncoding.escape(resource))",
                    clientId: flow.clientId, secret: flow.secret)
                #expect(refused.action == .badRequest, "\(resource)")
                #expect(try TokenFlowTests.body(refused)["error"] == "invalid_target", "\(resource)")
            }
            // A code whose authorization named none gets no resource at the token endpoint.
            let plain = try await flow.code()
            let added = try await flow.token(
                "grant_type=authorization_code&code=\(plain)&redirect_uri=\(FormEncoding.escape(flow.redirect))&resource=\(FormEncoding.escape(Self.photos))",
                clientId: flow.clientId, secret: flow.secret)
            #expect(try TokenFlowTests.body(added)["error"] == "invalid_target")
        }
    }

    @Test func clientCredentialsNameTheirOwnResources() async throws {
        try await TokenFlowTests.withFlow(configure: { $0.accessTokenSignAlg = .es256 }) { flow in
            let response = try await flow.token(
                "grant_type=client_credentials&resource=\(FormEncoding.escape(Self.photos))", clientId: flow.clientId, secret: flow.secret)
            #expect(response.action == .ok)
            #expect(try await Self.audience(flow, response) == .string(Self.photos))
        }
    }
}
