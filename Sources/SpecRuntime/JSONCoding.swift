import Foundation

/// A type that reads itself from a ``JSONValue``, reporting every problem instead of stopping at the first.
public protocol JSONDecodable {
    /// Returns nil after reporting at least one violation when `json` does not fit.
    init?(json: JSONValue, at path: JSONPath, violations: inout Violations)
}

/// A type that writes itself as a ``JSONValue``.
public protocol JSONEncodable {
    var jsonValue: JSONValue { get }
}

public typealias JSONCodable = JSONDecodable & JSONEncodable

extension JSONDecodable {
    /// Decodes JSON bytes, throwing a ``ValidationError`` that lists every problem.
    /// Decodes a whole message; `direction` says which, for the fields only one direction carries.
    public init(jsonData data: some Collection<UInt8>, direction: MessageDirection? = nil) throws {
        let json: JSONValue
        do {
            json = try JSONValue(parsing: data)
        } catch {
            throw ValidationError(violations: [Violation(location: .body, path: "", message: error.description)])
        }
        var violations = Violations()
        violations.direction = direction
        guard let value = Self(json: json, at: .root, violations: &violations) else {
            throw ValidationError(violations: violations.list)
        }
        self = value
    }
}

extension JSONEncodable {
    public func jsonData() -> [UInt8] { jsonValue.serialized() }
}

// MARK: Reading object members

extension Violations {
    /// The members of an object, or nil after reporting that the value is not one.
    public mutating func object(_ json: JSONValue, at path: JSONPath) -> [String: JSONValue]? {
        if case .object(let members) = json { return members }
        report("must be an object, not \(json.kindName)", at: path)
        return nil
    }

    /// A member that must be present and not null.
    public mutating func required<T: JSONDecodable>(
        _ type: T.Type, _ key: String, in object: [String: JSONValue], at path: JSONPath
    ) -> T? {
        guard let value = object[key], value != .null else {
            report("is required", at: path.appending(key))
            return nil
        }
        return T(json: value, at: path.appending(key), violations: &self)
    }

    /// A member that may be absent or null.
    public mutating func optional<T: JSONDecodable>(
        _ type: T.Type, _ key: String, in object: [String: JSONValue], at path: JSONPath
    ) -> T? {
        guard let value = object[key], value != .null else { return nil }
        return T(json: value, at: path.appending(key), violations: &self)
    }

    /// Reports a value of the wrong kind; a form or query key given twice for a single value says so.
    public mutating func mismatch(expected: String, _ json: JSONValue, at path: JSONPath) {
        if case .array = json, valuesAreText {
            report("must appear only once", at: path)
        } else if case .string = json, valuesAreText {
            // Text is all a form, query, path or header can carry; only its content can be wrong.
            report("must be \(expected)", at: path)
        } else {
            report("must be \(expected), not \(json.kindName)", at: path)
        }
    }
}

// MARK: Scalars

extension String: JSONCodable {
    public init?(json: JSONValue, at path: JSONPath, violations: inout Violations) {
        switch json {
        case .string(let value): self = value
        case .integer(let value) where violations.coercesScalars: self = String(value)
        case .number where violations.coercesScalars: self = json.serializedString
        case .bool where violations.coercesScalars: self = json.serializedString
        default:
            violations.mismatch(expected: "a string", json, at: path)
            return nil
        }
    }

    public var jsonValue: JSONValue { .string(self) }
}

extension Bool: JSONCodable {
    public init?(json: JSONValue, at path: JSONPath, violations: inout Violations) {
        switch json {
        case .bool(let value): self = value
        // Text values compare without case: Python's requests sends query flags as True and False.
        case .string(let text) where (violations.valuesAreText || violations.coercesScalars) && ["true", "false"].contains(text.lowercased()):
            self = text.lowercased() == "true"
        default:
            violations.mismatch(expected: "true or false", json, at: path)
            return nil
        }
    }

    public var jsonValue: JSONValue { .bool(self) }
}

extension Int64: JSONCodable {
    public init?(json: JSONValue, at path: JSONPath, violations: inout Violations) {
        switch json {
        case .integer(let value): self = value
        case .number(let value) where value == value.rounded() && abs(value) < 9.2e18: self = Int64(value)
        case .string(let text) where violations.valuesAreText || violations.coercesScalars:
            guard let value = Int64(text) else {
                violations.mismatch(expected: "an integer", json, at: path)
                return nil
            }
            self = value
        case .number:
            violations.report("must be an integer, not a fraction", at: path)
            return nil
        default:
            violations.mismatch(expected: "an integer", json, at: path)
            return nil
        }
    }

    public var jsonValue: JSONValue { .integer(self) }
}

extension Int32: JSONCodable {
    public init?(json: JSONValue, at path: JSONPath, violations: inout Violations) {
        let before = violations.count
        guard let wide = Int64(json: json, at: path, violations: &violations) else { return nil }
        guard let value = Int32(exactly: wide) else {
            if violations.count == before {
                violations.report("must be an integer from \(Int32.min) to \(Int32.max)", at: path)
            }
            return nil
        }
        self = value
    }

