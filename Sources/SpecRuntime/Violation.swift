/// A JSON Pointer (RFC 6901) to a value inside a request: `/claims`, `/scopes/2`.
public struct JSONPath: Hashable, Sendable, CustomStringConvertible {
    public private(set) var pointer: String

    public static let root = JSONPath(pointer: "")

    public init(pointer: String) {
        self.pointer = pointer
    }

    /// The path of a member (RFC 6901: `~` and `/` in the name escaped). Paths are made for every member
    /// read, valid or not, so a name without those characters (nearly all) is taken as it is.
    public func appending(_ key: String) -> JSONPath {
        guard key.utf8.contains(where: { $0 == UInt8(ascii: "~") || $0 == UInt8(ascii: "/") }) else {
            return JSONPath(pointer: pointer + "/" + key)
        }
        var escaped = ""
        for character in key.unicodeScalars {
            switch character {
            case "~": escaped += "~0"
            case "/": escaped += "~1"
            default: escaped.unicodeScalars.append(character)
            }
        }
        return JSONPath(pointer: pointer + "/" + escaped)
    }

    public func appending(_ index: Int) -> JSONPath {
        JSONPath(pointer: pointer + "/" + String(index))
    }

    public var description: String { pointer.isEmpty ? "/" : pointer }
}

/// One thing wrong with a request or a value: where, and what.
public struct Violation: Hashable, Sendable, CustomStringConvertible {
    /// Which part of the HTTP request the value came from.
    public enum Location: String, Hashable, Sendable {
        case body, path, query, header
    }

    public var location: Location
    /// A JSON Pointer inside the body, or the parameter name for path, query and header values.
    public var path: String
    public var message: String

    public init(location: Location, path: String, message: String) {
        self.location = location
        self.path = path
        self.message = message
    }

    public var description: String { "\(location.rawValue) \(path.isEmpty ? "/" : path): \(message)" }

    public var jsonValue: JSONValue {
        .object(["in": .string(location.rawValue), "path": .string(path), "message": .string(message)])
    }
}

/// The violations found while decoding or validating, in the order they were found. All are counted; the
/// first ``maximumListed`` are kept, so a hostile request cannot make the answer (or the work) unbounded.
public struct Violations: Sendable {
    /// The most violations kept in ``list``.
    public static let maximumListed = 100

    /// Where the values being read came from; set before reading each part of a request.
    public var location: Violation.Location
    /// Values arrived as text (form bodies, query strings, paths, headers), so `"42"` may stand for 42.
    public var valuesAreText: Bool
    /// JSON scalars are read as the type asked for, as Java's JSON binders (Jackson) read them: a number or a
    /// boolean where a string is wanted is its text, a string where a number or boolean is wanted is parsed.
    public var coercesScalars = false
    /// Which message is being read, when it is known: a server reading a request drops the fields only
    /// responses carry (`readOnly`), a client reading a response those only requests carry (`writeOnly`).
    public var direction: MessageDirection?
    /// The first ``maximumListed`` violations.
    public private(set) var list: [Violation] = []
    /// How many violations were found, listed or not.
    public private(set) var count = 0

    public init(location: Violation.Location = .body, valuesAreText: Bool = false) {
        self.location = location
        self.valuesAreText = valuesAreText
    }

    public var isEmpty: Bool { count == 0 }

    public mutating func report(_ message: String, at path: JSONPath) {
        count += 1
        guard list.count < Self.maximumListed else { return }
        let text = location == .body ? path.pointer : String(path.pointer.dropFirst())
        list.append(Violation(location: location, path: text, message: message))
    }

    public mutating func append(contentsOf other: Violations) {
        count += other.count
        list.append(contentsOf: other.list.prefix(Self.maximumListed - list.count))
    }
}

/// Thrown by `validate()` and by decoding through `Codable`; lists every violation.
public struct ValidationError: Error, Hashable, Sendable, CustomStringConvertible {
    public var violations: [Violation]

    public init(violations: [Violation]) {
        self.violations = violations
    }

    public var description: String {
        "\(violations.count) violation(s): " + violations.map(\.description).joined(separator: "; ")
    }
}
