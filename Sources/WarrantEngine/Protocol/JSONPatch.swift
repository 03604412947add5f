import SpecRuntime

/// JSON Patch (RFC 6902) over ``JSONValue``, with JSON Pointers (RFC 6901): what Authlete applies to a
/// discovery document for its `patch` parameter. Operations run in order; the first that fails stops the
/// patch and names itself, and nothing of the patch is applied. `copy` (and `add` of the root into itself)
/// could double the document per operation, so the patch has a budget: it may add at most
/// ``maximumAddedNodes`` values, and nothing deeper than ``maximumDepth`` levels; each value added is
/// measured by a walk that stops at the budget, so the work stays bounded by it.
enum JSONPatch {
    struct Failure: Error, Equatable, CustomStringConvertible {
        var description: String
    }

    /// The most operations one patch may hold.
    static let maximumOperations = 1000
    /// The most reference tokens of a pointer, and the deepest a patched document may be: the nesting the
    /// JSON parser allows.
    static let maximumDepth = 512
    /// The most JSON values (each object, array and scalar counts one) a patch may add in all.
    static let maximumAddedNodes = 100_000

    static func apply(_ patchText: String, to document: JSONValue) throws(Failure) -> JSONValue {
        guard let parsed = try? JSONValue(parsing: patchText), case .array(let operations) = parsed else {
            throw Failure(description: "must be a JSON array of operations (RFC 6902)")
        }
        guard operations.count <= maximumOperations else {
            throw Failure(description: "holds \(operations.count) operations; at most \(maximumOperations)")
        }
        var result = document
        var budget = maximumAddedNodes
        for (index, operation) in operations.enumerated() {
            do {
                try apply(operation, to: &result, budget: &budget)
            } catch {
                throw Failure(description: "operation \(index): \(error.description)")
            }
        }
        return result
    }

    private static func apply(_ operation: JSONValue, to document: inout JSONValue, budget: inout Int) throws(Failure) {
        /// Charges a value about to be added at `path` to the budget.
        func charge(_ value: JSONValue, at path: [String]) throws(Failure) {
            var nodes = 0
            guard measure(value, depth: path.count, nodes: &nodes, limit: budget) else {
                throw Failure(description: "the patch would make the document larger than \(maximumAddedNodes) added values or deeper than \(maximumDepth) levels")
            }
            budget -= nodes
        }
        guard case .object = operation, let name = operation["op"]?.stringValue else {
            throw Failure(description: "must be an object with an \"op\" string")
        }
        let path = try pointer(operation, "path")
        switch name {
        case "add":
            let added = try value(operation)
            try charge(added, at: path)
            try add(added, at: path, in: &document)
        case "remove": _ = try remove(at: path, in: &document)
        case "replace":
            let added = try value(operation)
            try charge(added, at: path)
            _ = try remove(at: path, in: &document)
            try add(added, at: path, in: &document)
        case "move":
            let from = try pointer(operation, "from")
            if path.count > from.count, Array(path.prefix(from.count)) == from {
                throw Failure(description: "cannot move a value into itself")
            }
            let moved = try remove(at: from, in: &document)
            // Nothing new, but the value may land deeper.
            var nodes = 0
            guard measure(moved, depth: path.count, nodes: &nodes, limit: Int.max) else {
                throw Failure(description: "the patch would make the document deeper than \(maximumDepth) levels")
            }
            try add(moved, at: path, in: &document)
        case "copy":
            let from = try pointer(operation, "from")
            let copied = try find(from, in: document)
            try charge(copied, at: path)
            try add(copied, at: path, in: &document)
        case "test":
            guard try find(path, in: document) == (try value(operation)) else { throw Failure(description: "test failed at \(text(path))") }
        default: throw Failure(description: "unknown op \"\(name)\"")
        }
    }

    /// Counts the values of `value` into `nodes`; false as soon as they pass `limit` or the depth passes
    /// ``maximumDepth`` (so the walk never goes further than either).
    private static func measure(_ value: JSONValue, depth: Int, nodes: inout Int, limit: Int) -> Bool {
        nodes += 1
        guard nodes <= limit, depth <= maximumDepth else { return false }
        switch value {
        case .array(let items):
            for item in items where !measure(item, depth: depth + 1, nodes: &nodes, limit: limit) { return false }
        case .object(let members):
            for member in members.values where !measure(member, depth: depth + 1, nodes: &nodes, limit: limit) { return false }
        default: break
        }
        return true
    }

    private static func value(_ operation: JSONValue) throws(Failure) -> JSONValue {
        guard case .object(let members) = operation, let value = members["value"] else { throw Failure(description: "needs a \"value\"") }
        return value
    }

