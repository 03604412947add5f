/// How wire names become Swift names: `grant_type` → `grantType`, `INTERNAL_SERVER_ERROR` → `internalServerError`.
public enum SwiftNaming {
    /// A lowerCamel name for a field, parameter or enum case.
    public static func lowerCamel(_ wireName: String) -> String {
        let words = splitWords(wireName)
        guard let first = words.first else { return "_" }
        var name = lowercasedFirst(normalized(first))
        for word in words.dropFirst() {
            name += uppercasedFirst(normalized(word))
        }
        if let head = name.first, head.isNumber { name = "_" + name }
        return name
    }

    /// An UpperCamel name for a type derived from an operation or member name.
    public static func upperCamel(_ name: String) -> String {
        uppercasedFirst(lowerCamel(name))
    }

    /// The identifier as it must be written in Swift source (keywords in backticks).
    public static func escaped(_ identifier: String) -> String {
        keywords.contains(identifier) ? "`\(identifier)`" : identifier
    }

    /// The identifier as an argument label in a call, where only `inout`, `var` and `let` need backticks.
    public static func argumentLabel(_ identifier: String) -> String {
        ["inout", "var", "let"].contains(identifier) ? "`\(identifier)`" : identifier
    }

    public static func isIdentifier(_ text: String) -> Bool {
        guard let first = text.unicodeScalars.first, first == "_" || isASCIILetter(first) else { return false }
        return text.unicodeScalars.allSatisfy { $0 == "_" || isASCIILetter($0) || ("0"..."9").contains($0) }
    }

    public static func isTypeName(_ text: String) -> Bool {
        guard let first = text.unicodeScalars.first, ("A"..."Z").contains(first) else { return false }
        return isIdentifier(text)
    }

    /// Names a spec type may not take because generated code or its runtime already uses them.
    public static let reservedTypeNames: Set<String> = [
        "APIProtocol", "Client", "Operations", "String", "Int", "Int32", "Int64", "Double", "Bool", "URL", "Date",
        "Array", "Dictionary", "Optional", "Error", "Any", "Self", "Type", "Protocol", "JSONValue", "JSONPath",
        "Violation", "ValidationError", "BearerCredentials", "UnexpectedResponseError", "ClientOptions", "Direction", "Boxed",
    ]

    /// Member names generated types already have: a field or parameter may not take them.
    public static let reservedMemberNames: Set<String> = ["jsonValue", "jsonData", "violations", "validate"]

    /// Names `Client` and `APIProtocol` already use: an endpoint may not take them.
    public static let reservedOperationNames: Set<String> = [
        "serverURL", "transport", "middlewares", "credentials", "send", "registerHandlers", "constructor",
    ]

    static let keywords: Set<String> = [
        "associatedtype", "class", "deinit", "enum", "extension", "fileprivate", "func", "import", "init", "inout",
        "internal", "let", "open", "operator", "private", "precedencegroup", "protocol", "public", "rethrows",
        "static", "struct", "subscript", "typealias", "var", "break", "case", "catch", "continue", "default", "defer",
        "do", "else", "fallthrough", "for", "guard", "if", "in", "repeat", "return", "throw", "switch", "where",
        "while", "Any", "as", "await", "false", "is", "nil", "self", "Self", "super", "throws", "true", "try",
        "Type", "Protocol",
    ]

    private static func splitWords(_ text: String) -> [Substring] {
        text.split { !($0.isLetter || $0.isNumber) || !$0.isASCII }
    }

    /// ALL-CAPS words read as one word (`SECRET` → `secret`); mixed case is kept (`accessToken`).
    private static func normalized(_ word: Substring) -> String {
        let letters = word.filter(\.isLetter)
        if !letters.isEmpty, letters.allSatisfy(\.isUppercase) { return word.lowercased() }
        return String(word)
    }

    private static func lowercasedFirst(_ word: String) -> String {
        guard let first = word.first else { return word }
        return first.lowercased() + word.dropFirst()
    }

    private static func uppercasedFirst(_ word: String) -> String {
        guard let first = word.first else { return word }
        return first.uppercased() + word.dropFirst()
    }

    private static func isASCIILetter(_ scalar: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar)
    }
}
