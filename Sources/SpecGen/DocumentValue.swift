import Foundation
import SpecModel
import Yams

/// A JSON-shaped value whose objects keep their key order, so exported documents read in spec order
/// and are byte-for-byte reproducible.
public indirect enum DocumentValue: Equatable, Sendable {
    case string(String)
    case integer(Int64)
    case number(Double)
    case bool(Bool)
    case null
    case array([DocumentValue])
    case object([(String, DocumentValue)])

    public static func == (lhs: DocumentValue, rhs: DocumentValue) -> Bool {
        switch (lhs, rhs) {
        case (.string(let a), .string(let b)): a == b
        case (.integer(let a), .integer(let b)): a == b
        case (.number(let a), .number(let b)): a == b
        case (.bool(let a), .bool(let b)): a == b
        case (.null, .null): true
        case (.array(let a), .array(let b)): a == b
        case (.object(let a), .object(let b)): a.map(\.0) == b.map(\.0) && a.map(\.1) == b.map(\.1)
        default: false
        }
    }

    /// The member named `key` of an object.
    public subscript(key: String) -> DocumentValue? {
        guard case .object(let members) = self else { return nil }
        return members.first { $0.0 == key }?.1
    }

    // MARK: JSON

    /// Pretty-printed JSON with two-space indentation, ending with a newline.
    public func jsonText() -> String {
        var output = ""
        writeJSON(to: &output, indent: "")
        return output + "\n"
    }

    /// Compact JSON on one line, for examples inside documentation.
    public func compactJSON() -> String {
        switch self {
        case .array(let values): "[" + values.map { $0.compactJSON() }.joined(separator: ",") + "]"
        case .object(let members):
            "{" + members.map { Self.jsonString($0.0) + ":" + $0.1.compactJSON() }.joined(separator: ",") + "}"
        default: scalarJSON
        }
    }

    private func writeJSON(to output: inout String, indent: String) {
        let inner = indent + "  "
        switch self {
        case .array(let values) where !values.isEmpty:
            output += "[\n"
            for (index, value) in values.enumerated() {
                output += inner
                value.writeJSON(to: &output, indent: inner)
                output += index == values.count - 1 ? "\n" : ",\n"
            }
            output += indent + "]"
        case .object(let members) where !members.isEmpty:
            output += "{\n"
            for (index, (key, value)) in members.enumerated() {
                output += inner + Self.jsonString(key) + ": "
                value.writeJSON(to: &output, indent: inner)
                output += index == members.count - 1 ? "\n" : ",\n"
            }
            output += indent + "}"
        case .array: output += "[]"
        case .object: output += "{}"
        default: output += scalarJSON
        }
    }

    private var scalarJSON: String {
        switch self {
        case .string(let text): Self.jsonString(text)
        case .integer(let value): String(value)
        case .number(let value): value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
        case .bool(let flag): flag ? "true" : "false"
        default: "null"
        }
    }

    static func jsonString(_ text: String) -> String {
        var output = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": output += "\\\""
            case "\\": output += "\\\\"
            case "\n": output += "\\n"
            case "\r": output += "\\r"
            case "\t": output += "\\t"
            case _ where scalar.value < 0x20: output += String(format: "\\u%04x", scalar.value)
            default: output.unicodeScalars.append(scalar)
            }
        }
        return output + "\""
    }

    // MARK: YAML

    /// Block-style YAML through Yams; strings that a YAML reader would take for another type
    /// (`200`, `true`, `null`) are quoted, multi-line strings use the literal style.
    public func yamlText() throws -> String {
        try Yams.serialize(node: yamlNode(), indent: 2, width: -1, allowUnicode: true)
    }

    private func yamlNode() -> Node {
        switch self {
        case .string(let text):
            let style: Node.Scalar.Style
            if text.contains("\n") {
                style = .literal
            } else if Self.readsAsOtherType(text) {
                style = .singleQuoted
            } else {
                style = .any
            }
            return .scalar(Node.Scalar(text, Tag(.str), style))
        case .integer(let value): return Node(String(value), Tag(.int))
        case .number: return Node(scalarJSON, Tag(.float))
        case .bool(let flag): return Node(flag ? "true" : "false", Tag(.bool))
        case .null: return Node("null", Tag(.null))
        case .array(let values): return .sequence(Node.Sequence(values.map { $0.yamlNode() }, Tag(.seq), .block))
        case .object(let members):
            return .mapping(
                Node.Mapping(members.map { (DocumentValue.string($0.0).yamlNode(), $0.1.yamlNode()) }, Tag(.map), .block))
        }
    }

    /// YAML 1.1 readers (PyYAML among them) also take yes/no/on/off for booleans.
    private static func readsAsOtherType(_ text: String) -> Bool {
        if text.isEmpty { return true }
        if ["yes", "no", "on", "off", "y", "n", "~"].contains(text.lowercased()) { return true }
        return Resolver.default.resolveTag(of: Node(text)) != .str
    }
}

extension DocumentValue {
    /// A value written in the spec (an example, an extension), as exported documents carry it.
    init(_ literal: JSONLiteral) {
        switch literal {
        case .null: self = .null
        case .bool(let flag): self = .bool(flag)
        case .number(.integer(let value)): self = .integer(value)
        case .number(.real(let value)): self = .number(value)
        case .string(let text): self = .string(text)
        case .array(let items): self = .array(items.map(DocumentValue.init))
        case .object(let members): self = .object(members.map { ($0.key, DocumentValue($0.value)) })
        }
    }
}
