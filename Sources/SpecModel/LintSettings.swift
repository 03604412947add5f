import Foundation
import Yams

/// What a spec's lint settings change: the severity of style rules (or off), their options, and waivers
/// for single elements. They are the `lint` section of a target's `specgen.json`:
///
/// ```json
/// "lint": {
///   "rules": { "description-missing": "error", "naming-field": { "severity": "warning", "style": "snake_case" } },
///   "ignore": [ { "rule": "unused-type", "element": "Legacy*", "reason": "kept for old clients" } ]
/// }
/// ```
///
/// Correctness rules stay errors: generation depends on them, so they can be neither lowered nor waived.
public struct LintSettings: Sendable {
    public enum Level: String, Sendable, CaseIterable {
        case off, warning, error
    }

    /// One element excused from one rule, with the reason a reviewer reads.
    public struct Waiver: Sendable {
        public var rule: String
        /// An element name (`Account.nick`); `*` stands for any run of characters.
        public var element: String
        public var reason: String
        public var source: SourceLocation
    }

    public private(set) var levels: [String: Level] = [:]
    public private(set) var options: [String: [String: String]] = [:]
    public private(set) var waivers: [Waiver] = []

    public init() {}

    /// Options each style rule takes, with the values they allow.
    static let ruleOptions: [String: [String: [String]]] = [
        Rule.namingField.id: ["style": NamingStyle.allCases.map(\.rawValue)],
        Rule.namingStructure.id: ["style": NamingStyle.allCases.map(\.rawValue)],
        Rule.namingEnumValue.id: ["style": NamingStyle.allCases.map(\.rawValue)],
        Rule.namingPath.id: ["style": NamingStyle.allCases.map(\.rawValue)],
    ]

    public func option(_ name: String, of rule: Rule) -> String? { options[rule.id]?[name] }

    /// The severity a diagnostic of `rule` gets; nil when the rule is off.
    public func severity(of rule: Rule) -> Diagnostic.Severity? {
        guard rule.kind == .style, let level = levels[rule.id] else { return rule.defaultSeverity }
        switch level {
        case .off: return nil
        case .warning: return .warning
        case .error: return .error
        }
    }

    // MARK: Reading

