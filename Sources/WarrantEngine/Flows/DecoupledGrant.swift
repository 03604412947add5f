import Crypto
import WarrantAPI
import WarrantStore

/// What the record of an authorization decided on another device holds (the device flow, CIBA): the
/// request while the user has not decided, and the decision once they have.
struct DecoupledAuthorization: Codable, Equatable, Sendable {
    /// What the client asked for.
    struct Request: Codable, Equatable, Sendable {
        var clientIdAliasUsed: Bool
        var scopes: [String]
        var acrs: [String]
        var resources: [String]
        /// The checked authorization_details (RFC 9396), as JSON text.
        var authorizationDetails: String?
        /// CIBA: the client's delivery mode (poll, ping, push) and the bearer token of its notifications.
        var deliveryMode: String? = nil
        var notificationToken: String? = nil
        /// CIBA: requested_expiry, in seconds.
        var requestedExpiry: Int64? = nil
    }

    /// What the user decided, and what the tokens are made from when they approved.
    struct Decision: Codable, Equatable, Sendable {
        var details: GrantDetails?
        var refreshTokenDuration: Int64?
        var errorDescription: String?
        var errorUri: String?

        /// What the client is told of a refusal: access_denied, or expired_token for a failed authorization
        /// (as Authlete answers), with the front end's description and URI.
        func error(for state: DecoupledAuthorizationRecord.State) -> OAuthError {
            var error = OAuthError(
                state == .denied ? "access_denied" : "expired_token",
                state == .denied ? "The user refused the request." : "The authorization could not be completed; start again.", .pollRefused)
            error.chosenDescription = errorDescription
            error.uri = errorUri
            return error
        }
    }

    var request: Request
    var decision: Decision?

    static func decoded(_ payload: String) throws -> DecoupledAuthorization { try StoredJSON.decode(Self.self, from: payload) }
    func json() throws -> String { try StoredJSON.encode(self) }

    /// CIBA's auth_req_id, made from the ticket of /backchannel/authentication: notifications carry it, so
    /// /complete makes it again from the ticket instead of storing it; the database has the hashes of both,
    /// neither of which gives the other.
    static func authReqId(ticket: String) -> String {
        Base64URL.encode(Array(SHA256.hash(data: Array("auth_req_id:\(ticket)".utf8))))
    }

    /// RFC 6749 §5.2: an error_description is printable ASCII without `"` and `\`.
    static func isErrorDescription(_ text: String) -> Bool {
        text.unicodeScalars.allSatisfy { (0x20...0x7E).contains($0.value) && $0 != "\"" && $0 != "\\" }
    }
}

/// The grants a client polls for at the token endpoint while the user decides elsewhere: the device code
/// grant (RFC 8628 §3.4, §3.5) and CIBA's (CIBA §10.1, §11). Each poll is checked against the record's
/// interval by the statement that records it, and one poll after the user approved redeems the record with
/// the grant and tokens it makes, in one transaction.
struct DecoupledGrant: Sendable {
    let store: any WarrantStore
    let issuer: TokenIssuer
    let kind: DecoupledAuthorizationRecord.Kind

    /// Milliseconds a poll may come before its interval is over and still count as on time: what the
    /// network's jitter takes from a client that waits exactly the interval.
    static let leeway: Int64 = 500

    /// The form parameter the client polls with, and the grant type it asks for.
    var parameter: String { kind == .device ? "device_code" : "auth_req_id" }
    var grantType: GrantType { kind == .device ? .deviceCode : .ciba }
    var name: String { kind == .device ? "device code" : "auth_req_id" }

