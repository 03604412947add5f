import Foundation

/// The outcome of loading a spec: the checked spec when there were no errors, and every diagnostic either way.
public struct SpecLoadResult: Sendable {
    public var spec: Spec?
    public var diagnostics: [Diagnostic]

    public var errors: [Diagnostic] { diagnostics.filter { $0.severity == .error } }
    public var warnings: [Diagnostic] { diagnostics.filter { $0.severity == .warning } }

    /// The spec, or a ``SpecError`` carrying every error found.
    public func get() throws -> Spec {
        guard let spec else { throw SpecError(diagnostics: errors) }
        return spec
    }
}

/// Loads every `*.yaml` / `*.yml` file under a folder and merges them into one checked ``Spec``.
public enum SpecLoader {
    /// Loads the spec folder. Paths in diagnostics start with `directory` as given.
    public static func load(directory: String, settings: LintSettings = LintSettings()) -> SpecLoadResult {
        let files: [(path: String, area: String)]
        do {
            files = try specFiles(in: directory)
        } catch {
            return SpecLoadResult(
                spec: nil,
                diagnostics: [Diagnostic(.error, "cannot read spec folder: \(error.localizedDescription)", at: SourceLocation(file: directory, line: 1, column: 1), rule: Rule.specFiles.id)])
        }
        guard !files.isEmpty else {
            return SpecLoadResult(
                spec: nil,
                diagnostics: [Diagnostic(.error, "no spec files (*.yaml) found", at: SourceLocation(file: directory, line: 1, column: 1), rule: Rule.specFiles.id)])
        }
        var sources: [(file: String, area: String, text: String)] = []
        var unreadable = Diagnostics()
        for file in files {
            guard let data = FileManager.default.contents(atPath: file.path), let text = String(data: data, encoding: .utf8) else {
                unreadable.error(.specFiles, "cannot read file as UTF-8", at: SourceLocation(file: file.path, line: 1, column: 1))
                continue
            }
            sources.append((file.path, file.area, text))
        }
        var result = load(sources: sources, settings: settings)
        result.diagnostics = unreadable.all + result.diagnostics
        if unreadable.hasErrors { result.spec = nil }
        return result
    }

    /// Loads spec text already in memory: each source names its file (for diagnostics) and its area.
    public static func load(
        sources: [(file: String, area: String, text: String)], settings: LintSettings = LintSettings()
    ) -> SpecLoadResult {
        // Files are read independently (on all cores); names are resolved across them afterwards.
        let parsed = ConcurrentMap.map(sources) { source in
            var parser = SpecParser()
            parser.parse(file: source.file, text: source.text, area: source.area)
            return parser
        }
        var raw = RawSpec()
        var diagnostics = Diagnostics()
        for parser in parsed {
            raw.append(parser.raw)
            diagnostics.append(parser.reader.diagnostics)
        }
        var checker = SpecChecker(raw: raw, diagnostics: diagnostics)
        let spec = checker.check()
        var linter = StyleLinter(spec: spec, settings: settings)
        var found = checker.diagnostics
        found.append(linter.lint())
        let reported = Diagnostics(settings.apply(to: found.all))
        return SpecLoadResult(spec: reported.hasErrors ? nil : spec, diagnostics: reported.sorted)
    }

    /// Spec files under `directory`, sorted, each with its area name: the path below the folder without
    /// extension, with `/` as `.` (`management/client.yaml` → `management.client`).
    public static func specFiles(in directory: String) throws -> [(path: String, area: String)] {
        let root = URL(fileURLWithPath: directory)
        guard let enumerator = FileManager.default.enumerator(atPath: root.path) else { return [] }
        var relativePaths: [String] = []
        for case let relative as String in enumerator where relative.hasSuffix(".yaml") || relative.hasSuffix(".yml") {
            relativePaths.append(relative)
        }
        if relativePaths.isEmpty, !FileManager.default.fileExists(atPath: root.path) {
            throw CocoaError(.fileReadNoSuchFile)
        }
        let base = directory.hasSuffix("/") ? String(directory.dropLast()) : directory
        return relativePaths.sorted().map { relative in
            let withoutExtension = relative.hasSuffix(".yaml") ? relative.dropLast(5) : relative.dropLast(4)
            return ("\(base)/\(relative)", withoutExtension.replacingOccurrences(of: "/", with: "."))
        }
    }
}
