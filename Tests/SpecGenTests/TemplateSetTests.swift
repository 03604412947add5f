import Foundation
import SpecGen
import SpecModel
import Testing

@Suite struct TemplateSetTests {
    struct Row: Encodable {
        var name: String
        var note: String?
    }

    struct Page: Encodable {
        var title: String
        var rows: [Row]
        var shown: Bool
    }

    static func templates(_ files: [String: String]) throws -> (TemplateSet, URL) {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("templates-\(UUID().uuidString)")
        for (name, text) in files {
            let url = folder.appendingPathComponent(name + ".mustache")
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try text.write(to: url, atomically: true, encoding: .utf8)
        }
        return (try TemplateSet(directory: folder.path), folder)
    }

    static let page = Page(title: "T", rows: [Row(name: "a", note: nil), Row(name: "b", note: "<b>")], shown: true)

    @Test func rendersTypedContextsWithoutEscapingAndWithNilAsAbsent() throws {
        let (set, folder) = try Self.templates([
            "page": "{{% CONTENT_TYPE: TEXT}}\n{{title}}:{{#rows}} {{name}}{{#note}}={{.}}{{/note}}{{^note}}!{{/note}}{{/rows}}\n"
        ])
        defer { try? FileManager.default.removeItem(at: folder) }
        #expect(try set.render("page", context: Self.page) == "T: a! b=<b>\n")
    }

    @Test func partialsSeeTheSameContext() throws {
        let (set, folder) = try Self.templates([
            "page": "{{% CONTENT_TYPE: TEXT}}\n{{#rows}}{{> parts/row}}{{/rows}}",
            "parts/row": "{{% CONTENT_TYPE: TEXT}}\n[{{name}} of {{title}}]",
        ])
        defer { try? FileManager.default.removeItem(at: folder) }
        #expect(try set.render("page", context: Self.page) == "[a of T][b of T]")
    }

    @Test func aMissingKeyFailsWithTheTemplateAndLine() throws {
        let (set, folder) = try Self.templates(["page": "{{% CONTENT_TYPE: TEXT}}\n{{title}}\n\n{{#rows}}{{nmae}}{{/rows}}\n"])
        defer { try? FileManager.default.removeItem(at: folder) }
        let failure = try #require(throws: TemplateSet.Failure.self) { try set.render("page", context: Self.page) }
        #expect(failure.description == "template 'page' line 4: the context has no key 'nmae'")
    }

    @Test func aMissingKeyInAPartialNamesThePartial() throws {
        let (set, folder) = try Self.templates([
            "page": "{{% CONTENT_TYPE: TEXT}}\n{{#rows}}{{> row}}{{/rows}}",
            "row": "{{% CONTENT_TYPE: TEXT}}\n{{name}}\n{{#subtitle}}x{{/subtitle}}",
        ])
        defer { try? FileManager.default.removeItem(at: folder) }
        let failure = try #require(throws: TemplateSet.Failure.self) { try set.render("page", context: Self.page) }
        #expect(failure.description == "template 'row' line 3: the context has no key 'subtitle'")
    }

