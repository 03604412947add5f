import ArgumentParser
import Foundation
import SpecGen
import SpecModel

@main
struct SpecGenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "specgen",
        abstract: "Generate Swift models, validators, server routes, a client, an OpenAPI document and docs from a YAML API spec.",
        discussion: """
            A spec is a folder of YAML files (structures, enums, endpoints, security schemes, info); every \
            *.yaml file under it is merged into one spec. Diagnostics are printed as file:line:column.
            """,
        subcommands: [Generate.self, Lint.self, Rules.self, ExportOpenAPI.self, Docs.self, Diff.self, Templates.self]
    )
}

/// The spec a command reads, and the configuration whose `lint` section applies to it.
struct SpecOptions: ParsableArguments {
    @Option(name: .long, help: "The spec folder: every *.yaml file under it is part of the spec.")
    var spec: String

    @Option(
        name: .long,
        help: "A specgen.json whose 'lint' section sets rule severities, options and ignored elements (the build plugin passes the target's).")
    var config: String?

    /// The spec loaded and checked with the configuration's lint settings; problems in the configuration come first.
    func load() -> SpecLoadResult {
        guard let config else { return GeneratorPipeline.load(directory: spec) }
        let (settings, problems) = LintSettings.load(configuration: config)
        var result = GeneratorPipeline.load(directory: spec, settings: settings)
        result.diagnostics = problems + result.diagnostics
        if problems.contains(where: { $0.severity == .error }) { result.spec = nil }
        return result
    }
}

/// Prints diagnostics the way compilers do, so editors and CI logs link them to the spec.
enum DiagnosticPrinter {
    static func print(_ diagnostics: [Diagnostic]) {
        FileHandle.standardError.write(Data(LintReport.text(diagnostics).utf8))
    }

    static func summary(_ result: SpecLoadResult) -> String {
        "\(result.errors.count) error\(result.errors.count == 1 ? "" : "s"), \(result.warnings.count) warning\(result.warnings.count == 1 ? "" : "s")"
    }
}

/// Loads and checks a spec, printing its diagnostics; nil (after saying why) when it has errors.
enum SpecInput {
    static func load(_ options: SpecOptions, doing what: String) throws -> Spec {
        let result = options.load()
        DiagnosticPrinter.print(result.diagnostics)
        guard let spec = result.spec else {
            FileHandle.standardError.write(Data("specgen: \(DiagnosticPrinter.summary(result)); \(what)\n".utf8))
            throw ExitCode.failure
        }
        return spec
    }

    /// Runs `body`, turning template failures into one clear line and exit status 1.
    static func reportingTemplateFailures<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let failure as TemplateSet.Failure {
            FileHandle.standardError.write(Data("specgen: error: \(failure)\n".utf8))
            throw ExitCode.failure
        }
    }
}
