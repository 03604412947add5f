@testable import SpecModel
import Testing
import Yams

/// What YAML itself rejects in one place does not hide the problems of the rest of the file, or of other files.
@Suite struct YAMLRecoveryTests {
    static func errors(_ sources: [(file: String, text: String)]) -> [String] {
        SpecLoader.load(sources: sources.map { ($0.file, String($0.file.dropLast(5)), $0.text) }).errors.map {
            "\($0.description) [\($0.rule)]"
        }
    }

    /// The spec reader's resolver settles plain words with one pattern; every scalar still gets the tag that
    /// Yams's own rules give it, YAML's boolean and null words and numbers included.
    @Test(arguments: [
        "name", "structures", "x-extension", "_private", "yesterday", "only", "nullable", "Offset", "y", "n",
        "yes", "Yes", "YES", "no", "NO", "on", "On", "OFF", "true", "False", "TRUE", "null", "Null", "NULL", "~", "",
        "0", "200", "-1", "+7", "0x1F", "0o17", "1_000", "1.5", "-2.5e3", ".5", ".inf", "-.Inf", ".nan", "<<",
        "application/json", "2024-01-01", "=", "a b", "é",
    ])
    func scalarsResolveAsYamsResolvesThem(_ text: String) {
        let yams = Resolver.default.removing(.timestamp).removing(.value)
        let node = Node(text, Tag(.implicit))
        #expect(YAMLRecovery.resolver.resolveTag(of: node) == yams.resolveTag(of: node), "\(text)")
    }

    static let info = "info: { title: T, version: '1' }\n"

