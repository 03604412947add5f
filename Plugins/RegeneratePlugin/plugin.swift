import Foundation
import PackagePlugin

/// `swift package --allow-writing-to-package-directory regenerate` refreshes the committed outputs of
/// specgen from the spec: the client SDK sources, the OpenAPI document and the reference docs.
///
/// Options (all relative to the package root): `--spec DIR` (default `spec`), `--templates DIR`
/// (default `Templates` when it exists; overrides the built-in templates file by file), `--output DIR`
/// (default `Generated`). Writes `OUTPUT/Client/`, `OUTPUT/openapi.yaml` and `OUTPUT/docs/`, touching
/// only files whose bytes change.
@main
struct RegeneratePlugin: CommandPlugin {
    func performCommand(context: PluginContext, arguments: [String]) async throws {
        var extractor = ArgumentExtractor(arguments)
        let root = context.package.directoryURL
        let output = root.appending(path: extractor.extractOption(named: "output").last ?? "Generated")
        let specName = extractor.extractOption(named: "spec").last ?? "spec"
        let config = extractor.extractOption(named: "config").last.map { root.appending(path: $0) }
            ?? configuration(naming: specName, in: context.package)
        let templates = extractor.extractOption(named: "templates").last.map { root.appending(path: $0) }
            ?? (FileManager.default.fileExists(atPath: root.appending(path: "Templates").path) ? root.appending(path: "Templates") : nil)
        if !extractor.remainingArguments.isEmpty {
            Diagnostics.error("regenerate: unknown arguments \(extractor.remainingArguments.joined(separator: " "))")
            return
        }
        // specgen's own package: its built-in templates are Templates/, embedded as Swift source.
        if context.package.targets.contains(where: { $0.name == "SpecGen" }), let templates {
            let embedded = context.package.directoryURL.appending(path: "Sources/SpecGen/BuiltinTemplateTexts.swift")
            try run(context.tool(named: "TemplateEmbedder").url, [templates.path, embedded.path])
        }
        let spec = root.appending(path: specName)
        let templateArguments = templates.map { ["--templates", $0.path] } ?? []
        let specArguments = ["--spec", spec.path] + (config.map { ["--config", $0.path] } ?? [])
        let specgen = try context.tool(named: "specgen").url
        // The Python SDK is a package named after this one: `warrant` → `warrant_api`.
        let pythonPackage = context.package.displayName.lowercased().map { $0.isLetter || $0.isNumber ? String($0) : "_" }.joined() + "_api"
        let runs: [[String]] = [
            ["generate"] + specArguments + ["--parts", "client", "--output", output.appending(path: "Client").path]
                + templateArguments,
            ["openapi"] + specArguments + ["--output", output.appending(path: "openapi.yaml").path],
            ["docs"] + specArguments + ["--output", output.appending(path: "docs").path] + templateArguments,
            ["generate"] + specArguments + ["--language", "typescript", "--output", output.appending(path: "typescript").path, "--quiet"]
                + templateArguments,
            ["generate"] + specArguments + ["--language", "python", "--output", output.appending(path: "python/\(pythonPackage)").path, "--quiet"]
                + templateArguments,
        ]
        for arguments in runs { try run(specgen, arguments) }
    }

    /// The specgen.json of the target generated from this spec, whose lint settings then apply here too.
    private func configuration(naming spec: String, in package: Package) -> URL? {
        struct Configuration: Decodable { var spec: String }
        for target in package.targets {
            let url = target.directoryURL.appending(path: "specgen.json")
            guard let data = try? Data(contentsOf: url), let configuration = try? JSONDecoder().decode(Configuration.self, from: data),
                configuration.spec == spec
            else { continue }
            return url
        }
        return nil
    }

    private func run(_ tool: URL, _ arguments: [String]) throws {
        let process = try Process.run(tool, arguments: arguments)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw RegenerateError(description: "\(tool.lastPathComponent) \(arguments.first ?? "") failed (exit \(process.terminationStatus))")
        }
    }
}

struct RegenerateError: Error, CustomStringConvertible {
    var description: String
}
