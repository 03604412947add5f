/// Writes the changes between two specs as text, Markdown or JSON: breaking changes first.
public enum SpecDiffReport {
    public enum Format: String, Sendable, CaseIterable {
        case text
        case markdown
        case json
    }

    /// `place` names where a change is ("spec/orders.yaml:12"), or nil.
    public static func render(_ changes: [SpecChange], format: Format, place: (SpecChange) -> String?) -> String {
        let breaking = changes.filter { $0.severity == .breaking }
        let compatible = changes.filter { $0.severity == .compatible }
        let summary = "\(breaking.count) breaking, \(compatible.count) compatible change\(changes.count == 1 ? "" : "s")"
        switch format {
        case .text:
            var lines = (breaking + compatible).map { change in
                let label = change.severity == .breaking ? "BREAKING  " : "compatible"
                return "\(label) \(change.subject): \(change.message)" + (place(change).map { "  [\($0)]" } ?? "")
            }
            lines.append(changes.isEmpty ? "no changes" : summary)
            return lines.joined(separator: "\n") + "\n"
        case .markdown:
            var lines = ["# Spec changes", "", changes.isEmpty ? "No changes." : summary + "."]
            for (title, group) in [("Breaking changes", breaking), ("Compatible changes", compatible)] where !group.isEmpty {
                lines += ["", "## \(title) (\(group.count))", "", "| Where | Change | Kind | Spec |", "|---|---|---|---|"]
                lines += group.map { change in
                    "| \(cell(change.subject)) | \(cell(change.message)) | `\(change.kind.rawValue)` | \(place(change).map { "`\($0)`" } ?? "") |"
                }
            }
            return lines.joined(separator: "\n") + "\n"
        case .json:
            let document = DocumentValue.object([
                ("breaking", .integer(Int64(breaking.count))),
                ("compatible", .integer(Int64(compatible.count))),
                ("changes", .array((breaking + compatible).map { change in
                    var members: [(String, DocumentValue)] = [
                        ("severity", .string(change.severity.rawValue)), ("kind", .string(change.kind.rawValue)),
                        ("subject", .string(change.subject)), ("message", .string(change.message)),
                    ]
                    if let place = place(change) { members.append(("location", .string(place))) }
                    return .object(members)
                })),
            ])
            return document.jsonText()
        }
    }

    private static func cell(_ text: String) -> String { text.replacingOccurrences(of: "|", with: "\\|") }
}
