import Foundation
import SpecGen
import SpecModel
import Testing

/// The Swift generated for the fixture spec, compared byte for byte with the files under Golden/.
///
/// After an intended change to the generator or the templates, refresh them with
/// `SPECGEN_UPDATE_GOLDEN=1 swift test --filter GoldenTests` and review the diff.
@Suite struct GoldenTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let golden = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden")
    static let goldenSwift = golden.appendingPathComponent("swift")
    static let goldenOpenAPI = golden.appendingPathComponent("openapi")

    static func fixtureSpec() throws -> Spec {
        try SpecLoader.load(directory: root.appendingPathComponent("Tests/Fixtures/spec").path).get()
    }

    static func generate() throws -> [GeneratedFile] {
        let spec = try fixtureSpec()
        let templates = try TemplateSet(directory: root.appendingPathComponent("Templates").path)
        return try SwiftGenerator.generate(spec: spec, templates: templates)
    }

    @Test func generatedSwiftMatchesTheGoldenFiles() throws {
        let files = try Self.generate()
        if ProcessInfo.processInfo.environment["SPECGEN_UPDATE_GOLDEN"] == "1" {
            _ = try OutputWriter.write(files, to: Self.goldenSwift.path)
        }
        let goldenNames = try FileManager.default.contentsOfDirectory(atPath: Self.goldenSwift.path)
        #expect(files.map(\.name).sorted() == goldenNames.sorted())
        for file in files {
            let expected = try String(contentsOf: Self.goldenSwift.appendingPathComponent(file.name), encoding: .utf8)
            #expect(file.contents == expected, "\(file.name) differs from Golden/\(file.name)")
        }
    }

    @Test func fileNamesAreSplitByAreaAndMatchWhatThePluginDeclares() throws {
        let files = try Self.generate()
        let spec = try Self.fixtureSpec()
        #expect(spec.areas.map(\.name) == ["accounts", "catalog", "orders"])
        #expect(files.map(\.name) == SwiftGenerator.fileNames(areas: spec.areas))
        #expect(
            SwiftGenerator.fileNames(areas: [Area(name: "a.b", file: "a/b.yaml", lines: 300)]) == [
                "a.b.Models.swift", "a.b.Validators.swift", "a.b.Operations.swift", "a.b.Server.swift", "a.b.Client.swift",
                "APIProtocol.swift", "ServerRegistration.swift", "ClientType.swift",
            ])
        #expect(
            SwiftGenerator.fileNames(areas: [Area(name: "a", file: "a.yaml", lines: 301)], parts: .client) == [
                "a.Models.swift", "a.Validators.swift", "a.Operations.swift", "a.Client.swift",
                "a.Models.2.swift", "a.Validators.2.swift", "a.Operations.2.swift", "a.Client.2.swift",
                "APIProtocol.swift", "ClientType.swift",
            ])
    }

    /// A spec file of 901 to 1,200 non-blank lines is generated in four parts of about equal size: every structure
    /// and operation in exactly one of them, in spec order, and every part's routes registered.
    @Test func aLongSpecFileIsGeneratedInPartsOfAboutEqualSize() throws {
        var yaml = "info: { title: T, version: '1', description: t }\nstructures:\n"
        for index in 0..<110 {
            yaml += "  Thing\(index):\n    description: t\n    fields:\n"
            for field in ["a", "b", "c", "d", "e"] { yaml += "      \(field): { type: string, description: t }\n" }
        }
        yaml += "endpoints:\n"
        for index in 0..<10 {
            yaml += "  op\(index):\n    summary: s\n    method: GET\n    path: /things/\(index)\n    response: Thing\(index)\n"
        }
        // An area whose type name is what a naive part suffix would make of the first one's second part.
        let next = "endpoints:\n  other:\n    summary: s\n    method: GET\n    path: /other\n    response: Thing0\n"
        let spec = try SpecLoader.load(sources: [("big.yaml", "big", yaml), ("big2.yaml", "big2", next)]).get()
        #expect(spec.areas.map(\.lines) == [Area.countLines(yaml), 6])
        #expect(SwiftGenerator.partCount(lines: spec.areas[0].lines) == 4)
        let files = try SwiftGenerator.generate(spec: spec, templates: TemplateSet())
        #expect(files.map(\.name) == SwiftGenerator.fileNames(areas: spec.areas))
        let models = ["big.Models.swift", "big.Models.2.swift", "big.Models.3.swift", "big.Models.4.swift"].map { name in
            files.first { $0.name == name }?.contents ?? ""
        }
        let declared = models.map { text in
            text.split(separator: "\n").compactMap { line -> Int? in
                guard line.hasPrefix("public struct Thing") else { return nil }
                return Int(line.dropFirst("public struct Thing".count).prefix { $0.isNumber })
            }
        }
        #expect(declared.flatMap { $0 } == Array(0..<110))
        #expect(declared.allSatisfy { (24...32).contains($0.count) }, "parts of \(declared.map(\.count)) structures")
        let registration = try #require(files.first { $0.name == "ServerRegistration.swift" }).contents
        for (index, group) in ["Big", "Big_Part2", "Big_Part3", "Big_Part4"].enumerated() {
            let server = try #require(files.first { $0.name == (index == 0 ? "big.Server.swift" : "big.Server.\(index + 1).swift") })
            #expect(server.contents.contains("func register\(group)Handlers("))
            #expect(registration.contains("try register\(group)Handlers(on: transport, options: options)"))
        }
        let registrations = files.filter { $0.name.contains(".Server.") }.flatMap { file in
            file.contents.split(separator: "\n").filter { $0.contains("func register") }
        }
        #expect(registrations.count == 5)
        #expect(Set(registrations).count == registrations.count, "\(registrations)")
    }

    @Test func clientPartsLeaveOutTheServer() throws {
        let spec = try Self.fixtureSpec()
        let files = try SwiftGenerator.generate(spec: spec, templates: TemplateSet(), parts: .client)
        #expect(files.map(\.name) == SwiftGenerator.fileNames(areas: spec.areas, parts: .client))
        #expect(!files.contains { $0.name.hasSuffix("Server.swift") || $0.name == "ServerRegistration.swift" })
        let everything = Dictionary(uniqueKeysWithValues: try Self.generate().map { ($0.name, $0.contents) })
        for file in files { #expect(file.contents == everything[file.name], "\(file.name) differs between parts") }
    }

    @Test func openAPIExportMatchesTheGoldenFile() throws {
        let spec = try Self.fixtureSpec()
        let yaml = try OpenAPIExporter.text(for: spec, format: .yaml)
        let json = try OpenAPIExporter.text(for: spec, format: .json)
        if ProcessInfo.processInfo.environment["SPECGEN_UPDATE_GOLDEN"] == "1" {
            _ = try OutputWriter.write(
                [GeneratedFile(name: "openapi.yaml", contents: yaml), GeneratedFile(name: "openapi.json", contents: json)],
                to: Self.goldenOpenAPI.path)
        }
        #expect(yaml == (try String(contentsOf: Self.goldenOpenAPI.appendingPathComponent("openapi.yaml"), encoding: .utf8)))
        #expect(json == (try String(contentsOf: Self.goldenOpenAPI.appendingPathComponent("openapi.json"), encoding: .utf8)))
    }

    /// Where each SDK's golden files are: the Python one as a package, as a project would lay it out.
    static func goldenSDK(_ language: SDKGenerator.Language) -> URL {
        switch language {
        case .typescript: golden.appendingPathComponent("typescript")
        case .python: golden.appendingPathComponent("python/shop_api")
        }
    }

    /// The TypeScript and Python SDKs of the fixture spec, from the built-in templates (CI also compiles the
    /// TypeScript with tsc --strict and runs both against the server's own validation messages).
    @Test(arguments: SDKGenerator.Language.allCases)
    func sdkMatchesTheGoldenFiles(_ language: SDKGenerator.Language) throws {
        let files = try SDKGenerator.generate(spec: Self.fixtureSpec(), templates: TemplateSet(), language: language)
        let folder = Self.goldenSDK(language)
        if ProcessInfo.processInfo.environment["SPECGEN_UPDATE_GOLDEN"] == "1" {
            _ = try OutputWriter.write(files, to: folder.path)
        }
        #expect(files.map(\.name) == language.fileNames)
        let goldenNames = (try? FileManager.default.contentsOfDirectory(atPath: folder.path))?.filter { !$0.hasPrefix(".") && $0 != "__pycache__" } ?? []
        #expect(files.map(\.name).sorted() == goldenNames.sorted())
        for file in files {
            let expected = try String(contentsOf: folder.appendingPathComponent(file.name), encoding: .utf8)
            #expect(file.contents == expected, "\(file.name) differs from its golden file")
        }
    }

    @Test func generationIsDeterministic() throws {
        #expect(try Self.generate() == Self.generate())
    }
}
