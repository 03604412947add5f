/// A checked spec: every reference resolved, every constraint known to fit its type.
///
/// Produced only by ``SpecLoader``; the generator trusts it.
public struct Spec: Hashable, Sendable {
    public var info: Info
    /// One area per spec file, in path order; generated files are split by area.
    public var areas: [Area]
    public var securitySchemes: [SecurityScheme]
    public var structures: [Structure]
    public var enums: [EnumType]
    public var endpoints: [Endpoint]

    public init(
        info: Info, areas: [Area], securitySchemes: [SecurityScheme], structures: [Structure], enums: [EnumType],
        endpoints: [Endpoint]
    ) {
        self.info = info
        self.areas = areas
        self.securitySchemes = securitySchemes
        self.structures = structures
        self.enums = enums
        self.endpoints = endpoints
    }

    public func structure(named name: String) -> Structure? { structures.first { $0.name == name } }

    /// Adds the names of the structures and enums a value of `type` can hold, through nested fields too.
    public func collectTypeNames(reachableFrom type: TypeRef, into names: inout Set<String>) {
        switch type {
        case .array(let element), .map(let element): collectTypeNames(reachableFrom: element, into: &names)
        case .enumeration(let name): names.insert(name)
        case .structure(let name):
            guard names.insert(name).inserted, let structure = structure(named: name) else { return }
            for field in structure.fields { collectTypeNames(reachableFrom: field.type, into: &names) }
        default: break
        }
    }
    public func enumType(named name: String) -> EnumType? { enums.first { $0.name == name } }
}

public struct Info: Hashable, Sendable {
    public var title: String
    public var version: String
    public var description: String?
    public var extensions: [Extension]

    public init(title: String, version: String, description: String? = nil, extensions: [Extension] = []) {
        self.title = title
        self.version = version
        self.description = description
        self.extensions = extensions
    }
}

/// A JSON value written in the spec: an example (checked against the type it illustrates) or the value of
/// an `x-…` extension key.
public indirect enum JSONLiteral: Hashable, Sendable {
    case null
    case bool(Bool)
    case number(Number)
    case string(String)
    case array([JSONLiteral])
    /// Members in the order they are written.
    case object([Member])

    public struct Member: Hashable, Sendable {
        public var key: String
        public var value: JSONLiteral

        public init(_ key: String, _ value: JSONLiteral) {
            self.key = key
            self.value = value
        }
    }
}

/// An `x-…` key and its value, passed through to templates and the OpenAPI export unchanged.
public struct Extension: Hashable, Sendable {
    public var name: String
    public var value: JSONLiteral

    public init(name: String, value: JSONLiteral) {
        self.name = name
        self.value = value
    }
}

/// What `deprecated:` says: `true`, or the message to show (what to use instead).
public struct Deprecation: Hashable, Sendable {
    public var message: String?

    public init(message: String? = nil) {
        self.message = message
    }
}

/// Which messages carry a field: both, only responses (`readOnly`: the server sets it), or only requests
/// (`writeOnly`: a secret the server takes and never returns).
public enum FieldAccess: String, Hashable, Sendable {
    case readWrite, readOnly, writeOnly
}

/// A named example call of an endpoint: its parameters, request body and one response.
public struct EndpointExample: Hashable, Sendable {
    public var name: String
    public var summary: String?
    public var parameters: [JSONLiteral.Member]
    public var request: JSONLiteral?
    /// The status of `response`; nil when the example shows no response.
    public var status: Int?
    public var response: JSONLiteral?

    public init(
        name: String, summary: String? = nil, parameters: [JSONLiteral.Member] = [], request: JSONLiteral? = nil, status: Int? = nil,
        response: JSONLiteral? = nil
    ) {
        self.name = name
        self.summary = summary
        self.parameters = parameters
        self.request = request
        self.status = status
        self.response = response
    }
}

