import SQLKit

/// A stored private signing key that does not open, named so the operator can find it.
public struct SigningKeyUnreadable: Error, Equatable, CustomStringConvertible {
    public var kid: String
    public var serviceApiKey: Int64
    public var reason: KeyEncryptionError

    public var description: String { "Signing key \(kid) of service \(serviceApiKey): \(reason)" }
}

/// How the stored private signing keys are sealed (``KeyEncryption``).
public struct KeyEncryptionReport: Sendable, Equatable {
    /// Keys stored as they are, with no KEK.
    public var unsealed = 0
    /// Keys sealed, by the id of the KEK that sealed them.
    public var sealed: [String: Int] = [:]

    /// KEK ids that seal some key but are not among `encryption`'s: those keys cannot be used.
    public func missing(from encryption: KeyEncryption) -> [String] {
        let known = Set(([encryption.current].compactMap { $0 } + encryption.previous).map(\.id))
        return sealed.keys.filter { !known.contains($0) }.sorted()
    }

    /// Keys that `warrant rekey` would reseal: not as the current KEK (or its absence) would store them.
    public func stale(for encryption: KeyEncryption) -> Int {
        guard let current = encryption.current else { return sealed.values.reduce(0, +) }
        return unsealed + sealed.filter { $0.key != current.id }.values.reduce(0, +)
    }
}

extension SQLStore {
    /// The binding of a sealed key to its row.
    private static func binding(_ key: SigningKeyRecord) -> String { "warrant signing key \(key.serviceApiKey) \(key.kid)" }

    func sealed(_ key: SigningKeyRecord) throws -> SigningKeyRecord {
        var stored = key
        stored.privateJWK = try keyEncryption.seal(key.privateJWK, binding: Self.binding(key))
        return stored
    }

    func opened(_ stored: SigningKeyRecord) throws(SigningKeyUnreadable) -> SigningKeyRecord {
        var key = stored
        do {
            key.privateJWK = try keyEncryption.open(stored.privateJWK, binding: Self.binding(stored))
        } catch {
            throw SigningKeyUnreadable(kid: stored.kid, serviceApiKey: stored.serviceApiKey, reason: error)
        }
        return key
    }

    /// Counts the stored keys by the KEK that sealed them. Reads only the start of each value, never a key.
    public func keyEncryptionReport() async throws -> KeyEncryptionReport {
        let rows = try await session.read { db in
            try await db.raw(
                "SELECT SUBSTR(private_jwk, 1, \(literal: KeyEncryption.prefix.count + 16)) AS head, COUNT(*) AS keys FROM signing_keys GROUP BY head"
            ).all()
        }
        var report = KeyEncryptionReport()
        for row in rows {
            let head = try row.decode(column: "head", as: String.self)
            let count = try row.decode(column: "keys", as: Int.self)
            if let id = KeyEncryption.sealer(of: head) { report.sealed[id, default: 0] += count } else { report.unsealed += count }
        }
        return report
    }

    /// Reseals every stored key that the current KEK did not seal (or, with no current KEK, stores them
    /// unsealed), in small transactions; returns how many. Safe while nodes serve: a row that a rotation
    /// changed or deleted meanwhile is left to it, and what a key opens to does not change, so no cache needs
    /// dropping.
    public func rekey() async throws -> Int {
        let current = keyEncryption.current.map { KeyEncryption.prefix + $0.id + ":%" }
        var resealed = 0
        while true {
            let batch = try await session.read { db in
                let query = db.select().column("*").from("signing_keys").orderBy("kid").limit(100)
                if let current {
                    query.where(SQLIdentifier("private_jwk"), .notLike, SQLBind(current))
                } else {
                    query.where(SQLIdentifier("private_jwk"), .like, SQLBind(KeyEncryption.prefix + "%"))
                }
                return try await query.all().map(Self.signingKey)
            }
            if batch.isEmpty { return resealed }
            let replacements = try batch.map { (old: $0.privateJWK, record: try sealed(try opened($0))) }
            let changed = try await session.transaction { db in
                var changed = 0
                for replacement in replacements {
                    let rows = try await db.update("signing_keys").set("private_jwk", to: replacement.record.privateJWK)
                        .where("kid", .equal, replacement.record.kid).where("private_jwk", .equal, replacement.old)
                        .returning("kid").all()
                    changed += rows.count
                }
                return changed
            }
            resealed += changed
            // Rows that changed under us are not read again forever: a batch that resealed nothing ends it.
            if changed == 0 { return resealed }
        }
    }
}