    /// Reads the `lint` section of a specgen.json, reporting every problem in it with its position.
    public static func load(configuration path: String) -> (settings: LintSettings, diagnostics: [Diagnostic]) {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            return (
                LintSettings(),
                [Diagnostic(.error, "cannot read the configuration", at: SourceLocation(file: path, line: 1, column: 1), rule: Rule.lintSettings.id)]
            )
        }
        return parse(configuration: text, file: path)
    }

    public static func parse(configuration text: String, file: String) -> (settings: LintSettings, diagnostics: [Diagnostic]) {
        var reader = SettingsReader(file: file)
        let settings = reader.read(text)
        return (settings, reader.reader.diagnostics.sorted)
    }

    private struct SettingsReader {
        let file: String
        var reader = NodeReader()
        var settings = LintSettings()

        init(file: String) { self.file = file }

        mutating func read(_ text: String) -> LintSettings {
            let root: Node?
            do {
                root = try Yams.compose(yaml: text)
            } catch {
                reader.diagnostics.error(.lintSettings, "not valid JSON: \(error)", at: SourceLocation(file: file, line: 1, column: 1))
                return settings
            }
            guard let root, let top = YAMLNode(node: root, file: file).pairs else { return settings }
            // Other keys (spec, templates) belong to the build plugin; only `lint` is read here.
            guard let lint = top.first(where: { $0.key.scalar == "lint" })?.value else { return settings }
            guard let entries = reader.entries(of: lint, in: "'lint'", allowed: ["rules", "ignore"], rule: .lintSettings) else {
                return settings
            }
            if let rules = entries["rules"], let pairs = reader.mapping(rules.value, in: "'rules'") {
                for (key, value) in pairs { readRule(key, value) }
            }
            if let ignore = entries["ignore"], let items = reader.list(ignore.value, in: "'ignore'") {
                for item in items { readWaiver(item) }
            }
            return settings
        }

        private mutating func knownRule(_ node: YAMLNode) -> Rule? {
            guard let id = reader.string(node, in: "a rule ID") else { return nil }
            guard let rule = Rule.named(id) else {
                reader.diagnostics.error(
                    .lintSettings, "unknown rule '\(id)'", at: node.location,
                    hint: Suggestion.hint(for: id, among: Rule.all.map(\.id)) ?? "`specgen rules` lists them")
                return nil
            }
            return rule
        }

        private mutating func readRule(_ key: YAMLNode, _ value: YAMLNode) {
            guard let rule = knownRule(key) else { return }
            var levelNode = value
            if value.pairs != nil {
                let allowedOptions = LintSettings.ruleOptions[rule.id] ?? [:]
                guard
                    let entries = reader.entries(
                        of: value, in: "rule '\(rule.id)'", allowed: ["severity"] + allowedOptions.keys.sorted(), rule: .lintSettings)
                else { return }
                for (name, entry) in entries where name != "severity" {
                    guard let text = reader.string(entry.value, in: "'\(name)'") else { continue }
                    let allowed = allowedOptions[name] ?? []
                    guard allowed.contains(text) else {
                        reader.diagnostics.error(
                            .lintSettings, "'\(text)' is not a \(name) of rule '\(rule.id)'", at: entry.value.location,
                            hint: "use one of: \(allowed.joined(separator: ", "))")
                        continue
                    }
                    settings.options[rule.id, default: [:]][name] = text
                }
                guard let severity = entries["severity"] else { return }
                levelNode = severity.value
            }
            guard let text = reader.string(levelNode, in: "the severity of rule '\(rule.id)'") else { return }
            guard let level = Level(rawValue: text) else {
                reader.diagnostics.error(
                    .lintSettings, "unknown severity '\(text)'", at: levelNode.location, hint: "use off, warning or error")
                return
            }
            if rule.kind == .correctness, level != .error {
                reader.diagnostics.error(
                    .lintSettings, "rule '\(rule.id)' checks what generation needs: it is always an error", at: levelNode.location,
                    hint: "fix the spec instead")
                return
            }
            settings.levels[rule.id] = level
        }

        private mutating func readWaiver(_ node: YAMLNode) {
            guard let entries = reader.entries(of: node, in: "an 'ignore' entry", allowed: ["rule", "element", "reason"], rule: .lintSettings)
            else { return }
            for key in ["rule", "element", "reason"] where entries[key] == nil {
                reader.diagnostics.error(.lintSettings, "an 'ignore' entry needs '\(key)'", at: node.location)
            }
            guard let ruleEntry = entries["rule"], let rule = knownRule(ruleEntry.value),
                let element = entries["element"].flatMap({ reader.string($0.value, in: "'element'") }),
                let reason = entries["reason"].flatMap({ reader.string($0.value, in: "'reason'") })
            else { return }
            if rule.kind == .correctness {
                reader.diagnostics.error(
                    .lintSettings, "rule '\(rule.id)' checks what generation needs: it cannot be ignored", at: ruleEntry.value.location)
                return
            }
            if reason.trimmingCharacters(in: .whitespaces).isEmpty {
                reader.diagnostics.error(.lintSettings, "the reason of an 'ignore' entry is empty", at: node.location, hint: "say why")
                return
            }
            settings.waivers.append(Waiver(rule: rule.id, element: element, reason: reason, source: node.location))
        }
    }

    // MARK: Applying

    /// The diagnostics with these settings applied: severities changed, rules that are off and waived
    /// elements left out; plus a warning for each waiver that excused nothing, so stale ones are noticed.
    public func apply(to diagnostics: [Diagnostic]) -> [Diagnostic] {
        var used = Array(repeating: false, count: waivers.count)
        var result: [Diagnostic] = []
        for var diagnostic in diagnostics {
            guard let rule = Rule.named(diagnostic.rule), rule.kind == .style else {
                result.append(diagnostic)
                continue
            }
            // Every waiver that matches counts as used, even for a rule that is off or already waived.
            var waived = false
            if let element = diagnostic.element {
                for (index, waiver) in waivers.enumerated() where waiver.rule == rule.id && Self.matches(element, pattern: waiver.element) {
                    used[index] = true
                    waived = true
                }
            }
            guard let severity = severity(of: rule), !waived else { continue }
            diagnostic.severity = severity
            result.append(diagnostic)
        }
        // A waiver for a rule that is off has nothing to excuse, and is not stale for that.
        for (index, waiver) in waivers.enumerated() where !used[index] && Rule.named(waiver.rule).flatMap(severity(of:)) != nil {
            result.append(
                Diagnostic(
                    .warning, "nothing matches this 'ignore' entry for rule '\(waiver.rule)' and element '\(waiver.element)'",
                    at: waiver.source, hint: "remove it", rule: Rule.lintSettings.id))
        }
        return result
    }

    /// Whether `element` matches `pattern`, where `*` stands for any run of characters.
    static func matches(_ element: String, pattern: String) -> Bool {
        let parts = pattern.split(separator: "*", omittingEmptySubsequences: false).map(String.init)
        guard parts.count > 1 else { return element == pattern }
        var rest = Substring(element)
        guard rest.hasPrefix(parts[0]) else { return false }
        rest = rest.dropFirst(parts[0].count)
        for part in parts.dropFirst().dropLast() {
            guard let range = rest.range(of: part) else { return false }
            rest = rest[range.upperBound...]
        }
        return rest.hasSuffix(parts[parts.count - 1]) && rest.count >= parts[parts.count - 1].count
    }
}
