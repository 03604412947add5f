import Foundation
import SpecRuntime
import WarrantAPI
import WarrantStore

/// The device authorization grant (RFC 8628): /device/authorization gives a device its codes,
/// /device/verification and /device/complete serve the page where the user enters the user code and
/// decides; the device's polls are ``DecoupledGrant`` at the token endpoint.
extension WarrantEngine {
    public func deviceAuthorization(_ input: Operations.DeviceAuthorization.Input) async throws -> Operations.DeviceAuthorization.Output {
        let service = try await servicePolicy(input.path.serviceId, input.credentials)
        // The client, once authenticated, for the refusals after that.
        var identified: ClientAuthenticator.Authenticated?
        func refuse(_ error: OAuthError, _ action: DeviceAuthorizationAction = .badRequest) -> Operations.DeviceAuthorization.Output {
            let result: ResultCode = action == .unauthorized ? .deviceAuthorizationUnauthorized : .deviceAuthorizationInvalid
            return .ok(
                DeviceAuthorizationResponse(
                    resultCode: result.code, resultMessage: "[\(result.code)] \(error.description)", action: action,
                    responseContent: OAuthError(error.error, error.description, result).jsonBody(omitDescription: service.omitsErrorDescriptions),
                    clientId: identified?.client.clientId, clientIdAlias: identified?.client.alias, clientIdAliasUsed: identified?.aliasUsed,
                    clientName: identified?.client.document.clientName, clientAuthMethod: identified?.client.tokenAuthMethod))
        }
        let call: ClientCall
        switch try await authenticatedCall(
            input.body.parameters, clientId: input.body.clientId, clientSecret: input.body.clientSecret, certificate: input.body.clientCertificate,
            path: input.body.clientCertificatePath, audiences: [service.document.deviceAuthorizationEndpoint?.absoluteString].compactMap { $0 },
            service: service)
        {
        case .failure(let refusal): return refuse(refusal.error, refusal.unauthorized ? .unauthorized : .badRequest)
        case .success(let authenticated): call = authenticated
        }
        let (pairs, form, client) = (call.pairs, call.form, call.client)
        identified = client
        guard service.grantTypes.contains(.deviceCode), let verificationUri = service.device.verificationUri else {
            return refuse(.unauthorizedClient("The service does not support the device authorization grant."))
        }
        guard client.client.grantTypes.contains(.deviceCode) else {
            return refuse(.unauthorizedClient("The client may not use the device authorization grant."))
        }
        var request = DecoupledAuthorization.Request(clientIdAliasUsed: client.aliasUsed, scopes: [], acrs: [], resources: [], authorizationDetails: nil)
        // Without scope, the service's defaults.
        let warnings = request.take(
            scopes: form["scope"] ?? service.defaultScopes.joined(separator: " "), acrValues: form["acr_values"], service: service, client: client.client)
        if request.scopes.isEmpty, service.scopeRequired { return refuse(.invalidScope("The request has no scope the client may use.")) }
        request.resources = pairs.filter { $0.name == "resource" }.map(\.value)
        if let bad = request.resources.first(where: { !URLRules.isResourceIndicator($0) }) {
            return refuse(OAuthError("invalid_target", "resource '\(bad)' must be an absolute URI without a fragment."))
        }
        if let text = form["authorization_details"] {
            switch RichAuthorization.parse(text, service: service, client: client.client) {
            case .failure(let error): return refuse(error)
            case .success(let elements): request.authorizationDetails = JSONValue.array(elements).serializedString
            }
        }

        let deviceCode = Secrets.token()
        let policy = service.device
        let time = now()
        var userCode = ""
        // A user code the service has already (live or not yet purged) is drawn again.
        for attempt in 1...4 {
            userCode = policy.userCodes.make()
            do {
                try await store.insertDecoupledAuthorization(
                    DecoupledAuthorizationRecord(
                        hash: Secrets.hash(deviceCode), kind: .device, lookupHash: Secrets.hash(userCode), serviceApiKey: service.apiKey,
                        clientId: client.client.clientId, payload: try DecoupledAuthorization(request: request).json(), interval: policy.interval,
                        createdAt: time, expiresAt: Bounds.expiry(from: time, seconds: policy.codeDuration)))
                break
            } catch StoreError.duplicate where attempt < 4 {
                continue
            }
        }
        let complete = policy.verificationUriComplete.map { $0.replacingOccurrences(of: UserCodes.placeholder, with: userCode) }
        var content: [String: JSONValue] = [
            "device_code": .string(deviceCode), "user_code": .string(userCode), "verification_uri": .string(verificationUri.absoluteString),
            "expires_in": .integer(policy.codeDuration), "interval": .integer(policy.interval),
        ]
        if let complete { content["verification_uri_complete"] = .string(complete) }
        let result = ResultCode.deviceAuthorizationIssued
        return .ok(
            DeviceAuthorizationResponse(
                resultCode: result.code, resultMessage: result.message, action: .ok, responseContent: JSONValue.object(content).serializedString,
                clientId: client.client.clientId, clientIdAlias: client.client.alias, clientIdAliasUsed: client.aliasUsed,
                clientName: client.client.document.clientName, clientAuthMethod: client.client.tokenAuthMethod,
                scopes: request.scopes.map(service.scope(named:)), claimNames: Self.claimNames(scopes: request.scopes),
                acrs: request.acrs.isEmpty ? nil : request.acrs, resources: request.resources.isEmpty ? nil : request.resources,
                authorizationDetails: RichAuthorization.wire(request.authorizationDetails.flatMap { try? JSONValue(parsing: $0) }?.arrayValue),
                deviceCode: deviceCode, userCode: userCode, verificationUri: verificationUri, verificationUriComplete: complete.flatMap(URL.init(string:)),
                expiresIn: Int32(clamping: policy.codeDuration), interval: Int32(clamping: policy.interval),
                warnings: warnings.isEmpty ? nil : warnings,
                serviceAttributes: service.document.attributes, clientAttributes: client.client.document.attributes))
    }

