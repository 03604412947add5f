/// A generated enum: its known values plus `unknown(String)` for values a newer server may send.
///
/// Decoding never fails on an unknown value (a client must not break when the API grows); validation
/// reports it, so a server still refuses values it does not define.
public protocol OpenEnum: RawRepresentable, Hashable, Sendable, Codable, JSONCodable, TextEncodable, Validatable
where RawValue == String {
    /// The values this version of the API defines.
    static var knownValues: [Self] { get }
    init(rawValue: String)
    /// The deprecated values among them. Generated enums implement these two as deprecated, and generated
    /// code reaches them through ``OpenEnumSupport``, so that only code that names a deprecated case is warned.
    static var deprecatedValues: [Self] { get }
    static func deprecatedValue(_ rawValue: String) -> Self?
}

extension OpenEnum {
    public static var deprecatedValues: [Self] { [] }
    public static func deprecatedValue(_ rawValue: String) -> Self? { nil }
}

/// Reaches an enum's deprecated values through its `OpenEnum` conformance, where the compiler does not
/// warn: the warnings are for the code that uses a deprecated value, not for the code generated with it.
public enum OpenEnumSupport {
    public static func deprecatedValues<T: OpenEnum>(of type: T.Type) -> [T] { T.deprecatedValues }
    public static func deprecatedValue<T: OpenEnum>(of type: T.Type, _ rawValue: String) -> T? { T.deprecatedValue(rawValue) }
}

extension OpenEnum {
    public var isKnown: Bool { Self.knownValues.contains(self) }

    public init?(json: JSONValue, at path: JSONPath, violations: inout Violations) {
        guard let text = String(json: json, at: path, violations: &violations) else { return nil }
        self.init(rawValue: text)
    }

    public var jsonValue: JSONValue { .string(rawValue) }

    public init(from decoder: any Decoder) throws {
        self.init(rawValue: try decoder.singleValueContainer().decode(String.self))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }

    public func validate(at path: JSONPath, violations: inout Violations) {
        guard !isKnown else { return }
        let allowed = Self.knownValues.map(\.rawValue).joined(separator: ", ")
        violations.report("must be one of \(allowed); '\(rawValue)' is not", at: path)
    }
}

extension Violations {
    /// Validates parameters decoded from one part of the request, reporting them under that part.
    public mutating func validate(_ value: some Validatable, in location: Violation.Location) {
        self.location = location
        value.validate(at: .root, violations: &self)
    }
}
