import Foundation
import SpecRuntime
import WarrantAPI
import WarrantStore

extension WarrantEngine {
    /// Authlete's introspection for resource servers: can this access token be used for this request?
    public func introspection(_ input: Operations.Introspection.Input) async throws -> Operations.Introspection.Output {
        let (_, record) = try await access.service(try serviceID(input.path.serviceId), input.credentials)
        let service = try apiService(from: record, result: nil)
        let body = input.body
        func refused(_ action: IntrospectionAction, _ error: String, _ result: ResultCode, scope: [String] = []) -> Operations.Introspection.Output {
            .ok(
                IntrospectionResponse(
                    resultCode: result.code, resultMessage: result.message, action: action,
                    responseContent: BearerChallenge.value(error, result, scope: scope), existent: false, usable: false, sufficient: false,
                    refreshable: false))
        }
        guard !body.token.isEmpty else { return refused(.badRequest, "invalid_request", .introspectionTokenMissing) }
        let token: PresentedAccessToken
        switch try await lookUpAccessToken(body.token, serviceApiKey: record.apiKey) {
        case .unknown: return refused(.unauthorized, "invalid_token", .tokenUnknown)
        case .revoked: return refused(.unauthorized, "invalid_token", .tokenRevoked)
        case .expired: return refused(.unauthorized, "invalid_token", .tokenExpired)
        case .live(let found): token = found
        }
        let details = token.details
        let scopes = Self.words(token.record.scopes)
        let (client, aliasUsed) = try await clientFacts(clientId: token.record.clientId, serviceApiKey: token.record.serviceApiKey, details: details)
        var refreshable = false
        if let hash = token.record.refreshTokenHash, let refresh = try await store.refreshToken(hash: hash) {
            refreshable = refresh.revokedAt == nil && refresh.rotatedAt == nil && refresh.expiresAt >= now()
        }
        var response = IntrospectionResponse(
            resultCode: ResultCode.tokenUsable.code, resultMessage: ResultCode.tokenUsable.message, action: .ok,
            clientId: token.record.clientId, clientIdAlias: client?.clientIdAlias, clientIdAliasUsed: aliasUsed,
            expiresAt: token.record.expiresAt, subject: token.record.subject, scopes: scopes, existent: true, usable: true, sufficient: true,
            refreshable: refreshable, properties: StoredProperty.list(details.properties),
            resources: details.resources.isEmpty ? nil : details.resources, accessTokenResources: details.tokenAudience,
            grantType: details.grantType.map { GrantType(rawValue: $0) }, acr: details.acr, authTime: details.authTime,
            consentedClaims: details.consentedClaims, serviceAttributes: service.attributes, clientAttributes: client?.attributes)

        // What the resource requires; the first shortfall decides the challenge.
        let shortfall: (ResultCode, String, [String])? = {
            if let required = body.scopes, !required.isEmpty, !Set(required).isSubset(of: scopes) {
                return (.tokenInsufficient, "insufficient_scope", required)
            }
            if let subject = body.subject, !subject.isEmpty, subject != token.record.subject {
                return (ResultCode(ResultCode.tokenInsufficient.code, "The access token was issued for another subject."), "insufficient_scope", [])
            }
            if let resources = body.resources, !resources.isEmpty, !Set(resources).isSubset(of: details.tokenAudience) {
                return (ResultCode(ResultCode.tokenInsufficient.code, "The access token is not meant for this resource."), "insufficient_scope", [])
            }
            if let acrs = body.acrValues, !acrs.isEmpty, !acrs.contains(details.acr ?? "") {
                return (ResultCode(ResultCode.tokenInsufficient.code, "The user's authentication does not meet the required acr."), "insufficient_scope", [])
            }
            if let maxAge = body.maxAge, maxAge > 0, (details.authTime ?? 0).saturatingAdding(maxAge) < now() / 1000 {
                return (ResultCode(ResultCode.tokenInsufficient.code, "The user authenticated too long ago."), "insufficient_scope", [])
            }
            return nil
        }()
        if let (result, error, scope) = shortfall {
            response.action = .forbidden
            response.resultCode = result.code
            response.resultMessage = result.message
            response.responseContent = BearerChallenge.value(error, result, scope: scope)
            response.sufficient = false
        }
        return .ok(response)
    }

