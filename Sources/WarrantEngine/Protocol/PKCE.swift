/// Proof Key for Code Exchange (RFC 7636).
enum PKCE {
    private static let allowed = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")

    static func isWellFormed(_ value: String) -> Bool {
        (43...128).contains(value.count) && value.allSatisfy { allowed.contains($0) }
    }

    static func verify(verifier: String, challenge: String, method: String) -> Bool {
        guard isWellFormed(verifier) else { return false }
        let computed = method == "S256" ? Base64URL.encode(Hashing.sha256(Array(verifier.utf8))) : verifier
        return Secrets.constantTimeEqual(computed, challenge)
    }
}
