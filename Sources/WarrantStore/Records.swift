/// What the store keeps. Metadata documents (services, clients) are stored as the JSON the API speaks, next to
/// the columns queries need, so new metadata fields need no schema change.

public struct OrganizationRecord: Hashable, Sendable {
    public var id: Int64
    public var name: String
    public var createdAt: Int64

    public init(id: Int64, name: String, createdAt: Int64) {
        self.id = id
        self.name = name
        self.createdAt = createdAt
    }
}

/// An API token (organization or service access token). Only the SHA-256 of its value is stored.
public struct APITokenRecord: Hashable, Sendable {
    /// A public identifier, for listing and deleting; not the token.
    public var id: String
    public var hash: String
    public var organizationId: Int64
    /// Nil for an organization token; the one service a service access token acts on otherwise.
    public var serviceApiKey: Int64?
    public var description: String?
    public var createdAt: Int64
    /// When a rotated-out token stops working; nil for a token that lasts until it is deleted.
    public var expiresAt: Int64?

    public init(
        id: String, hash: String, organizationId: Int64, serviceApiKey: Int64?, description: String?, createdAt: Int64, expiresAt: Int64? = nil
    ) {
        self.id = id
        self.hash = hash
        self.organizationId = organizationId
        self.serviceApiKey = serviceApiKey
        self.description = description
        self.createdAt = createdAt
        self.expiresAt = expiresAt
    }
}

public struct ServiceRecord: Hashable, Sendable {
    public var apiKey: Int64
    public var organizationId: Int64
    /// The service metadata as JSON.
    public var document: String
    public var createdAt: Int64
    public var modifiedAt: Int64

    public init(apiKey: Int64, organizationId: Int64, document: String, createdAt: Int64, modifiedAt: Int64) {
        self.apiKey = apiKey
        self.organizationId = organizationId
        self.document = document
        self.createdAt = createdAt
        self.modifiedAt = modifiedAt
    }
}

public struct ClientRecord: Hashable, Sendable {
    public var clientId: Int64
    public var serviceApiKey: Int64
    public var alias: String?
    public var developer: String?
    /// SHA-256 of the client secret; nil for public clients.
    public var secretHash: String?
    /// The client metadata as JSON, without the secret.
    public var document: String
    public var createdAt: Int64
    public var modifiedAt: Int64

    public init(
        clientId: Int64, serviceApiKey: Int64, alias: String?, developer: String?, secretHash: String?, document: String,
        createdAt: Int64, modifiedAt: Int64
    ) {
        self.clientId = clientId
        self.serviceApiKey = serviceApiKey
        self.alias = alias
        self.developer = developer
        self.secretHash = secretHash
        self.document = document
        self.createdAt = createdAt
        self.modifiedAt = modifiedAt
    }
}

/// A signing key of a service, stored as its private JWK.
public struct SigningKeyRecord: Hashable, Sendable {
    public var kid: String
    public var serviceApiKey: Int64
    /// The JWS algorithm the key signs with (RS256, PS256, ES256, EdDSA).
    public var algorithm: String
    public var privateJWK: String
    public var createdAt: Int64
    /// When the key stopped signing; nil while it signs.
    public var retiredAt: Int64?
    /// Until when a retired key stays in the JWK Set: the expiry of the last token it can have signed.
    public var publishedUntil: Int64?

    public init(
        kid: String, serviceApiKey: Int64, algorithm: String, privateJWK: String, createdAt: Int64, retiredAt: Int64? = nil,
        publishedUntil: Int64? = nil
    ) {
        self.kid = kid
        self.serviceApiKey = serviceApiKey
        self.algorithm = algorithm
        self.privateJWK = privateJWK
        self.createdAt = createdAt
        self.retiredAt = retiredAt
        self.publishedUntil = publishedUntil
    }
}

/// One page of a listing, with the total number of matching records.
public struct Page<Record: Sendable>: Sendable {
    public var total: Int
    public var records: [Record]

    public init(total: Int, records: [Record]) {
        self.total = total
        self.records = records
    }
}

public enum StoreError: Error, Equatable {
    /// A unique key (an ID, an alias) is already taken.
    case duplicate(String)
    /// A row the change refers to is gone (a client deleted while a token batch ran).
    case missing(String)
    /// The database cannot do the work now; it may once the fault clears.
    case unavailable(StoreFault)
}

/// Why the database cannot do the work: what an operator has to fix.
public enum StoreFault: Error, Equatable, Sendable {
    /// The disk holding the database is full: reads work, writes do not.
    case diskFull
    /// The database file or its folder does not accept writes.
    case readOnly
    /// Anything else (an I/O error, a database file that cannot be opened), described.
    case failed(String)
}

/// What one purge removed.
public struct PurgeReport: Equatable, Sendable {
    public var tickets = 0
    public var authorizationCodes = 0
    public var accessTokens = 0
    public var refreshTokens = 0
    public var grants = 0
    public var assertions = 0
    public var apiTokens = 0
    public var tokenBatches = 0
    public var decoupledAuthorizations = 0
    /// Entries of the change log that keeps caches coherent across processes (``SQLStore/followChanges()``).
    public var cacheChanges = 0

    public init() {}

    public var total: Int {
        tickets + authorizationCodes + accessTokens + refreshTokens + grants + assertions + apiTokens + tokenBatches + cacheChanges
            + decoupledAuthorizations
    }
}
