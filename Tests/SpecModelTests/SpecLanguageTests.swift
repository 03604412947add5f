import SpecModel
import Testing

/// Examples, deprecation, readOnly/writeOnly and `x-…` keys: what the loaded spec holds, and what is refused.
@Suite struct SpecLanguageTests {
    static let info = "info: { title: T, version: '1', description: t, x-audience: partners }\n"

    static let spec = info + """
        enums:
          Plan:
            description: p
            x-owner: billing
            values:
              FREE: f
              LEGACY: { description: l, deprecated: Use FREE. }
        structures:
          Account:
            description: a
            example: { id: acc-1, email: a@example.com }
            fields:
              id: { type: string, required: true, readOnly: true, description: i, example: acc-2 }
              email: { type: string, required: true, description: e, x-pii: true }
              password: { type: string, writeOnly: true, minLength: 8, description: p }
              nickname: { type: string, deprecated: true, description: n, examples: [ada, bob] }
              plan: { type: Plan, description: p }
        endpoints:
          createAccount:
            description: c
            method: POST
            path: /accounts/{region}
            deprecated: Use createAccountV2.
            x-rate-limit: { perMinute: 10, burst: [1, 2.5] }
            parameters:
              region: { in: path, type: string, description: r, example: eu }
              dryRun: { in: query, type: bool, description: d }
            request: Account
            responses:
              201: { body: Account, description: c }
              400: { body: Account, description: b }
            examples:
              first:
                summary: The first account.
                parameters: { region: eu, dryRun: true }
                request: { email: a@example.com, password: secret-123 }
                response: { id: acc-3, email: a@example.com, plan: LEGACY }

        """