    /// A structure written twice, and four other mistakes in the same file: all five are reported, the
    /// duplicate with both positions, and the first `Thing` is the one checked.
    @Test func aDuplicatedKeyDoesNotHideTheOtherErrors() {
        let yaml = Self.info + """
            structures:
              Thing:
                description: The first.
                fields:
                  name: { type: strng, description: A typo. }
                  count: { type: int64, maxLength: 3, description: A string constraint on a number. }
                  code: { type: string, pattern: "[a-z", description: An unclosed bracket. }
                  size: { type: int32, minimum: 10, maximum: 2, description: An empty range. }
              Thing:
                description: The second.
                fields:
                  other: { type: nothing }
            endpoints:
              getThing:
                description: Reads a thing.
                method: GET
                path: /thing
                response: Thing
            """
        #expect(
            Self.errors([("api.yaml", yaml)]) == [
                "api.yaml:6:21: error: unknown type 'strng'; did you mean 'string'? [unknown-type]",
                "api.yaml:7:29: error: 'maxLength' does not apply to field 'count' of 'Thing' of type int64; 'maxLength' needs a string [constraint-type]",
                "api.yaml:8:29: error: 'pattern' of field 'code' of 'Thing' is not a valid regular expression: [a-z; check brackets, parentheses and escapes [constraint-pattern]",
                "api.yaml:9:28: error: minimum 10 is greater than maximum 2 in field 'size' of 'Thing' [constraint-range]",
                "api.yaml:10:3: error: key 'Thing' appears twice in the same mapping; the first, at api.yaml:3:3, is the one read; remove or rename one of them [yaml-duplicate-key]",
            ])
    }

    @Test func everyRepeatOfAKeyIsReportedInBlockAndFlowMappings() {
        let yaml = Self.info + """
            structures:
              A:
                description: a
                description: again
                fields: { x: { type: string, description: x, description: y }, x: string }
            """
        #expect(
            Self.errors([("api.yaml", yaml)]) == [
                "api.yaml:5:5: error: key 'description' appears twice in the same mapping; the first, at api.yaml:4:5, is the one read; remove or rename one of them [yaml-duplicate-key]",
                "api.yaml:6:50: error: key 'description' appears twice in the same mapping; the first, at api.yaml:6:34, is the one read; remove or rename one of them [yaml-duplicate-key]",
                "api.yaml:6:68: error: key 'x' appears twice in the same mapping; the first, at api.yaml:6:15, is the one read; remove or rename one of them [yaml-duplicate-key]",
            ])
    }

    /// A tab among the spaces of an indentation is reported, read as spaces, and the rest of the file checked.
    @Test func aTabIndentIsReportedAndTheRestIsChecked() {
        let yaml = Self.info + "structures:\n  A:\n    description: a\n    fields:\n\t\tb: { type: strng, description: b }\n"
        #expect(
            Self.errors([("api.yaml", yaml)]) == [
                "api.yaml:6:1: error: this line is indented with a tab; YAML indents with spaces only; replace the tab with spaces [yaml-tab]",
                "api.yaml:6:14: error: unknown type 'strng'; did you mean 'string'? [unknown-type]",
            ])
    }

    /// A line YAML cannot place is reported and left out; the lines around it are still checked, and so is
    /// every other file.
    @Test func aBadlyIndentedLineIsLeftOutAndTheRestIsChecked() {
        let broken = Self.info + """
            structures:
              A:
                description: a
                fields:
                  a: { type: string, description: a }
                 b: { type: string, description: b }
                  c: { type: strng, description: c }
            """
        let other = """
            structures:
              B:
                description: b
                fields:
                  d: { type: int32, minLength: 1, description: d }
            """
        let errors = Self.errors([("a.yaml", broken), ("b.yaml", other)])
        #expect(errors.count == 3)
        #expect(errors.first?.hasPrefix("a.yaml:7:6: error: invalid YAML:") == true)
        #expect(errors.first?.hasSuffix("[yaml-syntax]") == true)
        #expect(errors.dropFirst().elementsEqual([
            "a.yaml:8:18: error: unknown type 'strng'; did you mean 'string'? [unknown-type]",
            "b.yaml:5:25: error: 'minLength' does not apply to field 'd' of 'B' of type int32; 'minLength' needs a string [constraint-type]",
        ]))
    }

    /// A file that YAML cannot read at all (an unclosed quote runs to its end) still lets the others be checked.
    @Test func anUnreadableFileDoesNotStopTheOthers() {
        let errors = Self.errors([
            ("a.yaml", Self.info + "structures:\n  A:\n    description: \"never closed\n"),
            ("b.yaml", "structures:\n  B:\n    description: b\n    fields:\n      x: { type: strng, description: x }\n"),
        ])
        #expect(errors.count == 2)
        #expect(errors.first?.hasPrefix("a.yaml:") == true && errors.first?.hasSuffix("[yaml-syntax]") == true)
        #expect(errors.last == "b.yaml:5:18: error: unknown type 'strng'; did you mean 'string'? [unknown-type]")
    }

    /// A file with Windows line endings is read line by line like any other.
    @Test func crlfFilesAreRecoveredLineByLine() {
        let yaml = (Self.info + "structures:\n  A:\n    description: a\n    fields:\n\tb: { type: strng, description: b }\n")
            .replacingOccurrences(of: "\n", with: "\r\n")
        #expect(
            Self.errors([("api.yaml", yaml)]) == [
                "api.yaml:6:1: error: this line is indented with a tab; YAML indents with spaces only; replace the tab with spaces [yaml-tab]",
                "api.yaml:6:13: error: unknown type 'strng'; did you mean 'string'? [unknown-type]",
            ])
    }

    /// Two mistakes that read alike are two mistakes; only a complaint with nothing left to blank ends it.
    @Test func repeatedSyntaxErrorsAreEachReported() {
        let yaml = Self.info + "structures:\n  A:\n    description: @a\n  B:\n    description: @b\n"
        let errors = Self.errors([("api.yaml", yaml)])
        #expect(errors.count == 2)
        #expect(errors.map { $0.prefix(10) } == ["api.yaml:4", "api.yaml:6"])
    }

    /// More tab-indented lines than other repairs allow are all reported, and the file still read.
    @Test func manyTabIndentedLinesAreAllReported() {
        let fields = (0..<8).map { "\t\tf\($0): { type: string, description: f }" }.joined(separator: "\n")
        let yaml = Self.info + "structures:\n  A:\n    description: a\n    fields:\n" + fields + "\n\t\tg: { type: strng, description: g }\n"
        let errors = Self.errors([("api.yaml", yaml)])
        #expect(errors.filter { $0.hasSuffix("[yaml-tab]") }.count == 9)
        #expect(errors.last == "api.yaml:14:14: error: unknown type 'strng'; did you mean 'string'? [unknown-type]")
    }

    /// Braces and commas inside a quoted string are text, not the start of a repeated key.
    @Test func quotedTextInAFlowMappingIsNotAKey() {
        let yaml = Self.info + "structures:\n  A: { description: a, fields: { b: { type: string, description: \"x, b: y\" }, b: int32 } }\n"
        #expect(
            Self.errors([("api.yaml", yaml)]) == [
                "api.yaml:3:79: error: key 'b' appears twice in the same mapping; the first, at api.yaml:3:34, is the one read; remove or rename one of them [yaml-duplicate-key]"
            ])
    }
}
