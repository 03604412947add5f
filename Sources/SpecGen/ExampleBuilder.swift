import Foundation
import SpecModel

/// Makes example values from types and constraints, for the examples in the reference docs: defaults
/// where the spec has them, values that satisfy length and range constraints, the first enum value.
struct ExampleBuilder {
    let spec: Spec

    /// A structure body shows its required fields; a small structure (at most `smallStructure` fields)
    /// at the top also shows its optional ones. Nested structures show required fields only.
    static let smallStructure = 10

    func example(_ type: TypeRef, name: String = "value", constraints: Constraints = Constraints(),
        defaultValue: DefaultValue? = nil, depth: Int = 0, visiting: Set<String> = []) -> DocumentValue
    {
        if let defaultValue { return OpenAPIExporter.value(of: defaultValue, type: type) }
        switch type {
        case .string: return .string(text(name, constraints))
        case .url: return .string("https://example.com/\(name)")
        case .dateTime: return .string("2026-01-01T00:00:00Z")
        case .jsonString: return .string("{}")
        case .json: return .object([])
        case .bool: return .bool(false)
        case .int32, .int64: return OpenAPIExporter.number(number(constraints))
        case .double: return .number(number(constraints).doubleValue)
        case .array(let element):
            return .array([example(element, name: name, depth: depth + 1, visiting: visiting)])
        case .map(let value):
            return .object([("key", example(value, name: name, depth: depth + 1, visiting: visiting))])
        case .enumeration(let enumName):
            return .string(spec.enumType(named: enumName)?.values.first?.value ?? "")
        case .structure(let structureName):
            guard let structure = spec.structure(named: structureName), !visiting.contains(structureName), depth < 4 else {
                return .object([])
            }
            let showAll = depth == 0 && structure.fields.count <= Self.smallStructure
            let fields = structure.fields.filter { showAll || $0.isRequired }
            return .object(fields.map { field in
                (field.wireName, example(field.type, name: field.wireName, constraints: field.constraints,
                    defaultValue: field.defaultValue, depth: depth + 1, visiting: visiting.union([structureName])))
            })
        }
    }

    private func text(_ name: String, _ constraints: Constraints) -> String {
        switch constraints.format {
        case .email: return "user@example.com"
        case .uri: return "https://example.com/\(name)"
        case .uuid: return "123e4567-e89b-12d3-a456-426614174000"
        case nil: break
        }
        var value = name
        if let pattern = constraints.pattern, let expression = try? NSRegularExpression(pattern: pattern) {
            let matches = { (text: String) in expression.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil }
            if !matches(value) { value = Self.patternCandidates.first(where: matches) ?? value }
        }
        if let minimum = constraints.minLength, value.count < minimum {
            value += String(repeating: "x", count: minimum - value.count)
        }
        if let maximum = constraints.maxLength, value.count > maximum { value = String(value.prefix(maximum)) }
        return value
    }

    /// Texts tried, in order, for a string whose name does not match its pattern.
    static let patternCandidates = ["1234567890", "A000001", "example", "Example", "EXAMPLE", "abc-123", "x"]

    /// The minimum, else 1, kept within the maximum.
    private func number(_ constraints: Constraints) -> Number {
        var value = constraints.minimum ?? .integer(1)
        if let maximum = constraints.maximum, maximum < value { value = maximum }
        return value
    }
}
