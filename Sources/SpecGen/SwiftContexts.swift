// The typed contexts the Swift templates render from. Every property is a template key; a template
// that names a key not declared here fails generation.

/// One part of an area: its files hold this part's share of the area's structures, enums and operations.
struct AreaFileContext: Encodable {
    var header: String
    var area: String
    /// The area as part of a Swift name: `management.client` → `ManagementClient`.
    var areaTypeName: String
    /// The name of this part's route registration: the area's type name, then `_Part2`, `_Part3` … from the second part on.
    var handlerGroup: String
    var structures: [StructureContext]
    var enums: [EnumContext]
    var operations: [OperationContext]
}

struct GlobalFileContext: Encodable {
    var header: String
    var title: String
    var version: String
    var docLines: [String]
    var areas: [AreaSummaryContext]
}

struct AreaSummaryContext: Encodable {
    var area: String
    var areaTypeName: String
    var operations: [OperationSummaryContext]
    var hasOperations: Bool
    /// The handler groups of the area's parts that have operations.
    var handlerGroups: [String]
}

/// What the files generated once for the whole spec need of an operation.
struct OperationSummaryContext: Encodable {
    var name: String
    var typeName: String
    var docLines: [String]
}

struct StructureContext: Encodable {
    var name: String
    var docLines: [String]
    var extensions: [ExtensionContext]
    var fields: [FieldContext]
    var hasFields: Bool
    /// Local names of the fields that must be present for decoding to succeed.
    var requiredLocalNames: [String]
    var patterns: [PatternContext]
    var hasChecks: Bool
}

struct FieldContext: Encodable {
    var wireName: String
    /// The wire name as a Swift string literal.
    var wireLiteral: String
    /// The Swift identifier as written in source (keywords in backticks).
    var swiftName: String
    /// The identifier as an argument label in a call (backticks only where Swift requires them).
    var argumentLabel: String
    /// A local name safe from keywords and from the names generated code uses.
    var localName: String
    var docLines: [String]
    /// The declared type, `String?` for an optional field.
    var swiftType: String
    /// The type without optionality, for `T.self`.
    var baseType: String
    var isOptional: Bool
    /// Written as `null` when absent.
    var isNullable: Bool
    /// `required` or `optional`: the `Violations` method that decodes the member.
    var decodeMethod: String
    var defaultLiteral: String?
    /// The type of the decoded local: the base type when a default fills it in, else its optional. Written
    /// out so the type checker need not infer it through the decode expression.
    var decodedType: String
    /// `= nil` or `= <default>` for the memberwise initializer; empty for required fields.
    var initializerDefault: String
    var checks: ChecksContext
    var hasChecks: Bool
    /// Where the value is stored: the Swift name, or `_name` behind a public property (deprecated or boxed).
    var storageName: String
    /// Stored apart from the public property: deprecated, boxed, or both.
    var hasStorage: Bool
    /// Held in a `Boxed`, so that recursive and deep structures have a bounded layout.
    var isBoxed: Bool
    /// The type of the stored property: `Boxed<Node>?` for a boxed one, else the declared type.
    var storageType: String
    /// `@available(*, deprecated, message: "…")` for a deprecated field.
    var deprecationAttribute: String?
    /// `request` or `response`: the message that leaves the field out (readOnly, writeOnly).
    var omittedIn: String?
    /// `request` or `response`: the one message that must carry a readOnly or writeOnly field marked required.
    var requiredIn: String?
    var extensions: [ExtensionContext]
}

/// An `x-…` key of the spec element, for templates that act on it.
struct ExtensionContext: Encodable {
    var name: String
    /// The value as compact JSON.
    var json: String
    /// The value itself when it is a string, a number or a boolean.
    var text: String?
}

