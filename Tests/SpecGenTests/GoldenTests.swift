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
        #expect(files.map(\.name) == SwiftGenerator.fileNames(areas: ["accounts", "catalog", "orders"]))
        #expect(
            SwiftGenerator.fileNames(areas: ["a.b"]) == [
                "a.b.Models.swift", "a.b.Validators.swift", "a.b.Operations.swift", "a.b.Server.swift", "a.b.Client.swift",
                "APIProtocol.swift", "ServerRegistration.swift", "ClientType.swift",
            ])
    }

    @Test func clientPartsLeaveOutTheServer() throws {
        let spec = try Self.fixtureSpec()
        let files = try SwiftGenerator.generate(spec: spec, templates: TemplateSet(), parts: .client)
        #expect(files.map(\.name) == SwiftGenerator.fileNames(areas: ["accounts", "catalog", "orders"], parts: .client))
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
