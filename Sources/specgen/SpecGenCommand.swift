import ArgumentParser
import Foundation
import SpecGen
import SpecModel

@main
struct SpecGenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "specgen",
        abstract: "Generate Swift models, validators, server routes and a client from a YAML API spec.",
        discussion: """
            A spec is a folder of YAML files (structures, enums, endpoints, security schemes, info); every \
            *.yaml file under it is merged into one spec. Diagnostics are printed as file:line:column.
            """,
        subcommands: [Generate.self, Lint.self]
    )
}

/// Prints diagnostics the way compilers do, so editors and CI logs link them to the spec.
enum DiagnosticPrinter {
    static func print(_ diagnostics: [Diagnostic]) {
        for diagnostic in diagnostics {
            FileHandle.standardError.write(Data((diagnostic.description + "\n").utf8))
        }
    }

    static func summary(_ result: SpecLoadResult) -> String {
        "\(result.errors.count) error\(result.errors.count == 1 ? "" : "s"), \(result.warnings.count) warning\(result.warnings.count == 1 ? "" : "s")"
    }
}

struct Lint: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check a spec and print every problem with its position.",
        discussion: "Exits with status 1 when there is any error, 0 when there are only warnings or none."
    )

    @Option(name: .long, help: "The spec folder: every *.yaml file under it is part of the spec.")
    var spec: String

    func run() throws {
        let result = SpecLoader.load(directory: spec)
        DiagnosticPrinter.print(result.diagnostics)
        print("\(spec): \(DiagnosticPrinter.summary(result))")
        if !result.errors.isEmpty { throw ExitCode.failure }
    }
}

struct Generate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Generate Swift sources from a spec.",
        discussion: """
            Writes, per spec file (area), <area>.Models.swift, .Validators.swift, .Operations.swift, \
            .Server.swift and .Client.swift, and once APIProtocol.swift, ServerRegistration.swift and \
            ClientType.swift. Files whose bytes do not change are not touched; generated files that are \
            no longer produced are removed. Exits with status 1, writing nothing, when the spec has errors.
            """
    )

    @Option(name: .long, help: "The spec folder: every *.yaml file under it is part of the spec.")
    var spec: String

    @Option(name: .long, help: "The templates folder (its swift/ subfolder holds the Swift templates).")
    var templates: String

    @Option(name: .long, help: "The folder to write the Swift sources to.")
    var output: String

    @Flag(name: .long, help: "Print only diagnostics, not the summary.")
    var quiet = false

    func run() throws {
        let result = SpecLoader.load(directory: spec)
        DiagnosticPrinter.print(result.diagnostics)
        guard let loaded = result.spec else {
            FileHandle.standardError.write(Data("specgen: \(DiagnosticPrinter.summary(result)); nothing generated\n".utf8))
            throw ExitCode.failure
        }
        do {
            let templateSet = try TemplateSet(directory: templates)
            let files = try SwiftGenerator.generate(spec: loaded, templates: templateSet)
            let summary = try OutputWriter.write(files, to: output)
            if !quiet {
                print(
                    "specgen: \(files.count) files in \(output): \(summary.written.count) written, "
                        + "\(summary.unchanged.count) unchanged, \(summary.removed.count) removed")
            }
        } catch let failure as TemplateSet.Failure {
            FileHandle.standardError.write(Data("specgen: error: \(failure)\n".utf8))
            throw ExitCode.failure
        }
    }
}
