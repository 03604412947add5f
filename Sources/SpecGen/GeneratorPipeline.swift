import Foundation
import SpecModel

/// specgen's stages, named in one place. Every command and the build plugin run through here:
///
/// | stage     | in → out                       | where                                                           |
/// |-----------|--------------------------------|-----------------------------------------------------------------|
/// | parse     | spec files → raw spec          | `SpecParser` per file, on all cores; `YAMLRecovery` for YAML's own problems |
/// | check     | raw spec → `Spec`, diagnostics | `SpecChecker` (correctness), `StyleLinter` (style), `LintSettings` |
/// | translate | `Spec` → template contexts     | `SwiftTranslator`, `SDKTranslator`, `DocsTranslator`; `OpenAPIExporter` builds its document directly |
/// | render    | contexts → files               | `TemplateSet`: the built-in templates with a folder's overrides |
/// | write     | files → a folder               | `OutputWriter`: unchanged files untouched, stale generated ones removed |
///
/// Parse and check are `SpecLoader.load`; a spec with errors stops there, before anything is written.
public enum GeneratorPipeline {
    /// What to generate.
    public enum Output: Sendable {
        case swift(SwiftGenerator.Parts)
        case sdk(SDKGenerator.Language)
        case docs
        case openAPI(OpenAPIExporter.Format, fileName: String)
    }

    /// Parse and check: every diagnostic, and the spec when there is no error.
    public static func load(directory: String, settings: LintSettings = LintSettings()) -> SpecLoadResult {
        SpecLoader.load(directory: directory, settings: settings)
    }

    /// Translate and render: the files of `output` for a checked spec.
    public static func render(_ spec: Spec, as output: Output, templates: TemplateSet) throws -> [GeneratedFile] {
        switch output {
        case .swift(let parts): try SwiftGenerator.generate(spec: spec, templates: templates, parts: parts)
        case .sdk(let language): try SDKGenerator.generate(spec: spec, templates: templates, language: language)
        case .docs: try DocsGenerator.generate(spec: spec, templates: templates)
        case .openAPI(let format, let fileName):
            [GeneratedFile(name: fileName, contents: try OpenAPIExporter.text(for: spec, format: format))]
        }
    }

    /// Write: the files into `directory`. A single exported document leaves the folder's other files alone.
    public static func write(_ files: [GeneratedFile], of output: Output, to directory: String) throws -> OutputWriter.Summary {
        if case .openAPI = output { return try OutputWriter.write(files, to: directory, removeStale: false) }
        return try OutputWriter.write(files, to: directory)
    }
}
