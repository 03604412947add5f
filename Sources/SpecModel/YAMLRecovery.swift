import Yams

/// Composes a spec file so that what YAML itself rejects in one place does not hide the problems of the rest.
///
/// Yams stops at the first problem. Each one it reports is repaired in a copy of the text, and the copy is
/// composed again: a key written twice in one mapping keeps its first occurrence (the second is renamed
/// out of the way and reported with both positions); a line indented with tabs is indented with spaces; any
/// other line YAML cannot read is blanked. Lines are never added or removed, and ``LineEdits`` maps the
/// columns of an edited line back, so every position reported is the position in the file.
struct YAMLRecovery {
    /// Renamed second occurrences of a key start with this; ``YAMLNode/pairs`` leaves them out.
    static let ignoredKeyPrefix = "specgen-ignored-duplicate-"
    /// Bounds the work on a file that is not YAML at all: each repair composes the file again.
    static let maximumDuplicateRepairs = 50
    static let maximumTabRepairs = 200
    static let maximumLineRepairs = 5

    struct Outcome {
        var root: Node?
        var edits = LineEdits()
        var diagnostics = Diagnostics()
        /// Lines were blanked or composing gave up: what the file defines may be incomplete.
        var isPartial = false
    }

    let file: String
    private var lines: [[Unicode.Scalar]]
    private var edits = LineEdits()

