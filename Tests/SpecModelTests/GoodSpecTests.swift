import Foundation
import SpecModel
import Testing

@Suite struct GoodSpecTests {
    static func location(_ line: Int, _ column: Int) -> SpecModel.SourceLocation {
        SpecModel.SourceLocation(file: "shop.yaml", line: line, column: column)
    }

    @Test func loadsEveryElementIntoTheExpectedModel() throws {
        let yaml = """
            info: { title: Shop, version: 2.1.0, description: Sells things. }
            securitySchemes:
              staff: { type: bearer, description: Staff token. }
            enums:
              Size:
                description: How big.
                values:
                  S: Small.
                  XL: { description: Extra large., swiftName: extraLarge }
            structures:
              Item:
                description: A thing.
                fields:
                  item_id: { type: string, required: true, minLength: 2, maxLength: 8, pattern: "^[a-z]+$", description: ID. }
                  size: { type: Size, default: S, description: Size. }
                  tags: { type: "[string]", minItems: 1, uniqueItems: true, default: [new], description: Tags. }
                  prices: { type: "{string: double}", description: Prices. }
                  count: { type: int32, minimum: 0, maximum: 10, description: Count. }
                  link: { type: url, description: Link. }
                  contact: { type: string, format: email, description: Contact. }
            endpoints:
              putItem:
                summary: Store an item.
                method: PUT
                path: /items/{item_id}
                security: [staff]
                parameters:
                  item_id: { in: path, type: string, description: Which item. }
                  dryRun: { in: query, type: bool, default: false, description: Only check. }
                request: { body: Item, contentTypes: [json, form], description: The item. }
                responses:
                  200: { body: Item, description: Stored. }
                  204: { description: Unchanged. }
            """
        let result = SpecLoader.load(sources: [("shop.yaml", "shop", yaml)])
        // Only advice: snake_case names and no error response, which the style rules point out.
        #expect(result.diagnostics.map(\.rule) == ["naming-field", "error-response-missing", "naming-field"])
        let spec = try result.get()
        let expected = Spec(
            info: Info(title: "Shop", version: "2.1.0", description: "Sells things."),
            areas: [Area(name: "shop", file: "shop.yaml", lines: 33)],
            securitySchemes: [SecurityScheme(name: "staff", kind: .bearer, description: "Staff token.", source: Self.location(3, 3))],
            structures: [
                Structure(
                    name: "Item", description: "A thing.",
                    fields: [
                        Field(
                            wireName: "item_id", swiftName: "itemId", type: .string, isRequired: true, description: "ID.",
                            constraints: Constraints(minLength: 2, maxLength: 8, pattern: "^[a-z]+$"), source: Self.location(14, 7)),
                        Field(
                            wireName: "size", swiftName: "size", type: .enumeration("Size"), defaultValue: .enumValue("S"),
                            description: "Size.", source: Self.location(15, 7)),
                        Field(
                            wireName: "tags", swiftName: "tags", type: .array(.string), defaultValue: .array([.string("new")]),
                            description: "Tags.", constraints: Constraints(minItems: 1, uniqueItems: true), source: Self.location(16, 7)),
                        Field(
                            wireName: "prices", swiftName: "prices", type: .map(.double), description: "Prices.",
                            source: Self.location(17, 7)),
                        Field(
                            wireName: "count", swiftName: "count", type: .int32, description: "Count.",
                            constraints: Constraints(minimum: .integer(0), maximum: .integer(10)), source: Self.location(18, 7)),
                        Field(wireName: "link", swiftName: "link", type: .url, description: "Link.", source: Self.location(19, 7)),
                        Field(
                            wireName: "contact", swiftName: "contact", type: .string, description: "Contact.",
                            constraints: Constraints(format: .email), source: Self.location(20, 7)),
                    ], area: "shop", source: Self.location(11, 3))
            ],
            enums: [
                EnumType(
                    name: "Size", description: "How big.",
                    values: [
                        EnumValue(value: "S", swiftName: "s", description: "Small.", source: Self.location(8, 7)),
                        EnumValue(value: "XL", swiftName: "extraLarge", description: "Extra large.", source: Self.location(9, 7)),
                    ], area: "shop", source: Self.location(5, 3))
            ],
            endpoints: [
                Endpoint(
                    name: "putItem", summary: "Store an item.", description: nil, method: .PUT, path: "/items/{item_id}",
                    security: ["staff"],
                    parameters: [
                        Parameter(
                            name: "item_id", swiftName: "itemId", kind: .path, type: .string, isRequired: true,
                            description: "Which item.", source: Self.location(28, 7)),
                        Parameter(
                            name: "dryRun", swiftName: "dryRun", kind: .query, type: .bool, isRequired: false,
                            defaultValue: .bool(false), description: "Only check.", source: Self.location(29, 7)),
                    ],
                    request: RequestBody(type: .structure("Item"), contentTypes: [.json, .form], description: "The item."),
                    responses: [
                        Response(status: 200, body: .structure("Item"), description: "Stored."),
                        Response(status: 204, body: nil, description: "Unchanged."),
                    ], area: "shop", source: Self.location(22, 3))
            ])
        // Part by part, so a failure names the part that differs.
        #expect(spec.info == expected.info)
        #expect(spec.areas == expected.areas)
        #expect(spec.securitySchemes == expected.securitySchemes)
        #expect(spec.enums == expected.enums)
        #expect(spec.structures == expected.structures)
        #expect(spec.endpoints == expected.endpoints)
        #expect(spec == expected)
    }

