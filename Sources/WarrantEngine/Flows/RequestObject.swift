import Foundation
import SpecRuntime

/// Request objects (RFC 9101, OpenID Connect Core §6): an authorization request's parameters as the claims
/// of a JWT the client signed with a key of its registered JWK Set.
enum RequestObject {
    /// Claims about the object itself, not parameters of the request.
    static let envelopeClaims: Set<String> = ["iss", "aud", "exp", "nbf", "iat", "jti", "sub"]

    /// The verified claims of `jwt`, or the `invalid_request_object` error that says what is wrong with it.
    static func verify(_ jwt: String, client: ClientPolicy, service: ServicePolicy, signer: TokenSigner, now: Int64) async
        -> Result<[String: JSONValue], OAuthError>
    {
        await verify(jwt, client: client, service: service, signer: signer, now: now, registered: client.requestSigningAlgorithm)
    }

    /// - Parameter registered: the algorithm the client registered for this kind of request (requestSignAlg,
    ///   or bcRequestSignAlg for CIBA), which the object must use.
    static func verify(_ jwt: String, client: ClientPolicy, service: ServicePolicy, signer: TokenSigner, now: Int64, registered: String?)
        async -> Result<[String: JSONValue], OAuthError>
    {
        func invalid(_ description: String) -> Result<[String: JSONValue], OAuthError> {
            .failure(OAuthError("invalid_request_object", description))
        }
        let parts = jwt.split(separator: ".", omittingEmptySubsequences: false)
        if parts.count == 5 { return invalid("Encrypted request objects (JWE) are not supported; send it signed only.") }
        guard parts.count == 3, let headerData = Base64URL.decode(String(parts[0])),
            let header = try? JSONValue(parsing: Array(headerData)), let algorithm = header["alg"]?.stringValue
        else { return invalid("request is not a signed JWT.") }
        // The algorithm is pinned: the registered one, and never none or an HMAC (a client has no shared key here).
        if let registered, registered != algorithm {
            return invalid("The request object must be signed with \(registered).")
        }
        let allowed = service.fapi(for: client).security ? FAPIRules.algorithms : ClientAssertion.allowedAlgorithms
        guard allowed.contains(algorithm) else { return invalid("Request objects may not use the algorithm \(algorithm).") }
        guard let jwks = client.jwks else { return invalid("The client has no registered jwks to verify its request object with.") }
        let claims: [String: JSONValue]
        do {
            // RSA keys that state no algorithm take the registered one (RS256 without), never the token's choice.
            claims = try await signer.verified(jwt, as: JSONClaims.self, jwks: jwks, rsaAlgorithm: registered).members
        } catch {
            return invalid("The signature of the request object does not verify with the client's keys.")
        }
        let identifiers = [String(client.clientId)] + (client.alias.map { [$0] } ?? [])
        if let issuer = claims["iss"], !identifiers.contains(issuer.stringValue ?? "") {
            return invalid("The request object's iss must be the client_id.")
        }
        if let clientId = claims["client_id"], !identifiers.contains(clientId.stringValue ?? "") {
            return invalid("The request object's client_id differs from the client's.")
        }
        // aud is the issuer (RFC 9101 §4), and only the issuer: an object naming the token endpoint could pass
        // as a client assertion there, and an assertion as an object here.
        if claims["aud"] != nil || service.requestObjectAudienceChecked || service.fapi(for: client).signedRequests {
            guard JSONClaims.audience(of: claims).contains(service.issuer) else { return invalid("The request object's aud must name the issuer.") }
        }
        if header["typ"]?.stringValue.map({ $0.lowercased() != "oauth-authz-req+jwt" && $0.lowercased() != "jwt" }) == true {
            return invalid("The request object's typ must be oauth-authz-req+jwt.")
        }
        // exp and nbf are someone else's numbers: saturate before comparing.
        let skew = Bounds.milliseconds(fromSeconds: ClockSkew.seconds)
        if let exp = claims["exp"] {
            guard let seconds = JSONClaims.seconds(exp) else { return invalid("The request object's exp is not a number of seconds.") }
            if Bounds.milliseconds(fromSeconds: seconds).saturatingAdding(skew) < now { return invalid("The request object has expired.") }
        }
        if let nbf = claims["nbf"] {
            guard let seconds = JSONClaims.seconds(nbf) else { return invalid("The request object's nbf is not a number of seconds.") }
            if Bounds.milliseconds(fromSeconds: seconds) > now.saturatingAdding(skew) { return invalid("The request object is not valid yet (nbf).") }
        }
        if claims["request"] != nil || claims["request_uri"] != nil {
            return invalid("A request object must not hold request or request_uri.")
        }
        return .success(claims)
    }

    /// A claim as the text of the parameter it stands for: strings as they are, numbers and booleans as
    /// written, objects and arrays (`claims`, `authorization_details`) as JSON; nil for null.
    static func parameterText(_ value: JSONValue) -> String? {
        switch value {
        case .null: nil
        case .string(let text): text
        case .bool(let flag): flag ? "true" : "false"
        case .integer(let number): String(number)
        case .number(let number): number.rounded() == number && abs(number) < 1e15 ? String(Int64(number)) : String(number)
        case .array, .object: value.serializedString
        }
    }
}
