import ArgumentParser
import Foundation
import SpecGen
import SpecModel

extension SwiftGenerator.Parts: ExpressibleByArgument {}

struct Generate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Generate Swift sources from a spec.",
        discussion: """
            Writes, per spec file (area), <area>.Models.swift, .Validators.swift, .Operations.swift, \
            .Server.swift and .Client.swift, and once APIProtocol.swift, ServerRegistration.swift and \
            ClientType.swift. With --parts client, only what a client SDK needs (no .Server.swift, no \
            ServerRegistration.swift). Files whose bytes do not change are not touched; generated files that \
            are no longer produced are removed. Exits with status 1, writing nothing, when the spec has errors.
            """
    )

    @OptionGroup var input: SpecOptions

    @Option(name: .long, help: "A folder of templates that replace the built-in ones file by file (swift/Models.mustache …).")
    var templates: String?

    @Option(name: .long, help: "all: server and client in one module; client: the sources of a client SDK module.")
    var parts: SwiftGenerator.Parts = .all

    @Option(name: .long, help: "The folder to write the Swift sources to.")
    var output: String

    @Flag(name: .long, help: "Print only diagnostics, not the summary.")
    var quiet = false

    func run() throws {
        let loaded = try SpecInput.load(input, doing: "nothing generated")
        try SpecInput.reportingTemplateFailures {
            let files = try SwiftGenerator.generate(spec: loaded, templates: TemplateSet(overrides: templates), parts: parts)
            let summary = try OutputWriter.write(files, to: output)
            if !quiet { print("specgen: \(files.count) files in \(output): \(summary)") }
        }
    }
}
