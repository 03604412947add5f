import ArgumentParser
import Foundation
import SpecGen
import SpecModel

extension SpecDiffReport.Format: ExpressibleByArgument {}

struct Diff: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the changes between two versions of a spec, breaking or compatible.",
        discussion: """
            OLD and NEW are spec folders or git revisions: REV:PATH takes the folder PATH (relative to the \
            current directory) as it was at REV; a bare REV takes the same folder as the other argument \
            (or spec/) at REV. Examples: specgen diff main spec; specgen diff v1.0:spec v2.0:spec.

            Breaking: a removed or renamed endpoint, field, enum value or structure; a changed type, path, \
            method or media type; security that shuts existing callers out; a new required request field or \
            parameter, or an optional one made required; a response field made optional or removed; tighter \
            constraints on what requests send. Compatible: additions, looser constraints, enum values added \
            (noted where responses carry them), new response statuses (noted), defaults and descriptions.

            Exit status: 0 when nothing is breaking, 1 when something is, 2 when a spec cannot be read.
            """
    )

    @Argument(help: "The old spec: a folder, REV:PATH, or REV.")
    var old: String

    @Argument(help: "The new spec: a folder, REV:PATH, or REV.")
    var new: String

    @Option(name: .long, help: "text, markdown or json.")
    var format: SpecDiffReport.Format = .text

    func run() throws {
        let oldSource = try SpecSource(old, other: new)
        defer { oldSource.cleanUp() }
        let newSource = try SpecSource(new, other: old)
        defer { newSource.cleanUp() }
        let oldSpec = try load(oldSource), newSpec = try load(newSource)
        let changes = SpecDiff.compare(old: oldSpec, new: newSpec)
        let report = SpecDiffReport.render(changes, format: format) { change in
            guard let location = change.location else { return nil }
            let source = change.locationIsInOldSpec ? oldSource : newSource
            return "\(source.display(location.file)):\(location.line)"
        }
        FileHandle.standardOutput.write(Data(report.utf8))
        if changes.contains(where: { $0.severity == .breaking }) { throw ExitCode.failure }
    }

    private func load(_ source: SpecSource) throws -> Spec {
        let result = SpecLoader.load(directory: source.folder)
        // Warnings (a missing description …) say nothing about the difference; errors stop it.
        DiagnosticPrinter.print(result.errors)
        guard let spec = result.spec else {
            FileHandle.standardError.write(Data("specgen: \(source.name): \(DiagnosticPrinter.summary(result)); nothing compared\n".utf8))
            throw ExitCode(2)
        }
        return spec
    }
}

/// A spec folder on disk, or one checked out of git into a temporary folder.
struct SpecSource {
    /// What the user wrote.
    let name: String
    /// Where the spec files are now.
    let folder: String
    /// The spec path as the user knows it, for locations in a checked-out copy.
    let shownFolder: String
    private let temporary: URL?

    init(_ argument: String, other: String) throws {
        name = argument
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: argument, isDirectory: &isFolder), isFolder.boolValue {
            folder = argument
            shownFolder = argument
            temporary = nil
            return
        }
        let revision: String, path: String
        if let colon = argument.firstIndex(of: ":") {
            revision = String(argument[..<colon])
            path = String(argument[argument.index(after: colon)...])
        } else {
            revision = argument
            path = other.contains(":") ? String(other[other.index(after: other.firstIndex(of: ":")!)...])
                : (FileManager.default.fileExists(atPath: other) ? other : "spec")
        }
        let checkout = FileManager.default.temporaryDirectory.appendingPathComponent("specgen-diff-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: checkout, withIntermediateDirectories: true)
        let treeish = "\(revision):" + (path.hasPrefix("./") || path.hasPrefix("/") ? path : "./" + path)
        let archive = Process()
        archive.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        archive.arguments = ["sh", "-c", "git archive --format=tar \"$1\" | tar -x -C \"$2\"", "sh", treeish, checkout.path]
        let errors = Pipe()
        archive.standardError = errors
        try archive.run()
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        archive.waitUntilExit()
        let extracted = (try? FileManager.default.contentsOfDirectory(atPath: checkout.path)) ?? []
        guard archive.terminationStatus == 0, message.isEmpty, !extracted.isEmpty else {
            try? FileManager.default.removeItem(at: checkout)
            FileHandle.standardError.write(Data(
                "specgen: '\(argument)' is neither a spec folder nor a git revision of one (git: \(message.trimmingCharacters(in: .whitespacesAndNewlines)))\n".utf8))
            throw ExitCode(2)
        }
        folder = checkout.path
        shownFolder = "\(revision):\(path)"
        temporary = checkout
    }

    /// A file of this spec as the user knows it: `main:spec/orders.yaml` for a checked-out copy.
    func display(_ file: String) -> String {
        guard file.hasPrefix(folder) else { return file }
        let relative = file.dropFirst(folder.count).drop { $0 == "/" }
        return shownFolder.hasSuffix("/") ? shownFolder + relative : shownFolder + "/" + relative
    }

    func cleanUp() {
        if let temporary { try? FileManager.default.removeItem(at: temporary) }
    }
}
