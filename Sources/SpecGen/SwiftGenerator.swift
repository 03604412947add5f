import Foundation
import SpecModel

/// Generates the Swift sources for a spec: per area, models, validators, operation types, server routes
/// and client methods; once, the API protocol, the handler registration and the client type.
public enum SwiftGenerator {
    /// Which sources to generate: everything (a server and its client in one module), or only what a
    /// client needs (models, validators, operation types, the protocol and the client), for an SDK module.
    public enum Parts: String, Sendable, CaseIterable {
        case all
        case client

        /// The templates rendered once per area, and the file each becomes (`token.Models.swift`).
        public var areaTemplates: [String] {
            switch self {
            case .all: ["Models", "Validators", "Operations", "Server", "Client"]
            case .client: ["Models", "Validators", "Operations", "Client"]
            }
        }

        /// The templates rendered once for the whole spec.
        public var globalTemplates: [String] {
            switch self {
            case .all: ["APIProtocol", "ServerRegistration", "ClientType"]
            case .client: ["APIProtocol", "ClientType"]
            }
        }
    }

    /// Spec lines per part of an area. A part's files hold about 2,000 lines of Swift each for a spec written in
    /// block style (one field to a line), which keeps each file quick to type-check and lets the parts of one
    /// big spec file render, and compile, on all cores.
    public static let specLinesPerPart = 300

    /// How many parts an area's files are split into, from its spec file's non-blank line count alone: the
    /// build plugin names the files before anything is parsed, with the same sum.
    public static func partCount(lines: Int) -> Int {
        max(1, (lines + specLinesPerPart - 1) / specLinesPerPart)
    }

    /// `token.Models.swift` for an area's first part, `token.Models.2.swift` for its second.
    public static func fileName(area: String, template: String, part: Int) -> String {
        part == 0 ? "\(area).\(template).swift" : "\(area).\(template).\(part + 1).swift"
    }

    /// The names of the files generated for a spec with these areas; the build plugin declares the same list.
    public static func fileNames(areas: [Area], parts: Parts = .all) -> [String] {
        areas.flatMap { area in
            (0..<partCount(lines: area.lines)).flatMap { part in
                parts.areaTemplates.map { fileName(area: area.name, template: $0, part: part) }
            }
        } + parts.globalTemplates.map { "\($0).swift" }
    }

    public static func generate(spec: Spec, templates: TemplateSet, parts: Parts = .all) throws -> [GeneratedFile] {
        let translator = SwiftTranslator(spec: spec)
        let areaTemplates = parts.areaTemplates, globalTemplates = parts.globalTemplates
        // Areas, and the parts of each, are independent: translate and render them on all cores, then keep
        // them in spec order.
        let areas = spec.areas.map(translator.parts)
        let pieces = areas.flatMap { parts in (0..<parts.count).map { (parts, $0) } }
        let results = ConcurrentMap.map(pieces) { parts, part -> Result<[GeneratedFile], any Error> in
            Result {
                let context = templates.prepare(translator.areaContext(parts, part: part))
                return try areaTemplates.map { name in
                    let text = try templates.render("swift/\(name)", context: context)
                    return GeneratedFile(name: fileName(area: parts.area.name, template: name, part: part), contents: tidy(text))
                }
            }
        }
        var files = try results.flatMap { try $0.get() }
        let global = templates.prepare(translator.globalContext(areas))
        for name in globalTemplates {
            let text = try templates.render("swift/\(name)", context: global)
            files.append(GeneratedFile(name: "\(name).swift", contents: tidy(text)))
        }
        return files
    }

    static func header(for source: String) -> String {
        "\(OutputWriter.generatedMarker) from \(source). Do not edit: change the spec and regenerate."
    }

    /// Strips trailing spaces, collapses the blank lines templates leave where optional parts were empty
    /// (none right after an opening brace or before a closing one), and ends with one newline.
    static func tidy(_ text: String) -> String {
        var output: [UInt8] = []
        output.reserveCapacity(text.utf8.count)
        var previousBlank = true
        var previousOpensBrace = false
        var pendingBlank = false
        for rawLine in text.utf8.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            var line = rawLine[...]
            while line.last == UInt8(ascii: " ") { line = line.dropLast() }
            if line.isEmpty {
                // Hold a blank line until we know what follows it.
                if !previousBlank && !previousOpensBrace { pendingBlank = true }
                previousBlank = true
                continue
            }
            let closes = line.first(where: { $0 != UInt8(ascii: " ") }) == UInt8(ascii: "}")
            if pendingBlank && !closes { output.append(UInt8(ascii: "\n")) }
            pendingBlank = false
            output.append(contentsOf: line)
            output.append(UInt8(ascii: "\n"))
            previousBlank = false
            previousOpensBrace = line.last == UInt8(ascii: "{")
        }
        return String(decoding: output, as: UTF8.self)
    }
}
