import Foundation
import SpecModel
import Testing

/// Inputs found while fuzzing the loader (`Tests/Fuzz`, `FuzzSpecLoader`): each once crashed or hung it,
/// and must now load quickly and report what is wrong.
@Suite struct FuzzFindingsTests {
    static let info = "info: { title: T, version: '1' }\n"

    static func load(_ yaml: String) -> (errors: [String], seconds: Double) {
        let start = Date()
        let result = SpecLoader.load(sources: [("api.yaml", "api", yaml)])
        return (result.errors.map(\.description), Date().timeIntervalSince(start))
    }

    static func field(_ type: String) -> String {
        info + "structures:\n  A:\n    description: a\n    fields:\n      a: { type: \(type), description: a }\n"
    }

    /// Type text nested thousands deep overflowed the stack of the recursive type parser.
    @Test func typeTextNestedTooDeep() {
        let deep = Self.load(Self.field("\"" + String(repeating: "[", count: 5_000) + "string" + String(repeating: "]", count: 5_000) + "\""))
        #expect(deep.errors == ["api.yaml:6:51: error: the type nests lists and maps more than 32 deep; name a structure for the inner levels"])
        // Maps count too, and 32 levels are still fine.
        #expect(Self.load(Self.field("\"" + String(repeating: "{string: ", count: 33) + "int64" + String(repeating: "}", count: 33) + "\"")).errors.count == 1)
        #expect(Self.load(Self.field("\"" + String(repeating: "[", count: 32) + "string" + String(repeating: "]", count: 32) + "\"")).errors == [])
    }

    /// YAML limits nesting to 1,000 levels, but aliases stack: each anchored list wraps the one before, so
    /// the type below nests 5,400 deep in 11 kB and overflowed the stack the same way.
    @Test func yamlTypeNestedTooDeepThroughAliases() {
        var anchors: [String] = []
        var previous = "string"
        for index in 0..<6 {
            anchors.append("      - &t\(index) " + String(repeating: "[", count: 900) + previous + String(repeating: "]", count: 900))
            previous = "*t\(index)"
        }
        let yaml = Self.info + "enums:\n  X:\n    description: x\n    values:\n" + anchors.joined(separator: "\n")
            + "\nstructures:\n  A:\n    description: a\n    fields:\n      a: { type: \(previous), description: a }\n"
        let result = Self.load(yaml)
        #expect(result.errors.last == "api.yaml:11:45: error: the type nests lists and maps more than 32 deep; name a structure for the inner levels")
        // Written out as YAML, 33 levels are one too many as well.
        #expect(
            Self.load(Self.field(String(repeating: "[", count: 33) + "string" + String(repeating: "]", count: 33))).errors == [
                "api.yaml:6:50: error: the type nests lists and maps more than 32 deep; name a structure for the inner levels"
            ])
    }

    /// 300 structures that alias one 300-field mapping are 90,000 fields from 7 kB of YAML, each with an
    /// unknown type to look up: loading took minutes. Aliases may not hand out more entries than the file
    /// has characters.
    @Test func aliasesThatRepeatMoreThanTheFileWritesOut() {
        let fields = (0..<300).map { "f\($0): Nope" }.joined(separator: ", ")
        let yaml = Self.info + "structures:\n  S0: &s { fields: { \(fields) } }\n"
            + (1..<300).map { "  S\($0): *s\n" }.joined()
        let result = Self.load(yaml)
        #expect(
            result.errors == [
                "api.yaml:3:20: error: aliases repeat more of this file than it writes out (more than \(yaml.utf8.count + 1_000) entries and items); write the repeated parts out instead of using *aliases"
            ])
        #expect(result.seconds < 5)
    }

    /// Aliases that only repeat a little still work.
    @Test func modestAliasesStillLoad() {
        let yaml = Self.info + """
            structures:
              A:
                description: a
                fields: &fields
                  x: { type: string, description: x }
                  y: { type: "[int64]", description: y }
              B:
                description: b
                fields: *fields
            """
        let result = SpecLoader.load(sources: [("api.yaml", "api", yaml)])
        #expect(result.errors.isEmpty)
        #expect(result.spec?.structures.map { $0.fields.map(\.wireName) } == [["x", "y"], ["x", "y"]])
    }
}
