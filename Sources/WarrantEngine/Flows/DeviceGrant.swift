import WarrantAPI
import WarrantStore

/// What a device flow's record holds (RFC 8628): the request while the user has not decided, and the
/// decision once they have.
struct DeviceAuthorization: Codable, Equatable, Sendable {
    /// What the device asked for at the device authorization endpoint.
    struct Request: Codable, Equatable, Sendable {
        var clientIdAliasUsed: Bool
        var scopes: [String]
        var acrs: [String]
        var resources: [String]
        /// The checked authorization_details (RFC 9396), as JSON text.
        var authorizationDetails: String?
    }

    /// What the user decided, and what the tokens are made from when they approved.
    struct Decision: Codable, Equatable, Sendable {
        var details: GrantDetails?
        var refreshTokenDuration: Int64?
        var errorDescription: String?
        var errorUri: String?
    }

    var request: Request
    var decision: Decision?

    static func decoded(_ payload: String) throws -> DeviceAuthorization { try StoredJSON.decode(Self.self, from: payload) }
    func json() throws -> String { try StoredJSON.encode(self) }
}

/// The device code grant at the token endpoint (RFC 8628 §3.4, §3.5): each poll is checked against the code's
/// interval by the statement that records it, and one poll after the user approved redeems the code with
/// the grant and tokens it makes, in one transaction.
struct DeviceGrant: Sendable {
    let store: any WarrantStore
    let issuer: TokenIssuer

    /// Milliseconds a poll may come before its interval is over and still count as on time: what the
    /// network's jitter takes from a device that waits exactly the interval.
    static let leeway: Int64 = 500

    func run(_ request: TokenGrantRequest) async throws -> TokenResponse {
        let service = request.service
        func fail(_ error: OAuthError) -> TokenResponse { TokenAnswer.failure(error, service: service) }
        func refused(_ error: String, _ description: String) -> TokenResponse { fail(OAuthError(error, description, .deviceCodeRefused)) }
        guard let deviceCode = request.form["device_code"] else { return fail(.invalidRequest("device_code is missing.")) }
        let hash = Secrets.hash(deviceCode)
        let record: DecoupledAuthorizationRecord
        switch try await store.pollDecoupledAuthorization(
            hash: hash, kind: .device, serviceApiKey: service.apiKey, clientId: request.client.client.clientId, leeway: Self.leeway,
            now: issuer.now())
        {
        case .unknown: return refused("invalid_grant", "The device code is unknown, or was used.")
        case .otherClient: return refused("invalid_grant", "The device code was issued to another client.")
        case .expired: return refused("expired_token", "The device code has expired; start again.")
        case .slowDown(let interval):
            return fail(OAuthError("slow_down", "Polled too soon; poll every \(interval) seconds from now on.", .devicePolledTooSoon))
        case .polled(let polled): record = polled
        }
        let stored = try DeviceAuthorization.decoded(record.payload)
        switch record.state {
        case .pending:
            return fail(OAuthError("authorization_pending", "The user has not decided yet.", .deviceAuthorizationPending))
        case .denied, .failed:
            var error = OAuthError(
                record.state == .denied ? "access_denied" : "expired_token",
                record.state == .denied ? "The user refused the request." : "The authorization could not be completed; start again.",
                .deviceCodeRefused)
            error.chosenDescription = stored.decision?.errorDescription
            error.uri = stored.decision?.errorUri
            return fail(error)
        case .authorized:
            break
        }
        guard let decision = stored.decision, let granted = decision.details else { throw StoredPayloadError(member: "decision") }
        let details: GrantDetails
        switch request.tokenDetails(granted: granted) {
        case .failure(let error): return fail(error)
        case .success(let narrowed): details = narrowed
        }
        let grant = GrantRecord(
            id: Secrets.identifier(), serviceApiKey: service.apiKey, clientId: request.client.client.clientId, subject: granted.subject,
            payload: try GrantDetails.json(granted), createdAt: issuer.now())
        var issue = request.issueRequest(details: details, grantType: .deviceCode, grantId: grant.id)
        if service.issuesRefreshTokens(to: request.client.client) {
            issue.refresh = .new(duration: request.call.refreshTokenDuration ?? decision.refreshTokenDuration)
        }
        var tokens = try await issuer.issue(issue)
        if details.scopes.contains("openid") {
            tokens.idToken = try await issuer.idToken(
                IDTokenRequest(service: service, client: request.client.client, details: details, accessToken: tokens.presentedAccessToken))
        }
        let redeemed = try await ChosenValues.storing {
            try await store.redeemDecoupledAuthorization(
                hash: hash, kind: .device, serviceApiKey: service.apiKey, grant: grant, accessToken: tokens.accessRecord,
                refreshToken: tokens.refreshRecord, consent: .given(with: grant, scopes: granted.scopes))
        }
        guard redeemed else { return refused("invalid_grant", "The device code was used.") }
        return TokenAnswer.success(tokens, for: request, grantType: .deviceCode, subject: granted.subject)
    }
}
