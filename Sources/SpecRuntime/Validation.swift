import Foundation

/// A value whose constraints can be checked; generated structures and enums conform.
public protocol Validatable {
    /// Appends every violation of this value and the values inside it.
    func validate(at path: JSONPath, violations: inout Violations)
}

extension Validatable {
    /// Every violation of this value, each with its JSON path.
    public var violations: [Violation] {
        var violations = Violations()
        validate(at: .root, violations: &violations)
        return violations.list
    }

    /// Throws a ``ValidationError`` listing every violation, if there are any.
    public func validate() throws {
        let found = violations
        if !found.isEmpty { throw ValidationError(violations: found) }
    }
}

extension Array: Validatable where Element: Validatable {
    public func validate(at path: JSONPath, violations: inout Violations) {
        for (index, element) in enumerated() { element.validate(at: path.appending(index), violations: &violations) }
    }
}

extension Dictionary: Validatable where Key == String, Value: Validatable {
    public func validate(at path: JSONPath, violations: inout Violations) {
        for (key, value) in sorted(by: { $0.key < $1.key }) { value.validate(at: path.appending(key), violations: &violations) }
    }
}

/// A regular expression compiled once, when first used. Patterns are checked by `specgen lint`, so
/// compiling cannot fail for generated code.
public struct Pattern: @unchecked Sendable {
    // NSRegularExpression is immutable and documented as safe to share between threads.
    private let regex: NSRegularExpression
    public let source: String

    public init(_ source: String) {
        self.source = source
        do {
            self.regex = try NSRegularExpression(pattern: source)
        } catch {
            preconditionFailure("invalid pattern \(source): \(error)")
        }
    }

    public func matches(_ text: String) -> Bool {
        regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
    }
}

/// The constraint checks generated validators call.
public enum Check {
    public static func minLength(_ value: String, _ minimum: Int, at path: JSONPath, _ violations: inout Violations) {
        if value.count < minimum {
            violations.report("must be at least \(minimum) character\(minimum == 1 ? "" : "s") long", at: path)
        }
    }

    public static func maxLength(_ value: String, _ maximum: Int, at path: JSONPath, _ violations: inout Violations) {
        if value.count > maximum {
            violations.report("must be at most \(maximum) character\(maximum == 1 ? "" : "s") long", at: path)
        }
    }

    public static func pattern(_ value: String, _ pattern: Pattern, at path: JSONPath, _ violations: inout Violations) {
        if !pattern.matches(value) { violations.report("must match the pattern \(pattern.source)", at: path) }
    }

    public static func minimum<T: Comparable>(_ value: T, _ minimum: T, at path: JSONPath, _ violations: inout Violations) {
        if value < minimum { violations.report("must be at least \(minimum)", at: path) }
    }

    public static func maximum<T: Comparable>(_ value: T, _ maximum: T, at path: JSONPath, _ violations: inout Violations) {
        if value > maximum { violations.report("must be at most \(maximum)", at: path) }
    }

    public static func minItems(_ count: Int, _ minimum: Int, at path: JSONPath, _ violations: inout Violations) {
        if count < minimum { violations.report("must have at least \(minimum) item\(minimum == 1 ? "" : "s")", at: path) }
    }

    public static func maxItems(_ count: Int, _ maximum: Int, at path: JSONPath, _ violations: inout Violations) {
        if count > maximum { violations.report("must have at most \(maximum) item\(maximum == 1 ? "" : "s")", at: path) }
    }

    public static func uniqueItems<T: Hashable>(_ items: [T], at path: JSONPath, _ violations: inout Violations) {
        var seen: Set<T> = []
        for (index, item) in items.enumerated() where !seen.insert(item).inserted {
            violations.report("repeats an earlier item", at: path.appending(index))
        }
    }

    /// For `json-string` fields: the text must be JSON, or empty (what a form sends for "none": `claims=`).
    public static func jsonText(_ value: String, at path: JSONPath, _ violations: inout Violations) {
        if !value.isEmpty, (try? JSONValue(parsing: value)) == nil { violations.report("must be JSON text", at: path) }
    }

    public static func format(_ value: String, _ format: StringFormat, at path: JSONPath, _ violations: inout Violations) {
        if !format.accepts(value) { violations.report("must be \(format.noun)", at: path) }
    }
}

/// Formats a `format` constraint can name.
public enum StringFormat: String, Sendable {
    case email, uri, uuid

    private static let emailPattern = Pattern(#"^[^@\s]+@[^@\s]+\.[^@\s]+$"#)

    var noun: String {
        switch self {
        case .email: "an email address"
        case .uri: "an absolute URI"
        case .uuid: "a UUID"
        }
    }

    func accepts(_ value: String) -> Bool {
        switch self {
        case .email: Self.emailPattern.matches(value)
        case .uri: URL(string: value)?.scheme != nil
        case .uuid: UUID(uuidString: value) != nil
        }
    }
}