/// The part of a spec that one file defines, named after the file (`token.yaml` → `token`).
public struct Area: Hashable, Sendable {
    public var name: String
    public var file: String
    /// The file's lines that hold more than white space: what the generator sizes its output files by, since
    /// the build plugin has to name them from the files alone, before anything is parsed.
    public var lines: Int

    public init(name: String, file: String, lines: Int = 0) {
        self.name = name
        self.file = file
        self.lines = lines
    }

    /// Lines of `text` that hold something other than spaces, tabs and carriage returns.
    public static func countLines(_ text: String) -> Int {
        var count = 0
        var blank = true
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\n"):
                if !blank { count += 1 }
                blank = true
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r"): break
            default: blank = false
            }
        }
        return blank ? count : count + 1
    }
}

public struct SecurityScheme: Hashable, Sendable {
    public enum Kind: String, Hashable, Sendable, CaseIterable {
        case bearer
    }

    public var name: String
    public var kind: Kind
    public var description: String?
    public var source: SourceLocation

    public init(name: String, kind: Kind, description: String?, source: SourceLocation) {
        self.name = name
        self.kind = kind
        self.description = description
        self.source = source
    }
}

/// The type of a field, parameter or body.
public indirect enum TypeRef: Hashable, Sendable, CustomStringConvertible {
    case string
    case int32
    case int64
    case double
    case bool
    case url
    case dateTime
    /// Any JSON value.
    case json
    /// JSON text carried inside a string, as the Authlete API carries `claims`.
    case jsonString
    case array(TypeRef)
    /// A JSON object with string keys.
    case map(TypeRef)
    case structure(String)
    case enumeration(String)

    /// The spelling used in spec files.
    public var description: String {
        switch self {
        case .string: "string"
        case .int32: "int32"
        case .int64: "int64"
        case .double: "double"
        case .bool: "bool"
        case .url: "url"
        case .dateTime: "date-time"
        case .json: "json"
        case .jsonString: "json-string"
        case .array(let element): "[\(element)]"
        case .map(let value): "{string: \(value)}"
        case .structure(let name), .enumeration(let name): name
        }
    }

    public var isStringLike: Bool {
        switch self {
        case .string, .url, .jsonString: true
        default: false
        }
    }

    public var isNumeric: Bool {
        switch self {
        case .int32, .int64, .double: true
        default: false
        }
    }

    public var isInteger: Bool { self == .int32 || self == .int64 }

    public var isArray: Bool {
        if case .array = self { return true }
        return false
    }

    /// Scalars can travel in a path, a query string, a header or a form body.
    public var isScalar: Bool {
        switch self {
        case .string, .int32, .int64, .double, .bool, .url, .dateTime, .jsonString, .enumeration: true
        case .json, .array, .map, .structure: false
        }
    }

    /// Builtin type names of the spec language, for suggestions.
    public static let builtinNames = [
        "string", "int32", "int64", "double", "bool", "url", "date-time", "json", "json-string",
    ]
}

/// A number in a constraint or default; integers stay exact.
public enum Number: Hashable, Sendable, CustomStringConvertible, Comparable {
    case integer(Int64)
    case real(Double)

    public var doubleValue: Double {
        switch self {
        case .integer(let value): Double(value)
        case .real(let value): value
        }
    }

    public var description: String {
        switch self {
        case .integer(let value): String(value)
        case .real(let value): String(value)
        }
    }

    public static func < (lhs: Number, rhs: Number) -> Bool {
        if case .integer(let a) = lhs, case .integer(let b) = rhs { return a < b }
        return lhs.doubleValue < rhs.doubleValue
    }
}

/// Well-known string formats a `format` constraint can name.
public enum StringFormat: String, Hashable, Sendable, CaseIterable {
    case email
    case uri
    case uuid
}

