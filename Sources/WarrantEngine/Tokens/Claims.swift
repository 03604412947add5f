import Foundation
import JWTKit
import SpecRuntime

// The claims of the JWTs warrant signs and of those it verifies. What it verifies is decoded into jwt-kit
// claim types: a payload that decodes has every claim warrant relies on, of the right type, and its
// `verify(using:)` (which jwt-kit runs once the signature verified) refuses one out of its time window.
// `members` keeps every claim as JSON for what only the caller knows how to check.

/// JWT claims of any shape, as signed: built by ``AccessTokenClaims`` and ``IDTokenClaims``.
struct JSONClaims: JWTPayload {
    var members: [String: JSONValue]

    init(_ members: [String: JSONValue]) {
        self.members = members
    }

    init(from decoder: any Decoder) throws {
        members = try [String: JSONValue](from: decoder)
    }

    func encode(to encoder: any Encoder) throws {
        try members.encode(to: encoder)
    }

    /// Claims of any shape are checked by whoever asked for them by shape (the types below).
    func verify(using algorithm: some JWTAlgorithm) async throws {}

    /// A NumericDate claim (RFC 7519 §2) as whole seconds, saturated; nil when it is not a number.
    static func seconds(_ value: JSONValue) -> Int64? {
        switch value {
        case .integer(let number): number
        case .number(let number) where number.isFinite: Int64(exactly: number.rounded(.down)) ?? (number > 0 ? .max : .min)
        default: nil
        }
    }

    /// A JWT's `aud`, a string or an array of them (RFC 7519 §4.1.3).
    static func audience(of claims: [String: JSONValue]) -> [String] {
        switch claims["aud"] {
        case .string(let value)?: [value]
        case .array(let values)?: values.compactMap(\.stringValue)
        default: []
        }
    }
}

/// Seconds of clock difference tolerated on exp and nbf of others' JWTs.
enum ClockSkew {
    static let seconds: Int64 = 60
}

/// The time the payloads below verify against: the engine's clock, which `TokenSigner` binds around each
/// verification (jwt-kit's `verify(using:)` takes no time of its own), so tests that move the clock move it
/// here too.
enum VerificationClock {
    @TaskLocal static var milliseconds: Int64?

    static var now: Date {
        milliseconds.map { Date(timeIntervalSince1970: Double($0) / 1000) } ?? Date()
    }
}

/// The claims of an RFC 9068 JWT access token.
struct AccessTokenClaims {
    var members: [String: JSONValue]

    /// - Parameter id: the jti, which is the hash of the opaque value, so the stored record is found from the JWT.
    init(issuer: String, details: GrantDetails, issuedAt: Int64, expiresAt: Int64, id: String) {
        let audience = details.tokenAudience
        members = [
            "iss": .string(issuer), "sub": .string(details.subject ?? details.clientIdentifier),
            "aud": audience.count == 1 ? .string(audience[0]) : .array(audience.map(JSONValue.string)),
            "client_id": .string(details.clientIdentifier), "iat": .integer(issuedAt / 1000), "exp": .integer(expiresAt / 1000),
            "jti": .string(id),
        ]
        if !details.scopes.isEmpty { members["scope"] = .string(details.scopes.joined(separator: " ")) }
        if let act = details.act { members["act"] = act }
        if let confirmation = details.confirmation { members["cnf"] = confirmation }
        if let elements = details.authorizationDetails { members["authorization_details"] = .array(elements) }
        // The caller's extra claims never replace the registered ones.
        if let extra = details.jwtAtClaims, case .object(let given)? = try? JSONValue(parsing: extra) {
            for (name, value) in given where members[name] == nil { members[name] = value }
        }
    }
}

/// The claims of an ID token (OpenID Connect Core §2).
struct IDTokenClaims {
    var members: [String: JSONValue] = [:]

    /// - Parameters:
    ///   - issuedAt: milliseconds; `lifetime`: seconds.
    ///   - accessTokenHash, codeHash: at_hash and c_hash, when a token or code is issued with it.
    init(
        issuer: String, details: GrantDetails, issuedAt: Int64, lifetime: Int64, audienceAsString: Bool, accessTokenHash: String?,
        codeHash: String?
    ) {
        // User claims first, only those the scopes or the request allow; the registered claims then replace any.
        if let extra = details.claims, case .object(let given)? = try? JSONValue(parsing: extra) {
            let allowed = ScopeClaims.allowed(scopes: details.scopes, requested: details.requestedIdTokenClaims)
            for (name, value) in given where allowed.contains(name) { members[name] = value }
        }
        members["iss"] = .string(issuer)
        members["sub"] = .string(details.sub ?? details.subject ?? "")
        // An ID token is for the client, or for the audiences a token exchange named.
        let audience = details.audiences.flatMap { $0.isEmpty ? nil : $0 } ?? [details.clientIdentifier]
        members["aud"] = audienceAsString && audience.count == 1 ? .string(audience[0]) : .array(audience.map(JSONValue.string))
        members["azp"] = .string(details.clientIdentifier)
        let issued = issuedAt / 1000
        members["iat"] = .integer(issued)
        members["exp"] = .integer(issued.saturatingAdding(lifetime))
        if let authTime = details.authTime { members["auth_time"] = .integer(authTime) }
        if let nonce = details.nonce { members["nonce"] = .string(nonce) }
        if let acr = details.acr { members["acr"] = .string(acr) }
        if let sessionId = details.sessionId { members["sid"] = .string(sessionId) }
        if let act = details.act { members["act"] = act }
        if let accessTokenHash { members["at_hash"] = .string(accessTokenHash) }
        if let codeHash { members["c_hash"] = .string(codeHash) }
    }
}

