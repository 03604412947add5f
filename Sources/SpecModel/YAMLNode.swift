import Yams

/// A Yams node with the file it came from, so every read can report where it looked.
///
/// Unchecked: Yams does not mark `Node` Sendable (its tags hold classes). Nodes are never mutated after
/// parsing, and each file's nodes pass from the task that parsed them to the checker only once it is done.
struct YAMLNode: @unchecked Sendable {
    let node: Node
    let file: String
    /// How YAMLRecovery changed lines of the file, so positions are those of the file as written.
    var edits = LineEdits()

    var location: SourceLocation {
        let line = node.mark?.line ?? 1
        return SourceLocation(file: file, line: line, column: edits.originalColumn(line: line, column: node.mark?.column ?? 1))
    }

    /// Where the text of a scalar starts (after an opening quote), for pointing inside it.
    var textStart: SourceLocation {
        var location = self.location
        if case .scalar(let scalar) = node, scalar.style == .singleQuoted || scalar.style == .doubleQuoted {
            location.column += 1
        }
        return location
    }

    var scalar: String? {
        if case .scalar(let scalar) = node { return scalar.string }
        return nil
    }

    var isNull: Bool {
        if case .scalar(let scalar) = node, scalar.style == .plain || scalar.style == .any {
            return ["", "~", "null", "Null", "NULL"].contains(scalar.string)
        }
        return false
    }

    var pairs: [(key: YAMLNode, value: YAMLNode)]? {
        guard case .mapping(let mapping) = node else { return nil }
        return mapping.compactMap { pair in
            // The second occurrence of a duplicated key, renamed by YAMLRecovery: reported there, not read.
            if pair.key.string?.hasPrefix(YAMLRecovery.ignoredKeyPrefix) == true { return nil }
            return (YAMLNode(node: pair.key, file: file, edits: edits), YAMLNode(node: pair.value, file: file, edits: edits))
        }
    }

    var items: [YAMLNode]? {
        guard case .sequence(let sequence) = node else { return nil }
        return sequence.map { YAMLNode(node: $0, file: file, edits: edits) }
    }

    /// How the node reads to a person, for messages such as "must be a string, not a list".
    var kindName: String {
        switch node {
        case .mapping: "a mapping"
        case .sequence: "a list"
        case .alias: "an alias"
        case .scalar:
            if isNull { "empty" } else if node.bool != nil { "a boolean" } else if node.int != nil { "a number" } else { "a string" }
        }
    }
}

/// Typed reads from YAML nodes that report a diagnostic instead of failing silently.
struct NodeReader: Sendable {
    var diagnostics = Diagnostics()
    /// How many more entries and items the reads may hand out. Written out, every one takes a few
    /// characters; only aliases (`*name`, which repeat an anchored node wherever they appear) can hand out
    /// more than a file has characters, so a few lines cannot make loading and checking take minutes.
    var budget = Int.max
    /// Where the budget ran out, once it has.
    private(set) var exhaustedAt: SourceLocation?

    /// Takes `count` from the budget for the children of `node`; false, and nothing taken, once it has run out.
    mutating func spend(_ count: Int, on node: YAMLNode) -> Bool {
        guard exhaustedAt == nil else { return false }
        guard count <= budget else {
            exhaustedAt = node.location
            return false
        }
        budget -= count
        return true
    }

    /// The entries of a mapping whose keys are all in `allowed`; unknown keys are reported with a suggestion.
    /// `extensible` admits `x-…` keys as well, which carry anything a template or the OpenAPI export wants.
    mutating func entries(
        of node: YAMLNode, in context: String, allowed: [String], rule: Rule = .unknownKey, extensible: Bool = false
    ) -> [String: (key: YAMLNode, value: YAMLNode)]? {
        guard let pairs = mapping(node, in: context) else { return nil }
        var result: [String: (key: YAMLNode, value: YAMLNode)] = [:]
        for pair in pairs {
            guard let key = pair.key.scalar else {
                diagnostics.error(.valueKind, "keys of \(context) must be plain names", at: pair.key.location)
                continue
            }
            if allowed.contains(key) || (extensible && key.hasPrefix("x-")) {
                result[key] = pair
            } else if key.contains(" ") {
                // Plain text with a comma inside `{ … }` ends the value there and starts a new "key".
                diagnostics.error(
                    rule, "unknown key '\(key)' in \(context)", at: pair.key.location,
                    hint: "a comma inside { … } starts a new key; put the text before it in quotes")
            } else {
                diagnostics.error(
                    rule, "unknown key '\(key)' in \(context)", at: pair.key.location,
                    hint: Suggestion.hint(for: key, among: allowed) ?? "allowed keys: \(allowed.joined(separator: ", "))"
                )
            }
        }
        return result
    }

