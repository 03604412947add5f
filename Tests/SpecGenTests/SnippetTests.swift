import Foundation
import SpecGen
import SpecModel
import Testing

/// The translator one behaviour at a time, in the manner of swift-openapi-generator's snippet tests: a few
/// lines of spec in, the Swift they become out (the declaration that shows the behaviour, from the built-in
/// templates). The golden files cover whole specs; these say what each construct turns into.
@Suite struct SnippetTests {
    static let info = "info: { title: T, version: '1', description: t }\n"

    /// The generated `api.<file>.swift` for a one-file spec, from the line starting with `start` to the
    /// closing brace at its indentation (or that one line, when `line` is set).
    static func swift(_ yaml: String, file: String, from start: String, line: Bool = false) throws -> String {
        let result = SpecLoader.load(sources: [("api.yaml", "api", info + yaml)])
        let spec = try result.get()
        let files = try SwiftGenerator.generate(spec: spec, templates: TemplateSet())
        let text = try #require(files.first { $0.name == "api.\(file).swift" }).contents
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        let first = try #require(lines.firstIndex { $0.hasPrefix(start) }, "no line starts with \(start)")
        if line { return String(lines[first]) }
        let indent = String(repeating: " ", count: start.prefix { $0 == " " }.count)
        let last = try #require(lines[first...].firstIndex { $0 == indent + "}" })
        return lines[first...last].joined(separator: "\n")
    }