/// The constraint checks of one value, as data: `partials/validate` writes a `Check` call for each that is set.
struct ChecksContext: Encodable {
    /// What the length checks read: `value`, or `value.absoluteString` for a URL.
    var text: String
    var minLength: Int?
    var maxLength: Int?
    /// The name of the structure's static `Pattern`, when there is a pattern.
    var patternName: String?
    /// `email`, `uri` or `uuid`.
    var format: String?
    /// Bounds as Swift literals of the value's type.
    var minimum: String?
    var maximum: String?
    var minItems: Int?
    var maxItems: Int?
    var uniqueItems: Bool
    /// A json-string field: the text must be JSON.
    var isJSONText: Bool
    /// Structures, enums and containers of them check themselves.
    var isValidatable: Bool
}

struct PatternContext: Encodable {
    var name: String
    var literal: String
}

struct EnumContext: Encodable {
    var name: String
    var docLines: [String]
    var cases: [EnumCaseContext]
    /// Cases that are not deprecated, which generated code names directly.
    var currentCases: [EnumCaseContext]
    /// Deprecated cases, which generated code reaches through `OpenEnum`'s requirements so that only
    /// callers' code warns.
    var deprecatedCases: [EnumCaseContext]
    var hasDeprecatedCases: Bool
    var extensions: [ExtensionContext]
}

struct EnumCaseContext: Encodable {
    var swiftName: String
    var literal: String
    var docLines: [String]
    var deprecationAttribute: String?
}

struct OperationContext: Encodable {
    /// The method name in `APIProtocol`.
    var name: String
    /// The namespace under `Operations`.
    var typeName: String
    var docLines: [String]
    /// On the client's method: callers are warned, the server still implements it.
    var deprecationAttribute: String?
    var extensions: [ExtensionContext]
    /// `.post`, as `HTTPRequest.Method` spells it.
    var method: String
    var methodName: String
    var path: String
    var pathLiteral: String
    /// The path in pieces, fixed text and parameters, which the client percent-encodes in.
    var pathPieces: [PathPieceContext]
    var pathParameters: StructureContext
    var queryParameters: StructureContext
    var headerParameters: StructureContext
    var hasPathParameters: Bool
    var hasQueryParameters: Bool
    var hasHeaderParameters: Bool
    var parameters: [ParameterContext]
    var hasParameters: Bool
    /// Whether the route reads anything from the request (parameters or a body).
    var hasInputs: Bool
    /// ` = .init()` when every query (or header) parameter may be left out.
    var queryInitializerDefault: String
    var headersInitializerDefault: String
    /// Whether the client adds anything to the request it starts with.
    var clientMutatesRequest: Bool
    /// Local names of the parameters that must be present.
    var requiredLocalNames: [String]
    var body: BodyContext?
    var requiresCredentials: Bool
    var securityNames: String
    var responses: [ResponseContext]
    /// The arguments of `Input.init` the server route passes, in order: path, query, headers (those the
    /// endpoint has), then the body and the credentials.
    var inputParts: [InputPartContext]
}

/// A piece of a path template: fixed text, or the Swift name of a path parameter.
struct PathPieceContext: Encodable {
    var text: String?
    var parameter: String?
}

/// One `Input.init` argument: parameters (`query: .init(limit: queryLimit, tag: queryTag)`), the body or the
/// credentials.
struct InputPartContext: Encodable {
    var label: String
    var arguments: [InputArgumentContext]
    var isBody: Bool
    var isCredentials: Bool
    /// `, ` between arguments; empty after the last.
    var separator: String
}

struct InputArgumentContext: Encodable {
    var swiftName: String
    var localName: String
    var separator: String
}

struct ParameterContext: Encodable {
    var name: String
    var wireLiteral: String
    /// The property of `Input` that holds it: `path`, `query` or `headers`.
    var inputLabel: String
    var swiftName: String
    var localName: String
    var baseType: String
    /// `path`, `query` or `header`: the `IncomingRequest` method that reads it.
    var kind: String
    var isRequired: Bool
    var defaultLiteral: String?
    /// How the client passes it: `addQuery` or `addHeader`.
    var clientMethod: String
    var isPath: Bool
}

struct BodyContext: Encodable {
    var swiftType: String
    var contentTypes: String
    var docLines: [String]
}

struct ResponseContext: Encodable {
    var status: Int
    var caseName: String
    var bodyType: String?
    var docLines: [String]
}
