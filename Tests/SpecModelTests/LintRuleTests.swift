import SpecModel
import Testing

/// Every rule fires on a spec that breaks it, and the lint settings change what style rules report.
@Suite struct LintRuleTests {
    static let info = "info: { title: T, version: '1', description: t }\n"

    /// A described, used, well-named structure and endpoint, so that only the rule under test speaks.
    static let clean = """
        structures:
          Item:
            description: An item.
            fields:
              itemName: { type: string, required: true, description: Its name. }
          Problem:
            description: What went wrong.
            fields:
              message: { type: string, required: true, description: Why. }
        endpoints:
          getItem:
            description: Reads an item.
            method: GET
            path: /items/{itemId}
            parameters:
              itemId: { in: path, type: string, description: Which. }
            responses:
              200: { body: Item }
              404: { body: Problem }

        """

    static func load(_ yaml: String, settings: String? = nil) -> SpecLoadResult {
        let lint = settings.map { LintSettings.parse(configuration: $0, file: "specgen.json") }
        #expect(lint?.diagnostics.isEmpty ?? true, "settings: \(lint?.diagnostics.map(\.description) ?? [])")
        return SpecLoader.load(sources: [("api.yaml", "api", yaml)], settings: lint?.settings ?? LintSettings())
    }

    static func rules(_ yaml: String, settings: String? = nil) -> [String] {
        load(yaml, settings: settings).diagnostics.map(\.rule)
    }

    @Test func theCleanSpecHasNothingToReport() {
        #expect(Self.load(Self.info + Self.clean).diagnostics.map(\.description) == [])
    }