public struct Constraints: Hashable, Sendable {
    public var minLength: Int?
    public var maxLength: Int?
    public var pattern: String?
    public var format: StringFormat?
    public var minimum: Number?
    public var maximum: Number?
    public var minItems: Int?
    public var maxItems: Int?
    public var uniqueItems: Bool

    public init(
        minLength: Int? = nil, maxLength: Int? = nil, pattern: String? = nil, format: StringFormat? = nil,
        minimum: Number? = nil, maximum: Number? = nil, minItems: Int? = nil, maxItems: Int? = nil,
        uniqueItems: Bool = false
    ) {
        self.minLength = minLength
        self.maxLength = maxLength
        self.pattern = pattern
        self.format = format
        self.minimum = minimum
        self.maximum = maximum
        self.minItems = minItems
        self.maxItems = maxItems
        self.uniqueItems = uniqueItems
    }

    public var isEmpty: Bool { self == Constraints() }
}

/// A default value, already checked against its type and constraints.
public indirect enum DefaultValue: Hashable, Sendable {
    case string(String)
    case number(Number)
    case bool(Bool)
    /// The wire value of an enum case.
    case enumValue(String)
    case array([DefaultValue])
}

public struct Structure: Hashable, Sendable {
    public var name: String
    public var description: String?
    public var fields: [Field]
    public var area: String
    public var source: SourceLocation
    /// Examples of the whole structure, checked against its fields.
    public var examples: [JSONLiteral]
    public var extensions: [Extension]

    public init(
        name: String, description: String?, fields: [Field], area: String, source: SourceLocation, examples: [JSONLiteral] = [],
        extensions: [Extension] = []
    ) {
        self.name = name
        self.description = description
        self.fields = fields
        self.area = area
        self.source = source
        self.examples = examples
        self.extensions = extensions
    }
}

public struct Field: Hashable, Sendable {
    /// The JSON key.
    public var wireName: String
    public var swiftName: String
    public var type: TypeRef
    public var isRequired: Bool
    public var defaultValue: DefaultValue?
    public var description: String?
    public var constraints: Constraints
    /// An absent value is written as `null` rather than left out (for clients that read the member as always there).
    public var isNullable: Bool
    public var source: SourceLocation
    public var examples: [JSONLiteral]
    public var deprecation: Deprecation?
    public var access: FieldAccess
    public var extensions: [Extension]
    /// Stored indirectly (a `Boxed` in Swift): it holds a structure that can hold this one again, or that
    /// would nest too deep stored inline. Decided from the spec's reference graph by the checker.
    public var isBoxed = false

    /// A field that only one direction carries is optional in Swift: the other direction leaves it out.
    /// `isRequired` then means required in the direction that carries it.
    public var isOptionalInSwift: Bool { !isRequired || access != .readWrite }

    public init(
        wireName: String, swiftName: String, type: TypeRef, isRequired: Bool = false, defaultValue: DefaultValue? = nil,
        description: String? = nil, constraints: Constraints = Constraints(), isNullable: Bool = false, source: SourceLocation,
        examples: [JSONLiteral] = [], deprecation: Deprecation? = nil, access: FieldAccess = .readWrite, extensions: [Extension] = []
    ) {
        self.examples = examples
        self.deprecation = deprecation
        self.access = access
        self.extensions = extensions
        self.isNullable = isNullable
        self.wireName = wireName
        self.swiftName = swiftName
        self.type = type
        self.isRequired = isRequired
        self.defaultValue = defaultValue
        self.description = description
        self.constraints = constraints
        self.source = source
    }
}

public struct EnumType: Hashable, Sendable {
    public var name: String
    public var description: String?
    public var values: [EnumValue]
    public var area: String
    public var source: SourceLocation
    public var extensions: [Extension]

    public init(
        name: String, description: String?, values: [EnumValue], area: String, source: SourceLocation, extensions: [Extension] = []
    ) {
        self.name = name
        self.description = description
        self.values = values
        self.area = area
        self.source = source
        self.extensions = extensions
    }
}