    public var jsonValue: JSONValue { .integer(Int64(self)) }
}

extension Double: JSONCodable {
    public init?(json: JSONValue, at path: JSONPath, violations: inout Violations) {
        switch json {
        case .integer(let value): self = Double(value)
        case .number(let value): self = value
        case .string(let text) where violations.valuesAreText || violations.coercesScalars:
            guard let value = Double(text), value.isFinite else {
                violations.mismatch(expected: "a number", json, at: path)
                return nil
            }
            self = value
        default:
            violations.mismatch(expected: "a number", json, at: path)
            return nil
        }
    }

    public var jsonValue: JSONValue { .number(self) }
}

extension URL: JSONCodable {
    public init?(json: JSONValue, at path: JSONPath, violations: inout Violations) {
        guard let text = String(json: json, at: path, violations: &violations) else { return nil }
        guard let url = URL(string: text), url.scheme != nil else {
            violations.report("must be an absolute URL", at: path)
            return nil
        }
        self = url
    }

    public var jsonValue: JSONValue { .string(absoluteString) }
}

extension Date: JSONCodable {
    public init?(json: JSONValue, at path: JSONPath, violations: inout Violations) {
        guard let text = String(json: json, at: path, violations: &violations) else { return nil }
        guard let date = DateTimeText.parse(text) else {
            violations.report("must be an RFC 3339 date-time such as 2024-05-01T12:00:00Z", at: path)
            return nil
        }
        self = date
    }

    public var jsonValue: JSONValue { .string(DateTimeText.format(self)) }
}

/// RFC 3339 date-times, with or without fractional seconds.
enum DateTimeText {
    static func parse(_ text: String) -> Date? {
        if let date = try? Date(text, strategy: .iso8601) { return date }
        return try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }

    static func format(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: date.timeIntervalSince1970.rounded() != date.timeIntervalSince1970))
    }
}

extension JSONValue: JSONCodable {
    public init?(json: JSONValue, at path: JSONPath, violations: inout Violations) {
        self = json
    }

    public var jsonValue: JSONValue { self }
}

// MARK: Containers

extension Array: JSONDecodable where Element: JSONDecodable {
    public init?(json: JSONValue, at path: JSONPath, violations: inout Violations) {
        let items: [JSONValue]
        switch json {
        case .array(let values): items = values
        // A form or query key given once is a list of one.
        case .string where violations.valuesAreText: items = [json]
        default:
            violations.report("must be an array, not \(json.kindName)", at: path)
            return nil
        }
        let before = violations.count
        var result: [Element] = []
        result.reserveCapacity(items.count)
        for (index, item) in items.enumerated() {
            if let element = Element(json: item, at: path.appending(index), violations: &violations) {
                result.append(element)
            }
        }
        guard violations.count == before else { return nil }
        self = result
    }
}

extension Array: JSONEncodable where Element: JSONEncodable {
    public var jsonValue: JSONValue { .array(map(\.jsonValue)) }
}

extension Dictionary: JSONDecodable where Key == String, Value: JSONDecodable {
    public init?(json: JSONValue, at path: JSONPath, violations: inout Violations) {
        guard let members = violations.object(json, at: path) else { return nil }
        let before = violations.count
        var result: [String: Value] = [:]
        for (key, member) in members {
            if let value = Value(json: member, at: path.appending(key), violations: &violations) { result[key] = value }
        }
        guard violations.count == before else { return nil }
        self = result
    }
}

extension Dictionary: JSONEncodable where Key == String, Value: JSONEncodable {
    public var jsonValue: JSONValue { .object(mapValues(\.jsonValue)) }
}

// MARK: Codable through JSONValue

/// Lets generated types conform to `Codable` by way of their JSON conversions, so `JSONDecoder`
/// reports the same complete list of problems as the server does.
public enum CodableBridge {
    public static func decode<T: JSONDecodable>(_ type: T.Type, from decoder: any Decoder) throws -> T {
        let json = try JSONValue(from: decoder)
        var violations = Violations()
        guard let value = T(json: json, at: .root, violations: &violations) else {
            throw DecodingError.dataCorrupted(
                DecodingError.Context(
                    codingPath: decoder.codingPath,
                    debugDescription: ValidationError(violations: violations.list).description,
                    underlyingError: ValidationError(violations: violations.list)))
        }
        return value
    }

    public static func encode(_ value: some JSONEncodable, to encoder: any Encoder) throws {
        try value.jsonValue.encode(to: encoder)
    }
}

/// The two kinds of message an API exchanges, for fields that only one of them carries.
public enum MessageDirection: Sendable {
    case request, response

    /// The message being encoded on this task, when generated code says: `jsonValue` leaves out
    /// `readOnly` fields from requests and `writeOnly` fields from responses.
    @TaskLocal public static var encoding: MessageDirection?
}
