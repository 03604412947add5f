import ArgumentParser
import SpecModel

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
