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

/// `application/x-www-form-urlencoded`, as HTML forms and OAuth token requests send it.
public enum FormEncoding {
    /// Name–value pairs in order; `+` is a space.
    public static func pairs(from text: some StringProtocol) -> [(name: String, value: String)] {
        text.split(separator: "&", omittingEmptySubsequences: true).map { part in
            let pieces = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = decode(pieces[0])
            let value = pieces.count > 1 ? decode(pieces[1]) : ""
            return (name, value)
        }
    }

    /// The pairs as a JSON object: a name given once is a string, a repeated name an array of strings.
    public static func object(from text: some StringProtocol) -> JSONValue {
        var members: [String: JSONValue] = [:]
        for (name, value) in pairs(from: text) {
            switch members[name] {
            case nil: members[name] = .string(value)
            case .array(let values)?: members[name] = .array(values + [.string(value)])
            case let existing?: members[name] = .array([existing, .string(value)])
            }
        }
        return .object(members)
    }

    public static func encode(_ pairs: [(name: String, value: String)]) -> String {
        pairs.map { "\(escape($0.name))=\(escape($0.value))" }.joined(separator: "&")
    }

    /// The body for a JSON object whose members are scalars or arrays of scalars.
    public static func encode(object: JSONValue) -> String {
        guard case .object(let members) = object else { return "" }
        var pairs: [(String, String)] = []
        for key in members.keys.sorted() {
            switch members[key]! {
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

    private static func decode(_ text: some StringProtocol) -> String {
        let spaced = text.replacingOccurrences(of: "+", with: " ")
        return spaced.removingPercentEncoding ?? spaced
    }
}

/// Percent-encodes one path segment.
public enum PathEncoding {
    private static let allowed = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~")

    public static func segment(_ value: some TextEncodable) -> String {
        value.textValue.addingPercentEncoding(withAllowedCharacters: allowed) ?? value.textValue
    }
}
