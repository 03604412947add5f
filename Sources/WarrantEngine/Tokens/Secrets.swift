import Crypto
import Foundation

/// Random values and their hashes. Every token, secret and ID comes from the system CSPRNG.
public enum Secrets {
    /// A 256-bit random value, base64url without padding (43 characters).
    public static func token() -> String {
        Base64URL.encode(randomBytes(32))
    }

    /// A short random identifier (96 bits) for things that are named but not secret.
    public static func identifier() -> String {
        Base64URL.encode(randomBytes(12))
    }

    /// Bytes from BoringSSL's CSPRNG (seeded by the kernel) in one call: a byte at a time through
    /// `SystemRandomNumberGenerator` was one `getrandom` system call per 8 bytes.
    static func randomBytes(_ count: Int) -> [UInt8] {
        SymmetricKey(size: SymmetricKeySize(bitCount: count * 8)).withUnsafeBytes { Array($0) }
    }

    /// A random numeric ID of 10 to 13 digits, as Authlete's service and client IDs look.
    public static func numericID() -> Int64 {
        var generator = SystemRandomNumberGenerator()
        return Int64.random(in: 1_000_000_000...9_999_999_999_999, using: &generator)
    }

    /// The SHA-256 of a secret, hex-encoded: what the store keeps instead of the secret.
    public static func hash(_ secret: String) -> String {
        Hex.encode(SHA256.hash(data: Array(secret.utf8)))
    }

    /// Compares in time that does not depend on where the values differ.
    public static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let a = Array(a.utf8), b = Array(b.utf8)
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in a.indices { difference |= a[index] ^ b[index] }
        return difference == 0
    }
}

/// Lowercase hexadecimal, written byte by byte (`String(format:)` costs a formatter per byte).
public enum Hex {
    private static let digits = Array("0123456789abcdef".utf8)

    public static func encode(_ bytes: some Sequence<UInt8>) -> String {
        var output: [UInt8] = []
        output.reserveCapacity(64)
        for byte in bytes {
            output.append(digits[Int(byte >> 4)])
            output.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: output, as: UTF8.self)
    }
}

/// Base64url without padding (RFC 4648 §5), as JOSE and OAuth write it: Foundation's base64 with the two
/// characters swapped in one pass over the bytes.
public enum Base64URL {
    public static func encode(_ bytes: some Sequence<UInt8>) -> String {
        var output = Array(Data(bytes).base64EncodedData())
        while output.last == UInt8(ascii: "=") { output.removeLast() }
        for index in output.indices {
            switch output[index] {
            case UInt8(ascii: "+"): output[index] = UInt8(ascii: "-")
            case UInt8(ascii: "/"): output[index] = UInt8(ascii: "_")
            default: break
            }
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// Nil for text that is not base64url (standard base64's `+`, `/` and `=` included).
    public static func decode(_ text: String) -> Data? {
        var base64: [UInt8] = []
        base64.reserveCapacity(text.utf8.count + 3)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "-"): base64.append(UInt8(ascii: "+"))
            case UInt8(ascii: "_"): base64.append(UInt8(ascii: "/"))
            case UInt8(ascii: "+"), UInt8(ascii: "/"), UInt8(ascii: "="): return nil
            default: base64.append(byte)
            }
        }
        while base64.count % 4 != 0 { base64.append(UInt8(ascii: "=")) }
        return Data(base64Encoded: Data(base64))
    }
}
