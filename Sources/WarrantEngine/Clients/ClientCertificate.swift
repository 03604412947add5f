import Foundation
import SpecRuntime
import SwiftASN1
import X509

/// A TLS client certificate the front end received (RFC 8705), parsed with swift-certificates: what mutual-TLS
/// client authentication matches and what certificate-bound tokens are bound to.
struct ClientCertificate: Sendable {
    let certificate: Certificate
    /// The DER bytes, whose SHA-256 is the thumbprint.
    let der: [UInt8]

    /// Nil when `pem` is not one PEM certificate. Line lengths and whitespace inside the base64 do not
    /// matter: TLS terminators pass certificates with their own line breaks, or none.
    init?(pem: String) {
        let begin = "-----BEGIN CERTIFICATE-----", end = "-----END CERTIFICATE-----"
        guard let start = pem.range(of: begin), let stop = pem.range(of: end, range: start.upperBound..<pem.endIndex),
            pem[stop.upperBound...].trimmingCharacters(in: .whitespacesAndNewlines).isEmpty,
            pem[..<start.lowerBound].trimmingCharacters(in: .whitespacesAndNewlines).isEmpty
        else { return nil }
        let body = pem[start.upperBound..<stop.lowerBound].filter { !$0.isWhitespace }
        guard let bytes = Data(base64Encoded: String(body)), let certificate = try? Certificate(derEncoded: Array(bytes)) else { return nil }
        self.certificate = certificate
        der = Array(bytes)
    }

    /// What a front end passed: the certificate and the intermediates the client sent, parsed; nil when it
    /// passed none, and a description of what does not parse otherwise.
    struct Presented: Sendable {
        var leaf: ClientCertificate
        var intermediates: [ClientCertificate]

        static func parse(_ pem: String?, path: [String]?) -> Result<Presented?, OAuthError> {
            guard let pem else { return .success(nil) }
            guard let leaf = ClientCertificate(pem: pem) else {
                return .failure(.invalidRequest("The client certificate the front end passed is not a PEM certificate."))
            }
            var intermediates: [ClientCertificate] = []
            for text in path ?? [] {
                guard let certificate = ClientCertificate(pem: text) else {
                    return .failure(.invalidRequest("A certificate of clientCertificatePath is not a PEM certificate."))
                }
                intermediates.append(certificate)
            }
            return .success(Presented(leaf: leaf, intermediates: intermediates))
        }
    }

    /// `x5t#S256` (RFC 8705 §3.1): the base64url SHA-256 of the DER certificate.
    var thumbprint: String { Base64URL.encode(Hashing.sha256(der)) }

    /// tls_client_auth (RFC 8705 §2.1.2): a certificate for a client (not a CA; for client authentication
    /// when it says what it is for) with the one subject DN or SAN the client registered.
    func matches(_ registration: ClientPolicy.TLSIdentity) -> Bool {
        guard case .notCertificateAuthority? = try? certificate.extensions.basicConstraints ?? .notCertificateAuthority else { return false }
        if let usages = (try? certificate.extensions.extendedKeyUsage) ?? nil, !usages.contains(.clientAuth), !usages.contains(.any) {
            return false
        }
        let names: [GeneralName] = ((try? certificate.extensions.subjectAlternativeNames) ?? nil).map(Array.init) ?? []
        switch registration {
        case .subjectDN(let dn): return Self.normalizedDN(certificate.subject.description) == Self.normalizedDN(dn)
        case .dns(let name): return names.contains { if case .dnsName(let value) = $0 { value.lowercased() == name.lowercased() } else { false } }
        case .uri(let uri): return names.contains { if case .uniformResourceIdentifier(let value) = $0 { value == uri } else { false } }
        case .email(let email):
            // The local part is case-sensitive (RFC 5321 §2.4); the domain is not.
            return names.contains { if case .rfc822Name(let value) = $0 { Self.sameAddress(value, email) } else { false } }
        case .ip(let address):
            guard let bytes = Self.addressBytes(address) else { return false }
            return names.contains { if case .ipAddress(let value) = $0 { Array(value.bytes) == bytes } else { false } }
        }
    }

    /// self_signed_tls_client_auth (RFC 8705 §2.2): the certificate is the first of an `x5c` in the client's
    /// registered JWK Set (the key named `selfSignedCertificateKeyId` when the client named one).
    func isRegistered(in jwks: String?, keyId: String?) -> Bool {
        guard let jwks, let keys = (try? JSONValue(parsing: Array(jwks.utf8)))?["keys"]?.arrayValue else { return false }
        for key in keys where keyId == nil || key["kid"]?.stringValue == keyId {
            // x5c holds standard base64, not base64url (RFC 7517 §4.7).
            if let first = key["x5c"]?.arrayValue?.first?.stringValue, let bytes = Data(base64Encoded: first), Array(bytes) == der {
                return true
            }
        }
        return false
    }

    /// Whether the certificate chains, through `intermediates`, to one of `roots` and is valid at `now`
    /// (RFC 5280 path validation by swift-certificates).
    func chains(to roots: [Certificate], intermediates: [ClientCertificate], at now: Date) async -> Bool {
        guard !roots.isEmpty else { return false }
        var verifier = Verifier(rootCertificates: CertificateStore(roots)) { RFC5280Policy(validationTime: now) }
        let result = await verifier.validate(leaf: certificate, intermediates: CertificateStore(intermediates.map(\.certificate)))
        if case .validCertificate = result { return true }
        return false
    }

    /// A DN as RFC 4514 text, compared without the spaces people put around `,` and `=`, and without case in
    /// attribute types; an escaped comma (`\,`) stays inside its value.
    static func normalizedDN(_ text: String) -> String {
        var parts: [String] = []
        var current = ""
        var escaped = false
        for character in text {
            if escaped {
                current.append(character)
                escaped = false
            } else if character == "\\" {
                current.append(character)
                escaped = true
            } else if character == "," {
                parts.append(current)
                current = ""
            } else {
                current.append(character)
            }
        }
        parts.append(current)
        return parts.map { part in
            let pair = part.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            return pair.count == 2 ? pair[0].uppercased() + "=" + pair[1] : part.trimmingCharacters(in: .whitespaces)
        }.joined(separator: ",")
    }

    static func sameAddress(_ a: String, _ b: String) -> Bool {
        guard let at = a.lastIndex(of: "@"), let other = b.lastIndex(of: "@") else { return a == b }
        return a[..<at] == b[..<other] && a[at...].lowercased() == b[other...].lowercased()
    }

    /// An IPv4 or IPv6 address as the bytes a certificate's iPAddress SAN holds.
    static func addressBytes(_ text: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 { return withUnsafeBytes(of: &v4) { Array($0) } }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 { return withUnsafeBytes(of: &v6) { Array($0) } }
        return nil
    }
}