    /// One spec per rule that breaks exactly that rule (and, for a few, a neighbour it implies).
    static let breaking: [(rule: String, yaml: String, settings: String?)] = [
        ("yaml-syntax", info + "structures:\n  A: [unclosed\n", nil),
        ("yaml-tab", info + "structures:\n\tA: {}\n", nil),
        ("yaml-duplicate-key", info + "info: {}\n", nil),
        ("yaml-aliases", info + "structures:\n  S0: &s { description: s, fields: { \((0..<300).map { "f\($0): string" }.joined(separator: ", ")) } }\n"
            + (1..<300).map { "  S\($0): *s\n" }.joined(), nil),
        ("unknown-key", info + "structurs: {}\n", nil),
        ("value-kind", info + "structures: [A]\n", nil),
        ("missing-key", "structures: {}\n", nil),
        ("unknown-value", info + clean.replacingOccurrences(of: "method: GET", with: "method: FETCH"), nil),
        ("type-syntax", info + clean.replacingOccurrences(of: "type: string, required: true, description: Its", with: "type: \"[string\", required: true, description: Its"), nil),
        ("duplicate-definition", info + clean + "enums:\n  Item: { description: d, values: [A] }\n", nil),
        ("invalid-name", info + clean.replacingOccurrences(of: "getItem:", with: "GetItem:"), nil),
        ("reserved-name", info + clean.replacingOccurrences(of: "  Item:", with: "  Client:").replacingOccurrences(of: "body: Item", with: "body: Client"), nil),
        ("swift-name-clash", info + clean.replacingOccurrences(of: "      itemName:", with: "      other: { type: string, swiftName: itemName, description: d }\n      itemName:"), nil),
        ("unknown-type", info + clean.replacingOccurrences(of: "body: Item", with: "body: Itme"), nil),
        ("unknown-security-scheme", info + clean.replacingOccurrences(of: "method: GET", with: "method: GET\n    security: [staff]"), nil),
        ("recursive-structure", info + clean.replacingOccurrences(of: "      itemName:", with: "      parent: { type: Item, required: true, description: d }\n      itemName:"), nil),
        ("constraint-type", info + clean.replacingOccurrences(of: "required: true, description: Its", with: "required: true, minimum: 1, description: Its"), nil),
        ("constraint-range", info + clean.replacingOccurrences(of: "required: true, description: Its", with: "required: true, minLength: 3, maxLength: 2, description: Its"), nil),
        ("constraint-pattern", info + clean.replacingOccurrences(of: "required: true, description: Its", with: "required: true, pattern: \"(\", description: Its"), nil),
        ("default-value", info + clean.replacingOccurrences(of: "type: string, description: Which.", with: "type: string, description: Which.")
            .replacingOccurrences(of: "message: { type: string, required: true,", with: "message: { type: string, default: [a],"), nil),
        ("nullable", info + clean.replacingOccurrences(of: "required: true, description: Why.", with: "required: true, nullable: true, description: Why."), nil),
        ("path-template", info + clean.replacingOccurrences(of: "path: /items/{itemId}", with: "path: items/{itemId}"), nil),
        ("path-parameter", info + clean.replacingOccurrences(of: "path: /items/{itemId}", with: "path: /items/{itemId}/{part}"), nil),
        ("route-conflict", info + clean + "  getItemAgain:\n    description: d\n    method: GET\n    path: /items/{itemId}\n    parameters:\n      itemId: { in: path, type: string, description: d }\n    responses:\n      200: { body: Item }\n      404: { body: Problem }\n", nil),
        ("parameter-type", info + clean.replacingOccurrences(of: "itemId: { in: path, type: string,", with: "itemId: { in: path, type: Item,"), nil),
        ("request-body", info + clean.replacingOccurrences(of: "method: GET", with: "method: POST\n    request: { body: \"[string]\", contentTypes: [form] }"), nil),
        ("response", info + clean.replacingOccurrences(of: "200: { body: Item }", with: "204: { body: Item }"), nil),
        ("description-missing", info + clean.replacingOccurrences(of: "description: Its name. ", with: ""), nil),
        ("required-default", info + clean.replacingOccurrences(of: "required: true, description: Its", with: "required: true, default: a, description: Its"), nil),
        ("naming-field", info + clean.replacingOccurrences(of: "itemName", with: "item_name"), nil),
        ("naming-structure", info + clean.replacingOccurrences(of: "  Item:", with: "  Item_v2:").replacingOccurrences(of: "body: Item }", with: "body: Item_v2 }"), nil),
        ("naming-enum-value", info + clean + "enums:\n  Colour: { description: c, values: [lightBlue] }\n"
            + "", nil),
        ("naming-path", info + clean.replacingOccurrences(of: "/items/", with: "/itemList/"), nil),
        ("unused-type", info + clean + "enums:\n  Colour: { description: c, values: [RED] }\n", nil),
        ("error-response-missing", info + clean.replacingOccurrences(of: "      404: { body: Problem }\n", with: ""), nil),
        ("optional-default-missing", info + clean.replacingOccurrences(of: "method: GET", with: "method: POST\n    request: Problem")
            .replacingOccurrences(of: "message: { type: string, required: true,", with: "message: { type: string,"), #"{"lint": {"rules": {"optional-default-missing": "warning"}}}"#),
        ("path-parameter-name", info + clean + "  getItemParts:\n    description: d\n    method: GET\n    path: /items/{id}/parts\n    parameters:\n      id: { in: path, type: string, description: d }\n    responses:\n      200: { body: Item }\n      404: { body: Problem }\n", nil),
        ("deprecated-use", info + clean.replacingOccurrences(of: "required: true, description: Its", with: "required: true, deprecated: true, description: Its"), nil),
        ("example-value", info + clean.replacingOccurrences(of: "required: true, description: Its", with: "required: true, example: [a], description: Its"), nil),
        ("spec-files", "", nil),
        ("lint-settings", info + clean, #"{"lint": {"rules": {"unknown-type": "off"}}}"#),
    ]

    @Test func everyRuleHasASpecThatBreaksIt() {
        let covered = Set(Self.breaking.map(\.rule))
        #expect(Rule.all.map(\.id).filter { !covered.contains($0) } == [])
    }

    @Test(arguments: breaking.indices)
    func eachRuleFires(_ index: Int) {
        let (rule, yaml, settings) = Self.breaking[index]
        switch rule {
        case "spec-files":
            #expect(SpecLoader.load(directory: "/nonexistent/spec").diagnostics.map(\.rule) == [rule])
        case "lint-settings":
            let parsed = LintSettings.parse(configuration: settings ?? "", file: "specgen.json")
            #expect(parsed.diagnostics.map(\.rule) == [rule])
        case "unused-type", "naming-enum-value":
            // An unused enum is also reported by the other; each names its own rule.
            #expect(Self.rules(yaml, settings: settings).contains(rule))
        default:
            let found = Self.rules(yaml, settings: settings)
            #expect(found.contains(rule), "\(rule): \(found)")
            #expect(Set(found).subtracting([rule, "unused-type", "description-missing"]).isEmpty, "\(rule): \(found)")
        }
    }

    // MARK: Settings

    @Test func styleRulesCanBeSwitchedOffOrMadeErrors() {
        let yaml = Self.info + Self.clean.replacingOccurrences(of: "itemName", with: "item_name")
        #expect(Self.load(yaml).warnings.map(\.rule) == ["naming-field"])
        #expect(Self.load(yaml).spec != nil)
        let off = Self.load(yaml, settings: #"{"spec": "spec", "lint": {"rules": {"naming-field": "off"}}}"#)
        #expect(off.diagnostics.isEmpty)
        let strict = Self.load(yaml, settings: #"{"lint": {"rules": {"naming-field": {"severity": "error"}}}}"#)
        #expect(strict.errors.map(\.rule) == ["naming-field"])
        #expect(strict.spec == nil, "a style rule made an error stops generation like any error")
    }

    @Test func namingRulesTakeAStyle() {
        let yaml = Self.info + Self.clean.replacingOccurrences(of: "itemName", with: "item_name")
        let snake = Self.load(yaml, settings: #"{"lint": {"rules": {"naming-field": {"style": "snake_case"}}}}"#)
        // itemId (a path parameter) is now the one out of style.
        #expect(snake.diagnostics.map(\.description) == ["api.yaml:17:7: warning: path parameter 'itemId' of endpoint 'getItem' is not snake_case"])
    }

    @Test func anElementCanBeIgnoredWithAReasonAndStaleIgnoresAreReported() {
        let yaml = Self.info + Self.clean + "enums:\n  Legacy: { description: old, values: [A] }\n  LegacyToo: { description: old, values: [B] }\n"
        let settings = #"""
            {"lint": {"ignore": [
              {"rule": "unused-type", "element": "Legacy*", "reason": "kept for old clients"},
              {"rule": "naming-field", "element": "Gone.field", "reason": "renamed long ago"}
            ]}}
            """#
        let result = Self.load(yaml, settings: settings)
        #expect(
            result.diagnostics.map(\.description) == [
                "specgen.json:3:3: warning: nothing matches this 'ignore' entry for rule 'naming-field' and element 'Gone.field'; remove it"
            ])
    }

    @Test func badSettingsAreReportedWithPositions() {
        let settings = #"""
            {"lint": {
              "rules": {"naming-feild": "off", "unknown-type": "warning", "naming-path": "loud", "naming-field": {"style": "camel"}},
              "ignore": [{"rule": "unknown-type", "element": "A", "reason": "r"}, {"rule": "unused-type", "element": "A"}],
              "other": 1
            }}
            """#
        #expect(
            LintSettings.parse(configuration: settings, file: "specgen.json").diagnostics.map(\.description) == [
                "specgen.json:2:13: error: unknown rule 'naming-feild'; did you mean 'naming-field'?",
                "specgen.json:2:52: error: rule 'unknown-type' checks what generation needs: it is always an error; fix the spec instead",
                "specgen.json:2:78: error: unknown severity 'loud'; use off, warning or error",
                "specgen.json:2:112: error: 'camel' is not a style of rule 'naming-field'; use one of: lowerCamel, UpperCamel, snake_case, UPPER_SNAKE, kebab-case",
                "specgen.json:3:23: error: rule 'unknown-type' checks what generation needs: it cannot be ignored",
                "specgen.json:3:71: error: an 'ignore' entry needs 'reason'",
                "specgen.json:4:3: error: unknown key 'other' in 'lint'; allowed keys: rules, ignore",
            ])
    }

    @Test func namingStylesAcceptWhatTheySay() {
        #expect(NamingStyle.lowerCamel.accepts("accessToken2") && !NamingStyle.lowerCamel.accepts("access_token"))
        #expect(NamingStyle.UpperCamel.accepts("IdToken") && !NamingStyle.UpperCamel.accepts("ID_TOKEN"))
        #expect(NamingStyle.snakeCase.accepts("access_token") && !NamingStyle.snakeCase.accepts("access__token"))
        #expect(NamingStyle.upperSnake.accepts("INTERNAL_SERVER_ERROR") && !NamingStyle.upperSnake.accepts("Ok"))
        #expect(NamingStyle.kebabCase.accepts("well-known") && !NamingStyle.kebabCase.accepts("wellKnown"))
    }

    /// A waiver for a rule that is off excuses what the rule would report, so it is not stale; two waivers
    /// that match the same element are both used.
    @Test func waiversForRulesThatAreOffOrOverlapAreNotStale() {
        let yaml = Self.info + Self.clean + "enums:\n  Legacy: { description: old, values: [A] }\n"
        let settings = #"""
            {"lint": {"rules": {"unused-type": "off"}, "ignore": [
              {"rule": "unused-type", "element": "Legacy", "reason": "kept for old clients"},
              {"rule": "unused-type", "element": "Leg*", "reason": "all of them"}
            ]}}
            """#
        #expect(Self.load(yaml, settings: settings).diagnostics.map(\.description) == [])
    }
}
