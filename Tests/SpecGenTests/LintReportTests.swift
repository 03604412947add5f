import Foundation
import SpecGen
import SpecModel
import Testing

/// `specgen lint --format json|sarif`: the values a CI step or a code-scanning tool reads.
@Suite struct LintReportTests {
    static let diagnostics = SpecLoader.load(sources: [
        (
            "spec/api.yaml", "api",
            """
            info: { title: T, version: '1', description: t }
            structures:
              A:
                description: a
                fields:
                  a: { type: strng, description: x }
                  c_d: { type: string, description: y }
            """
        )
    ]).diagnostics

    @Test func jsonNamesEveryDiagnosticWithItsRuleAndPosition() throws {
        let object = try #require(JSONSerialization.jsonObject(with: Data(try LintReport.json(Self.diagnostics).utf8)) as? [String: Any])
        #expect(object["errors"] as? Int == 1)
        #expect(object["warnings"] as? Int == 2)
        let entries = try #require(object["diagnostics"] as? [[String: Any]])
        #expect(entries.map { $0["rule"] as? String } == ["unused-type", "unknown-type", "naming-field"])
        #expect(entries[1]["line"] as? Int == 6 && entries[1]["column"] as? Int == 18)
        #expect(entries[1]["severity"] as? String == "error")
        #expect(entries[1]["hint"] as? String == "did you mean 'string'?")
        #expect(entries[2]["element"] as? String == "A.c_d")
    }

    @Test func sarifHasTheRulesAndOneResultPerDiagnostic() throws {
        let log = try #require(JSONSerialization.jsonObject(with: Data(try LintReport.sarif(Self.diagnostics).utf8)) as? [String: Any])
        #expect(log["version"] as? String == "2.1.0")
        let run = try #require((log["runs"] as? [[String: Any]])?.first)
        let driver = try #require((run["tool"] as? [String: Any])?["driver"] as? [String: Any])
        let rules = try #require(driver["rules"] as? [[String: Any]])
        #expect(rules.map { $0["id"] as? String } == Rule.all.map(\.id))
        let results = try #require(run["results"] as? [[String: Any]])
        #expect(results.count == 3)
        let error = results[1]
        #expect(error["ruleId"] as? String == "unknown-type" && error["level"] as? String == "error")
        #expect(rules[error["ruleIndex"] as? Int ?? -1]["id"] as? String == "unknown-type")
        #expect((error["message"] as? [String: Any])?["text"] as? String == "unknown type 'strng'; did you mean 'string'?")
        let location = try #require(((error["locations"] as? [[String: Any]])?.first?["physicalLocation"]) as? [String: Any])
        #expect((location["artifactLocation"] as? [String: Any])?["uri"] as? String == "spec/api.yaml")
        #expect((location["region"] as? [String: Any])?["startLine"] as? Int == 6)
        #expect((location["region"] as? [String: Any])?["startColumn"] as? Int == 18)
    }

    @Test func textEndsEachLineWithTheRule() {
        #expect(LintReport.text(Self.diagnostics).split(separator: "\n")[1] == "spec/api.yaml:6:18: error: unknown type 'strng'; did you mean 'string'? [unknown-type]")
    }
}
