/// A named check. Every diagnostic belongs to one, so a spec's lint settings can refer to it by its stable ID.
///
/// Correctness rules guard what generation needs (a type that resolves, a path that routes): they are
/// always errors. Style rules are advice with a default severity that a spec's settings may change,
/// switch off, or waive for one element with a reason.
public struct Rule: Hashable, Sendable {
    public enum Kind: String, Sendable {
        case correctness
        case style
    }

    /// The ID, in kebab-case: `unknown-type`, `description-missing`.
    public let id: String
    public let kind: Kind
    /// What the rule checks, in one sentence, for `specgen lint --format sarif` and the README.
    public let summary: String
    /// The severity when a spec's settings say nothing; nil for a style rule that is off unless enabled.
    public let defaultSeverity: Diagnostic.Severity?

    init(_ id: String, _ kind: Kind, _ defaultSeverity: Diagnostic.Severity?, _ summary: String) {
        self.id = id
        self.kind = kind
        self.defaultSeverity = defaultSeverity
        self.summary = summary
    }

    public static func named(_ id: String) -> Rule? { byID[id] }

    private static let byID = Dictionary(uniqueKeysWithValues: all.map { ($0.id, $0) })
}

extension Rule {
    // MARK: Correctness: reading the files

    public static let specFiles = Rule("spec-files", .correctness, .error, "The spec folder exists and holds readable UTF-8 *.yaml files.")
    public static let yamlSyntax = Rule("yaml-syntax", .correctness, .error, "Each file is valid YAML.")
    public static let yamlTab = Rule("yaml-tab", .correctness, .error, "Lines are indented with spaces, never tabs.")
    public static let yamlDuplicateKey = Rule(
        "yaml-duplicate-key", .correctness, .error, "No mapping names the same key twice (the first is used, the second reported).")
    public static let yamlAliases = Rule(
        "yaml-aliases", .correctness, .error, "Aliases do not repeat more entries than the file writes out.")
    public static let unknownKey = Rule("unknown-key", .correctness, .error, "Every key is one the spec language knows where it is written.")
    public static let valueKind = Rule(
        "value-kind", .correctness, .error, "Every value has the kind its key takes (a string, a list, a mapping, a number, a boolean).")
    public static let missingKey = Rule(
        "missing-key", .correctness, .error,
        "What must be said is said: an info title and version, a field's type, an endpoint's method and path, an enum's values.")
    public static let unknownValue = Rule(
        "unknown-value", .correctness, .error,
        "Words from a fixed list are on it: HTTP methods, formats, parameter locations, content types, security scheme types.")
    public static let typeSyntax = Rule("type-syntax", .correctness, .error, "Type expressions are well formed: string, [T], {string: T}, a name.")

    public static let lintSettings = Rule(
        "lint-settings", .correctness, .error, "The 'lint' section of specgen.json names known rules, severities and options.")

    // MARK: Correctness: names and references

    public static let duplicateDefinition = Rule(
        "duplicate-definition", .correctness, .error,
        "Each type, endpoint, security scheme, enum value, response status and the info is defined once.")
    public static let invalidName = Rule(
        "invalid-name", .correctness, .error,
        "Type names are UpperCamel identifiers, endpoint names lowerCamel identifiers, swiftName a Swift identifier.")
    public static let reservedName = Rule("reserved-name", .correctness, .error, "No name takes one that generated code already uses.")
    public static let swiftNameClash = Rule(
        "swift-name-clash", .correctness, .error, "No two members of one type become the same Swift name.")
    public static let unknownType = Rule("unknown-type", .correctness, .error, "Every type a field, parameter or body names is defined.")
    public static let unknownSecurityScheme = Rule(
        "unknown-security-scheme", .correctness, .error, "Every security scheme an endpoint names is defined.")
    public static let recursiveStructure = Rule(
        "recursive-structure", .correctness, .error, "No structure holds itself without a list or a map in between.")

    // MARK: Correctness: values

