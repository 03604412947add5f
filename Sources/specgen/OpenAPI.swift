import ArgumentParser
import Foundation
import SpecGen

struct ExportOpenAPI: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "openapi",
        abstract: "Write an OpenAPI 3.1 document of a spec.",
        discussion: """
            The document holds every path, parameter, request body (each media type the endpoint accepts), \
            response and security requirement, and a schema per structure and enum with every constraint, \
            default and description. It is JSON when the output ends in .json, YAML otherwise. The file is \
            left untouched when its bytes would not change.
            """
    )

    @OptionGroup var input: SpecOptions

    @Option(name: .long, help: "The file to write: openapi.yaml, openapi.json …")
    var output: String

    func run() throws {
        let loaded = try SpecInput.load(input, doing: "nothing exported")
        let url = URL(fileURLWithPath: output)
        let target = GeneratorPipeline.Output.openAPI(OpenAPIExporter.Format(path: output), fileName: url.lastPathComponent)
        let files = try GeneratorPipeline.render(loaded, as: target, templates: TemplateSet())
        let summary = try GeneratorPipeline.write(files, of: target, to: url.deletingLastPathComponent().path)
        print("specgen: \(output): \(summary)")
    }
}
