import Foundation
import SpecRuntime
import Testing
import WarrantClient

/// The whole Service and Client objects of Authlete's contract: settings of features warrant does not have
/// yet are stored and returned, those that ask for such a feature are refused, all problems at once.
@Suite(.serialized) struct FullSettingsTests {
    @Test func parametersOfFeaturesToComeAreStoredAndReturned() async throws {
        try await TestServer.with { server in
            let api = server.client()
            var service = Service(serviceName: "Full", issuer: URL(string: "https://as.example.com")!)
            service.pushedAuthReqDuration = 90
            service.deviceFlowCodeDuration = 600
            service.userCodeCharset = .base20
            service.supportedTrustFrameworks = ["de_aml", "eidas"]
            service.trustAnchors = [TrustAnchor(entityId: "https://ta.example.com")]
            service.supportedBackchannelTokenDeliveryModes = [.poll, .ping]
            service.policyUri = URL(string: "https://as.example.com/policy")
            service.tosUri = URL(string: "https://as.example.com/tos")
            service.hsks = [Hsk(kid: "made-up")]
            let created = try await api.createService(service)
            let apiKey = try #require(created.apiKey)
            guard case .ok(let read) = try await api.serviceGet(.init(path: .init(serviceId: apiKey))) else { throw UnexpectedOutput() }
            #expect(read.pushedAuthReqDuration == 90 && read.deviceFlowCodeDuration == 600 && read.userCodeCharset == .base20)
            #expect(read.supportedTrustFrameworks == ["de_aml", "eidas"])
            #expect(read.trustAnchors == [TrustAnchor(entityId: "https://ta.example.com")])
            #expect(read.supportedBackchannelTokenDeliveryModes == [.poll, .ping])
            // The HSM key list is not the caller's to set.
            #expect(read.hsks == nil)
            // The policy and terms pages are published.
            guard case .ok(let document) = try await api.serviceConfiguration(.init(path: .init(serviceId: apiKey))) else {
                throw UnexpectedOutput()
            }
            #expect(document["op_policy_uri"] == "https://as.example.com/policy")
            #expect(document["op_tos_uri"] == "https://as.example.com/tos")

            var client = OAuthClient(clientName: "Full", redirectUris: ["https://app.example.com/cb"])
            client.clientNames = [TaggedValue(tag: "fr", value: "Complet")]
            client.softwareId = "4NRB1-0XZABZI9E6-5SM3R"
            client.requestSignAlg = .es256
            client.bcDeliveryMode = "poll"
            // Facts warrant states itself: a caller cannot claim them.
            client.clientSource = .dynamicRegistration
            client.dynamicallyRegistered = true
            client.registrationAccessTokenHash = "forged"
            guard case .created(let registered) = try await api.clientCreate(.init(path: .init(serviceId: apiKey), body: client)) else {
                throw UnexpectedOutput()
            }
            #expect(registered.clientNames == [TaggedValue(tag: "fr", value: "Complet")])
            #expect(registered.softwareId == "4NRB1-0XZABZI9E6-5SM3R" && registered.requestSignAlg == .es256 && registered.bcDeliveryMode == "poll")
            #expect(registered.clientSource == .staticRegistration)
            #expect(registered.dynamicallyRegistered == nil && registered.registrationAccessTokenHash == nil)
        }
    }

    @Test func settingsThatAskForMissingFeaturesAreRefusedAllAtOnce() async throws {
        try await TestServer.with { server in
            let api = server.client()
            var service = Service(serviceName: "Asking", issuer: URL(string: "https://as.example.com")!)
            service.tokenExpirationLinked = true
            service.grantManagementEndpoint = URL(string: "https://as.example.com/gm")
            service.fapiModes = [.fapi2Security]
            service.allowableClockSkew = 30
            service.federationEnabled = true
            service.idTokenSignatureKeyId = "k1"
            guard case .badRequest(let refused) = try await api.serviceCreate(.init(body: service)) else { throw UnexpectedOutput() }
            #expect(
                Set(refused.fieldViolations?.map(\.path) ?? []) == [
                    "/tokenExpirationLinked", "/grantManagementEndpoint", "/fapiModes", "/allowableClockSkew", "/federationEnabled",
                    "/idTokenSignatureKeyId",
                ])
            // The defaults an SDK sends for every member are accepted.
            service.tokenExpirationLinked = false
            service.grantManagementEndpoint = nil
            service.fapiModes = []
            service.allowableClockSkew = 0
            service.federationEnabled = false
            service.idTokenSignatureKeyId = nil
            let apiKey = try #require(try await api.createService(service).apiKey)

            var client = OAuthClient(redirectUris: ["https://app.example.com/cb"])
            client.idTokenEncryptionAlg = .rsaOaep256
            client.authorizationEncryptionAlg = .rsaOaep256
            client.fapiModes = [.fapi1Advanced]
            guard case .badRequest(let clientRefused) = try await api.clientCreate(.init(path: .init(serviceId: apiKey), body: client)) else {
                throw UnexpectedOutput()
            }
            #expect(Set(clientRefused.fieldViolations?.map(\.path) ?? []) == ["/idTokenEncryptionAlg", "/authorizationEncryptionAlg", "/fapiModes", "/fapiModes/0"])
        }
    }

    @Test func aClientsResponseModesLimitItsAuthorizationRequests() async throws {
        try await TokenFlowTests.withFlow { flow in
            var client = OAuthClient(clientName: "Query only", redirectUris: [flow.redirect])
            client.responseModes = [.query]
            guard case .created(let registered) = try await flow.api.clientCreate(.init(path: .init(serviceId: Int64(flow.serviceId)!), body: client))
            else { throw UnexpectedOutput() }
            let base = "response_type=code&client_id=\(registered.clientId ?? 0)&redirect_uri=\(FormEncoding.escape(flow.redirect))&scope=openid"
            guard case .ok(let allowed) = try await flow.api.authorization(.init(path: .init(serviceId: flow.serviceId), body: .init(parameters: base)))
            else { throw UnexpectedOutput() }
            #expect(allowed.action == .interaction)
            guard case .ok(let refused) = try await flow.api.authorization(
                .init(path: .init(serviceId: flow.serviceId), body: .init(parameters: base + "&response_mode=form_post")))
            else { throw UnexpectedOutput() }
            #expect(refused.action == .form)
            #expect(refused.responseContent?.contains("unauthorized_client") == true)
        }
    }
}
