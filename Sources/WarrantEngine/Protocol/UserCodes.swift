import WarrantAPI

/// Device flow user codes (RFC 8628 §6.1): random characters a person reads on one screen and types on
/// another, from a set without look-alikes, compared without regard to case, hyphens or spaces.
struct UserCodes: Sendable {
    /// Where ``ServicePolicy/DeviceFlowPolicy/verificationUriComplete`` takes the code.
    static let placeholder = "USER_CODE"
    /// Consonants without vowels (no words) and without look-alikes of digits.
    static let base20 = Array("BCDFGHJKLMNPQRSTVWXZ".utf8)
    static let digits = Array("0123456789".utf8)
    /// The shortest codes of 33 bits at least: 20^8 and 10^10 (RFC 8628 §6.1's examples carry 34 and 30),
    /// which ``WrongCodeLimiter`` keeps out of reach of guessing.
    static let shortestBase20 = 8
    static let shortestNumeric = 10
    /// What a user may type, hyphens and spaces included, before it is refused unread.
    static let longestTyped = 64

    let characters: [UInt8]
    let length: Int

    /// A length of 0 means the default; a stored one below the least (written before it was checked) is raised.
    init(charset: UserCodeCharset, length: Int) {
        let numeric = charset == .numeric
        characters = numeric ? Self.digits : Self.base20
        let shortest = numeric ? Self.shortestNumeric : Self.shortestBase20
        self.length = length == 0 ? shortest : min(max(length, shortest), 32)
    }

    static func lengthProblem(_ length: Int, charset: UserCodeCharset) -> String? {
        switch charset {
        case .base20: length < shortestBase20 ? "must be at least \(shortestBase20) for BASE20 codes (33 bits), or 0 for 8" : nil
        case .numeric: length < shortestNumeric ? "must be at least \(shortestNumeric) for NUMERIC codes (33 bits), or 0 for 10" : nil
        case .unknown: nil
        }
    }

    /// A new code: each character drawn uniformly (bytes past the last whole multiple of the set's size are
    /// drawn again).
    func make() -> String {
        let size = characters.count
        let limit = 256 - 256 % size
        var code: [UInt8] = []
        code.reserveCapacity(length)
        while code.count < length {
            for byte in Secrets.randomBytes(length * 2) where Int(byte) < limit && code.count < length {
                code.append(characters[Int(byte) % size])
            }
        }
        return String(decoding: code, as: UTF8.self)
    }

    /// The code as stored: upper case, without hyphens and white space; nil for what cannot be a code of this
    /// set (too long, or another character), so that nothing is looked up for it.
    func normalized(_ typed: String) -> String? {
        guard typed.utf8.count <= Self.longestTyped else { return nil }
        var code: [UInt8] = []
        for byte in typed.utf8 {
            switch byte {
            case UInt8(ascii: "-"), UInt8(ascii: " "), UInt8(ascii: "\t"): continue
            case UInt8(ascii: "a")...UInt8(ascii: "z"): code.append(byte - 32)
            default: code.append(byte)
            }
        }
        guard code.count == length, code.allSatisfy(characters.contains) else { return nil }
        return String(decoding: code, as: UTF8.self)
    }
}
