import SpecRuntime
import Testing

@testable import WarrantEngine

/// JSON Patch (RFC 6902) with the examples of its appendix A, and what must fail.
@Suite struct JSONPatchTests {
    static func patched(_ document: String, _ patch: String) throws -> JSONValue {
        try JSONPatch.apply(patch, to: try JSONValue(parsing: document))
    }

    static func failure(_ document: String, _ patch: String) throws -> String? {
        let parsed = try JSONValue(parsing: document)
        do {
            _ = try JSONPatch.apply(patch, to: parsed)
            return nil
        } catch {
            return error.description
        }
    }

    @Test(arguments: [
        // A.1–A.6, A.7, A.10, A.14, A.16 of RFC 6902.
        (#"{"foo": "bar"}"#, #"[{"op": "add", "path": "/baz", "value": "qux"}]"#, #"{"baz": "qux", "foo": "bar"}"#),
        (#"{"foo": ["bar", "baz"]}"#, #"[{"op": "add", "path": "/foo/1", "value": "qux"}]"#, #"{"foo": ["bar", "qux", "baz"]}"#),
        (#"{"baz": "qux", "foo": "bar"}"#, #"[{"op": "remove", "path": "/baz"}]"#, #"{"foo": "bar"}"#),
        (#"{"foo": ["bar", "qux", "baz"]}"#, #"[{"op": "remove", "path": "/foo/1"}]"#, #"{"foo": ["bar", "baz"]}"#),
        (#"{"baz": "qux", "foo": "bar"}"#, #"[{"op": "replace", "path": "/baz", "value": "boo"}]"#, #"{"baz": "boo", "foo": "bar"}"#),
        (
            #"{"foo": {"bar": "baz", "waldo": "fred"}, "qux": {"corge": "grault"}}"#,
            #"[{"op": "move", "from": "/foo/waldo", "path": "/qux/thud"}]"#,
            #"{"foo": {"bar": "baz"}, "qux": {"corge": "grault", "thud": "fred"}}"#
        ),
        (#"{"foo": ["all", "grass", "cows", "eat"]}"#, #"[{"op": "move", "from": "/foo/1", "path": "/foo/3"}]"#, #"{"foo": ["all", "cows", "eat", "grass"]}"#),
        (#"{"foo": "bar"}"#, #"[{"op": "add", "path": "/child", "value": {"grandchild": {}}}]"#, #"{"foo": "bar", "child": {"grandchild": {}}}"#),
        (#"{"/": 9, "~1": 10}"#, #"[{"op": "test", "path": "/~01", "value": 10}, {"op": "remove", "path": "/~1"}]"#, #"{"~1": 10}"#),
        (#"{"foo": ["bar"]}"#, #"[{"op": "add", "path": "/foo/-", "value": ["abc", "def"]}]"#, #"{"foo": ["bar", ["abc", "def"]]}"#),
        (#"{"a": 1}"#, #"[{"op": "add", "path": "", "value": [1]}]"#, "[1]"),
    ])
    func appliesTheRFCsExamples(_ document: String, _ patch: String, _ expected: String) throws {
        #expect(try Self.patched(document, patch) == (try JSONValue(parsing: expected)))
    }

    @Test func refusesWhatTheRFCRefusesAndChangesNothing() throws {
        #expect(try Self.failure(#"{"foo": "bar"}"#, #"[{"op": "add", "path": "/baz/bat", "value": "qux"}]"#) == "operation 0: the parent of /baz/bat does not exist")
        #expect(try Self.failure(#"{"baz": "qux"}"#, #"[{"op": "test", "path": "/baz", "value": "bar"}]"#) == "operation 0: test failed at /baz")
        #expect(try Self.failure(#"{"foo": [1]}"#, #"[{"op": "remove", "path": "/foo/01"}]"#) == "operation 0: /foo/01 does not exist")
        #expect(try Self.failure(#"{"foo": [1]}"#, #"[{"op": "add", "path": "/foo/2", "value": 0}]"#) == "operation 0: /foo/2 is not an index of the array")
        #expect(try Self.failure(#"{}"#, #"[{"op": "add", "path": "a", "value": 0}]"#) == "operation 0: path \"a\" must start with /")
        #expect(try Self.failure(#"{}"#, #"[{"op": "add", "path": "/a"}]"#) == "operation 0: needs a \"value\"")
        #expect(try Self.failure(#"{}"#, #"[{"op": "remove", "path": ""}]"#) == "operation 0: cannot remove the root")
        #expect(try Self.failure(#"{}"#, "[" + Array(repeating: #"{"op": "test", "path": "", "value": {}}"#, count: 1001).joined(separator: ",") + "]")
            == "holds 1001 operations; at most 1000")
        // Copies that double the document each time, or nest it deeper each time, stop at the budget.
        let doubling = "[" + (0..<40).map { #"{"op": "copy", "from": "", "path": "/c\#($0)"}"# }.joined(separator: ",") + "]"
        #expect(try Self.failure(#"{"a": [1, 2, 3, 4, 5, 6, 7, 8]}"#, doubling)?.contains("larger than 100000 added values") == true)
        let nested = String(repeating: "[", count: 509) + String(repeating: "]", count: 509)
        let deepening = #"[{"op": "add", "path": "/a/b/c/d/e", "value": "# + nested + "}]"
        #expect(try Self.failure(#"{"a": {"b": {"c": {"d": {}}}}}"#, deepening)?.contains("deeper than 512 levels") == true)
    }
}