    func run(_ request: TokenGrantRequest) async throws -> TokenResponse {
        let service = request.service
        func fail(_ error: OAuthError) -> TokenResponse { TokenAnswer.failure(error, service: service) }
        func refused(_ error: String, _ description: String) -> TokenResponse { fail(OAuthError(error, description, .pollRefused)) }
        guard let value = request.form[parameter] else { return fail(.invalidRequest("\(parameter) is missing.")) }
        // CIBA §10.3: a push client gets its tokens pushed, never from the token endpoint.
        let pushed = OAuthError.unauthorizedClient("The client's tokens are pushed to it (push mode); it does not poll.")
        if kind == .backchannel, request.client.client.document.bcDeliveryMode == "push" { return fail(pushed) }
        if kind == .backchannel, request.client.client.isPublic { return fail(.unauthorizedClient("CIBA is for confidential clients.")) }
        let hash = Secrets.hash(value)
        let record: DecoupledAuthorizationRecord
        switch try await store.pollDecoupledAuthorization(
            hash: hash, kind: kind, serviceApiKey: service.apiKey, clientId: request.client.client.clientId, leeway: Self.leeway,
            now: issuer.now())
        {
        case .unknown: return refused("invalid_grant", "The \(name) is unknown, or was used.")
        case .otherClient: return refused("invalid_grant", "The \(name) was issued to another client.")
        case .expired: return refused("expired_token", "The \(name) has expired; start again.")
        case .slowDown(let interval):
            return fail(OAuthError("slow_down", "Polled too soon; poll every \(interval) seconds from now on.", .polledTooSoon))
        case .polled(let polled): record = polled
        }
        let stored = try DecoupledAuthorization.decoded(record.payload)
        // The client asked in push mode, and has changed its mode since.
        if stored.request.deliveryMode == "push" { return fail(pushed) }
        switch record.state {
        case .pending:
            return fail(OAuthError("authorization_pending", "The user has not decided yet.", .authorizationPending))
        case .denied, .failed:
            return fail((stored.decision ?? DecoupledAuthorization.Decision()).error(for: record.state))
        case .authorized:
            break
        }
        guard let decision = stored.decision, let granted = decision.details else { throw StoredPayloadError(member: "decision") }
        let details: GrantDetails
        switch request.tokenDetails(granted: granted) {
        case .failure(let error): return fail(error)
        case .success(let narrowed): details = narrowed
        }
        let issued = try await issue(
            request.issueRequest(details: details, grantType: grantType, grantId: nil), granted: granted,
            refreshTokenDuration: request.call.refreshTokenDuration ?? decision.refreshTokenDuration)
        guard try await redeem(hash: hash, issued, service: service) else { return refused("invalid_grant", "The \(name) was used.") }
        return TokenAnswer.success(issued.tokens, for: request, grantType: grantType, subject: granted.subject)
    }

    struct Issued {
        var grant: GrantRecord
        var tokens: IssuedTokens
        var consent: GrantedScopesRecord?
    }

    /// The grant and tokens (an ID token with openid) an approval makes, not stored yet: the tokens of
    /// `request` (the grant's details, narrowed by the token request), in a grant of the details `granted`.
    /// CIBA's push mode puts `urn:openid:params:jwt:claim:auth_req_id` and the refresh token's hash in the ID
    /// token (§10.3.1).
    func issue(_ request: IssueRequest, granted: GrantDetails, refreshTokenDuration: Int64?, authReqId: String? = nil) async throws -> Issued {
        let (service, client, details) = (request.service, request.client, request.details)
        let grant = GrantRecord(
            id: Secrets.identifier(), serviceApiKey: service.apiKey, clientId: client.clientId, subject: granted.subject,
            payload: try GrantDetails.json(granted), createdAt: issuer.now())
        var issue = request
        issue.grantId = grant.id
        if service.issuesRefreshTokens(to: client) { issue.refresh = .new(duration: refreshTokenDuration) }
        var tokens = try await issuer.issue(issue)
        if details.scopes.contains("openid") {
            tokens.idToken = try await issuer.idToken(
                IDTokenRequest(
                    service: service, client: client, details: details, accessToken: tokens.presentedAccessToken,
                    refreshToken: tokens.refreshToken, authReqId: authReqId))
        }
        return Issued(grant: grant, tokens: tokens, consent: .given(with: grant, scopes: granted.scopes))
    }

    /// Stores what ``issue`` made, removing the record, if it is still there in `state`.
    func redeem(hash: String, _ issued: Issued, from state: DecoupledAuthorizationRecord.State = .authorized, service: ServicePolicy)
        async throws -> Bool
    {
        try await ChosenValues.storing {
            try await store.redeemDecoupledAuthorization(
                hash: hash, kind: kind, serviceApiKey: service.apiKey, state: state, grant: issued.grant, accessToken: issued.tokens.accessRecord,
                refreshToken: issued.tokens.refreshRecord, consent: issued.consent)
        }
    }
}