    @Test func theModelHoldsWhatTheSpecSays() throws {
        let result = SpecLoader.load(sources: [("api.yaml", "api", Self.spec)])
        #expect(result.diagnostics.map(\.description) == [])
        let spec = try result.get()
        #expect(spec.info.extensions == [Extension(name: "x-audience", value: .string("partners"))])
        let plan = try #require(spec.enumType(named: "Plan"))
        #expect(plan.extensions == [Extension(name: "x-owner", value: .string("billing"))])
        #expect(plan.values.map(\.deprecation) == [nil, Deprecation(message: "Use FREE.")])
        let account = try #require(spec.structure(named: "Account"))
        #expect(account.examples == [.object([.init("id", .string("acc-1")), .init("email", .string("a@example.com"))])])
        #expect(account.fields.map(\.access) == [.readOnly, .readWrite, .writeOnly, .readWrite, .readWrite])
        #expect(account.fields[0].examples == [.string("acc-2")] && account.fields[0].isOptionalInSwift)
        #expect(account.fields[1].extensions == [Extension(name: "x-pii", value: .bool(true))])
        #expect(account.fields[3].deprecation == Deprecation() && account.fields[3].examples == [.string("ada"), .string("bob")])
        let endpoint = try #require(spec.endpoints.first)
        #expect(endpoint.deprecation == Deprecation(message: "Use createAccountV2."))
        #expect(
            endpoint.extensions == [
                Extension(
                    name: "x-rate-limit",
                    value: .object([.init("perMinute", .number(.integer(10))), .init("burst", .array([.number(.integer(1)), .number(.real(2.5))]))]))
            ])
        #expect(endpoint.parameters[0].examples == [.string("eu")])
        #expect(
            endpoint.examples == [
                EndpointExample(
                    name: "first", summary: "The first account.",
                    parameters: [.init("region", .string("eu")), .init("dryRun", .bool(true))],
                    request: .object([.init("email", .string("a@example.com")), .init("password", .string("secret-123"))]),
                    status: 201,
                    response: .object([.init("id", .string("acc-3")), .init("email", .string("a@example.com")), .init("plan", .string("LEGACY"))]))
            ])
    }

    static func errors(_ yaml: String) -> [String] {
        SpecLoader.load(sources: [("api.yaml", "api", info + yaml)]).errors.map(\.description)
    }

    static let item = """
        enums:
          Colour: { description: c, values: [RED, BLUE] }
        structures:
          Item:
            description: i
            fields:
              name: { type: string, required: true, maxLength: 4, description: n }
              count: { type: int32, minimum: 1, description: c }
              colour: { type: Colour, description: c }
              tags: { type: "[string]", uniqueItems: true, description: t }
              at: { type: date-time, description: a }

        """

    /// Examples are checked like the values they illustrate, each problem where it is written.
    @Test func examplesThatDoNotFitTheirTypeAreErrors() {
        let yaml = Self.item + """
          Order:
            description: o
            examples:
              - { item: { name: ab, count: 0 } }
              - { item: { count: 2, colour: GREEN, size: 3 } }
              - { item: { name: abcdef, tags: [a, a], at: yesterday }, price: 1 }
            fields:
              item: { type: Item, required: true, example: { name: 12345 }, description: i }
              price: { type: double, example: cheap, description: p }
        """
        #expect(
            Self.errors(yaml) == [
                "api.yaml:16:36: error: example of field 'count' of Item in field 'item' of Order in structure 'Order' is less than minimum 1; change the example or the constraint",
                "api.yaml:17:17: error: example of field 'item' of Order in structure 'Order' lacks required field 'name' of Item",
                "api.yaml:17:37: error: example 'GREEN' of field 'colour' of Item in field 'item' of Order in structure 'Order' is not a value of enum 'Colour'; values: RED, BLUE",
                "api.yaml:17:44: error: example of field 'item' of Order in structure 'Order' has 'size', which is not a field of Item",
                "api.yaml:18:25: error: example of field 'name' of Item in field 'item' of Order in structure 'Order' is longer than maxLength 4; change the example or the constraint",
                "api.yaml:18:39: error: example of field 'tags' of Item in field 'item' of Order in structure 'Order' has repeated items but uniqueItems is set",
                "api.yaml:18:51: error: example of field 'at' of Item in field 'item' of Order in structure 'Order' is not a date-time; write 2026-01-31T12:00:00Z",
                "api.yaml:20:60: error: example of field 'name' of Item in field 'item' of 'Order' is longer than maxLength 4; change the example or the constraint",
                "api.yaml:21:39: error: example of field 'price' of 'Order' must be a number, not a string",
            ])
    }

    @Test func endpointExamplesMatchTheEndpoint() {
        let yaml = Self.item + """
        endpoints:
          getItem:
            description: g
            method: GET
            path: /items/{id}
            parameters:
              id: { in: path, type: string, description: i }
            responses:
              200: { body: Item, description: o }
              404: { description: n }
            examples:
              noId: { parameters: { ident: x } }
              body: { parameters: { id: x }, request: { name: a } }
              teapot: { parameters: { id: x }, status: 418 }
              empty: { parameters: { id: x }, status: 404, response: { name: a } }
              wrong: { parameters: { id: x }, response: { name: toolong } }
        """
        #expect(
            Self.errors(yaml) == [
                "api.yaml:24:7: error: example 'noId' of endpoint 'getItem' lacks required parameter 'id'",
                "api.yaml:24:29: error: example 'noId' of endpoint 'getItem' sets parameter 'ident', which the endpoint does not have",
                "api.yaml:25:47: error: example 'body' of endpoint 'getItem' has a request, but the endpoint takes no body",
                "api.yaml:26:48: error: example 'teapot' of endpoint 'getItem' answers 418, which the endpoint does not declare; declared: 200, 404",
                "api.yaml:27:62: error: example 'empty' of endpoint 'getItem' has a response body, but the 404 response has none",
                "api.yaml:28:57: error: example of field 'name' of Item in the 200 response of example 'wrong' of endpoint 'getItem' is longer than maxLength 4; change the example or the constraint",
            ])
    }

    @Test func contradictionsAreRefused() {
        let yaml = """
        structures:
          A:
            description: a
            fields:
              a: { type: string, readOnly: true, writeOnly: true, description: a }
              b: { type: string, readOnly: true, default: x, description: b }
              c: { type: string, example: x, examples: [y], description: c }
              d: { type: string, deprecated: true, description: d }
              e: { type: string, swiftName: _d, description: e }
        """
        #expect(
            Self.errors(yaml) == [
                "api.yaml:6:42: error: field 'a' of structure 'A' cannot be both readOnly and writeOnly; a field that no message carries is not a field",
                "api.yaml:7:26: error: field 'b' of 'A' is readOnly, so a default would fill in what one direction never sends; drop the default",
                "api.yaml:8:26: error: field 'c' of structure 'A' has both 'example' and 'examples'; put the example into the 'examples' list",
                "api.yaml:10:7: error: fields 'd' and 'e' of 'A' both become Swift property '_d'; give one a 'swiftName'",
            ])
    }

    /// Aliases cannot make an example take longer to check than the spec is long.
    @Test func examplesThatAliasTheirWayToMillionsAreRefused() {
        var lines = ["structures:", "  A:", "    description: a", "    fields:", "      a:", "        type: json", "        description: a",
                     "        example:", "          - &l0 [0, 0, 0, 0, 0, 0, 0, 0, 0, 0]"]
        for level in 1..<9 { lines.append("          - &l\(level) [" + Array(repeating: "*l\(level - 1)", count: 10).joined(separator: ", ") + "]") }
        let errors = Self.errors(lines.joined(separator: "\n") + "\n")
        #expect(errors.contains { $0.contains("examples repeat more of the spec than it writes out") })
    }

    /// A request example carries no readOnly field, a response example no writeOnly one.
    @Test func endpointExamplesKeepToTheirDirection() {
        let yaml = """
        structures:
          User:
            description: u
            fields:
              id: { type: string, required: true, readOnly: true, description: i }
              password: { type: string, required: true, writeOnly: true, description: p }
        endpoints:
          createUser:
            description: c
            method: POST
            path: /users
            request: User
            responses:
              201: { body: User, description: c }
            examples:
              wrong: { request: { id: u1, password: pw }, response: { id: u1, password: pw } }
              missing: { request: {}, response: {} }
        """
        #expect(
            Self.errors(yaml) == [
                "api.yaml:17:27: error: example of the request of example 'wrong' of endpoint 'createUser' has 'id', which is readOnly and so never in a request; leave it out of this example",
                "api.yaml:17:71: error: example of the 201 response of example 'wrong' of endpoint 'createUser' has 'password', which is writeOnly and so never in a response; leave it out of this example",
                "api.yaml:18:27: error: example of the request of example 'missing' of endpoint 'createUser' lacks required field 'password' of User",
                "api.yaml:18:41: error: example of the 201 response of example 'missing' of endpoint 'createUser' lacks required field 'id' of User",
            ])
    }

    @Test func boundsThatGeneratedCodeCannotWriteAreRefused() {
        let yaml = """
        structures:
          A:
            description: a
            fields:
              a: { type: double, maximum: .inf, description: a }
              b: { type: int32, minimum: 3000000000, description: b }
        """
        #expect(
            Self.errors(yaml) == [
                "api.yaml:6:35: error: 'maximum' must be a finite number",
                "api.yaml:7:25: error: 'minimum' 3000000000 of field 'b' of 'A' does not fit in int32",
            ])
    }
}
