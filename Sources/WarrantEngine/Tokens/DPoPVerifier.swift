import SpecRuntime
import WarrantStore

/// The DPoP checks of one request, with the parts that need the store: a proof's jti is accepted once on every
/// node (the store's replay record, as for client assertions), and a required nonce must be one warrant gave out.
struct DPoPVerifier: Sendable {
    let store: any WarrantStore
    let nonces: DPoPNonces
    let now: @Sendable () -> Int64

    /// What the front end passed about DPoP: the proof, and the request it must be for.
    struct Presented: Sendable {
        var proof: String?
        var method: String
        /// Nil when neither the call nor the service says the endpoint's URL.
        var url: String?
        var accessToken: String? = nil
        /// The call's `dpopNonceRequired`: true requires nonces even where the service does not.
        var nonceRequired: Bool?
        var algorithms: Set<String> = DPoPProof.algorithms
    }

    /// The proof's key when there was a proof and it passed, nil when there was none; with the nonce to answer
    /// (`dpopNonce`) whenever nonces are required, refused or not.
    struct Outcome: Sendable {
        var result: Result<DPoPProof.Verified?, DPoPProof.Refusal>
        var nonce: String?
    }

    func check(_ presented: Presented, service: ServicePolicy) async throws -> Outcome {
        let nonceRequired = service.dpopNonceRequired || presented.nonceRequired == true
        let nonce = nonceRequired ? try await nonces.current(for: service) : nil
        func refused(_ refusal: DPoPProof.Refusal) -> Outcome { Outcome(result: .failure(refusal), nonce: nonce) }
        guard let proof = presented.proof else { return Outcome(result: .success(nil), nonce: nonce) }
        guard let url = presented.url else {
            return refused(.invalid("The endpoint's URL (htu) is unknown: the call must pass htu, or the service must name the endpoint."))
        }
        let time = now()
        let verified: DPoPProof.Verified
        let jti: String
        let expected = DPoPProof.Expectation(method: presented.method, url: url, accessToken: presented.accessToken, algorithms: presented.algorithms)
        switch await DPoPProof.verify(proof, expected: expected, now: time) {
        case .failure(let refusal): return refused(refusal)
        case .success(let outcome):
            verified = outcome.0
            jti = outcome.jti
            if nonceRequired {
                guard let given = outcome.nonce, try await nonces.accepts(given, for: service) else {
                    return refused(
                        DPoPProof.Refusal(
                            error: "use_dpop_nonce", description: "The DPoP proof must carry the nonce of the DPoP-Nonce header.",
                            result: .dpopNonceMissing))
                }
            }
        }
        let replayKey = Secrets.hash("dpop \(service.apiKey) \(verified.jkt) \(jti)")
        guard try await store.recordAssertion(hash: replayKey, expiresAt: DPoPProof.replayWindowEnd(now: time), now: time) else {
            return refused(.invalid("The DPoP proof was used before; make a new one for each request."))
        }
        return Outcome(result: .success(verified), nonce: nonce)
    }
}

/// Server nonces for DPoP (RFC 9449 §8) that every node accepts: each is stored (a ticket of kind `dpopNonce`)
/// until it expires. A node hands out its current nonce until half its lifetime has passed, then makes another,
/// so a client always holds one that stays good for at least half the lifetime.
actor DPoPNonces {
    private let store: any WarrantStore
    private let now: @Sendable () -> Int64
    private var current = BoundedCache<Int64, (value: String, renewAt: Int64)>(limit: 4096)
    /// Nonces found in the store (by service and hash), with their expiry; unknown ones are never cached.
    private var known = BoundedCache<String, Int64>(limit: 16384)

    init(store: any WarrantStore, now: @escaping @Sendable () -> Int64) {
        self.store = store
        self.now = now
    }

    func current(for service: ServicePolicy) async throws -> String {
        let time = now()
        if let nonce = current[service.apiKey], nonce.renewAt > time { return nonce.value }
        let value = Secrets.token()
        let expiresAt = Bounds.expiry(from: time, seconds: service.dpopNonceDuration)
        try await store.insertTicket(
            TicketRecord(
                hash: Secrets.hash(value), kind: .dpopNonce, serviceApiKey: service.apiKey, clientId: 0, payload: "{}", createdAt: time,
                expiresAt: expiresAt))
        // Renewed at half the lifetime, and at most once a second however short the lifetime.
        current[service.apiKey] = (value, time.saturatingAdding(max(1000, Bounds.milliseconds(fromSeconds: service.dpopNonceDuration) / 2)))
        known["\(service.apiKey) \(Secrets.hash(value))"] = expiresAt
        return value
    }

    func accepts(_ nonce: String, for service: ServicePolicy) async throws -> Bool {
        guard !nonce.isEmpty, nonce.utf8.count <= 256 else { return false }
        let hash = Secrets.hash(nonce)
        let key = "\(service.apiKey) \(hash)"
        let time = now()
        if let expiresAt = known[key] { return expiresAt >= time }
        guard let ticket = try await store.ticket(hash: hash, kind: .dpopNonce, serviceApiKey: service.apiKey, now: time) else { return false }
        known[key] = ticket.expiresAt
        return true
    }
}