    public func deviceVerification(_ input: Operations.DeviceVerification.Input) async throws -> Operations.DeviceVerification.Output {
        let service = try await servicePolicy(input.path.serviceId, input.credentials)
        func answer(_ action: DeviceVerificationAction, _ result: ResultCode, expiresAt: Int64? = nil) -> Operations.DeviceVerification.Output {
            .ok(DeviceVerificationResponse(resultCode: result.code, resultMessage: result.message, action: action, expiresAt: expiresAt))
        }
        switch try await userCodeRecord(input.body.userCode, service: service) {
        case .unknown: return answer(.notExist, .userCodeUnknown)
        case .expired(let record): return answer(.expired, .userCodeExpired, expiresAt: record.expiresAt)
        case .pending(let record, let stored):
            guard let client = try await clients.client(id: record.clientId, serviceApiKey: service.apiKey) else {
                return answer(.notExist, .userCodeUnknown)
            }
            let request = stored.request
            let result = ResultCode.userCodeValid
            return .ok(
                DeviceVerificationResponse(
                    resultCode: result.code, resultMessage: result.message, action: .valid, clientId: client.clientId, clientIdAlias: client.alias,
                    clientIdAliasUsed: request.clientIdAliasUsed, clientName: client.document.clientName,
                    scopes: request.scopes.map(service.scope(named:)), claimNames: Self.claimNames(scopes: request.scopes),
                    acrs: request.acrs.isEmpty ? nil : request.acrs, resources: request.resources.isEmpty ? nil : request.resources,
                    authorizationDetails: RichAuthorization.wire(request.authorizationDetails.flatMap { try? JSONValue(parsing: $0) }?.arrayValue),
                    expiresAt: record.expiresAt, serviceAttributes: service.document.attributes, clientAttributes: client.document.attributes))
        }
    }

    public func deviceComplete(_ input: Operations.DeviceComplete.Input) async throws -> Operations.DeviceComplete.Output {
        let service = try await servicePolicy(input.path.serviceId, input.credentials)
        let body = input.body
        func answer(_ action: DeviceCompleteAction, _ result: ResultCode, _ detail: String? = nil) -> Operations.DeviceComplete.Output {
            .ok(DeviceCompleteResponse(resultCode: result.code, resultMessage: detail.map { "[\(result.code)] \($0)" } ?? result.message, action: action))
        }
        let record: DecoupledAuthorizationRecord
        var stored: DecoupledAuthorization
        switch try await userCodeRecord(body.userCode, service: service) {
        case .unknown: return answer(.userCodeNotExist, .userCodeUnknown)
        case .expired: return answer(.userCodeExpired, .userCodeExpired)
        case .pending(let pending, let payload): (record, stored) = (pending, payload)
        }
        guard let client = try await clients.client(id: record.clientId, serviceApiKey: service.apiKey) else {
            return answer(.userCodeNotExist, .userCodeUnknown)
        }
        let state: DecoupledAuthorizationRecord.State
        switch DecoupledAuthorization.decided(body, request: stored.request, client: client, service: service) {
        case .failure(let problem): return answer(.invalidRequest, .deviceDecisionInvalid, problem.text)
        case .success(let (decided, decision)): (state, stored.decision) = (decided, decision)
        }
        // Decided once: of two decisions at once, the statement that finds the record pending takes it.
        guard
            try await store.decideDecoupledAuthorization(
                lookupHash: record.lookupHash, kind: .device, serviceApiKey: service.apiKey, state: state, payload: try stored.json(), now: now())
        else { return answer(.userCodeNotExist, .userCodeUnknown) }
        return answer(.success, .deviceDecisionRecorded)
    }

    enum UserCodeLookup {
        case unknown
        case expired(DecoupledAuthorizationRecord)
        case pending(DecoupledAuthorizationRecord, DecoupledAuthorization)
    }

    /// The pending record of a user code as the user typed it. Codes that do not exist count towards the
    /// service's limit (RFC 8628 §5.1); past it, every lookup of the service on this node is refused with 429
    /// for the rest of the minute.
    func userCodeRecord(_ typed: String, service: ServicePolicy) async throws -> UserCodeLookup {
        let time = now()
        if let wait = wrongUserCodes.admit(service: service.apiKey, now: time) {
            throw APIFailure(429, ResultCode(ResultCode.userCodesGuessed.code, "Too many wrong user codes for this service; retry in \((wait + 999) / 1000) s."))
        }
        guard let code = service.device.userCodes.normalized(typed),
            let record = try await store.decoupledAuthorization(lookupHash: Secrets.hash(code), kind: .device, serviceApiKey: service.apiKey)
        else { return .unknown }
        // A real code, even one decided already, is not a guess.
        wrongUserCodes.found(service: service.apiKey, now: time)
        guard record.state == .pending else { return .unknown }
        guard record.expiresAt >= time else { return .expired(record) }
        return .pending(record, try DecoupledAuthorization.decoded(record.payload))
    }

    /// The claims the scopes stand for (OpenID Connect Core §5.4), when openid is among them.
    static func claimNames(scopes: [String]) -> [String]? {
        guard scopes.contains("openid") else { return nil }
        let names = scopes.flatMap { ScopeClaims.byScope[$0] ?? [] }
        return names.isEmpty ? nil : names
    }
}
