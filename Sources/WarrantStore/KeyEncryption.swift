import Crypto
import Foundation

/// Seals the private signing keys the database keeps, with AES-256-GCM under a key-encryption key (KEK) that
/// the database never sees: a copy of the database (a backup, a replica, a dump) holds no usable private key.
///
/// A sealed value is `kek1:<KEK id>:<base64 of nonce, ciphertext and tag>`. The KEK id (the first 8 bytes of
/// the KEK's SHA-256, in hex) says which KEK sealed it, so a rotation can keep older KEKs to open what they
/// sealed while the current one seals everything new (and `warrant rekey` reseals the rest). The row's key
/// ID and service are the authenticated data: a sealed key copied into another row does not open.
/// A value that is not sealed (a JWK, stored before a KEK was configured) opens as itself.
public struct KeyEncryption: Sendable {
    public struct Key: Sendable {
        public let id: String
        let key: SymmetricKey

        /// - Parameter text: 32 bytes, as base64 (standard or URL alphabet) or 64 hex digits.
        public init(_ text: String) throws(KeyEncryptionError) {
            let text = text.trimmingCharacters(in: .whitespacesAndNewlines)
            guard let bytes = Self.hex(text) ?? Self.base64(text), bytes.count == 32 else { throw .malformedKey }
            key = SymmetricKey(data: bytes)
            id = SHA256.hash(data: bytes).prefix(8).map { String(format: "%02x", $0) }.joined()
        }

        private static func hex(_ text: String) -> [UInt8]? {
            let digits = Array(text.utf8)
            guard digits.count == 64 else { return nil }
            func value(_ digit: UInt8) -> UInt8? {
                switch digit {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
                case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
                case UInt8(ascii: "A")...UInt8(ascii: "F"): digit - UInt8(ascii: "A") + 10
                default: nil
                }
            }
            var bytes: [UInt8] = []
            for index in stride(from: 0, to: 64, by: 2) {
                guard let high = value(digits[index]), let low = value(digits[index + 1]) else { return nil }
                bytes.append(high << 4 | low)
            }
            return bytes
        }

        private static func base64(_ text: String) -> [UInt8]? {
            var standard = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
            standard += String(repeating: "=", count: (4 - standard.count % 4) % 4)
            return Data(base64Encoded: standard).map(Array.init)
        }
    }

    /// Seals new values; nil stores them as they are.
    public let current: Key?
    /// Open what they sealed, during a rotation.
    public let previous: [Key]

    public init(current: Key?, previous: [Key] = []) {
        self.current = current
        self.previous = previous.filter { $0.id != current?.id }
    }

    /// No KEK: keys are stored as they are.
    public static let none = KeyEncryption(current: nil)

    static let prefix = "kek1:"

    /// The KEK id a stored value is sealed with; nil when it is not sealed.
    static func sealer(of stored: String) -> String? {
        guard stored.hasPrefix(prefix) else { return nil }
        return stored.dropFirst(prefix.count).split(separator: ":", maxSplits: 1).first.map(String.init)
    }

    func seal(_ plaintext: String, binding: String) throws -> String {
        guard let current else { return plaintext }
        let box = try AES.GCM.seal(Data(plaintext.utf8), using: current.key, authenticating: Data(binding.utf8))
        guard let combined = box.combined else { throw KeyEncryptionError.sealFailed }
        return Self.prefix + current.id + ":" + combined.base64EncodedString()
    }

    func open(_ stored: String, binding: String) throws(KeyEncryptionError) -> String {
        guard let id = Self.sealer(of: stored) else { return stored }
        guard let key = ([current].compactMap { $0 } + previous).first(where: { $0.id == id }) else { throw .unknownKey(id) }
        let encoded = stored.dropFirst(Self.prefix.count + id.count + 1)
        guard let combined = Data(base64Encoded: String(encoded)),
            let box = try? AES.GCM.SealedBox(combined: combined),
            let plaintext = try? AES.GCM.open(box, using: key.key, authenticating: Data(binding.utf8))
        else { throw .corrupt }
        return String(decoding: plaintext, as: UTF8.self)
    }
}

public enum KeyEncryptionError: Error, Equatable, CustomStringConvertible {
    case malformedKey
    /// Sealed with a KEK that is not configured.
    case unknownKey(String)
    /// The sealed value does not open with its KEK: altered, or moved to another row.
    case corrupt
    case sealFailed

    public var description: String {
        switch self {
        case .malformedKey: "A key-encryption key must be 32 bytes, written as base64 or as 64 hex digits."
        case .unknownKey(let id): "A signing key is sealed with key-encryption key \(id), which is not configured."
        case .corrupt: "A sealed signing key does not open: it was altered or moved to another row."
        case .sealFailed: "A signing key could not be sealed."
        }
    }
}