    public static let constraintType = Rule(
        "constraint-type", .correctness, .error,
        "Constraints apply to the type they are written on (maxLength to strings, minimum to numbers, minItems to lists).")
    public static let constraintRange = Rule(
        "constraint-range", .correctness, .error, "Ranges are not empty: minimum ≤ maximum, minLength ≤ maxLength, minItems ≤ maxItems.")
    public static let constraintPattern = Rule("constraint-pattern", .correctness, .error, "Every pattern is a valid regular expression.")
    public static let defaultValue = Rule(
        "default-value", .correctness, .error, "Defaults have the field's type and meet its constraints.")
    public static let exampleValue = Rule(
        "example-value", .correctness, .error, "Examples have the type of what they illustrate and meet its constraints.")
    public static let nullable = Rule(
        "nullable", .correctness, .error, "'nullable' is only on optional fields of structures without a default.")

    // MARK: Correctness: endpoints

    public static let pathTemplate = Rule(
        "path-template", .correctness, .error, "Paths start with '/' and their {parameters} are well formed.")
    public static let pathParameter = Rule(
        "path-parameter", .correctness, .error, "Each {parameter} of a path is declared with 'in: path', and each one declared is in the path.")
    public static let routeConflict = Rule("route-conflict", .correctness, .error, "No two endpoints share a method and path.")
    public static let parameterType = Rule(
        "parameter-type", .correctness, .error,
        "Parameters have types that travel where they are sent (scalars in paths and headers, lists and maps of scalars in queries).")
    public static let requestBody = Rule("request-body", .correctness, .error, "A form body is a structure.")
    public static let response = Rule(
        "response", .correctness, .error, "Each endpoint has a response; statuses are HTTP codes; a 204 has no body.")

    // MARK: Style

    public static let descriptionMissing = Rule(
        "description-missing", .style, .warning,
        "Every structure, field, enum, endpoint, parameter and security scheme is described (the description becomes documentation).")
    public static let requiredDefault = Rule(
        "required-default", .style, .warning, "A required field has no default, which would never be used.")
    public static let namingField = Rule(
        "naming-field", .style, .warning, "Field and query or path parameter names follow one convention (style: lowerCamel by default).")
    public static let namingStructure = Rule(
        "naming-structure", .style, .warning, "Structure and enum names follow one convention (style: UpperCamel by default).")
    public static let namingEnumValue = Rule(
        "naming-enum-value", .style, .warning, "Enum values follow one convention (style: UPPER_SNAKE by default).")
    public static let namingPath = Rule(
        "naming-path", .style, .warning, "The fixed segments of paths follow one convention (style: kebab-case by default).")
    public static let unusedType = Rule(
        "unused-type", .style, .warning, "Every structure and enum is used by an endpoint, directly or through other types.")
    public static let errorResponseMissing = Rule(
        "error-response-missing", .style, .warning, "Every endpoint declares at least one error response (4xx or 5xx).")
    public static let optionalDefaultMissing = Rule(
        "optional-default-missing", .style, nil,
        "Every optional field of a request body and every optional query or header parameter documents its default with 'default:' (off unless enabled).")
    public static let pathParameterName = Rule(
        "path-parameter-name", .style, .warning,
        "Paths that share a prefix name the parameter at the same place the same way (/users/{id} and /users/{userId}/keys differ).")
    public static let deprecatedUse = Rule(
        "deprecated-use", .style, .warning,
        "Nothing requires what is deprecated: a deprecated field is optional, and no default is a deprecated enum value.")

    /// Every rule, in the order the README lists them.
    public static let all: [Rule] = [
        specFiles, yamlSyntax, yamlTab, yamlDuplicateKey, yamlAliases, lintSettings, unknownKey, valueKind, missingKey, unknownValue, typeSyntax,
        duplicateDefinition, invalidName, reservedName, swiftNameClash, unknownType, unknownSecurityScheme, recursiveStructure,
        constraintType, constraintRange, constraintPattern, defaultValue, exampleValue, nullable,
        pathTemplate, pathParameter, routeConflict, parameterType, requestBody, response,
        descriptionMissing, requiredDefault, namingField, namingStructure, namingEnumValue, namingPath, unusedType,
        errorResponseMissing, optionalDefaultMissing, pathParameterName, deprecatedUse,
    ]
}
