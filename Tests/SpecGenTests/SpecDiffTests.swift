import Foundation
import SpecGen
import SpecModel
import Testing

/// Every kind of change `specgen diff` knows, each asserting its classification. The base spec has a
/// request-only structure (NewItem, enum Color) and a response-only one (Item, enum Status).
@Suite struct SpecDiffTests {
    /// Also the old side of the diff fixture that `.ci/run` checks through the command line.
    static let base = try! String(
        contentsOf: GoldenTests.root.appendingPathComponent("Tests/Fixtures/diff/old/api.yaml"), encoding: .utf8)

    typealias Outcome = (kind: SpecChange.Kind, severity: SpecChange.Severity, subject: String)

    /// The changes after replacing `old` with `new` in the base spec (each replacement must apply).
    static func changes(_ replacements: (String, String)...) throws -> [SpecChange] {
        var edited = base
        for (old, new) in replacements {
            #expect(edited.contains(old), "the base spec has no \(old)")
            edited = edited.replacingOccurrences(of: old, with: new)
        }
        return SpecDiff.compare(old: try loadSpec(["api.yaml": base]), new: try loadSpec(["api.yaml": edited]))
    }

    static func outcomes(_ changes: [SpecChange]) -> [String] {
        changes.map { "\($0.severity.rawValue) \($0.kind.rawValue) \($0.subject)" }
    }

    @Test func identicalSpecsHaveNoChanges() throws {
        #expect(try Self.changes().isEmpty)
    }

    // MARK: Endpoints

    @Test func aRemovedEndpointBreaks() throws {
        let getItem = String(Self.base[Self.base.range(of: "  getItem:\n")!.lowerBound...])
        #expect(Self.outcomes(try Self.changes((getItem, ""))) == ["breaking endpoint-removed endpoint getItem"])
    }

    @Test func anAddedEndpointIsCompatible() throws {
        let changes = try Self.changes(("endpoints:\n", "endpoints:\n  ping:\n    method: GET\n    path: /ping\n    responses:\n      204: {}\n"))
        #expect(Self.outcomes(changes) == ["compatible endpoint-added endpoint ping"])
    }

    @Test func aRenamedEndpointBreaksGeneratedCode() throws {
        let changes = try Self.changes(("  getItem:\n", "  fetchItem:\n"))
        #expect(Self.outcomes(changes) == ["breaking endpoint-renamed endpoint getItem"])
        #expect(changes[0].message.contains("renamed to fetchItem"))
    }

    @Test func aChangedPathOrMethodBreaks() throws {
        #expect(Self.outcomes(try Self.changes(("path: /items\n", "path: /v2/items\n"))) == ["breaking path-changed endpoint createItem"])
        #expect(Self.outcomes(try Self.changes(("method: POST", "method: PUT"))) == ["breaking method-changed endpoint createItem"])
    }