    /// The reference tokens of a JSON Pointer member (RFC 6901 §3–4).
    private static func pointer(_ operation: JSONValue, _ member: String) throws(Failure) -> [String] {
        guard let text = operation[member]?.stringValue else { throw Failure(description: "needs a \"\(member)\" pointer") }
        if text.isEmpty { return [] }
        guard text.hasPrefix("/") else { throw Failure(description: "\(member) \"\(text)\" must start with /") }
        // As deep as a parsed document can be, so that walking a pointer stays shallow.
        guard text.utf8.count(where: { $0 == UInt8(ascii: "/") }) <= maximumDepth else {
            throw Failure(description: "\(member) is deeper than \(maximumDepth) levels")
        }
        return text.dropFirst().split(separator: "/", omittingEmptySubsequences: false).map {
            $0.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
        }
    }

    private static func text(_ path: [String]) -> String {
        path.isEmpty ? "the root" : path.map { "/" + $0.replacingOccurrences(of: "~", with: "~0").replacingOccurrences(of: "/", with: "~1") }.joined()
    }

    private static func index(_ token: String, count: Int, allowingEnd: Bool) -> Int? {
        if allowingEnd, token == "-" { return count }
        // No sign, no leading zero (RFC 6901 §4), within the array.
        guard !token.isEmpty, token.allSatisfy(\.isASCII), token.allSatisfy(\.isNumber), token == "0" || !token.hasPrefix("0"),
            let value = Int(token), value <= (allowingEnd ? count : count - 1)
        else { return nil }
        return value
    }

    private static func find(_ path: [String], in document: JSONValue) throws(Failure) -> JSONValue {
        var current = document
        for token in path {
            switch current {
            case .object(let members):
                guard let next = members[token] else { throw Failure(description: "\(text(path)) does not exist") }
                current = next
            case .array(let items):
                guard let position = index(token, count: items.count, allowingEnd: false) else {
                    throw Failure(description: "\(text(path)) does not exist")
                }
                current = items[position]
            default: throw Failure(description: "\(text(path)) does not exist")
            }
        }
        return current
    }

    private static func add(_ value: JSONValue, at path: [String], in document: inout JSONValue) throws(Failure) {
        guard let last = path.last else {
            document = value
            return
        }
        try change(Array(path.dropLast()), full: path, in: &document) { (parent: inout JSONValue) throws(Failure) in
            switch parent {
            case .object(var members):
                members[last] = value
                parent = .object(members)
            case .array(var items):
                guard let position = index(last, count: items.count, allowingEnd: true) else {
                    throw Failure(description: "\(text(path)) is not an index of the array")
                }
                items.insert(value, at: position)
                parent = .array(items)
            default: throw Failure(description: "the parent of \(text(path)) is not an object or an array")
            }
        }
    }

    private static func remove(at path: [String], in document: inout JSONValue) throws(Failure) -> JSONValue {
        guard let last = path.last else { throw Failure(description: "cannot remove the root") }
        var removed = JSONValue.null
        try change(Array(path.dropLast()), full: path, in: &document) { (parent: inout JSONValue) throws(Failure) in
            switch parent {
            case .object(var members):
                guard let value = members.removeValue(forKey: last) else { throw Failure(description: "\(text(path)) does not exist") }
                removed = value
                parent = .object(members)
            case .array(var items):
                guard let position = index(last, count: items.count, allowingEnd: false) else {
                    throw Failure(description: "\(text(path)) does not exist")
                }
                removed = items.remove(at: position)
                parent = .array(items)
            default: throw Failure(description: "\(text(path)) does not exist")
            }
        }
        return removed
    }

    /// Runs `body` on the value at `path` in place.
    private static func change(
        _ path: [String], full: [String], in document: inout JSONValue, _ body: (inout JSONValue) throws(Failure) -> Void
    ) throws(Failure) {
        guard let first = path.first else {
            try body(&document)
            return
        }
        let rest = Array(path.dropFirst())
        switch document {
        case .object(var members):
            guard var child = members[first] else { throw Failure(description: "the parent of \(text(full)) does not exist") }
            try change(rest, full: full, in: &child, body)
            members[first] = child
            document = .object(members)
        case .array(var items):
            guard let position = index(first, count: items.count, allowingEnd: false) else {
                throw Failure(description: "the parent of \(text(full)) does not exist")
            }
            try change(rest, full: full, in: &items[position], body)
            document = .array(items)
        default: throw Failure(description: "the parent of \(text(full)) does not exist")
        }
    }
}
