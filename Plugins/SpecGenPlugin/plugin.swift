import Foundation
import PackagePlugin

/// Generates a target's Swift sources from a spec on every build where the spec or the templates changed.
///
/// A target opts in with `plugins: ["SpecGenPlugin"]` and a `specgen.json` in its source folder
/// (excluded from its sources) naming the spec folder and, optionally, a folder of templates that
/// override the built-in ones, relative to the package root: `{"spec": "spec", "templates": "Templates"}`.
/// Its `lint` section (rule severities, options, ignored elements) applies to the build's checks too.
@main
struct SpecGenPlugin: BuildToolPlugin {
    struct Configuration: Decodable {
        var spec: String
        var templates: String?
    }

    func createBuildCommands(context: PluginContext, target: Target) async throws -> [Command] {
        let configurationURL = target.directoryURL.appending(path: "specgen.json")
        let configuration: Configuration
        do {
            configuration = try JSONDecoder().decode(Configuration.self, from: Data(contentsOf: configurationURL))
        } catch {
            Diagnostics.error("\(configurationURL.path): cannot read the specgen configuration: \(error)")
            return []
        }
        let root = context.package.directoryURL
        let specFolder = root.appending(path: configuration.spec)
        let templatesFolder = configuration.templates.map { root.appending(path: $0) }
        let specFiles = files(under: specFolder, endingWith: [".yaml", ".yml"])
        let templateFiles = templatesFolder.map { files(under: $0, endingWith: [".mustache"]) } ?? []
        let output = context.pluginWorkDirectoryURL.appending(path: "GeneratedSources")

        // The same names SwiftGenerator.fileNames(areas:) gives: a build plugin must declare its outputs
        // before the generator runs, and cannot link the generator's library to ask it.
        var outputNames: [String] = []
        for file in specFiles {
            let area = area(of: file.url, under: specFolder)
            for part in 0..<partCount(of: file.url) {
                for template in ["Models", "Validators", "Operations", "Server", "Client"] {
                    outputNames.append(part == 0 ? "\(area).\(template).swift" : "\(area).\(template).\(part + 1).swift")
                }
            }
        }
        let outputs = (outputNames + ["APIProtocol.swift", "ServerRegistration.swift", "ClientType.swift"]).map {
            output.appending(path: $0)
        }
        return [
            .buildCommand(
                displayName: "specgen: generating \(target.name) from \(configuration.spec)",
                executable: try context.tool(named: "specgen").url,
                arguments: [
                    "generate", "--spec", specFolder.path, "--config", configurationURL.path, "--output", output.path, "--quiet",
                ]
                    + (templatesFolder.map { ["--templates", $0.path] } ?? []),
                inputFiles: specFiles.map(\.url) + templateFiles.map(\.url) + [configurationURL],
                outputFiles: outputs
            )
        ]
    }

    private func files(under folder: URL, endingWith suffixes: [String]) -> [(relative: String, url: URL)] {
        guard let enumerator = FileManager.default.enumerator(atPath: folder.path) else { return [] }
        var result: [(String, URL)] = []
        for case let relative as String in enumerator where suffixes.contains(where: { relative.hasSuffix($0) }) {
            result.append((relative, folder.appending(path: relative)))
        }
        return result.sorted { $0.0 < $1.0 }
    }

    /// SwiftGenerator.partCount(lines:): one part per 300 non-blank lines of the spec file, started or not.
    private func partCount(of file: URL) -> Int {
        guard let data = try? Data(contentsOf: file) else { return 1 }
        var lines = 0
        var blank = true
        for byte in data {
            switch byte {
            case UInt8(ascii: "\n"):
                if !blank { lines += 1 }
                blank = true
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r"): break
            default: blank = false
            }
        }
        if !blank { lines += 1 }
        return max(1, (lines + 299) / 300)
    }

    private func area(of file: URL, under folder: URL) -> String {
        let relative = String(file.path.dropFirst(folder.path.count)).trimmingCharacters(in: CharacterSet(charactersIn: "/"))
        let withoutExtension = relative.hasSuffix(".yaml") ? String(relative.dropLast(5)) : String(relative.dropLast(4))
        return withoutExtension.replacingOccurrences(of: "/", with: ".")
    }
}
