/// A position in a spec file: 1-based line and column, as editors count them.
public struct SourceLocation: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var column: Int

    public init(file: String, line: Int, column: Int) {
        self.file = file
        self.line = line
        self.column = column
    }

    public var description: String { "\(file):\(line):\(column)" }

    public static func < (lhs: SourceLocation, rhs: SourceLocation) -> Bool {
        (lhs.file, lhs.line, lhs.column) < (rhs.file, rhs.line, rhs.column)
    }
}

/// One problem found in a spec, printed the way compilers print them so editors can jump to it.
public struct Diagnostic: Hashable, Sendable, CustomStringConvertible {
    public enum Severity: String, Sendable {
        case error
        case warning
    }

    public var severity: Severity
    public var location: SourceLocation
    public var message: String
    /// What to write instead, when we can tell.
    public var hint: String?
    /// The ID of the ``Rule`` that found it.
    public var rule: String
    /// The element it is about, as lint settings name it (`Account`, `Account.nick`, `getAccount`), when there is one.
    public var element: String?

    public init(
        _ severity: Severity, _ message: String, at location: SourceLocation, hint: String? = nil, rule: String,
        element: String? = nil
    ) {
        self.severity = severity
        self.message = message
        self.location = location
        self.hint = hint
        self.rule = rule
        self.element = element
    }

    public var description: String {
        let text = "\(location): \(severity.rawValue): \(message)"
        guard let hint else { return text }
        return "\(text); \(hint)"
    }
}

/// Collects every problem of a run so they can be reported at once.
public struct Diagnostics: Sendable {
    public private(set) var all: [Diagnostic] = []

    public init() {}

    public init(_ all: [Diagnostic]) {
        self.all = all
    }

    public mutating func append(_ other: Diagnostics) {
        all += other.all
    }

    public var hasErrors: Bool { all.contains { $0.severity == .error } }

    public mutating func append(_ diagnostic: Diagnostic) {
        all.append(diagnostic)
    }

    /// A problem found by a correctness rule: always an error.
    mutating func error(_ rule: Rule, _ message: String, at location: SourceLocation, hint: String? = nil) {
        all.append(Diagnostic(.error, message, at: location, hint: hint, rule: rule.id))
    }

    /// A problem found by a style rule, at the rule's default severity (lint settings may change it later).
    mutating func advise(
        _ rule: Rule, _ message: String, element: String, at location: SourceLocation, hint: String? = nil
    ) {
        all.append(Diagnostic(rule.defaultSeverity ?? .warning, message, at: location, hint: hint, rule: rule.id, element: element))
    }

    /// Diagnostics in file order, so output reads top to bottom.
    public var sorted: [Diagnostic] {
        all.enumerated().sorted { lhs, rhs in
            lhs.element.location == rhs.element.location ? lhs.offset < rhs.offset : lhs.element.location < rhs.element.location
        }.map(\.element)
    }
}

/// Thrown when a spec has errors; carries every diagnostic of the run.
public struct SpecError: Error, CustomStringConvertible {
    public var diagnostics: [Diagnostic]

    public init(diagnostics: [Diagnostic]) {
        self.diagnostics = diagnostics
    }

    public var description: String { diagnostics.map(\.description).joined(separator: "\n") }
}

/// Suggests the closest known word for a misspelt one ("did you mean …").
enum Suggestion {
    static func hint(for word: String, among candidates: some Sequence<String>) -> String? {
        guard let best = closest(to: word, among: candidates) else { return nil }
        return "did you mean '\(best)'?"
    }

    static func closest(to word: String, among candidates: some Sequence<String>) -> String? {
        let lowered = word.lowercased()
        var best: (name: String, distance: Int)?
        for candidate in candidates {
            let distance = editDistance(lowered, candidate.lowercased())
            if distance < (best?.distance ?? Int.max) { best = (candidate, distance) }
        }
        guard let best else { return nil }
        // Allow roughly one edit per three characters; beyond that the guess is noise.
        return best.distance <= max(1, min(word.count, best.name.count) / 3) ? best.name : nil
    }

    /// Edits (insert, delete, substitute, swap two neighbours) that turn one word into the other.
    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var table = [[Int]](repeating: [Int](repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in 0...a.count { table[i][0] = i }
        for j in 0...b.count { table[0][j] = j }
        for i in 1...a.count {
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                table[i][j] = min(table[i - 1][j] + 1, table[i][j - 1] + 1, table[i - 1][j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    table[i][j] = min(table[i][j], table[i - 2][j - 2] + 1)
                }
            }
        }
        return table[a.count][b.count]
    }
}
