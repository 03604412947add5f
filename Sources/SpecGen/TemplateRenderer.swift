import Foundation
import Mustache

/// The templates of one folder, rendered strictly: a template that asks for a key its context does not
/// have fails generation with the template's name and line, instead of rendering an empty string.
public struct TemplateSet: Sendable {
    private let library: MustacheLibrary
    /// Template texts by name, to point at the line of a missing key.
    private let texts: [String: String]

    public struct Failure: Error, CustomStringConvertible {
        public var template: String
        public var line: Int?
        public var message: String

        public var description: String {
            "template '\(template)'\(line.map { " line \($0)" } ?? ""): \(message)"
        }
    }

    /// The built-in templates, each replaced by the file of the same name under `overrides` when there is
    /// one; files there with new names (a partial of your own) are added.
    public init(overrides: String? = nil) throws {
        var texts = BuiltinTemplates.texts
        if let overrides {
            for (name, text) in try Self.read(directory: overrides) { texts[name] = text }
        }
        try self.init(texts: texts)
    }

    /// Exactly the templates in `directory`: a file `a/b.mustache` is the template `a/b`.
    public init(directory: String) throws {
        try self.init(texts: Self.read(directory: directory))
    }

    init(texts: [String: String]) throws {
        var library = MustacheLibrary()
        for (name, text) in texts.sorted(by: { $0.key < $1.key }) {
            do {
                try library.register(text, named: name)
            } catch let error as MustacheTemplate.ParserError {
                throw Failure(template: name, line: error.context.lineNumber, message: "\(error.error)")
            }
        }
        self.library = library
        self.texts = texts
    }

    private static func read(directory: String) throws -> [String: String] {
        let root = URL(fileURLWithPath: directory)
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: root.path, isDirectory: &isFolder), isFolder.boolValue,
            let enumerator = FileManager.default.enumerator(atPath: root.path)
        else {
            throw Failure(template: directory, message: "no such templates folder")
        }
        var texts: [String: String] = [:]
        for case let relative as String in enumerator where relative.hasSuffix(".mustache") {
            texts[String(relative.dropLast(".mustache".count))] = try String(
                contentsOf: root.appendingPathComponent(relative), encoding: .utf8)
        }
        return texts
    }

    public var templateNames: [String] { texts.keys.sorted() }

    public func contains(_ name: String) -> Bool { texts[name] != nil }

    /// The text of a template, as loaded.
    public func text(of name: String) -> String? { texts[name] }

    /// A context converted once for rendering with several templates.
    public struct PreparedContext {
        fileprivate let root: RenderNode
        fileprivate let recorder: MissingKeyRecorder
    }

    /// Converts `context` (a tree of structs, arrays, strings, numbers and booleans) for rendering.
    public func prepare(_ context: some Encodable) -> PreparedContext {
        let recorder = MissingKeyRecorder()
        let root = RenderTree.convert(context) as? RenderNode ?? RenderNode(RenderTree.Members())
        root.recorder = recorder
        return PreparedContext(root: root, recorder: recorder)
    }

    /// Renders `context` with the named template.
    public func render(_ name: String, context: some Encodable) throws -> String {
        try render(name, context: prepare(context))
    }

    public func render(_ name: String, context: PreparedContext) throws -> String {
        guard texts[name] != nil else { throw Failure(template: name, message: "no such template") }
        context.recorder.missing.removeAll()
        let output = library.render(context.root, withTemplate: name) ?? ""
        if let key = context.recorder.missing.first {
            let (template, line) = locate(key: key, from: name)
            throw Failure(template: template, line: line, message: "the context has no key '\(key)'")
        }
        return output
    }

    /// The first place the key is used: in the template itself, else in one of the partials.
    private func locate(key: String, from name: String) -> (String, Int?) {
        let candidates = [name] + texts.keys.sorted().filter { $0 != name }
        for candidate in candidates {
            let lines = texts[candidate]!.split(separator: "\n", omittingEmptySubsequences: false)
            for (index, line) in lines.enumerated() where Self.uses(line, key: key) {
                return (candidate, index + 1)
            }
        }
        return (name, nil)
    }

    private static func uses(_ line: Substring, key: String) -> Bool {
        ["{{", "{{#", "{{^", "{{/", "{{{", "{{&"].contains { line.contains("\($0)\(key)}") || line.contains("\($0) \(key)") }
    }
}

/// Notes keys that no context on the stack has. Only the root context records: a key is missing
/// when the lookup falls through every nested context down to the root and the root lacks it too.
final class MissingKeyRecorder {
    var missing: [String] = []
}

