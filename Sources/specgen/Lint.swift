import ArgumentParser
import Foundation
import SpecGen
import SpecModel

extension LintReport.Format: ExpressibleByArgument {}

struct Lint: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check a spec and print every problem with its position and rule.",
        discussion: """
            Every problem belongs to a named rule (`specgen rules` lists them with their default severity). \
            Correctness rules are always errors; style rules can be switched off, made errors, given options \
            or waived for single elements in the 'lint' section of the specgen.json passed with --config. \
            With --format text (the default) diagnostics go to standard error as file:line:column: severity: \
            message; hint [rule], then a summary on standard output; json and sarif write one document to \
            standard output. Exits with status 1 when there is any error, 0 when there are only warnings or none.
            """
    )

    @OptionGroup var input: SpecOptions

    @Option(name: .long, help: "text, json, or sarif (SARIF 2.1.0, for code-scanning tools).")
    var format: LintReport.Format = .text

    func run() throws {
        let result = input.load()
        switch format {
        case .text:
            DiagnosticPrinter.print(result.diagnostics)
            print("\(input.spec): \(DiagnosticPrinter.summary(result))")
        case .json:
            print(try LintReport.json(result.diagnostics), terminator: "")
        case .sarif:
            print(try LintReport.sarif(result.diagnostics), terminator: "")
        }
        if !result.errors.isEmpty { throw ExitCode.failure }
    }
}

struct Rules: ParsableCommand {
    enum Format: String, ExpressibleByArgument {
        case text, markdown
    }

    static let configuration = CommandConfiguration(abstract: "List every lint rule with its kind, default severity and what it checks.")

    @Option(name: .long, help: "text, or markdown (the table in the README).")
    var format: Format = .text

    func run() {
        switch format {
        case .text:
            for rule in Rule.all {
                let severity = rule.defaultSeverity?.rawValue ?? "off"
                print("\(rule.id.padding(toLength: 26, withPad: " ", startingAt: 0)) \(rule.kind.rawValue.padding(toLength: 12, withPad: " ", startingAt: 0)) \(severity.padding(toLength: 8, withPad: " ", startingAt: 0)) \(rule.summary)")
            }
        case .markdown:
            print("| rule | kind | default | checks |\n|---|---|---|---|")
            for rule in Rule.all {
                print("| `\(rule.id)` | \(rule.kind.rawValue) | \(rule.defaultSeverity?.rawValue ?? "off") | \(rule.summary) |")
            }
        }
    }
}
