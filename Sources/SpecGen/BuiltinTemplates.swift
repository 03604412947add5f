import Foundation

/// The templates specgen ships with: the package's `Templates/` folder, written into
/// `BuiltinTemplateTexts.swift` by TemplateEmbedder (run by `swift package regenerate`), so the binary
/// needs no files beside it. `specgen templates export` writes them out to start from.
public enum BuiltinTemplates {
    /// Template names (paths under `Templates/` without `.mustache`), sorted.
    public static var names: [String] { texts.keys.sorted() }

    /// Writes every built-in template under `directory` as `NAME.mustache`. Files that exist with other
    /// contents are left alone unless `overwrite` is set; returns what was written and what was kept.
    public static func export(to directory: String, overwrite: Bool) throws -> (written: [String], kept: [String]) {
        var written: [String] = [], kept: [String] = []
        for name in names {
            let path = URL(fileURLWithPath: directory).appendingPathComponent(name + ".mustache")
            let data = Data(texts[name]!.utf8)
            if let existing = FileManager.default.contents(atPath: path.path) {
                if existing == data { continue }
                if !overwrite {
                    kept.append(name + ".mustache")
                    continue
                }
            }
            try FileManager.default.createDirectory(at: path.deletingLastPathComponent(), withIntermediateDirectories: true)
            try data.write(to: path, options: .atomic)
            written.append(name + ".mustache")
        }
        return (written, kept)
    }
}