    @Test func securityThatShutsCallersOutBreaksAndOneThatAdmitsMoreDoesNot() throws {
        #expect(Self.outcomes(try Self.changes(("security: [staff, customer]", "security: [staff]")))
            == ["breaking security-changed endpoint getItem"])
        #expect(Self.outcomes(try Self.changes(("security: [staff]\n", "security: [staff, customer]\n")))
            == ["compatible security-changed endpoint createItem"])
        #expect(Self.outcomes(try Self.changes(("    security: [staff]\n", "")))
            == ["compatible security-changed endpoint createItem"])
        let required = try Self.changes(("    security: [staff]\n", ""), ("security: [staff, customer]", "security: []"))
        let addedBack = SpecDiff.compare(old: try loadSpec(["api.yaml": Self.base.replacingOccurrences(of: "    security: [staff]\n", with: "")]),
            new: try loadSpec(["api.yaml": Self.base]))
        #expect(Self.outcomes(required) == ["compatible security-changed endpoint createItem", "compatible security-changed endpoint getItem"])
        #expect(Self.outcomes(addedBack) == ["breaking security-changed endpoint createItem"])
    }

    @Test func parametersAddedRemovedMovedAndMadeRequired() throws {
        #expect(Self.outcomes(try Self.changes(("verbose: { in: query, type: bool }", "verbose: { in: query, type: bool }\n      lang: { in: query, type: string }")))
            == ["compatible parameter-added endpoint getItem, query parameter lang"])
        #expect(Self.outcomes(try Self.changes(("verbose: { in: query, type: bool }", "verbose: { in: query, type: bool }\n      lang: { in: query, type: string, required: true }")))
            == ["breaking parameter-added endpoint getItem, query parameter lang"])
        #expect(Self.outcomes(try Self.changes(("      verbose: { in: query, type: bool }\n", "")))
            == ["breaking parameter-removed endpoint getItem, query parameter verbose"])
        #expect(Self.outcomes(try Self.changes(("verbose: { in: query, type: bool }", "verbose: { in: header, type: bool }")))
            == ["breaking parameter-location-changed endpoint getItem, query parameter verbose"])
        #expect(Self.outcomes(try Self.changes(("verbose: { in: query, type: bool }", "verbose: { in: query, type: bool, required: true }")))
            == ["breaking made-required endpoint getItem, query parameter verbose"])
        #expect(Self.outcomes(try Self.changes(("verbose: { in: query, type: bool }", "verbose: { in: query, type: string }")))
            == ["breaking type-changed endpoint getItem, query parameter verbose"])
    }

    @Test func mediaTypesAndResponses() throws {
        #expect(Self.outcomes(try Self.changes(("contentTypes: [json, form]", "contentTypes: [json]")))
            == ["breaking media-type-removed endpoint createItem"])
        #expect(Self.outcomes(try Self.changes(("\n      404: { description: Not found. }", "")))
            == ["breaking response-removed endpoint getItem"])
        let added = try Self.changes(("404: { description: Not found. }", "404: { description: Not found. }\n      410: { description: Gone. }"))
        #expect(Self.outcomes(added) == ["compatible response-added endpoint getItem"])
        #expect(added[0].message.contains("noted"))
        #expect(Self.outcomes(try Self.changes(("201: { body: Item }", "201: { body: NewItem }")))
            == ["breaking type-changed endpoint createItem"])
    }

    // MARK: Fields

    @Test func removedFieldsBreakOnBothSides() throws {
        #expect(Self.outcomes(try Self.changes(("      color: { type: Color }\n", "")))
            == ["breaking field-removed structure NewItem, field color"])
        #expect(Self.outcomes(try Self.changes(("      status: { type: Status, required: true }\n", "")))
            == ["breaking field-removed structure Item, field status"])
    }

    @Test func aRenamedFieldIsARemovalAndAnAddition() throws {
        let changes = try Self.changes(("      name: { type: string, required: true, maxLength: 50 }\n      note: { type: string, description: For the packer. }",
            "      title: { type: string, required: true, maxLength: 50 }\n      note: { type: string, description: For the packer. }"))
        #expect(Self.outcomes(changes) == [
            "breaking field-removed structure NewItem, field name", "breaking field-added structure NewItem, field title",
        ])
    }

    @Test func newFieldsBreakOnlyWhenRequiredInRequests() throws {
        #expect(Self.outcomes(try Self.changes(("      tags: { type: \"[string]\", maxItems: 5 }\n", "      tags: { type: \"[string]\", maxItems: 5 }\n      size: { type: int32 }\n")))
            == ["compatible field-added structure NewItem, field size"])
        #expect(Self.outcomes(try Self.changes(("      tags: { type: \"[string]\", maxItems: 5 }\n", "      tags: { type: \"[string]\", maxItems: 5 }\n      size: { type: int32, required: true }\n")))
            == ["breaking field-added structure NewItem, field size"])
        #expect(Self.outcomes(try Self.changes(("      status: { type: Status, required: true }\n", "      status: { type: Status, required: true }\n      size: { type: int32, required: true }\n")))
            == ["compatible field-added structure Item, field size"])
    }

    @Test func requirednessBreaksRequestsOneWayAndResponsesTheOther() throws {
        #expect(Self.outcomes(try Self.changes(("note: { type: string, description: For the packer. }", "note: { type: string, required: true, description: For the packer. }")))
            == ["breaking made-required structure NewItem, field note"])
        #expect(Self.outcomes(try Self.changes(("status: { type: Status, required: true }", "status: { type: Status }")))
            == ["breaking made-optional structure Item, field status"])
        #expect(Self.outcomes(try Self.changes(("      name: { type: string, required: true, maxLength: 50 }\n      note: { type: string, description", "      name: { type: string, maxLength: 50 }\n      note: { type: string, description")))
            == ["compatible made-optional structure NewItem, field name"])
        #expect(Self.outcomes(try Self.changes(("      note: { type: string }\n", "      note: { type: string, required: true }\n")))
            == ["compatible made-required structure Item, field note"])
    }

    @Test func typeChangesBreak() throws {
        #expect(Self.outcomes(try Self.changes(("color: { type: Color }", "color: { type: string }")))
            == ["breaking type-changed structure NewItem, field color"])
    }

    @Test func tighterConstraintsBreakRequestsAndLooserOnesDoNot() throws {
        let shorter = try Self.changes(("      name: { type: string, required: true, maxLength: 50 }\n      note: { type: string, description", "      name: { type: string, required: true, maxLength: 40 }\n      note: { type: string, description"))
        #expect(Self.outcomes(shorter) == ["breaking constraint-tightened structure NewItem, field name"])
        #expect(shorter[0].message == "tightened: maxLength 50 → 40")
        #expect(Self.outcomes(try Self.changes(("note: { type: string, description: For the packer. }", "note: { type: string, pattern: '^[a-z]+$', description: For the packer. }")))
            == ["breaking constraint-tightened structure NewItem, field note"])
        #expect(Self.outcomes(try Self.changes(("count: { type: int32, minimum: 1, default: 1 }", "count: { type: int32, minimum: 2, default: 2 }")))
            == ["breaking constraint-tightened structure NewItem, field count", "compatible default-changed structure NewItem, field count"])
        #expect(Self.outcomes(try Self.changes(("maxItems: 5", "maxItems: 3"))) == ["breaking constraint-tightened structure NewItem, field tags"])
        #expect(Self.outcomes(try Self.changes(("maxItems: 5", "maxItems: 9"))) == ["compatible constraint-loosened structure NewItem, field tags"])
        let responseOnly = try Self.changes(("      name: { type: string, required: true, maxLength: 50 }\n      status", "      name: { type: string, required: true, maxLength: 40 }\n      status"))
        #expect(Self.outcomes(responseOnly) == ["compatible constraint-tightened structure Item, field name"])
    }

    @Test func descriptionAndDefaultChangesAreCompatible() throws {
        #expect(Self.outcomes(try Self.changes(("For the packer.", "For whoever packs.")))
            == ["compatible description-changed structure NewItem, field note"])
        #expect(Self.outcomes(try Self.changes(("summary: Read an item.", "summary: Read one item.")))
            == ["compatible description-changed endpoint getItem"])
        #expect(Self.outcomes(try Self.changes(("version: \"1\"", "version: \"2\"")))
            == ["compatible version-changed info"])
    }

    @Test func deprecationIsNotedAndCompatible() throws {
        let endpoint = try Self.changes(("summary: Read an item.", "summary: Read an item.\n    deprecated: Use getItemV2."))
        #expect(Self.outcomes(endpoint) == ["compatible deprecated endpoint getItem"])
        #expect(endpoint[0].message == "deprecated (noted: Use getItemV2.)")
        #expect(
            Self.outcomes(try Self.changes(("note: { type: string, description: For the packer. }", "note: { type: string, deprecated: true, description: For the packer. }")))
                == ["compatible deprecated structure NewItem, field note"])
        #expect(
            Self.outcomes(try Self.changes(("values: [OPEN, CLOSED]", "values: [OPEN, { value: CLOSED, deprecated: true }]")))
                == ["compatible deprecated enum Status, value CLOSED"])
    }

    /// A field one direction stops carrying breaks whoever sends (readOnly) or reads (writeOnly) it.
    @Test func readOnlyAndWriteOnlyChangesBreakTheDirectionTheyTakeAwayFrom() throws {
        let readOnly = try Self.changes(("      color: { type: Color }", "      color: { type: Color, readOnly: true }"))
        #expect(Self.outcomes(readOnly) == ["breaking access-changed structure NewItem, field color"])
        #expect(readOnly[0].message == "readWrite → readOnly: requests no longer carry it")
        let writeOnly = try Self.changes(("      note: { type: string }", "      note: { type: string, writeOnly: true }"))
        #expect(Self.outcomes(writeOnly) == ["breaking access-changed structure Item, field note"])
        // Only responses carry Item: marking its field readOnly takes nothing away.
        #expect(
            Self.outcomes(try Self.changes(("      note: { type: string }", "      note: { type: string, readOnly: true }")))
                == ["compatible access-changed structure Item, field note"])
    }

    // MARK: Enums and structures

    @Test func enumValuesRemovedBreakAndAddedOnesAreNotedInResponses() throws {
        #expect(Self.outcomes(try Self.changes(("values: [OPEN, CLOSED]", "values: [OPEN]")))
            == ["breaking enum-value-removed enum Status, value CLOSED"])
        let added = try Self.changes(("values: [OPEN, CLOSED]", "values: [OPEN, CLOSED, ARCHIVED]"))
        #expect(Self.outcomes(added) == ["compatible enum-value-added enum Status, value ARCHIVED"])
        #expect(added[0].message.contains("clients must accept values they do not know"))
        let requestOnly = try Self.changes(("values: [RED, BLUE]", "values: [RED, BLUE, GREEN]"))
        #expect(Self.outcomes(requestOnly) == ["compatible enum-value-added enum Color, value GREEN"])
        #expect(requestOnly[0].message == "added")
    }

    @Test func structuresEnumsAndSchemesRemovedBreakAndAddedDoNot() throws {
        #expect(Self.outcomes(try Self.changes(("structures:\n", "structures:\n  Extra:\n    fields:\n      a: { type: string }\n"))) == ["compatible structure-added structure Extra"])
        #expect(Self.outcomes(try Self.changes(("enums:\n", "enums:\n  Size: { values: [S, M] }\n"))) == ["compatible enum-added enum Size"])
        let removedScheme = try Self.changes(("  customer: { type: bearer }\n", ""), ("security: [staff, customer]", "security: [staff]"))
        #expect(Self.outcomes(removedScheme) == ["breaking security-scheme-removed security scheme customer", "breaking security-changed endpoint getItem"])
        let removedEnum = try Self.changes(("  Color: { values: [RED, BLUE] }\n", ""), ("color: { type: Color }", "color: { type: string }"))
        #expect(Self.outcomes(removedEnum) == ["breaking type-changed structure NewItem, field color", "breaking enum-removed enum Color"])
    }

    // MARK: Reports

    @Test func reportsListBreakingChangesFirstInEachFormat() throws {
        let changes = try Self.changes(("maxItems: 5", "maxItems: 9"), ("method: POST", "method: PUT"))
        let place: (SpecChange) -> String? = { "api.yaml:\($0.location?.line ?? 0)" }
        let text = SpecDiffReport.render(changes, format: .text, place: place)
        #expect(text.hasPrefix("BREAKING   endpoint createItem: method POST → PUT  [api.yaml:"))
        #expect(text.hasSuffix("1 breaking, 1 compatible changes\n"))
        let markdown = SpecDiffReport.render(changes, format: .markdown, place: place)
        #expect(markdown.contains("## Breaking changes (1)") && markdown.contains("## Compatible changes (1)"))
        #expect(markdown.contains("| endpoint createItem | method POST → PUT | `method-changed` |"))
        let json = try #require(try JSONSerialization.jsonObject(with: Data(SpecDiffReport.render(changes, format: .json, place: place).utf8)) as? [String: Any])
        #expect(json["breaking"] as? Int == 1)
        #expect(json["compatible"] as? Int == 1)
        let first = try #require((json["changes"] as? [[String: Any]])?.first)
        #expect(first["kind"] as? String == "method-changed")
        #expect(first["severity"] as? String == "breaking")
    }
}