    @Test func missingDescriptionsAreWarningsNotErrors() {
        let yaml = """
            info: { title: T, version: '1' }
            structures:
              A:
                fields:
                  a: string
            endpoints:
              ping: { method: GET, path: /ping, response: A }
            """
        let result = SpecLoader.load(sources: [("w.yaml", "w", yaml)])
        #expect(result.spec != nil)
        #expect(result.errors.isEmpty)
        #expect(
            result.warnings.filter { $0.rule == "description-missing" }.map(\.description) == [
                "w.yaml:3:3: warning: structure 'A' has no description; add 'description:'; it becomes documentation",
                "w.yaml:5:7: warning: field 'a' of 'A' has no description; add 'description:'; it becomes documentation",
                "w.yaml:7:3: warning: endpoint 'ping' has no description; add 'description:'; it becomes documentation",
            ])
    }

    @Test func mergesEveryFileOfAFolderIntoAreas() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("specmodel-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("admin"), withIntermediateDirectories: true)
        try "info: { title: T, version: '1' }\nstructures:\n  A: { description: a, fields: { b: { type: B, description: b } } }\n"
            .write(to: folder.appendingPathComponent("main.yaml"), atomically: true, encoding: .utf8)
        try "structures:\n  B: { description: b, fields: {} }\n"
            .write(to: folder.appendingPathComponent("admin/users.yml"), atomically: true, encoding: .utf8)
        try "not a spec".write(to: folder.appendingPathComponent("README.md"), atomically: true, encoding: .utf8)
        let result = SpecLoader.load(directory: folder.path)
        let spec = try result.get()
        #expect(spec.areas.map(\.name) == ["admin.users", "main"])
        #expect(spec.areas.map(\.file) == ["\(folder.path)/admin/users.yml", "\(folder.path)/main.yaml"])
        #expect(spec.structure(named: "A")?.fields.first?.type == .structure("B"))
        #expect(spec.structure(named: "B")?.area == "admin.users")
    }

    @Test func aFolderWithoutSpecFilesIsAnError() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("empty-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        #expect(SpecLoader.load(directory: folder.path).errors.map(\.description) == ["\(folder.path):1:1: error: no spec files (*.yaml) found"])
        let missing = SpecLoader.load(directory: folder.path + "/nope")
        #expect(missing.spec == nil)
        #expect(missing.errors.count == 1)
    }

    @Test func theProjectSpecLoadsWithoutDiagnostics() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let lint = LintSettings.load(configuration: root.appendingPathComponent("Sources/WarrantAPI/specgen.json").path)
        #expect(lint.diagnostics.map(\.description) == [])
        let result = SpecLoader.load(directory: root.appendingPathComponent("spec").path, settings: lint.settings)
        #expect(result.diagnostics.map(\.description) == [])
        let spec = try result.get()
        let runtime = spec.endpoints.filter { ["authToken", "authorizationIssue", "idTokenReissue"].contains($0.name) }
        #expect(runtime.count == 3)
        #expect(runtime.allSatisfy { $0.security == ["serviceAccessToken", "organizationToken"] })
        // Every API call needs a token except the health check.
        #expect(spec.endpoints.filter(\.security.isEmpty).map(\.name) == ["healthcheck", "liveness", "readiness", "serverInfo"])
        let organizationOnly = spec.endpoints.filter { $0.security == ["organizationToken"] }.map(\.name).sorted()
        #expect(
            organizationOnly == [
                "organizationTokenRotate", "serviceCreate", "serviceDelete", "serviceGetList", "serviceTokenCreate", "serviceTokenDelete", "serviceTokenGetList",
                "serviceUpdate",
            ])
    }
}

@Suite struct SwiftNamingTests {
    @Test(arguments: [
        ("grant_type", "grantType"), ("not-before-policy", "notBeforePolicy"), ("INTERNAL_SERVER_ERROR", "internalServerError"),
        ("accessToken", "accessToken"), ("OK", "ok"), ("RS256", "rs256"), ("EdDSA", "edDSA"), ("X-Request-Id", "xRequestId"),
        ("urn:ietf:params:oauth:token-type:jwt", "urnIetfParamsOauthTokenTypeJwt"), ("2fa", "_2fa"), ("", "_"),
    ])
    func lowerCamelNames(wire: String, swift: String) {
        #expect(SwiftNaming.lowerCamel(wire) == swift)
    }

    @Test func keywordsAreEscapedAndIdentifiersChecked() {
        #expect(SwiftNaming.escaped("default") == "`default`")
        #expect(SwiftNaming.escaped("value") == "value")
        #expect(SwiftNaming.upperCamel("idTokenReissue") == "IdTokenReissue")
        #expect(SwiftNaming.isIdentifier("a_1"))
        #expect(!SwiftNaming.isIdentifier("1a"))
        #expect(!SwiftNaming.isIdentifier("a-b"))
        #expect(SwiftNaming.isTypeName("Token"))
        #expect(!SwiftNaming.isTypeName("token"))
    }

    @Test func keywordsAreEscapedAsIdentifiersButOnlyWhereNeededAsArgumentLabels() {
        #expect(SwiftNaming.escaped("in") == "`in`")
        #expect(SwiftNaming.escaped("extension") == "`extension`")
        #expect(SwiftNaming.escaped("name") == "name")
        #expect(SwiftNaming.argumentLabel("in") == "in")
        #expect(SwiftNaming.argumentLabel("extension") == "extension")
        #expect(SwiftNaming.argumentLabel("var") == "`var`")
        #expect(SwiftNaming.argumentLabel("inout") == "`inout`")
    }
}
