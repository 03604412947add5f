/// What the authorization and token flows persist. Every token, code and ticket is stored by the SHA-256
/// of its value, so a copy of the database yields nothing usable; `payload` holds the rest as JSON.

/// A single-use ticket between a call that starts an interaction and the call that ends it.
public struct TicketRecord: Hashable, Sendable {
    public enum Kind: String, Sendable {
        /// From /auth/authorization, for /auth/authorization/issue or /fail.
        case authorization
        /// From /auth/token with a password grant, for /auth/token/issue or /fail.
        case password
        /// From /pushed_auth_req: a checked authorization request, for /auth/authorization (RFC 9126); hashed is
        /// the whole request_uri.
        case pushed
        /// A server nonce for DPoP proofs (RFC 9449 §8), accepted by every node until it expires.
        case dpopNonce
        /// From /backchannel/authentication, for /backchannel/authentication/issue or /fail (CIBA).
        case backchannel
    }

    public var hash: String
    public var kind: Kind
    public var serviceApiKey: Int64
    public var clientId: Int64
    public var payload: String
    public var createdAt: Int64
    public var expiresAt: Int64

    public init(hash: String, kind: Kind, serviceApiKey: Int64, clientId: Int64, payload: String, createdAt: Int64, expiresAt: Int64) {
        self.hash = hash
        self.kind = kind
        self.serviceApiKey = serviceApiKey
        self.clientId = clientId
        self.payload = payload
        self.createdAt = createdAt
        self.expiresAt = expiresAt
    }
}

/// One authorization a user gave a client; every code and token issued from it belongs to it, so a
/// replayed code or refresh token can revoke the whole family.
public struct GrantRecord: Hashable, Sendable {
    public var id: String
    public var serviceApiKey: Int64
    public var clientId: Int64
    public var subject: String?
    public var payload: String
    public var createdAt: Int64
    /// The grant this one was derived from (a token exchange's subject token): revoking it revokes this one.
    public var parentId: String?

    public init(
        id: String, serviceApiKey: Int64, clientId: Int64, subject: String?, payload: String, createdAt: Int64, parentId: String? = nil
    ) {
        self.id = id
        self.serviceApiKey = serviceApiKey
        self.clientId = clientId
        self.subject = subject
        self.payload = payload
        self.createdAt = createdAt
        self.parentId = parentId
    }
}

public struct AuthorizationCodeRecord: Hashable, Sendable {
    public var hash: String
    public var grantId: String
    public var serviceApiKey: Int64
    public var clientId: Int64
    public var payload: String
    public var createdAt: Int64
    public var expiresAt: Int64

    public init(hash: String, grantId: String, serviceApiKey: Int64, clientId: Int64, payload: String, createdAt: Int64, expiresAt: Int64) {
        self.hash = hash
        self.grantId = grantId
        self.serviceApiKey = serviceApiKey
        self.clientId = clientId
        self.payload = payload
        self.createdAt = createdAt
        self.expiresAt = expiresAt
    }
}

public struct AccessTokenRecord: Hashable, Sendable {
    public var hash: String
    public var grantId: String?
    public var serviceApiKey: Int64
    public var clientId: Int64
    public var subject: String?
    /// Space-separated.
    public var scopes: String
    /// The refresh token issued with this access token, if any.
    public var refreshTokenHash: String?
    public var payload: String
    public var createdAt: Int64
    public var expiresAt: Int64
    public var revokedAt: Int64?

    public init(
        hash: String, grantId: String?, serviceApiKey: Int64, clientId: Int64, subject: String?, scopes: String,
        refreshTokenHash: String?, payload: String, createdAt: Int64, expiresAt: Int64, revokedAt: Int64? = nil
    ) {
        self.hash = hash
        self.grantId = grantId
        self.serviceApiKey = serviceApiKey
        self.clientId = clientId
        self.subject = subject
        self.scopes = scopes
        self.refreshTokenHash = refreshTokenHash
        self.payload = payload
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.revokedAt = revokedAt
    }
}

public struct RefreshTokenRecord: Hashable, Sendable {
    public var hash: String
    public var grantId: String
    public var serviceApiKey: Int64
    public var clientId: Int64
    public var subject: String?
    public var scopes: String
    public var payload: String
    public var createdAt: Int64
    public var expiresAt: Int64
    /// When it was exchanged for a new refresh token; presenting it again then means theft.
    public var rotatedAt: Int64?
    public var revokedAt: Int64?

    public init(
        hash: String, grantId: String, serviceApiKey: Int64, clientId: Int64, subject: String?, scopes: String, payload: String,
        createdAt: Int64, expiresAt: Int64, rotatedAt: Int64? = nil, revokedAt: Int64? = nil
    ) {
        self.hash = hash
        self.grantId = grantId
        self.serviceApiKey = serviceApiKey
        self.clientId = clientId
        self.subject = subject
        self.scopes = scopes
        self.payload = payload
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.rotatedAt = rotatedAt
        self.revokedAt = revokedAt
    }
}

/// The outcome of presenting an authorization code.
public enum CodeRedemption: Sendable, Equatable {
    /// The code, now used, and its grant as it was at that moment.
    case redeemed(AuthorizationCodeRecord, GrantRecord)
    /// The code was redeemed before: a replay. Its grant has been revoked with everything issued from it.
    case replayed(grantId: String)
    /// The code belongs to another client; it stays unused.
    case otherClient
    /// The code has expired, or its grant was revoked.
    case expired
    case unknown
}