public struct EnumValue: Hashable, Sendable {
    public var value: String
    public var swiftName: String
    public var description: String?
    public var source: SourceLocation
    public var deprecation: Deprecation?

    public init(value: String, swiftName: String, description: String?, source: SourceLocation, deprecation: Deprecation? = nil) {
        self.value = value
        self.swiftName = swiftName
        self.description = description
        self.source = source
        self.deprecation = deprecation
    }
}

public enum HTTPMethod: String, Hashable, Sendable, CaseIterable {
    case GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS
}

public struct Endpoint: Hashable, Sendable {
    /// The operation name, a lowerCamel identifier: the method name in `APIProtocol`.
    public var name: String
    public var summary: String?
    public var description: String?
    public var method: HTTPMethod
    /// The path template, `/api/{serviceId}/idtoken/reissue`.
    public var path: String
    /// Names of security schemes, any one of which admits a caller. Empty: no credentials needed.
    public var security: [String]
    public var parameters: [Parameter]
    public var request: RequestBody?
    public var responses: [Response]
    public var area: String
    public var source: SourceLocation
    public var deprecation: Deprecation?
    public var examples: [EndpointExample]
    public var extensions: [Extension]

    public init(
        name: String, summary: String?, description: String?, method: HTTPMethod, path: String, security: [String],
        parameters: [Parameter], request: RequestBody?, responses: [Response], area: String, source: SourceLocation,
        deprecation: Deprecation? = nil, examples: [EndpointExample] = [], extensions: [Extension] = []
    ) {
        self.deprecation = deprecation
        self.examples = examples
        self.extensions = extensions
        self.name = name
        self.summary = summary
        self.description = description
        self.method = method
        self.path = path
        self.security = security
        self.parameters = parameters
        self.request = request
        self.responses = responses
        self.area = area
        self.source = source
    }

    public func parameters(in kind: Parameter.Kind) -> [Parameter] { parameters.filter { $0.kind == kind } }
}

public struct Parameter: Hashable, Sendable {
    public enum Kind: String, Hashable, Sendable, CaseIterable {
        case path, query, header
    }

    public var name: String
    public var swiftName: String
    public var kind: Kind
    public var type: TypeRef
    public var isRequired: Bool
    public var defaultValue: DefaultValue?
    public var description: String?
    public var constraints: Constraints
    public var source: SourceLocation
    public var examples: [JSONLiteral]
    public var extensions: [Extension]

    public init(
        name: String, swiftName: String, kind: Kind, type: TypeRef, isRequired: Bool, defaultValue: DefaultValue? = nil,
        description: String?, constraints: Constraints = Constraints(), source: SourceLocation, examples: [JSONLiteral] = [],
        extensions: [Extension] = []
    ) {
        self.examples = examples
        self.extensions = extensions
        self.name = name
        self.swiftName = swiftName
        self.kind = kind
        self.type = type
        self.isRequired = isRequired
        self.defaultValue = defaultValue
        self.description = description
        self.constraints = constraints
        self.source = source
    }
}

public enum BodyContentType: String, Hashable, Sendable, CaseIterable {
    case json
    case form

    public var mediaType: String {
        switch self {
        case .json: "application/json"
        case .form: "application/x-www-form-urlencoded"
        }
    }
}

public struct RequestBody: Hashable, Sendable {
    public var type: TypeRef
    public var contentTypes: [BodyContentType]
    public var description: String?

    public init(type: TypeRef, contentTypes: [BodyContentType], description: String? = nil) {
        self.type = type
        self.contentTypes = contentTypes
        self.description = description
    }
}

public struct Response: Hashable, Sendable {
    public var status: Int
    /// Nil for a response without a body (204).
    public var body: TypeRef?
    public var description: String?

    public init(status: Int, body: TypeRef?, description: String?) {
        self.status = status
        self.body = body
        self.description = description
    }
}