    /// The pairs of a mapping whose keys are names (structures, fields, endpoints …), in file order.
    mutating func mapping(_ node: YAMLNode, in context: String) -> [(key: YAMLNode, value: YAMLNode)]? {
        if node.isNull { return [] }
        guard let pairs = node.pairs else {
            diagnostics.error(.valueKind, "\(context) must be a mapping, not \(node.kindName)", at: node.location)
            return nil
        }
        return spend(pairs.count, on: node) ? pairs : []
    }

    mutating func list(_ node: YAMLNode, in context: String) -> [YAMLNode]? {
        guard let items = node.items else {
            diagnostics.error(.valueKind, "\(context) must be a list, not \(node.kindName)", at: node.location)
            return nil
        }
        return spend(items.count, on: node) ? items : []
    }

    mutating func string(_ node: YAMLNode, in context: String) -> String? {
        guard let text = node.scalar, !node.isNull else {
            diagnostics.error(.valueKind, "\(context) must be a string, not \(node.kindName)", at: node.location)
            return nil
        }
        return text
    }

    mutating func bool(_ node: YAMLNode, in context: String) -> Bool? {
        guard let value = node.node.bool else {
            diagnostics.error(.valueKind, "\(context) must be true or false, not \(node.kindName)", at: node.location)
            return nil
        }
        return value
    }

    /// A count such as `minLength`: a whole number, zero or more.
    mutating func count(_ node: YAMLNode, in context: String) -> Int? {
        guard let value = node.node.int, value >= 0 else {
            diagnostics.error(.valueKind, "\(context) must be a whole number of 0 or more", at: node.location)
            return nil
        }
        return value
    }

    /// The deepest a value written in the spec (an example, an extension) may nest: aliases can stack far
    /// deeper than YAML's own limit, and reading them is recursive.
    static let maximumValueDepth = 64

    /// Any YAML value as JSON: scalars as YAML reads them (plain `3` is a number, `"3"` a string).
    mutating func literal(_ node: YAMLNode, depth: Int = 0) -> JSONLiteral {
        if node.pairs != nil || node.items != nil, depth >= Self.maximumValueDepth {
            diagnostics.error(.valueKind, "the value nests more than \(Self.maximumValueDepth) deep", at: node.location)
            return .null
        }
        if let pairs = node.pairs {
            guard spend(pairs.count, on: node) else { return .null }
            return .object(pairs.map { JSONLiteral.Member($0.key.scalar ?? "", literal($0.value, depth: depth + 1)) })
        }
        if let items = node.items {
            guard spend(items.count, on: node) else { return .null }
            return .array(items.map { literal($0, depth: depth + 1) })
        }
        if node.isNull { return .null }
        if case .scalar(let scalar) = node.node, scalar.style == .plain || scalar.style == .any {
            if let value = node.node.bool { return .bool(value) }
            if let value = node.node.int { return .number(.integer(Int64(value))) }
            if let value = node.node.float, value.isFinite { return .number(.real(value)) }
        }
        return .string(node.scalar ?? "")
    }

    mutating func number(_ node: YAMLNode, in context: String) -> Number? {
        if let value = node.node.int { return .integer(Int64(value)) }
        // .inf and .nan are YAML numbers, but no bound or default: generated code could not write them.
        if let value = node.node.float, node.node.bool == nil {
            if value.isFinite { return .real(value) }
            diagnostics.error(.valueKind, "\(context) must be a finite number", at: node.location)
            return nil
        }
        diagnostics.error(.valueKind, "\(context) must be a number, not \(node.kindName)", at: node.location)
        return nil
    }
}