/// The outcome of exchanging a refresh token for new tokens.
public enum RefreshRotation: Sendable, Equatable {
    case rotated
    /// The refresh token had already been exchanged: a replay. Its grant has been revoked.
    case replayed(grantId: String)
    /// The refresh token belongs to another client, has expired, or was revoked (perhaps a moment ago):
    /// nothing was issued.
    case inactive
    case unknown
}

/// The scopes a user granted a client: those of the latest grant and the union of all, kept apart from the
/// tokens so a consent outlives them (and a front end can skip asking again) until it is deleted.
public struct GrantedScopesRecord: Hashable, Sendable {
    public var serviceApiKey: Int64
    public var clientId: Int64
    public var subject: String
    /// Space-separated, in the order granted.
    public var latestScopes: String
    /// Space-separated: every scope of every grant, in the order first granted.
    public var mergedScopes: String
    public var modifiedAt: Int64

    public init(serviceApiKey: Int64, clientId: Int64, subject: String, latestScopes: String, mergedScopes: String, modifiedAt: Int64) {
        self.serviceApiKey = serviceApiKey
        self.clientId = clientId
        self.subject = subject
        self.latestScopes = latestScopes
        self.mergedScopes = mergedScopes
        self.modifiedAt = modifiedAt
    }

    /// The record after one more grant of `scopes`.
    public func granting(_ scopes: String, at time: Int64) -> GrantedScopesRecord {
        var merged = mergedScopes.split(separator: " ").map(String.init)
        var seen = Set(merged)
        for scope in scopes.split(separator: " ").map(String.init) where seen.insert(scope).inserted { merged.append(scope) }
        var next = self
        next.latestScopes = scopes
        next.mergedScopes = merged.joined(separator: " ")
        next.modifiedAt = time
        return next
    }
}

/// A batch of token creations, created in one transaction in the background, and where it stands.
public struct TokenBatchRecord: Hashable, Sendable {
    public enum State: String, Sendable {
        case running, succeeded, failed
    }

    public var requestId: String
    public var serviceApiKey: Int64
    public var state: State
    public var tokenCount: Int64
    public var errorCode: String?
    public var errorDescription: String?
    public var createdAt: Int64
    public var modifiedAt: Int64

    public init(
        requestId: String, serviceApiKey: Int64, state: State, tokenCount: Int64 = 0, errorCode: String? = nil,
        errorDescription: String? = nil, createdAt: Int64, modifiedAt: Int64
    ) {
        self.requestId = requestId
        self.serviceApiKey = serviceApiKey
        self.state = state
        self.tokenCount = tokenCount
        self.errorCode = errorCode
        self.errorDescription = errorDescription
        self.createdAt = createdAt
        self.modifiedAt = modifiedAt
    }
}

/// What one issue outside a grant flow stores: the tokens, and the grant they belong to when they need one.
public struct IssuedRecords: Hashable, Sendable {
    public var grant: GrantRecord?
    public var accessToken: AccessTokenRecord
    public var refreshToken: RefreshTokenRecord?

    public init(grant: GrantRecord?, accessToken: AccessTokenRecord, refreshToken: RefreshTokenRecord?) {
        self.grant = grant
        self.accessToken = accessToken
        self.refreshToken = refreshToken
    }
}

/// An authorization the user gives on another device than the client's, which the client polls for: the
/// device authorization grant (RFC 8628) and CIBA. `hash` is the hash of what the client polls with (the
/// device code, the auth_req_id); `lookupHash` the hash of what the front end refers to it by (the
/// normalized user code, the ticket of /backchannel/authentication), unique among the service's records of
/// a kind.
public struct DecoupledAuthorizationRecord: Hashable, Sendable {
    public enum Kind: String, Sendable {
        /// RFC 8628: polled with a device code, looked up by a user code.
        case device
        /// CIBA: polled with an auth_req_id, looked up by the ticket of /backchannel/authentication.
        case backchannel
    }

    public enum State: String, Sendable {
        /// The user has not decided.
        case pending
        /// The user approved; `payload` holds the grant's details, and the next poll gets tokens.
        case authorized
        /// The user refused: polls get access_denied.
        case denied
        /// No decision could be had: polls get expired_token.
        case failed
    }

    public var hash: String
    public var kind: Kind
    public var lookupHash: String
    public var serviceApiKey: Int64
    public var clientId: Int64
    public var state: State
    /// The request, with the decision once there is one (JSON the engine reads).
    public var payload: String
    /// The least number of seconds between two polls: the service's interval, 5 more for each poll too soon.
    public var interval: Int64
    public var polledAt: Int64?
    public var createdAt: Int64
    public var expiresAt: Int64

    public init(
        hash: String, kind: Kind, lookupHash: String, serviceApiKey: Int64, clientId: Int64, state: State = .pending, payload: String,
        interval: Int64, polledAt: Int64? = nil, createdAt: Int64, expiresAt: Int64
    ) {
        self.hash = hash
        self.kind = kind
        self.lookupHash = lookupHash
        self.serviceApiKey = serviceApiKey
        self.clientId = clientId
        self.state = state
        self.payload = payload
        self.interval = interval
        self.polledAt = polledAt
        self.createdAt = createdAt
        self.expiresAt = expiresAt
    }

    /// The longest interval slowing down leads to, so that it stays a sane wait.
    public static let longestInterval: Int64 = 3600
}

/// What a poll of a decoupled authorization found.
public enum DecoupledPoll: Equatable, Sendable {
    /// No such record of the service and kind (or it was redeemed).
    case unknown
    case otherClient
    case expired
    /// The poll came sooner than the interval after the previous one; the interval is now this, in seconds.
    case slowDown(interval: Int64)
    /// The poll is on time (now recorded as the latest); the record says what the user decided.
    case polled(DecoupledAuthorizationRecord)
}
