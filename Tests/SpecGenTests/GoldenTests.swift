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

    static func generate() throws -> [GeneratedFile] {
        let spec = try SpecLoader.load(directory: root.appendingPathComponent("Tests/Fixtures/spec").path).get()
        let templates = try TemplateSet(directory: root.appendingPathComponent("Templates").path)
        return try SwiftGenerator.generate(spec: spec, templates: templates)
    }

    @Test func generatedSwiftMatchesTheGoldenFiles() throws {
        let files = try Self.generate()
        if ProcessInfo.processInfo.environment["SPECGEN_UPDATE_GOLDEN"] == "1" {
            _ = try OutputWriter.write(files, to: Self.golden.path)
        }
        let goldenNames = try FileManager.default.contentsOfDirectory(atPath: Self.golden.path).filter { $0.hasSuffix(".swift") }
        #expect(files.map(\.name).sorted() == goldenNames.sorted())
        for file in files {
            let expected = try String(contentsOf: Self.golden.appendingPathComponent(file.name), encoding: .utf8)
            #expect(file.contents == expected, "\(file.name) differs from Golden/\(file.name)")
        }
    }

    @Test func fileNamesAreSplitByAreaAndMatchWhatThePluginDeclares() throws {
        let files = try Self.generate()
        #expect(files.map(\.name) == SwiftGenerator.fileNames(areas: ["catalog", "orders"]))
        #expect(
            SwiftGenerator.fileNames(areas: ["a.b"]) == [
                "a.b.Models.swift", "a.b.Validators.swift", "a.b.Operations.swift", "a.b.Server.swift", "a.b.Client.swift",
                "APIProtocol.swift", "ServerRegistration.swift", "ClientType.swift",
            ])
    }

    @Test func generationIsDeterministic() throws {
        #expect(try Self.generate() == Self.generate())
    }
}