    /// A required field decodes with `required` and must be there for the value to exist.
    @Test func aRequiredFieldIsNotOptionalAndDecodesAsRequired() throws {
        let yaml = """
            structures:
              Note:
                description: n
                fields:
                  text: { type: string, required: true, description: t }
            """
        #expect(
            try Self.swift(yaml, file: "Models", from: "extension Note: JSONCodable") == """
            extension Note: JSONCodable {
                public init?(json: JSONValue, at path: JSONPath, violations: inout Violations) {
                    guard let object = violations.object(json, at: path) else { return nil }
                    let before = violations.count
                    let fieldText: String? = violations.required(String.self, "text", in: object, at: path)
                    guard violations.count == before, let fieldText else { return nil }
                    self.init(
                        text: fieldText,
                    )
                }

                public var jsonValue: JSONValue {
                    var object: [String: JSONValue] = [:]
                    object["text"] = text.jsonValue
                    return .object(object)
                }
            }
            """)
    }

    /// A default makes the property non-optional, the initializer's default, and a doc line.
    @Test func aDefaultMakesTheFieldNonOptionalAndFillsItIn() throws {
        let yaml = """
            structures:
              Page:
                description: p
                fields:
                  size: { type: int32, default: 20, description: s }
            """
        #expect(
            try Self.swift(yaml, file: "Models", from: "public struct Page") == """
            public struct Page: Hashable, Sendable, Codable {
                /// s
                ///
                /// Defaults to `20` when absent.
                public var size: Int32

                public init(
                    size: Int32 = 20,
                ) {
                    self.size = size
                }

                public init(from decoder: any Decoder) throws {
                    self = try CodableBridge.decode(Self.self, from: decoder)
                }

                public func encode(to encoder: any Encoder) throws {
                    try CodableBridge.encode(self, to: encoder)
                }
            }
            """)
    }

    /// A nullable field is written as null rather than left out.
    @Test func aNullableFieldIsWrittenAsNullWhenAbsent() throws {
        let yaml = """
            structures:
              Note:
                description: n
                fields:
                  due: { type: date-time, nullable: true, description: d }
            """
        #expect(
            try Self.swift(yaml, file: "Models", from: "extension Note: JSONCodable") == """
            extension Note: JSONCodable {
                public init?(json: JSONValue, at path: JSONPath, violations: inout Violations) {
                    guard let object = violations.object(json, at: path) else { return nil }
                    let before = violations.count
                    let fieldDue: Date? = violations.optional(Date.self, "due", in: object, at: path)
                    guard violations.count == before else { return nil }
                    self.init(
                        due: fieldDue,
                    )
                }

                public var jsonValue: JSONValue {
                    var object: [String: JSONValue] = [:]
                    object["due"] = due?.jsonValue ?? .null
                    return .object(object)
                }
            }
            """)
    }

    /// Each constraint is one `Check` call in the order of the spec language's table; a pattern compiles once.
    @Test func constraintsBecomeChecks() throws {
        let yaml = """
            structures:
              Name:
                description: n
                fields:
                  value: { type: string, required: true, minLength: 1, maxLength: 8, pattern: '^[a-z]+$', description: v }
                  aliases: { type: "[string]", maxItems: 3, uniqueItems: true, description: a }
            """
        #expect(
            try Self.swift(yaml, file: "Validators", from: "extension Name: Validatable") == """
            extension Name: Validatable {
                static let valuePattern = Pattern("^[a-z]+$")

                public func validate(at path: JSONPath, violations: inout Violations) {
                    do {
                        let value = self.value
                        let fieldPath = path.appending("value")
                        Check.minLength(value, 1, at: fieldPath, &violations)
                        Check.maxLength(value, 8, at: fieldPath, &violations)
                        Check.pattern(value, Self.valuePattern, at: fieldPath, &violations)
                    }
                    if let value = self.aliases {
                        let fieldPath = path.appending("aliases")
                        Check.maxItems(value.count, 3, at: fieldPath, &violations)
                        Check.uniqueItems(value, at: fieldPath, &violations)
                    }
                }
            }
            """)
    }

    /// A deprecated field: generated code uses `_old`, so only callers' code is warned.
    @Test func aDeprecatedFieldIsStoredBehindADeprecatedProperty() throws {
        let yaml = """
            structures:
              Box:
                description: b
                fields:
                  old: { type: string, deprecated: Use new., description: o }
            """
        #expect(
            try Self.swift(yaml, file: "Models", from: "public struct Box") == """
            public struct Box: Hashable, Sendable, Codable {
                /// o
                ///
                /// - Deprecated: Use new.
                @available(*, deprecated, message: "Use new.")
                public var old: String? {
                    get { _old }
                    set { _old = newValue }
                }
                var _old: String?

                public init(
                    old: String? = nil,
                ) {
                    self._old = old
                }

                public init(from decoder: any Decoder) throws {
                    self = try CodableBridge.decode(Self.self, from: decoder)
                }

                public func encode(to encoder: any Encoder) throws {
                    try CodableBridge.encode(self, to: encoder)
                }
            }
            """)
    }

    /// readOnly and writeOnly: decoding drops, and encoding leaves out, what the direction does not carry.
    @Test func oneWayFieldsAreLeftOutOfTheOtherDirection() throws {
        let yaml = """
            structures:
              User:
                description: u
                fields:
                  id: { type: string, required: true, readOnly: true, description: i }
                  password: { type: string, writeOnly: true, description: p }
            """
        #expect(
            try Self.swift(yaml, file: "Models", from: "extension User: JSONCodable") == """
            extension User: JSONCodable {
                public init?(json: JSONValue, at path: JSONPath, violations: inout Violations) {
                    guard let object = violations.object(json, at: path) else { return nil }
                    let before = violations.count
                    let fieldId: String? = violations.direction == .request ? nil : violations.direction == .response ? violations.required(String.self, "id", in: object, at: path) : violations.optional(String.self, "id", in: object, at: path)
                    let fieldPassword: String? = violations.direction == .response ? nil : violations.optional(String.self, "password", in: object, at: path)
                    guard violations.count == before else { return nil }
                    self.init(
                        id: fieldId,
                        password: fieldPassword,
                    )
                }

                public var jsonValue: JSONValue {
                    var object: [String: JSONValue] = [:]
                    if MessageDirection.encoding != .request {
                        object["id"] = id?.jsonValue
                    }
                    if MessageDirection.encoding != .response {
                        object["password"] = password?.jsonValue
                    }
                    return .object(object)
                }
            }
            """)
    }

    /// A deprecated case is constructed only through `OpenEnumSupport`, where the compiler does not warn.
    @Test func aDeprecatedEnumValueIsReachedThroughOpenEnum() throws {
        let yaml = """
            enums:
              Size:
                description: s
                values:
                  S: Small.
                  XL: { description: Extra large., deprecated: Use L. }
            """
        #expect(
            try Self.swift(yaml, file: "Models", from: "public enum Size") == """
            public enum Size: OpenEnum {
                /// Small.
                case s
                /// Extra large.
                ///
                /// - Deprecated: Use L.
                @available(*, deprecated, message: "Use L.")
                case xl
                /// A value this version of the API does not define, kept as received so it can be passed on unchanged.
                case unknown(String)

                public static let knownValues: [Size] = [
                    .s,
                ] + OpenEnumSupport.deprecatedValues(of: Size.self)

                public init(rawValue: String) {
                    switch rawValue {
                    case "S": self = .s
                    default: self = OpenEnumSupport.deprecatedValue(of: Size.self, rawValue) ?? .unknown(rawValue)
                    }
                }

                public var rawValue: String {
                    switch self {
                    case .s: "S"
                    case .xl: "XL"
                    case .unknown(let value): value
                    }
                }
            }
            """)
    }

    /// Path parameters are percent-encoded into the client's path; a deprecated endpoint's method says so.
    @Test func theClientPercentEncodesPathParametersAndMarksDeprecation() throws {
        let yaml = """
            structures:
              Box:
                description: b
                fields: {}
            endpoints:
              getBox:
                description: g
                method: GET
                path: /shelves/{shelf}/boxes/{id}
                deprecated: Use getBoxV2.
                parameters:
                  shelf: { in: path, type: int64, description: s }
                  id: { in: path, type: string, description: i }
                responses:
                  200: { body: Box, description: ok }
            """
        #expect(
            try Self.swift(yaml, file: "Client", from: "    @available(*, deprecated") == """
                @available(*, deprecated, message: "Use getBoxV2.")
                public func getBox(_ input: Operations.GetBox.Input) async throws -> Operations.GetBox.Output {
                    let request = ClientRequest(method: .get, path: "/shelves/\\(PathEncoding.segment(input.path.shelf))/boxes/\\(PathEncoding.segment(input.path.id))")
                    let response = try await send(request, operationID: Operations.GetBox.id)
                    switch response.status {
                    case 200:
                        return .ok(try response.decode(Box.self))
                    default:
                        throw response.unexpected()
                    }
                }
            """)
    }

    /// The route passes path, query, body and credentials to `Input`, in that order.
    @Test func theServerRouteBuildsTheInputFromEveryPart() throws {
        let yaml = """
            securitySchemes:
              token: { type: bearer, description: t }
            structures:
              Box:
                description: b
                fields: {}
            endpoints:
              putBox:
                description: p
                method: PUT
                path: /boxes/{id}
                security: [token]
                parameters:
                  id: { in: path, type: string, description: i }
                  dry: { in: query, type: bool, default: false, description: d }
                request: Box
                responses:
                  200: { body: Box, description: ok }
            """
        #expect(
            try Self.swift(yaml, file: "Server", from: "                    let input", line: true) == """
                                let input = Operations.PutBox.Input(path: .init(id: pathId), query: .init(dry: queryDry), body: body, credentials: incoming.credentials)
            """)
    }

    /// A field that closes a cycle is stored in a `Boxed`, behind a property that reads and writes the value.
    @Test func aFieldThatClosesACycleIsBoxed() throws {
        let yaml = """
            structures:
              Node:
                description: n
                fields:
                  parent: { type: Node, description: p }
            """
        #expect(
            try Self.swift(yaml, file: "Models", from: "public struct Node") == """
            public struct Node: Hashable, Sendable, Codable {
                /// p
                public var parent: Node? {
                    get { _parent?.value }
                    set { _parent = newValue.map(Boxed.init) }
                }
                var _parent: Boxed<Node>?

                public init(
                    parent: Node? = nil,
                ) {
                    self._parent = parent.map(Boxed.init)
                }

                public init(from decoder: any Decoder) throws {
                    self = try CodableBridge.decode(Self.self, from: decoder)
                }

                public func encode(to encoder: any Encoder) throws {
                    try CodableBridge.encode(self, to: encoder)
                }
            }
            """)
    }
}