/// The shape of a claim a payload type requires, to say which one a JWT lacks (jwt-kit reports a payload that
/// does not decode without the decoding error).
enum ClaimShape: Sendable {
    case string, numericDate, audience

    func fits(_ value: JSONValue) -> Bool {
        switch (self, value) {
        case (.string, .string), (.numericDate, .integer), (.numericDate, .number), (.audience, .string): true
        case (.audience, .array(let items)): items.allSatisfy { $0.stringValue != nil }
        default: false
        }
    }
}

/// A payload type warrant verifies: the claims it requires, and the shape of each (optional ones too).
protocol CheckedClaims: JWTPayload {
    static var shapes: [(name: String, shape: ClaimShape, required: Bool)] { get }
}

/// A client assertion (RFC 7523 §3): iss, sub, aud, exp and jti are required; expired (beyond the skew) or
/// not yet valid, it does not verify. The caller checks who it names, its audience, its lifetime and replay.
struct ClientAssertionClaims: CheckedClaims {
    static let shapes: [(name: String, shape: ClaimShape, required: Bool)] = [
        ("iss", .string, true), ("sub", .string, true), ("aud", .audience, true), ("exp", .numericDate, true), ("jti", .string, true),
        ("nbf", .numericDate, false),
    ]

    var iss: IssuerClaim
    var sub: SubjectClaim
    var aud: AudienceClaim
    var exp: ExpirationClaim
    var jti: IDClaim
    var nbf: NotBeforeClaim?

    func verify(using algorithm: some JWTAlgorithm) async throws {
        let skew = TimeInterval(ClockSkew.seconds)
        try exp.verifyNotExpired(currentDate: VerificationClock.now.addingTimeInterval(-skew))
        try nbf?.verifyNotBefore(currentDate: VerificationClock.now.addingTimeInterval(skew))
    }
}

/// A JWT presented as a subject or actor token (RFC 8693): sub and exp are required, and it verifies only
/// within its time window; the other claims stay in `members` for the exchange's own rules.
struct ExchangedJWTClaims: CheckedClaims {
    static let shapes: [(name: String, shape: ClaimShape, required: Bool)] = [
        ("sub", .string, true), ("exp", .numericDate, true), ("nbf", .numericDate, false),
    ]

    var sub: SubjectClaim
    var exp: ExpirationClaim
    var nbf: NotBeforeClaim?
    var members: [String: JSONValue]

    private enum Keys: String, CodingKey { case sub, exp, nbf }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Keys.self)
        sub = try container.decode(SubjectClaim.self, forKey: .sub)
        exp = try container.decode(ExpirationClaim.self, forKey: .exp)
        nbf = try container.decodeIfPresent(NotBeforeClaim.self, forKey: .nbf)
        members = try [String: JSONValue](from: decoder)
    }

    func encode(to encoder: any Encoder) throws {
        try members.encode(to: encoder)
    }

    func verify(using algorithm: some JWTAlgorithm) async throws {
        try exp.verifyNotExpired(currentDate: VerificationClock.now)
        try nbf?.verifyNotBefore(currentDate: VerificationClock.now.addingTimeInterval(TimeInterval(ClockSkew.seconds)))
    }
}

/// An ID token presented back to the service that issued it as id_token_hint: iss and sub are required.
/// Its expiry does not matter (OpenID Connect Core §3.1.2.1: an expired ID token is a fine hint).
struct IDTokenHintClaims: CheckedClaims {
    static let shapes: [(name: String, shape: ClaimShape, required: Bool)] = [("iss", .string, true), ("sub", .string, true)]

    var iss: IssuerClaim
    var sub: SubjectClaim

    func verify(using algorithm: some JWTAlgorithm) async throws {}
}

/// What a failed verification tells the caller, in words for an error description.
enum ClaimsProblem {
    /// Why `token` did not verify as `Payload`: the claim that is missing, malformed, expired or not yet valid,
    /// or the signature.
    static func describe<Payload: CheckedClaims>(_ error: any Error, token: String, as payload: Payload.Type) -> String {
        guard let error = error as? JWTError else { return "has a signature that does not verify" }
        switch error.errorType {
        case .claimVerificationFailure:
            switch error.failedClaim {
            case is ExpirationClaim: return "has expired"
            case is NotBeforeClaim: return "is not valid yet"
            default: return "has a claim that does not verify"
            }
        case .malformedToken:
            // The signature verified (jwt-kit checks it before decoding the payload): say which claim is wrong.
            let parts = token.split(separator: ".", omittingEmptySubsequences: false)
            guard parts.count == 3, let bytes = Base64URL.decode(String(parts[1])), case .object(let claims)? = try? JSONValue(parsing: Array(bytes))
            else { return "is not a JWT" }
            for (name, shape, required) in Payload.shapes {
                guard let value = claims[name] else {
                    if required { return "has no \(name) claim" }
                    continue
                }
                if !shape.fits(value) { return "has a malformed \(name) claim" }
            }
            return "has a malformed claim"
        default:
            return "has a signature that does not verify"
        }
    }
}
