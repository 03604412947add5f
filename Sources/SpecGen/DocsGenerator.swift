import SpecModel

/// Generates the reference documentation of a spec from the `docs/` templates: a Markdown index, one
/// Markdown page per endpoint, structure and enum, and one self-contained HTML page with all of it.
public enum DocsGenerator {
    public static func generate(spec: Spec, templates: TemplateSet) throws -> [GeneratedFile] {
        let site = DocsTranslator(spec: spec).site()
        var files = [
            GeneratedFile(name: "index.md", contents: try render("docs/index.md", site, templates)),
            GeneratedFile(name: "reference.html", contents: try render("docs/reference.html", site, templates)),
        ]
        for endpoint in site.endpoints {
            files.append(GeneratedFile(name: endpoint.file, contents: try render("docs/endpoint.md", endpoint, templates)))
        }
        for structure in site.structures {
            files.append(GeneratedFile(name: structure.file, contents: try render("docs/structure.md", structure, templates)))
        }
        for item in site.enums {
            files.append(GeneratedFile(name: item.file, contents: try render("docs/enum.md", item, templates)))
        }
        return files
    }

    private static func render(_ template: String, _ context: some Encodable, _ templates: TemplateSet) throws -> String {
        tidy(try templates.render(template, context: context))
    }

    /// Trailing spaces off, runs of blank lines (left by empty optional parts) down to one, one final newline.
    static func tidy(_ text: String) -> String {
        var lines: [Substring] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            var line = line
            while line.last == " " { line = line.dropLast() }
            if line.isEmpty, lines.last?.isEmpty ?? true { continue }
            lines.append(line)
        }
        while lines.last?.isEmpty == true { lines.removeLast() }
        return lines.joined(separator: "\n") + "\n"
    }
}
