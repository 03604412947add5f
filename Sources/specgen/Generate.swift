import ArgumentParser
import Foundation
import SpecGen
import SpecModel

extension SwiftGenerator.Parts: ExpressibleByArgument {}

/// The languages `generate` writes: Swift (models, routes and client), or a client SDK in TypeScript or Python.
enum OutputLanguage: String, ExpressibleByArgument, CaseIterable {
    case swift, typescript, python
}

struct Generate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Generate Swift sources from a spec.",
        discussion: """
            Writes, per spec file (area), <area>.Models.swift, .Validators.swift, .Operations.swift, \
            .Server.swift and .Client.swift, and once APIProtocol.swift, ServerRegistration.swift and \
            ClientType.swift. With --parts client, only what a client SDK needs (no .Server.swift, no \
            ServerRegistration.swift). With --language typescript, a client SDK: runtime.ts, api.ts (models, \
            schemas, validators, the client) and index.ts; with --language python, a package: runtime.py, \
            api.py and __init__.py. Files whose bytes do not change are not touched; generated files that are \
            no longer produced are removed. Exits with status 1, writing nothing, when the spec has errors.
            """
    )

    @OptionGroup var input: SpecOptions

    @Option(name: .long, help: "A folder of templates that replace the built-in ones file by file (swift/Models.mustache …).")
    var templates: String?

    @Option(name: .long, help: "swift (the default), typescript or python.")
    var language: OutputLanguage = .swift

    @Option(name: .long, help: "Swift only. all: server and client in one module (the default); client: the sources of a client SDK module.")
    var parts: SwiftGenerator.Parts?

    @Option(name: .long, help: "The folder to write the Swift sources to.")
    var output: String

    @Flag(name: .long, help: "Print only diagnostics, not the summary.")
    var quiet = false

    func validate() throws {
        if language != .swift, parts != nil { throw ValidationError("--parts applies to --language swift only") }
    }

    func run() throws {
        let loaded = try SpecInput.load(input, doing: "nothing generated")
        try SpecInput.reportingTemplateFailures {
            let target: GeneratorPipeline.Output =
                switch language {
                case .swift: .swift(parts ?? .all)
                case .typescript: .sdk(.typescript)
                case .python: .sdk(.python)
                }
            let files = try GeneratorPipeline.render(loaded, as: target, templates: TemplateSet(overrides: templates))
            let summary = try GeneratorPipeline.write(files, of: target, to: output)
            if !quiet { print("specgen: \(files.count) files in \(output): \(summary)") }
        }
    }
}
