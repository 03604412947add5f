import ArgumentParser
import Foundation
import SpecGen

struct Docs: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write the reference documentation of a spec: Markdown pages and one HTML page.",
        discussion: """
            Writes index.md, endpoints/<name>.md, structures/<Name>.md, enums/<Name>.md and reference.html \
            (self-contained: inline CSS and script, a sidebar, an anchor per endpoint and type, a search box) \
            from the docs/ templates. Files whose bytes do not change are not touched; pages that are no longer \
            generated are removed.
            """
    )

    @OptionGroup var input: SpecOptions

    @Option(name: .long, help: "A folder of templates that replace the built-in ones file by file (docs/endpoint.md.mustache …).")
    var templates: String?

    @Option(name: .long, help: "The folder to write the documentation to.")
    var output: String

    func run() throws {
        let loaded = try SpecInput.load(input, doing: "no documentation written")
        try SpecInput.reportingTemplateFailures {
            let files = try GeneratorPipeline.render(loaded, as: .docs, templates: TemplateSet(overrides: templates))
            let summary = try GeneratorPipeline.write(files, of: .docs, to: output)
            print("specgen: \(files.count) files in \(output): \(summary)")
        }
    }
}
