import Foundation
import SpecModel

/// The diagnostics of a run in the forms `specgen lint --format` writes: compiler-style text, JSON, and
/// SARIF 2.1.0 for code-scanning tools.
public enum LintReport {
    public enum Format: String, CaseIterable, Sendable {
        case text, json, sarif
    }

    /// One line per diagnostic, as compilers print them, with the rule's ID at the end.
    public static func text(_ diagnostic: Diagnostic) -> String { "\(diagnostic) [\(diagnostic.rule)]" }

    public static func text(_ diagnostics: [Diagnostic]) -> String {
        diagnostics.map { text($0) + "\n" }.joined()
    }

    struct JSONDiagnostic: Encodable {
        var file: String
        var line: Int
        var column: Int
        var severity: String
        var rule: String
        var message: String
        var hint: String?
        var element: String?
    }

    struct JSONReport: Encodable {
        var diagnostics: [JSONDiagnostic]
        var errors: Int
        var warnings: Int
    }

    public static func json(_ diagnostics: [Diagnostic]) throws -> String {
        let report = JSONReport(
            diagnostics: diagnostics.map {
                JSONDiagnostic(
                    file: $0.location.file, line: $0.location.line, column: $0.location.column, severity: $0.severity.rawValue,
                    rule: $0.rule, message: $0.message, hint: $0.hint, element: $0.element)
            },
            errors: diagnostics.filter { $0.severity == .error }.count,
            warnings: diagnostics.filter { $0.severity == .warning }.count)
        return try encode(report)
    }

    // MARK: SARIF

    struct SARIFLog: Encodable {
        var schema = "https://json.schemastore.org/sarif-2.1.0.json"
        var version = "2.1.0"
        var runs: [Run]

        enum CodingKeys: String, CodingKey {
            case schema = "$schema"
            case version, runs
        }
    }

    struct Run: Encodable {
        var tool: Tool
        var results: [Result]
    }

    struct Tool: Encodable {
        var driver: Driver
    }

    struct Driver: Encodable {
        var name = "specgen"
        var rules: [ReportingDescriptor]
    }

    struct ReportingDescriptor: Encodable {
        var id: String
        var shortDescription: Message
        var defaultConfiguration: Configuration
        var properties: [String: String]
    }

    struct Configuration: Encodable {
        var level: String
        var enabled: Bool
    }

    struct Message: Encodable {
        var text: String
    }

    struct Result: Encodable {
        var ruleId: String
        var ruleIndex: Int
        var level: String
        var message: Message
        var locations: [Location]
        var properties: [String: String]?
    }

    struct Location: Encodable {
        var physicalLocation: PhysicalLocation
    }

    struct PhysicalLocation: Encodable {
        var artifactLocation: ArtifactLocation
        var region: Region
    }

    struct ArtifactLocation: Encodable {
        var uri: String
    }

    struct Region: Encodable {
        var startLine: Int
        var startColumn: Int
    }

    /// A SARIF log with one run: every rule (so viewers can show its summary) and one result per diagnostic.
    public static func sarif(_ diagnostics: [Diagnostic]) throws -> String {
        let rules = Rule.all
        let index = Dictionary(uniqueKeysWithValues: rules.enumerated().map { ($1.id, $0) })
        let descriptors = rules.map { rule in
            ReportingDescriptor(
                id: rule.id, shortDescription: Message(text: rule.summary),
                defaultConfiguration: Configuration(level: rule.defaultSeverity?.rawValue ?? "warning", enabled: rule.defaultSeverity != nil),
                properties: ["kind": rule.kind.rawValue])
        }
        let results = diagnostics.map { diagnostic in
            Result(
                ruleId: diagnostic.rule, ruleIndex: index[diagnostic.rule] ?? 0, level: diagnostic.severity.rawValue,
                message: Message(text: diagnostic.hint.map { "\(diagnostic.message); \($0)" } ?? diagnostic.message),
                locations: [
                    Location(
                        physicalLocation: PhysicalLocation(
                            artifactLocation: ArtifactLocation(uri: diagnostic.location.file),
                            region: Region(startLine: diagnostic.location.line, startColumn: diagnostic.location.column)))
                ],
                properties: diagnostic.element.map { ["element": $0] })
        }
        return try encode(SARIFLog(runs: [Run(tool: Tool(driver: Driver(rules: descriptors)), results: results)]))
    }

    private static func encode(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self) + "\n"
    }
}