    @Test func templateSyntaxErrorsNameTheFile() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("templates-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try "line one\n{{#rows}}\nno end".write(to: folder.appendingPathComponent("bad.mustache"), atomically: true, encoding: .utf8)
        let failure = try #require(throws: TemplateSet.Failure.self) { try TemplateSet(directory: folder.path) }
        #expect(failure.template == "bad")
        #expect(failure.line != nil)
    }

    @Test func unknownTemplatesAreAnError() throws {
        let (set, folder) = try Self.templates(["page": "x"])
        defer { try? FileManager.default.removeItem(at: folder) }
        #expect(throws: TemplateSet.Failure.self) { try set.render("other", context: Self.page) }
        #expect(set.templateNames == ["page"])
    }
}

/// The templates specgen carries, and how a folder of the user's replaces them file by file.
@Suite struct BuiltinTemplateTests {
    static let templatesFolder = GoldenTests.root.appendingPathComponent("Templates")

    @Test func builtinsAreTheTemplatesFolder() throws {
        let onDisk = try TemplateSet(directory: Self.templatesFolder.path)
        #expect(BuiltinTemplates.names == onDisk.templateNames, "run `swift package --allow-writing-to-package-directory regenerate`")
        for name in onDisk.templateNames {
            #expect(try TemplateSet().text(of: name) == onDisk.text(of: name), "built-in \(name) is stale: run the regenerate command")
        }
    }

    @Test func anOverrideReplacesOneTemplateAndKeepsTheRest() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("overrides-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("swift"), withIntermediateDirectories: true)
        try "{{% CONTENT_TYPE: TEXT}}\n// mine for {{area}}\n".write(
            to: folder.appendingPathComponent("swift/Validators.mustache"), atomically: true, encoding: .utf8)
        try "{{% CONTENT_TYPE: TEXT}}\nextra\n".write(to: folder.appendingPathComponent("extra.mustache"), atomically: true, encoding: .utf8)

        let spec = try GoldenTests.fixtureSpec()
        let files = try SwiftGenerator.generate(spec: spec, templates: TemplateSet(overrides: folder.path))
        let byName = Dictionary(uniqueKeysWithValues: files.map { ($0.name, $0.contents) })
        #expect(byName["orders.Validators.swift"] == "// mine for orders\n")
        let golden = try String(contentsOf: GoldenTests.goldenSwift.appendingPathComponent("orders.Models.swift"), encoding: .utf8)
        #expect(byName["orders.Models.swift"] == golden)
        #expect(try TemplateSet(overrides: folder.path).templateNames == (BuiltinTemplates.names + ["extra"]).sorted())
    }

    @Test func aMissingOverridesFolderIsAnError() {
        #expect(throws: TemplateSet.Failure.self) { try TemplateSet(overrides: "/nonexistent/templates") }
    }

    @Test func exportWritesEveryBuiltinAndKeepsEditedFiles() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("export-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let first = try BuiltinTemplates.export(to: folder.path, overwrite: false)
        #expect(first.written == BuiltinTemplates.names.map { $0 + ".mustache" })
        #expect(try TemplateSet(directory: folder.path).templateNames == BuiltinTemplates.names)

        let edited = folder.appendingPathComponent("swift/Models.mustache")
        try "{{% CONTENT_TYPE: TEXT}}\nedited\n".write(to: edited, atomically: true, encoding: .utf8)
        let second = try BuiltinTemplates.export(to: folder.path, overwrite: false)
        #expect(second.written.isEmpty)
        #expect(second.kept == ["swift/Models.mustache"])
        #expect(try String(contentsOf: edited, encoding: .utf8) == "{{% CONTENT_TYPE: TEXT}}\nedited\n")
        let forced = try BuiltinTemplates.export(to: folder.path, overwrite: true)
        #expect(forced.written == ["swift/Models.mustache"])
    }
}

@Suite struct OutputWriterTests {
    @Test func writesOnlyChangedFilesAndRemovesStaleGeneratedOnes() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("out-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let marker = OutputWriter.generatedMarker
        let first = try OutputWriter.write(
            [GeneratedFile(name: "A.swift", contents: "\(marker)\na"), GeneratedFile(name: "B.swift", contents: "\(marker)\nb")],
            to: folder.path)
        #expect(first.written == ["A.swift", "B.swift"])
        try "// mine".write(to: folder.appendingPathComponent("Mine.swift"), atomically: true, encoding: .utf8)
        let before = try FileManager.default.attributesOfItem(atPath: folder.appendingPathComponent("A.swift").path)[.modificationDate] as? Date

        let second = try OutputWriter.write([GeneratedFile(name: "A.swift", contents: "\(marker)\na")], to: folder.path)
        #expect(second == OutputWriter.Summary(written: [], unchanged: ["A.swift"], removed: ["B.swift"]))
        let after = try FileManager.default.attributesOfItem(atPath: folder.appendingPathComponent("A.swift").path)[.modificationDate] as? Date
        #expect(before == after)
        #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent("Mine.swift").path))

        let third = try OutputWriter.write([GeneratedFile(name: "A.swift", contents: "\(marker)\nchanged")], to: folder.path)
        #expect(third.written == ["A.swift"])
        #expect(try String(contentsOf: folder.appendingPathComponent("A.swift"), encoding: .utf8) == "\(marker)\nchanged")
    }

    @Test func removesStaleGeneratedFilesInSubfoldersOfAnyKind() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("out-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        _ = try OutputWriter.write(
            [
                GeneratedFile(name: "docs/old.md", contents: "<!-- Generated by specgen -->\nold"),
                GeneratedFile(name: "docs/kept.md", contents: "<!-- Generated by specgen -->\nkept"),
            ], to: folder.path)
        try "notes of mine".write(to: folder.appendingPathComponent("docs/notes.md"), atomically: true, encoding: .utf8)
        let summary = try OutputWriter.write(
            [GeneratedFile(name: "docs/kept.md", contents: "<!-- Generated by specgen -->\nkept")], to: folder.path)
        #expect(summary == OutputWriter.Summary(written: [], unchanged: ["docs/kept.md"], removed: ["docs/old.md"]))
        #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent("docs/notes.md").path))
    }
}