    init(file: String, text: String) {
        self.file = file
        // Split on scalars: a Character would take "\r\n" as one, and a CRLF file as one line.
        self.lines = text.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false).map { Array($0) }
    }

    /// The tags the spec reader tells apart (booleans, numbers, null). Yams resolves every mapping key to
    /// check it for duplicates, trying each rule's pattern in turn; so the first rule settles the common
    /// case, a word that starts with a letter and is none of YAML's boolean or null words, which no number
    /// pattern can match. Yams's timestamp rule is left out: the spec reader has no timestamps.
    static let resolver: Resolver = {
        let base = Resolver.default.removing(.timestamp).removing(.value)
        let words = try? Resolver.Rule(
            .str, "^(?!(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF|null|Null|NULL)$)[A-Za-z_]")
        guard let words else { return base }
        return base.rules.reduce(Resolver.basic.appending(words)) { $0.appending($1) }
    }()

    static func compose(file: String, text: String) -> Outcome {
        // Most files are valid: compose them once, and split them into lines only to repair one that is not.
        do {
            var outcome = Outcome()
            outcome.root = try Yams.compose(yaml: text, Self.resolver)
            return outcome
        } catch {
            var recovery = YAMLRecovery(file: file, text: text)
            return recovery.compose(first: text)
        }
    }

    private mutating func compose(first text: String) -> Outcome {
        var outcome = Outcome()
        var duplicateRepairs = 0
        var tabRepairs = 0
        var lineRepairs = 0
        var text = text
        while true {
            do {
                outcome.root = try Yams.compose(yaml: text, Self.resolver)
                outcome.edits = edits
                return outcome
            } catch YamlError.duplicatedKeysInMapping(let duplicates, let context) {
                let first = location(context.mark)
                guard let key = duplicates.first, duplicateRepairs < Self.maximumDuplicateRepairs,
                    let second = secondOccurrence(of: key, after: context.mark)
                else {
                    outcome.diagnostics.error(
                        .yamlDuplicateKey, "key '\(duplicates.joined(separator: "', '"))' appears more than once in the same mapping",
                        at: first, hint: "keep one of them")
                    outcome.isPartial = true
                    return outcome
                }
                duplicateRepairs += 1
                outcome.diagnostics.error(
                    .yamlDuplicateKey, "key '\(key)' appears twice in the same mapping; the first, at \(first), is the one read",
                    at: location(line: second.line, column: second.column), hint: "remove or rename one of them")
                ignoreKey(at: second)
            } catch let error as YamlError {
                guard case .some((let problem, let mark)) = Self.problem(of: error), mark.line >= 1, mark.line <= lines.count else {
                    outcome.diagnostics.error(.yamlSyntax, "invalid YAML: \(error)", at: location(line: 1, column: 1))
                    outcome.isPartial = true
                    return outcome
                }
                let index = mark.line - 1
                if let tab = leadingTabColumn(index), tabRepairs < Self.maximumTabRepairs {
                    tabRepairs += 1
                    outcome.diagnostics.error(
                        .yamlTab, "this line is indented with a tab; YAML indents with spaces only",
                        at: location(line: mark.line, column: tab), hint: "replace the tab with spaces")
                    expandLeadingTabs(index)
                } else {
                    let repairable = lines[index].contains { $0 != " " && $0 != "\r" && $0 != "\t" }
                    // A complaint on a line with nothing to blank (the end of the file) after one already
                    // reported is the earlier problem running on, an unclosed bracket say: it adds only noise.
                    if !repairable, outcome.diagnostics.hasErrors {
                        outcome.isPartial = true
                        return outcome
                    }
                    outcome.diagnostics.error(.yamlSyntax, "invalid YAML: \(problem)", at: location(mark))
                    lineRepairs += 1
                    guard repairable, lineRepairs <= Self.maximumLineRepairs else {
                        // Blanking cannot help, or has not: the rest of the file is unreadable.
                        outcome.isPartial = true
                        return outcome
                    }
                    lines[index] = []
                    outcome.isPartial = true
                }
            } catch {
                outcome.diagnostics.error(.yamlSyntax, "cannot read YAML: \(error)", at: location(line: 1, column: 1))
                outcome.isPartial = true
                return outcome
            }
            text = lines.map { String(String.UnicodeScalarView($0)) }.joined(separator: "\n")
        }
    }

    private static func problem(of error: YamlError) -> (String, Mark)? {
        switch error {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            return (context.map { "\(problem) \($0.text)" } ?? problem, mark)
        default:
            return nil
        }
    }

    private func location(_ mark: Mark) -> SourceLocation { location(line: mark.line, column: mark.column) }

    private func location(line: Int, column: Int) -> SourceLocation {
        SourceLocation(file: file, line: line, column: edits.originalColumn(line: line, column: column))
    }

    /// Indents a line with spaces instead of tabs, a tab reaching the next multiple of 8 columns as YAML's
    /// own tab stops do: a file indented with tabs throughout keeps its shape.
    private mutating func expandLeadingTabs(_ index: Int) {
        let line = lines[index]
        let leading = line.prefix { $0 == " " || $0 == "\t" }
        var width = 0
        for scalar in leading { width = scalar == "\t" ? (width / 8 + 1) * 8 : width + 1 }
        lines[index] = Array(repeating: " ", count: width) + line.dropFirst(leading.count)
        edits.record(line: index + 1, column: 1, oldLength: leading.count, newLength: width)
    }

    /// The column of a tab among the spaces that start a line, if there is one.
    private func leadingTabColumn(_ index: Int) -> Int? {
        for (offset, scalar) in lines[index].enumerated() {
            if scalar == "\t" { return offset + 1 }
            if scalar != " " { return nil }
        }
        return nil
    }

    /// Where the next occurrence of `key` in the mapping whose key at `first` it duplicates is written (1-based).
    ///
    /// In block style the mapping's keys start in the column of the first one, on later lines, until a line
    /// starts further left; in flow style (`{ a: 1, a: 2 }`) a key follows `{` or `,`.
    private func secondOccurrence(of key: String, after first: Mark) -> (line: Int, column: Int)? {
        let column = first.column - 1
        var index = first.line
        while index < lines.count {
            let line = lines[index]
            let indent = line.prefix { $0 == " " }.count
            let isBlank = indent == line.count || line[indent] == "#" || line[indent] == "\r"
            if !isBlank {
                if indent < column { break }
                if indent == column, keyMatches(key, in: line, at: column) { return (index + 1, column + 1) }
            }
            index += 1
        }
        return flowOccurrence(of: key, after: first)
    }

    private func flowOccurrence(of key: String, after first: Mark) -> (line: Int, column: Int)? {
        var index = first.line - 1
        var start = first.column - 1  // the first occurrence itself, so a quoted one is read as quoted
        var quote: Unicode.Scalar?
        while index < lines.count {
            let line = lines[index]
            var position = start
            while position < line.count {
                // Inside a quoted string, braces and commas are text.
                if let open = quote {
                    if line[position] == "\\", open == "\"" {
                        position += 2
                        continue
                    }
                    if line[position] == open { quote = nil }
                    position += 1
                    continue
                }
                if line[position] == "\"" || line[position] == "'" {
                    quote = line[position]
                    position += 1
                    continue
                }
                if line[position] == "{" || line[position] == "," {
                    var keyStart = position + 1
                    while keyStart < line.count, line[keyStart] == " " { keyStart += 1 }
                    if keyMatches(key, in: line, at: keyStart) { return (index + 1, keyStart + 1) }
                }
                position += 1
            }
            index += 1
            start = 0
        }
        return nil
    }

    /// Whether `line` holds `key` at `column` (plain or quoted), followed by `:`.
    private func keyMatches(_ key: String, in line: [Unicode.Scalar], at column: Int) -> Bool {
        let written = Array(key.unicodeScalars)
        for quote in [nil, "\"", "'"] as [Unicode.Scalar?] {
            var position = column
            if let quote {
                guard position < line.count, line[position] == quote else { continue }
                position += 1
            }
            guard position + written.count <= line.count, Array(line[position..<position + written.count]) == written else { continue }
            position += written.count
            if let quote {
                guard position < line.count, line[position] == quote else { continue }
                position += 1
            }
            while position < line.count, line[position] == " " { position += 1 }
            if position < line.count, line[position] == ":" { return true }
        }
        return false
    }

    /// Renames the key at `position` so that it no longer duplicates the first, inside its quotes if it has them.
    private mutating func ignoreKey(at position: (line: Int, column: Int)) {
        var offset = position.column - 1
        let line = lines[position.line - 1]
        if offset < line.count, line[offset] == "\"" || line[offset] == "'" { offset += 1 }
        lines[position.line - 1].insert(contentsOf: Self.ignoredKeyPrefix.unicodeScalars, at: offset)
        edits.record(line: position.line, column: offset + 1, oldLength: 0, newLength: Self.ignoredKeyPrefix.unicodeScalars.count)
    }
}

/// The edits YAMLRecovery made to lines, to turn a column in the edited text back into the column in the file.
struct LineEdits: Sendable {
    private struct Edit: Sendable {
        var column: Int
        var oldLength: Int
        var newLength: Int
    }

    private var edits: [Int: [Edit]] = [:]

    /// `oldLength` characters at `column` (1-based, in the text as it was then) became `newLength` characters.
    mutating func record(line: Int, column: Int, oldLength: Int, newLength: Int) {
        edits[line, default: []].append(Edit(column: column, oldLength: oldLength, newLength: newLength))
    }

    func originalColumn(line: Int, column: Int) -> Int {
        guard let lineEdits = edits[line] else { return column }
        var column = column
        for edit in lineEdits.reversed() {
            if column >= edit.column + edit.newLength {
                column += edit.oldLength - edit.newLength
            } else if column > edit.column {
                column = edit.column
            }
        }
        return column
    }
}
