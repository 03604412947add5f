import Foundation
import SpecModel

/// Generates the Swift sources for a spec: per area, models, validators, operation types, server routes
/// and client methods; once, the API protocol, the handler registration and the client type.
public enum SwiftGenerator {
    /// The templates rendered once per area, and the file each becomes (`token.Models.swift`).
    public static let areaTemplates = ["Models", "Validators", "Operations", "Server", "Client"]
    /// The templates rendered once for the whole spec.
    public static let globalTemplates = ["APIProtocol", "ServerRegistration", "ClientType"]

    /// The names of the files generated for a spec with these areas; the build plugin declares the same list.
    public static func fileNames(areas: [String]) -> [String] {
        areas.flatMap { area in areaTemplates.map { "\(area).\($0).swift" } } + globalTemplates.map { "\($0).swift" }
    }

    public static func generate(spec: Spec, templates: TemplateSet) throws -> [GeneratedFile] {
        let translator = SwiftTranslator(spec: spec)
        var files: [GeneratedFile] = []
        for area in spec.areas {
            let context = translator.areaContext(area)
            for name in areaTemplates {
                let text = try templates.render("swift/\(name)", context: context)
                files.append(GeneratedFile(name: "\(area.name).\(name).swift", contents: tidy(text)))
            }
        }
        let global = translator.globalContext()
        for name in globalTemplates {
            let text = try templates.render("swift/\(name)", context: global)
            files.append(GeneratedFile(name: "\(name).swift", contents: tidy(text)))
        }
        return files
    }

    static func header(for source: String) -> String {
        "\(OutputWriter.generatedMarker) from \(source). Do not edit: change the spec and regenerate."
    }

    /// Collapses runs of blank lines the templates leave where optional parts were empty, and ends with one newline.
    static func tidy(_ text: String) -> String {
        var lines: [Substring] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let trimmed = line.last == " " ? Substring(line.replacingOccurrences(of: #"\s+$"#, with: "", options: .regularExpression)) : line
            if trimmed.isEmpty, lines.last?.isEmpty ?? true { continue }
            // No blank line right after an opening brace or right before a closing one.
            if trimmed.trimmingCharacters(in: .whitespaces).hasPrefix("}"), lines.last?.isEmpty == true { lines.removeLast() }
            if trimmed.isEmpty, lines.last?.hasSuffix("{") == true { continue }
            lines.append(trimmed)
        }
        while lines.last?.isEmpty == true { lines.removeLast() }
        return lines.joined(separator: "\n") + "\n"
    }
}
