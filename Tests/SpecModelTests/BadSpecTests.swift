import SpecModel
import Testing

/// Each bad spec must yield exactly these errors, with file, line, column and message.
@Suite struct BadSpecTests {
    /// Errors only; warnings (missing descriptions) have their own test.
    static func errors(_ yaml: String, file: String = "api.yaml") -> [String] {
        SpecLoader.load(sources: [(file, "api", yaml)]).errors.map(\.description)
    }

    static let info = "info: { title: T, version: '1' }\n"

    @Test func unknownTopLevelKey() {
        #expect(
            Self.errors(Self.info + "structurs: {}\n") == [
                "api.yaml:2:1: error: unknown key 'structurs' in the spec file; did you mean 'structures'?"
            ])
    }

    /// `Operations.ServerInfo` (the endpoint's namespace) would hide the structure `ServerInfo` in generated code.
    @Test func anEndpointNamedLikeATypeIsRefused() {
        let yaml = Self.info + """
            structures:
              ServerInfo:
                fields:
                  version: { type: string }
            endpoints:
              serverInfo:
                method: GET
                path: /info
                responses:
                  200: { body: ServerInfo }
            """
        #expect(
            Self.errors(yaml) == [
                "api.yaml:7:3: error: endpoint 'serverInfo' becomes the type Operations.ServerInfo, which hides the type 'ServerInfo' "
                    + "defined at api.yaml:3:3 inside generated code; rename the endpoint or the type (ServerInfoResponse, say)"
            ])
    }

    @Test func unknownFieldKeyWithSuggestion() {
        let yaml = Self.info + """
            structures:
              A:
                fields:
                  name: { type: string, minLenght: 2 }
            """
        #expect(
            Self.errors(yaml) == [
                "api.yaml:5:29: error: unknown key 'minLenght' in field 'name' of structure 'A'; did you mean 'minLength'?"
            ])
    }

    @Test func unknownTypeNamesPointInsideTheTypeText() {
        let yaml = Self.info + """
            structures:
              A:
                fields:
                  a: { type: strng }
                  b: { type: "[{string: Strng}]" }
                  c: { type: Widget }
            """
        #expect(
            Self.errors(yaml) == [
                "api.yaml:5:18: error: unknown type 'strng'; did you mean 'string'?",
                "api.yaml:6:29: error: unknown type 'Strng'; did you mean 'string'?",
                "api.yaml:7:18: error: unknown type 'Widget'; define it under 'structures' or 'enums'",
            ])
    }

    @Test func malformedTypeText() {
        let yaml = Self.info + """
            structures:
              A:
                fields:
                  a: { type: "[string" }
                  b: { type: "{int64: string}" }
            """
        #expect(
            Self.errors(yaml) == [
                "api.yaml:5:26: error: expected ']' in type; close the list type with ']'",
                "api.yaml:6:20: error: map keys must be 'string', not 'int64'; write {string: T}",
            ])
    }

    @Test func namesDefinedTwiceAcrossFiles() {
        let first = Self.info + "structures:\n  Thing: { fields: {} }\n"
        let second = "enums:\n  Thing: { values: [A] }\n"
        let third = "structures:\n  Other: { fields: {} }\n  Other: { fields: {} }\n"
        let result = SpecLoader.load(sources: [("a.yaml", "a", first), ("b.yaml", "b", second), ("c.yaml", "c", third)])
        #expect(
            result.errors.map(\.description) == [
                "b.yaml:2:3: error: 'Thing' is defined twice; first defined at a.yaml:3:3; rename one of them",
                "c.yaml:3:3: error: key 'Other' appears twice in the same mapping; the first, at c.yaml:2:3, is the one read; remove or rename one of them",
            ])
    }

    @Test func pathParametersMustMatchThePath() {
        let yaml = Self.info + """
            endpoints:
              getThing:
                method: GET
                path: /things/{thingId}/parts/{partId}
                parameters:
                  thingId: { in: path, type: string }
                  partNo: { in: path, type: int32 }
                response: json
            """
        #expect(
            Self.errors(yaml) == [
                "api.yaml:5:36: error: path parameter '{partId}' of endpoint 'getThing' is not declared; add it under 'parameters' with 'in: path'",
                "api.yaml:8:7: error: path parameter 'partNo' does not appear in the path of endpoint 'getThing'; add '{partNo}' to the path or remove the parameter",
            ])
    }

    @Test func constraintsThatDoNotFitTheirType() {
        let yaml = Self.info + """
            structures:
              A:
                fields:
                  count: { type: int64, maxLength: 3 }
                  name: { type: string, minimum: 1, uniqueItems: true }
                  flag: { type: bool, pattern: "^x$" }
                  when: { type: date-time, minItems: 1, format: email }
            """
        #expect(
            Self.errors(yaml) == [
                "api.yaml:5:29: error: 'maxLength' does not apply to field 'count' of 'A' of type int64; 'maxLength' needs a string",
                "api.yaml:6:29: error: 'minimum' does not apply to field 'name' of 'A' of type string; 'minimum' needs a number",
                "api.yaml:6:41: error: 'uniqueItems' does not apply to field 'name' of 'A' of type string; 'uniqueItems' needs a list",
                "api.yaml:7:27: error: 'pattern' does not apply to field 'flag' of 'A' of type bool; 'pattern' needs a string",
                "api.yaml:8:32: error: 'minItems' does not apply to field 'when' of 'A' of type date-time; 'minItems' needs a list",
                "api.yaml:8:45: error: 'format' does not apply to field 'when' of 'A' of type date-time; 'format' needs a string",
            ])
    }

    @Test func defaultsThatBreakTheirOwnConstraints() {
        let yaml = Self.info + """
            structures:
              A:
                fields:
                  code: { type: string, minLength: 3, pattern: "^[a-z]+$", default: "A1" }
                  size: { type: int32, maximum: 10, default: 11 }
                  tags: { type: "[string]", maxItems: 1, uniqueItems: true, default: [a, a] }
            """
        #expect(
            Self.errors(yaml) == [
                "api.yaml:5:73: error: default of field 'code' of 'A' is shorter than minLength 3; change the default or the constraint",
                "api.yaml:5:73: error: default of field 'code' of 'A' does not match pattern ^[a-z]+$; change the default or the constraint",
                "api.yaml:6:50: error: default of field 'size' of 'A' is greater than maximum 10; change the default or the constraint",
                "api.yaml:7:74: error: default of field 'tags' of 'A' has more than maxItems 1 items; change the default or the constraint",
                "api.yaml:7:74: error: default of field 'tags' of 'A' has repeated items but uniqueItems is set; change the default or the constraint",
            ])
    }

    @Test func defaultsOfTheWrongTypeOrOutsideTheirEnum() {
        let yaml = Self.info + """
            enums:
              Color: { values: [RED, GREEN] }
            structures:
              A:
                fields:
                  color: { type: Color, default: GREN }
                  count: { type: int32, default: many }
                  when: { type: date-time, default: "2024-01-01T00:00:00Z" }
                  small: { type: int32, default: 3000000000 }
            """
        #expect(
            Self.errors(yaml) == [
                "api.yaml:7:38: error: default 'GREN' of field 'color' of 'A' is not a value of enum 'Color'; did you mean 'GREEN'?",
                "api.yaml:8:38: error: default of field 'count' of 'A' must be a whole number, not a string",
                "api.yaml:9:41: error: field 'when' of 'A' of type date-time cannot have a default; defaults are for strings, numbers, booleans, enums and lists of them",
                "api.yaml:10:38: error: default of field 'small' of 'A' does not fit in int32",
            ])
    }

    @Test func invalidRegularExpression() {
        let yaml = Self.info + """
            structures:
              A:
                fields:
                  code: { type: string, pattern: "^([a-z]+$" }
            """
        #expect(
            Self.errors(yaml) == [
                "api.yaml:5:29: error: 'pattern' of field 'code' of 'A' is not a valid regular expression: ^([a-z]+$; check brackets, parentheses and escapes"
            ])
    }

    @Test func lowerBoundsAboveUpperBounds() {
        let yaml = Self.info + """
            structures:
              A:
                fields:
                  n: { type: double, minimum: 5.5, maximum: 2 }
                  s: { type: string, minLength: 9, maxLength: 3 }
                  l: { type: "[int64]", minItems: 4, maxItems: 1 }
                  i: { type: int64, minimum: 0.5 }
            """
        #expect(
            Self.errors(yaml) == [
                "api.yaml:5:26: error: minimum 5.5 is greater than maximum 2 in field 'n' of 'A'",
                "api.yaml:6:26: error: minLength 9 is greater than maxLength 3 in field 's' of 'A'",
                "api.yaml:7:29: error: minItems 4 is greater than maxItems 1 in field 'l' of 'A'",
                "api.yaml:8:25: error: 'minimum' of integer field 'i' of 'A' must be a whole number",
            ])
    }

    @Test func endpointWithoutResponse() {
        let yaml = Self.info + """
            endpoints:
              ping:
                method: GET
                path: /ping
            """
        #expect(
            Self.errors(yaml) == [
                "api.yaml:3:3: error: endpoint 'ping' has no response; add 'response: SomeStructure' or 'responses: { 204: }'"
            ])
    }

    @Test func unknownMethodAndSecurityScheme() {
        let yaml = Self.info + """
            securitySchemes:
              apiToken: { type: bearer }
            endpoints:
              ping:
                method: PSOT
                path: /ping
                security: [apiTokn]
                response: json
            """
        #expect(
            Self.errors(yaml) == [
                "api.yaml:6:13: error: unknown HTTP method 'PSOT'; did you mean 'POST'?",
                "api.yaml:8:16: error: unknown security scheme 'apiTokn'; did you mean 'apiToken'?",
            ])
    }

    @Test func yamlSyntaxErrorsHavePositions() {
        let yaml = Self.info + "structures:\n  A: { fields: { a: string }\n  B: {}\n"
        #expect(
            Self.errors(yaml) == [
                "api.yaml:4:3: error: invalid YAML: did not find expected ',' or '}' while parsing a flow mapping"
            ])
    }

    @Test func valuesOfTheWrongKind() {
        let yaml = Self.info + """
            structures:
              A:
                description: [not, text]
                fields:
                  a: { type: string, required: yes-please, minLength: -1 }
              B:
                fields: [a, b]
            """
        #expect(
            Self.errors(yaml) == [
                "api.yaml:4:18: error: 'description' must be a string, not a list",
                "api.yaml:6:36: error: 'required' must be true or false, not a string",
                "api.yaml:6:59: error: 'minLength' must be a whole number of 0 or more",
                "api.yaml:8:13: error: 'fields' of structure 'B' must be a mapping, not a list",
            ])
    }

    @Test func missingRequiredKeys() {
        let yaml = Self.info + """
            securitySchemes:
              token: { description: A token. }
            structures:
              A:
                fields:
                  a: { required: true }
            endpoints:
              ping:
                response: json
            """
        #expect(
            Self.errors(yaml) == [
                "api.yaml:3:3: error: security scheme 'token' needs a 'type'; write 'type: bearer'",
                "api.yaml:7:7: error: field 'a' of structure 'A' needs a 'type'; add 'type: string' or another type",
                "api.yaml:9:3: error: endpoint 'ping' needs a 'method'; add 'method: POST' or another",
                "api.yaml:9:3: error: endpoint 'ping' needs a 'path'",
            ])
    }

    @Test func twoEndpointsOnOneRoute() {
        let yaml = Self.info + """
            endpoints:
              first:
                method: GET
                path: /things/{id}
                parameters: { id: { in: path, type: string } }
                response: json
              second:
                method: get
                path: /things/{thingId}
                parameters: { thingId: { in: path, type: string } }
                response: json
            """
        #expect(
            Self.errors(yaml) == [
                "api.yaml:10:11: error: endpoint 'second' has the same method and path as endpoint 'first' (api.yaml:3:3)"
            ])
    }

    @Test func swiftNamesMustBeIdentifiersAndDistinct() {
        let yaml = Self.info + """
            structures:
              A:
                fields:
                  grant_type: { type: string }
                  grantType: { type: string }
                  x: { type: string, swiftName: "not valid" }
            """
        #expect(
            Self.errors(yaml) == [
                "api.yaml:6:7: error: fields 'grant_type' and 'grantType' of 'A' both become Swift property 'grantType'; give one a 'swiftName'",
                "api.yaml:7:37: error: 'not valid' is not a Swift identifier; use letters, digits and '_', not starting with a digit",
            ])
    }

    @Test func enumsWithRepeatedOrNoValues() {
        let yaml = Self.info + """
            enums:
              Color: { values: [RED, RED, red] }
              Empty: { values: [] }
            """
        #expect(
            Self.errors(yaml) == [
                "api.yaml:3:26: error: value 'RED' appears twice in enum 'Color'",
                "api.yaml:3:31: error: values 'RED' and 'red' of enum 'Color' both become Swift case 'red'; give one a 'swiftName'",
                "api.yaml:4:3: error: enum 'Empty' has no values; add 'values: [A, B]'",
            ])
    }

    @Test func bodiesAndResponsesOfTheWrongShape() {
        let yaml = Self.info + """
            endpoints:
              upload:
                method: POST
                path: /upload
                request: { body: "[string]", contentTypes: [form, xml] }
                responses:
                  204: json
                  99: json
            """
        #expect(
            Self.errors(yaml) == [
                "api.yaml:6:22: error: a form body of endpoint 'upload' must be a structure, not [string]; name a structure, or accept only json",
                "api.yaml:6:55: error: unknown content type 'xml'; use json or form",
                "api.yaml:8:7: error: a 204 response of endpoint 'upload' cannot have a body; use 200 instead",
                "api.yaml:9:7: error: response status '99' is not an HTTP status code; use a number from 100 to 599",
            ])
    }

    /// Optional fields may come back round (they are boxed); a chain of required ones never ends.
    @Test func structuresThatMustContainThemselves() {
        let yaml = Self.info + """
            structures:
              Node:
                fields:
                  next: { type: Node }
                  children: { type: "[Node]" }
              A: { fields: { b: { type: B, required: true } } }
              B: { fields: { a: { type: A, required: true } } }
              C: { fields: { c: { type: C, required: true } } }
            """
        #expect(
            Self.errors(yaml) == [
                "api.yaml:7:18: error: structure 'A' must contain itself through required field 'b'; make a field on the way optional, a list or a map, which can end the chain",
                "api.yaml:8:18: error: structure 'B' must contain itself through required field 'a'; make a field on the way optional, a list or a map, which can end the chain",
                "api.yaml:9:18: error: structure 'C' must contain itself through required field 'c'; make a field on the way optional, a list or a map, which can end the chain",
            ])
    }

    /// Which fields are boxed: the one closing a cycle, and every eighth link of a long chain.
    @Test func recursiveAndDeepChainsAreBoxed() throws {
        let chain = (0..<20).map { "  S\($0): { description: s, fields: { next: { type: \($0 == 19 ? "string" : "S\($0 + 1)"), description: n } } }" }
        let yaml = Self.info + """
            structures:
              Node:
                description: n
                fields:
                  parent: { type: Node, description: p }
                  label: { type: string, description: l }
                  kids: { type: "[Node]", description: k }
              A: { description: a, fields: { b: { type: B, description: b } } }
              B: { description: b, fields: { a: { type: A, required: true, description: a } } }

            """ + chain.joined(separator: "\n") + "\n"
        let spec = try SpecLoader.load(sources: [("api.yaml", "api", yaml)]).get()
        func boxed(_ name: String) -> [String] { spec.structure(named: name)?.fields.filter(\.isBoxed).map(\.wireName) ?? [] }
        #expect(boxed("Node") == ["parent"])
        // A is reached first: its field to B is followed, and B's field back to A closes the cycle.
        #expect(boxed("A") == [] && boxed("B") == ["a"])
        // S19 holds a string; S11 would hold 8 inline (S12 … S19), so it boxes its next, and S3 likewise.
        #expect((0..<20).filter { !boxed("S\($0)").isEmpty } == [3, 11])
    }

    @Test func infoMissingOrTwice() {
        #expect(
            Self.errors("structures: {}\n") == [
                "api.yaml:1:1: error: the spec has no 'info'; add 'info: { title: …, version: … }' to one file"
            ])
        let result = SpecLoader.load(sources: [("a.yaml", "a", Self.info), ("b.yaml", "b", "info: { title: U }\n")])
        #expect(
            result.errors.map(\.description) == [
                "b.yaml:1:7: error: 'info' needs a 'version'",
                "b.yaml:1:7: error: 'info' is defined twice; first defined at a.yaml:1:7; keep one",
            ])
    }

    @Test func typeNamesMustBeCapitalizedAndFree() {
        let yaml = Self.info + """
            structures:
              widget: { fields: {} }
              Client: { fields: {} }
            """
        #expect(
            Self.errors(yaml) == [
                "api.yaml:3:3: error: type name 'widget' must start with a capital letter and hold only letters, digits and '_'; try 'Widget'",
                "api.yaml:4:3: error: type name 'Client' is reserved for generated code; choose another name",
            ])
    }

    @Test func commaInAFlowMappingGetsAHint() {
        let yaml = Self.info + """
            structures:
              A:
                fields:
                  a: { type: string, description: Short, but with a comma. }
            """
        #expect(
            Self.errors(yaml) == [
                "api.yaml:5:46: error: unknown key 'but with a comma.' in field 'a' of structure 'A'; a comma inside { … } starts a new key; put the text before it in quotes"
            ])
    }

    @Test func parametersMustFitWhereTheyTravel() {
        let yaml = Self.info + """
            structures:
              Filter: { fields: {} }
            endpoints:
              search:
                method: GET
                path: /search/{scope}
                parameters:
                  scope: { in: path, type: "[string]" }
                  filter: { in: query, type: Filter }
                  trace: { in: header, type: string, required: false }
                  page: { in: body, type: int32 }
                response: json
            """
        #expect(
            Self.errors(yaml) == [
                "api.yaml:9:7: error: parameter 'scope' of endpoint 'search' has type [string], which cannot travel in a path; use a scalar type",
                "api.yaml:10:7: error: parameter 'filter' of endpoint 'search' has type Filter, which cannot travel in a query; use a scalar type, a list of scalars, or {string: scalar} for the query's other parameters",
                "api.yaml:12:19: error: unknown parameter location 'body'; use path, query or header",
            ])
    }

    /// A `{string: T}` query parameter takes the query's other parameters; a second one could never get any.
    @Test func oneQueryParameterMayTakeTheRestOfTheQuery() {
        let yaml = Self.info + """
            endpoints:
              echo:
                method: GET
                path: /echo
                parameters:
                  page: { in: query, type: int32 }
                  rest: { in: query, type: "{string: string}" }
                  more: { in: query, type: "{string: int32}" }
                  nested: { in: query, type: "{string: [string]}" }
                response: json
            """
        #expect(
            Self.errors(yaml) == [
                "api.yaml:9:7: error: parameter 'more' of endpoint 'echo' takes the query's other parameters, as 'rest' does already; keep one {string: …} query parameter",
                "api.yaml:10:7: error: parameter 'nested' of endpoint 'echo' has type {string: [string]}, which cannot travel in a query; use a scalar type, a list of scalars, or {string: scalar} for the query's other parameters",
            ])
    }

    /// `nullable` writes an absent value as null: a field that is never absent, or a parameter, cannot have it.
    @Test func nullableOnlyOnFieldsThatMayBeAbsent() {
        let yaml = Self.info + """
            structures:
              A:
                fields:
                  a: { type: string, nullable: true }
                  b: { type: string, required: true, nullable: true }
                  c: { type: int32, default: 1, nullable: true }
            endpoints:
              get:
                method: GET
                path: /a
                parameters:
                  q: { in: query, type: string, nullable: true }
                response: A
            """
        #expect(
            Self.errors(yaml) == [
                "api.yaml:6:52: error: field 'b' of 'A' is never absent (it is required or has a default), so it is never null; drop 'nullable'",
                "api.yaml:7:47: error: field 'c' of 'A' is never absent (it is required or has a default), so it is never null; drop 'nullable'",
                "api.yaml:13:47: error: 'nullable' applies to fields of structures, not to parameter 'q' of endpoint 'get'; drop it",
            ])
    }

    @Test func everyProblemOfAFileIsReportedInOneRun() {
        let yaml = Self.info + """
            structures:
              A:
                fields:
                  a: { type: strin }
                  b: { type: int64, maxLength: 2 }
            endpoints:
              get:
                method: GET
                path: /a/{id}
            """
        #expect(
            Self.errors(yaml) == [
                "api.yaml:5:18: error: unknown type 'strin'; did you mean 'string'?",
                "api.yaml:6:25: error: 'maxLength' does not apply to field 'b' of 'A' of type int64; 'maxLength' needs a string",
                "api.yaml:8:3: error: endpoint 'get' has no response; add 'response: SomeStructure' or 'responses: { 204: }'",
                "api.yaml:10:15: error: path parameter '{id}' of endpoint 'get' is not declared; add it under 'parameters' with 'in: path'",
            ])
    }

    @Test func namesGeneratedCodeAlreadyUses() {
        let yaml = Self.info + """
            enums:
              Mode: { values: [ON, UNKNOWN] }
            structures:
              A:
                fields:
                  violations: { type: string }
            endpoints:
              credentials: { method: GET, path: /c, response: json }
            """
        #expect(
            Self.errors(yaml) == [
                "api.yaml:3:24: error: value 'UNKNOWN' of enum 'Mode' would become Swift case 'unknown', which holds the values this version does not define; give it a 'swiftName'",
                "api.yaml:7:7: error: 'violations' would become 'violations', which generated code already uses; give it a 'swiftName'",
                "api.yaml:9:3: error: endpoint name 'credentials' is reserved for the generated client; choose another name",
            ])
    }
}
