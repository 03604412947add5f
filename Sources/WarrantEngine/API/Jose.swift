import SpecRuntime
import WarrantAPI
import WarrantStore

/// /jose/verify: a front end checks a signed JWT with the service's or a client's keys.
extension WarrantEngine {
    public func joseVerify(_ input: Operations.JoseVerify.Input) async throws -> Operations.JoseVerify.Output {
        let (_, service) = try await access.service(input.path.serviceId, input.credentials)
        let body = input.body
        var problems: [String] = []
        let parts = body.jose.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let bytes = Base64URL.decode(String(parts[1])), case .object(let claims)? = try? JSONValue(parsing: Array(bytes))
        else {
            problems.append(parts.count == 5 ? "Encrypted JOSE objects (JWE) are not supported." : "The JOSE object is not a JWS with a JSON payload.")
            return .ok(Self.joseAnswer(signatureValid: false, missing: [], invalid: [], problems: problems))
        }

        let signatureValid: Bool
        if body.signedByClient == true {
            guard let identifier = body.clientIdentifier, !identifier.isEmpty,
                let (client, _) = try await clients.client(named: identifier, serviceApiKey: service.apiKey)
            else {
                throw APIFailure.invalid(
                    .malformedRequest, [Violation(location: .body, path: "/clientIdentifier", message: "must name a client of the service")])
            }
            if let jwks = client.document.jwks {
                signatureValid = (try? await signer.verified(body.jose, as: JSONClaims.self, jwks: jwks)) != nil
            } else {
                signatureValid = false
                problems.append("The client has registered no jwks; warrant does not fetch keys from jwksUri.")
            }
        } else {
            signatureValid = await signer.verifiedClaims(body.jose, serviceApiKey: service.apiKey) != nil
        }
        if !signatureValid, problems.isEmpty { problems.append("The signature does not verify with any of the keys.") }

        let missing = (body.mandatoryClaims ?? []).filter { claims[$0] == nil }
        for name in missing { problems.append("The claim '\(name)' is missing.") }
        var invalid: [String] = []
        let skew = Int64(body.clockSkew ?? 0)
        let seconds = now() / 1000
        for (name, check) in [("exp", { (time: Int64) in time.saturatingAdding(skew) >= seconds }), ("nbf", { $0.saturatingSubtracting(skew) <= seconds })]
        {
            guard let value = claims[name] else { continue }
            guard let time = Self.numericDate(value) else {
                invalid.append(name)
                problems.append("The claim '\(name)' is not a number of seconds.")
                continue
            }
            if !check(time) {
                invalid.append(name)
                problems.append(name == "exp" ? "The JWT has expired." : "The JWT is not valid yet.")
            }
        }
        return .ok(Self.joseAnswer(signatureValid: signatureValid, missing: missing, invalid: invalid, problems: problems))
    }

    /// A NumericDate (RFC 7519 §2): seconds, possibly with a fraction; nil for anything else or out of range.
    private static func numericDate(_ value: JSONValue) -> Int64? {
        switch value {
        case .integer(let seconds): return seconds
        case .number(let seconds) where seconds.isFinite && abs(seconds) < 1e15: return Int64(seconds.rounded(.down))
        default: return nil
        }
    }

    private static func joseAnswer(signatureValid: Bool, missing: [String], invalid: [String], problems: [String]) -> JoseVerifyResponse {
        let valid = signatureValid && missing.isEmpty && invalid.isEmpty && problems.isEmpty
        let result: ResultCode = valid ? .joseValid : .joseInvalid
        return JoseVerifyResponse(
            resultCode: result.code, resultMessage: result.message, valid: valid, signatureValid: signatureValid,
            missingClaims: missing, invalidClaims: invalid, errorDescriptions: problems.isEmpty ? nil : problems)
    }
}
