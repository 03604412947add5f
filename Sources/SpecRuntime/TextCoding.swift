import Foundation

/// A scalar that travels as text in a path, query string, header or form body.
public protocol TextEncodable {
    var textValue: String { get }
}

extension String: TextEncodable { public var textValue: String { self } }
extension Bool: TextEncodable { public var textValue: String { self ? "true" : "false" } }
extension Int32: TextEncodable { public var textValue: String { String(self) } }
extension Int64: TextEncodable { public var textValue: String { String(self) } }
extension Double: TextEncodable { public var textValue: String { String(self) } }
extension URL: TextEncodable { public var textValue: String { absoluteString } }
extension Date: TextEncodable { public var textValue: String { DateTimeText.format(self) } }

extension RawRepresentable where RawValue == String {
    public var textValue: String { rawValue }
}

/// Caps on a form body or query string, checked while it is parsed (before any authentication), so one
/// caller cannot make parsing slow or large.
public struct FormLimits: Sendable, Equatable {
    /// The most name–value pairs.
    public var maxPairs: Int
    /// The most times one name may repeat (`resource`, `audience`).
    public var maxRepeats: Int
    /// The longest name or value, in bytes once decoded.
    public var maxValueBytes: Int

    public init(maxPairs: Int = 256, maxRepeats: Int = 64, maxValueBytes: Int = 65_536) {
        self.maxPairs = maxPairs
        self.maxRepeats = maxRepeats
        self.maxValueBytes = maxValueBytes
    }

    public static let standard = FormLimits()
}

/// Why a form body or query string was refused.
public struct FormError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        case malformedEncoding, invalidUTF8, tooManyPairs, tooManyRepeats, tooLong
    }

    public var kind: Kind
    /// The parameter concerned, when there is one.
    public var name: String?
    public var description: String
}

/// `application/x-www-form-urlencoded`, as HTML forms and OAuth token requests send it.
public enum FormEncoding {
    /// Name–value pairs in order; `+` is a space. One pass over the bytes; every `%` must be followed by two
    /// hex digits and every decoded name and value must be UTF-8, so a value is never silently changed.
    public static func pairs(from text: some StringProtocol, limits: FormLimits = .standard) throws(FormError) -> [(name: String, value: String)] {
        try pairs(fromBytes: text.utf8, limits: limits)
    }

    /// The same, over raw bytes (a request body, which may not be UTF-8 at all).
    public static func pairs(fromBytes bytes: some Collection<UInt8>, limits: FormLimits = .standard) throws(FormError)
        -> [(name: String, value: String)]
    {
        var result: [(name: String, value: String)] = []
        var repeats: [String: Int] = [:]
        for part in bytes.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: true) {
            guard result.count < limits.maxPairs else {
                throw FormError(kind: .tooManyPairs, name: nil, description: "has more than \(limits.maxPairs) parameters")
            }
            let equals = part.firstIndex(of: UInt8(ascii: "="))
            let name = try decode(part[part.startIndex..<(equals ?? part.endIndex)], name: nil, limits: limits)
            var value = ""
            if let equals { value = try decode(part[part.index(after: equals)...], name: name, limits: limits) }
            let seen = repeats[name, default: 0] + 1
            guard seen <= limits.maxRepeats else {
                throw FormError(kind: .tooManyRepeats, name: name, description: "repeats '\(name)' more than \(limits.maxRepeats) times")
            }
            repeats[name] = seen
            result.append((name, value))
        }
        return result
    }

    /// The pairs as a JSON object: a name given once is a string, a repeated name an array of strings.
    public static func object(from text: some StringProtocol, limits: FormLimits = .standard) throws(FormError) -> JSONValue {
        object(from: try pairs(from: text, limits: limits))
    }

    public static func object(fromBytes bytes: some Collection<UInt8>, limits: FormLimits = .standard) throws(FormError) -> JSONValue {
        object(from: try pairs(fromBytes: bytes, limits: limits))
    }

    /// Pairs parsed already, as a JSON object.
    public static func object(from pairs: [(name: String, value: String)]) -> JSONValue {
        var values: [String: [JSONValue]] = [:]
        for (name, value) in pairs { values[name, default: []].append(.string(value)) }
        return .object(values.mapValues { $0.count == 1 ? $0[0] : .array($0) })
    }

    /// One percent-encoded component; `+` is a space in forms, not in paths.
    public static func decode(component: some StringProtocol, plusIsSpace: Bool = false) throws(FormError) -> String {
        try decode(component.utf8, name: nil, limits: FormLimits(maxValueBytes: .max), plusIsSpace: plusIsSpace)
    }

    private static func decode(
        _ bytes: some Collection<UInt8>, name: String?, limits: FormLimits, plusIsSpace: Bool = true
    ) throws(FormError) -> String {
        var output: [UInt8] = []
        output.reserveCapacity(min(bytes.count, limits.maxValueBytes))
        var index = bytes.startIndex
        while index != bytes.endIndex {
            var byte = bytes[index]
            index = bytes.index(after: index)
            if byte == UInt8(ascii: "%") {
                guard index != bytes.endIndex, let high = hexValue(bytes[index]) else { throw malformed(name) }
                index = bytes.index(after: index)
                guard index != bytes.endIndex, let low = hexValue(bytes[index]) else { throw malformed(name) }
                index = bytes.index(after: index)
                byte = high << 4 | low
            } else if byte == UInt8(ascii: "+"), plusIsSpace {
                byte = UInt8(ascii: " ")
            }
            guard output.count < limits.maxValueBytes else {
                throw FormError(
                    kind: .tooLong, name: name,
                    description: "\(name.map { "'\($0)'" } ?? "a parameter name") is longer than \(limits.maxValueBytes) bytes")
            }
            output.append(byte)
        }
        guard let text = String(validating: output, as: UTF8.self) else {
            throw FormError(kind: .invalidUTF8, name: name, description: "\(name.map { "'\($0)'" } ?? "a parameter name") is not UTF-8")
        }
        return text
    }

    private static func malformed(_ name: String?) -> FormError {
        FormError(
            kind: .malformedEncoding, name: name,
            description: "\(name.map { "'\($0)'" } ?? "a parameter name") has a % not followed by two hex digits")
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    public static func encode(_ pairs: [(name: String, value: String)]) -> String {
        pairs.map { "\(escape($0.name))=\(escape($0.value))" }.joined(separator: "&")
    }

    /// The body for a JSON object whose members are scalars or arrays of scalars.
    public static func encode(object: JSONValue) -> String {
        guard case .object(let members) = object else { return "" }
        var pairs: [(String, String)] = []
        for (key, member) in members.sorted(by: { $0.key < $1.key }) {
            switch member {
            case .array(let items): pairs += items.map { (key, text(of: $0)) }
            case .null: continue
            case let value: pairs.append((key, text(of: value)))
            }
        }
        return encode(pairs)
    }

    private static func text(of value: JSONValue) -> String {
        switch value {
        case .string(let text): text
        case .bool(let flag): flag ? "true" : "false"
        case .integer(let number): String(number)
        default: value.serializedString
        }
    }

    private static let unreserved = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~")

    public static func escape(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: unreserved) ?? text
    }
}

/// Percent-encodes one path segment.
public enum PathEncoding {
    private static let allowed = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~")

    public static func segment(_ value: some TextEncodable) -> String {
        value.textValue.addingPercentEncoding(withAllowedCharacters: allowed) ?? value.textValue
    }
}