    /// RFC 7662: the introspection endpoint's JSON, `{"active":false}` for anything not live.
    public func standardIntrospection(_ input: Operations.StandardIntrospection.Input) async throws -> Operations.StandardIntrospection.Output {
        let (_, record) = try await access.service(try serviceID(input.path.serviceId), input.credentials)
        let service = try apiService(from: record, result: nil)
        let form = try? FormEncoding.pairs(from: input.body.parameters)
        let tokens = (form ?? []).filter { $0.name == "token" }.map(\.value)
        guard tokens.count == 1, let value = tokens.first, !value.isEmpty else {
            let problem = form == nil ? "The parameters are malformed." : "The request must have exactly one token parameter."
            let error = OAuthError("invalid_request", problem, .standardIntrospectionInvalid)
            return .ok(
                StandardIntrospectionResponse(
                    resultCode: error.result.code, resultMessage: "[\(error.result.code)] \(error.description)", action: .badRequest,
                    responseContent: error.jsonBody(omitDescription: service.errorDescriptionOmitted == true)))
        }
        // The hint orders the search; it is not trusted to restrict it (RFC 7662 §2.1).
        let refreshFirst = form?.first { $0.name == "token_type_hint" }?.value == "refresh_token"
        var members: [String: JSONValue]?
        for kind in refreshFirst ? ["refresh", "access"] : ["access", "refresh"] where members == nil {
            members = kind == "access"
                ? try await activeAccessToken(value, service: service, serviceApiKey: record.apiKey, hidden: input.body.withHiddenProperties == true)
                : try await activeRefreshToken(value, service: service, serviceApiKey: record.apiKey)
        }
        let result: ResultCode = members == nil ? .tokenInactive : .tokenActive
        return .ok(
            StandardIntrospectionResponse(
                resultCode: result.code, resultMessage: result.message, action: .ok,
                responseContent: JSONValue.object(members ?? ["active": false]).serializedString))
    }

    private func activeAccessToken(_ value: String, service: Service, serviceApiKey: Int64, hidden: Bool) async throws -> [String: JSONValue]? {
        guard let token = try await lookUpAccessToken(value, serviceApiKey: serviceApiKey).live else { return nil }
        var members = Self.introspectionMembers(
            scopes: token.record.scopes, details: token.details, subject: token.record.subject, issuedAt: token.record.createdAt,
            expiresAt: token.record.expiresAt, service: service)
        members["token_type"] = "Bearer"
        members["jti"] = .string(token.record.hash)
        for property in token.details.properties ?? [] where (hidden || !property.hidden) && members[property.key] == nil {
            members[property.key] = .string(property.value)
        }
        return members
    }

    private func activeRefreshToken(_ value: String, service: Service, serviceApiKey: Int64) async throws -> [String: JSONValue]? {
        guard let refresh = try await lookUpRefreshToken(value, serviceApiKey: serviceApiKey).live,
            let grant = try await store.grant(id: refresh.grantId)
        else { return nil }
        return Self.introspectionMembers(
            scopes: refresh.scopes, details: try Self.details(grant.payload), subject: refresh.subject, issuedAt: refresh.createdAt,
            expiresAt: refresh.expiresAt, service: service)
    }

    private static func introspectionMembers(
        scopes: String, details: GrantDetails, subject: String?, issuedAt: Int64, expiresAt: Int64, service: Service
    ) -> [String: JSONValue] {
        var members: [String: JSONValue] = [
            "active": true, "client_id": .string(details.clientIdentifier), "exp": .integer(expiresAt / 1000),
            "iat": .integer(issuedAt / 1000), "nbf": .integer(issuedAt / 1000),
        ]
        if !scopes.isEmpty { members["scope"] = .string(scopes) }
        if let subject {
            members["sub"] = .string(details.sub ?? subject)
            members["username"] = .string(preferredUsername(details) ?? subject)
        }
        let audience = details.tokenAudience
        members["aud"] = audience.count == 1 ? .string(audience[0]) : .array(audience.map(JSONValue.string))
        if let issuer = service.issuer { members["iss"] = .string(issuer.absoluteString) }
        if let act = details.act { members["act"] = act }
        return members
    }

    private static func preferredUsername(_ details: GrantDetails) -> String? {
        guard let claims = details.claims, case .object(let members)? = try? JSONValue(parsing: claims) else { return nil }
        return members["preferred_username"]?.stringValue
    }

    static func words(_ text: String) -> [String] {
        text.split(separator: " ").map(String.init)
    }
}
