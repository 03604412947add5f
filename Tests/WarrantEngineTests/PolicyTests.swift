import Foundation
import Testing
import WarrantAPI
import WarrantStore

@testable import WarrantEngine

/// Policies are built once from the stored documents: defaults and bounds are applied there, and a cached
/// policy serves only the version it was built from.
@Suite struct PolicyTests {
    static func record(_ service: Service, modifiedAt: Int64 = 1) -> ServiceRecord {
        ServiceRecord(apiKey: 7, organizationId: 1, document: service.jsonValue.serializedString, createdAt: 1, modifiedAt: modifiedAt)
    }

    @Test func zeroAndOversizedSettingsBecomeTheDefaultAndTheBound() throws {
        var service = Service(serviceName: "S", issuer: URL(string: "https://as.example.com")!)
        service.accessTokenDuration = 0
        service.refreshTokenDuration = Int64.max
        service.authorizationCodeDuration = -5
        service.supportedScopes = [Scope(name: "openid", defaultEntry: true), Scope(name: "read")]
        service.accessTokenSignAlg = .es256
        let policy = ServicePolicy(service, apiKey: 7)
        #expect(policy.accessTokenDuration == ServiceMetadata.defaultAccessTokenDuration)
        #expect(policy.refreshTokenDuration == Bounds.maximumDuration)
        #expect(policy.authorizationCodeDuration == ServiceMetadata.defaultAuthorizationCodeDuration)
        #expect(policy.defaultScopes == ["openid"])
        #expect(policy.scopeNames == ["openid", "read"])
        #expect(policy.accessTokenFormat == .jwt(.ES256))
        #expect(policy.tokenEndpointAudiences == ["https://as.example.com"])
        #expect(policy.responseIssuer == "https://as.example.com")
    }

    @Test func anAlgorithmStoredBeforeChecksIsKeptAsUnsupportedNotReplaced() {
        var service = Service(serviceName: "S", issuer: URL(string: "https://as.example.com")!)
        service.accessTokenSignAlg = .hs256
        #expect(ServicePolicy(service, apiKey: 7).accessTokenFormat == .unsupported("HS256"))
        var client = OAuthClient(clientName: "C")
        client.idTokenSignAlg = .hs256
        let record = ClientRecord(clientId: 3, serviceApiKey: 7, alias: nil, developer: nil, secretHash: nil, document: "{}", createdAt: 1, modifiedAt: 1)
        #expect(throws: SigningAlgorithm.Unsupported.self) { try ClientPolicy(client, record: record).idTokenAlgorithm.get() }
    }

    @Test func aClientsOwnLimitsComeBeforeTheServices() {
        var client = OAuthClient(clientIdAlias: "app", clientName: "C")
        client.extension = ClientExtension(requestableScopesEnabled: true, requestableScopes: ["read"], accessTokenDuration: 90, idTokenDuration: 0)
        let record = ClientRecord(clientId: 3, serviceApiKey: 7, alias: "app", developer: nil, secretHash: "h", document: "{}", createdAt: 1, modifiedAt: 1)
        let policy = ClientPolicy(client, record: record)
        #expect(policy.mayRequest("read") && !policy.mayRequest("openid"))
        #expect(policy.accessTokenDuration == 90)
        #expect(policy.idTokenDuration == nil)
        #expect(policy.names == ["3", "app"])
        #expect(policy.identifier(aliasUsed: true) == "app" && policy.identifier(aliasUsed: false) == "3")
        #expect(policy.tokenAuthMethod == .clientSecretBasic)
        let service = ServicePolicy(Service(serviceName: "S", issuer: URL(string: "https://as.example.com")!), apiKey: 7)
        #expect(service.idTokenLifetime(for: policy) == service.idTokenDuration)
    }

    @Test func aCachedPolicyServesOnlyTheVersionItWasBuiltFrom() throws {
        let cache = PolicyCache()
        var service = Service(serviceName: "S", issuer: URL(string: "https://as.example.com")!)
        service.accessTokenDuration = 60
        let first = try cache.service(Self.record(service))
        #expect(first.accessTokenDuration == 60)
        #expect(first.document.apiKey == 7)
        service.accessTokenDuration = 120
        // A new document at the same modification time (two writes within a millisecond) is built anew too.
        #expect(try cache.service(Self.record(service)).accessTokenDuration == 120)
        #expect(try cache.service(Self.record(service, modifiedAt: 2)).accessTokenDuration == 120)
        // A client whose secret changed is a new version: its policy carries the new hash.
        var record = ClientRecord(clientId: 3, serviceApiKey: 7, alias: nil, developer: nil, secretHash: "old", document: "{}", createdAt: 1, modifiedAt: 1)
        #expect(try cache.client(record).secretHash == "old")
        record.secretHash = "new"
        #expect(try cache.client(record).secretHash == "new")
    }

    @Test func aBoundedCacheStartsOverWhenANewKeyWouldPassItsLimit() {
        var cache = BoundedCache<Int, String>(limit: 2)
        cache[1] = "a"
        cache[2] = "b"
        cache[2] = "b2"
        #expect(cache.count == 2)
        cache[3] = "c"
        #expect(cache.count == 1)
        #expect(cache[3] == "c" && cache[1] == nil)
        cache[3] = nil
        #expect(cache.count == 0)
    }
}
