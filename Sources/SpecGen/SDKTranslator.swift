import SpecModel

/// Translates a checked ``Spec`` into the contexts of the TypeScript and Python SDKs.
struct SDKTranslator {
    let spec: Spec

    func file(header: String) -> SDKFileContext {
        SDKFileContext(
            header: header, title: Self.oneLine(spec.info.title), version: Self.oneLine(spec.info.version),
            docLines: Self.lines(spec.info.description),
            structures: spec.structures.map(structure), enums: spec.enums.map(enumeration), operations: spec.endpoints.map(operation))
    }

    // MARK: Names and text

    /// Description text as plain lines, for the languages' own comment syntax.
    static func lines(_ text: String?, extra: [String] = []) -> [String] {
        var lines = (text ?? "").trimmingCharacters(in: .whitespacesAndNewlines).split(separator: "\n", omittingEmptySubsequences: false)
            .map { $0.trimmingCharacters(in: .whitespaces) }
        if lines == [""] { lines = [] }
        if !lines.isEmpty, !extra.isEmpty { lines.append("") }
        // Neither a JSDoc comment nor a Python docstring may be closed by the text inside it.
        return (lines + extra).map { $0.replacingOccurrences(of: "*/", with: "*\\/").replacingOccurrences(of: "\"\"\"", with: "\\\"\\\"\\\"") }
    }

    static func literal(_ text: String) -> String { DocumentValue.jsonString(text) }

    /// Text for one comment line or docstring: no line breaks, nothing that would end the comment.
    static func oneLine(_ text: String) -> String {
        lines(text).joined(separator: " ")
    }

    /// A property key TypeScript accepts: the name itself when it is an identifier, else quoted.
    static func tsKey(_ name: String) -> String {
        guard let first = name.unicodeScalars.first, first == "_" || first == "$" || first.properties.isAlphabetic && first.isASCII,
            name.unicodeScalars.allSatisfy({ $0.isASCII && ($0 == "_" || $0 == "$" || $0.properties.isAlphabetic || ("0"..."9").contains($0)) })
        else { return literal(name) }
        return name
    }

    static let pythonReserved: Set<String> = [
        "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class", "continue", "def", "del", "elif",
        "else", "except", "finally", "for", "from", "global", "if", "import", "in", "is", "lambda", "nonlocal", "not", "or",
        "pass", "raise", "return", "try", "while", "with", "yield",
        // Names the generated methods and classes use themselves.
        "self", "body", "credentials", "content_type", "timeout", "base_url", "validate_requests", "from_json", "to_json", "validate",
        "field", "is_known",
    ]

    /// snake_case from a Swift name (`accessToken` → `access_token`), with `_` after a reserved word.
    static func pythonName(_ swiftName: String) -> String {
        var result = ""
        for character in swiftName {
            if character.isUppercase {
                if !result.isEmpty, result.last != "_" { result.append("_") }
                result += character.lowercased()
            } else {
                result.append(character)
            }
        }
        if result.first?.isNumber == true { result = "_" + result }
        return pythonReserved.contains(result) ? result + "_" : result
    }

    /// An enum value's constant in Python: upper snake case, away from the class's own members.
    static func pythonEnumName(_ swiftName: String) -> String {
        let name = pythonName(swiftName).uppercased()
        return name == "VALUES" ? "VALUES_" : name
    }

    // MARK: Types

    func type(_ type: TypeRef) -> SDKType {
        switch type {
        case .string: SDKType(kind: "string", nameLiteral: nil, items: [])
        case .int32: SDKType(kind: "int32", nameLiteral: nil, items: [])
        case .int64: SDKType(kind: "int64", nameLiteral: nil, items: [])
        case .double: SDKType(kind: "double", nameLiteral: nil, items: [])
        case .bool: SDKType(kind: "bool", nameLiteral: nil, items: [])
        case .url: SDKType(kind: "url", nameLiteral: nil, items: [])
        case .dateTime: SDKType(kind: "date-time", nameLiteral: nil, items: [])
        case .json: SDKType(kind: "json", nameLiteral: nil, items: [])
        case .jsonString: SDKType(kind: "json-string", nameLiteral: nil, items: [])
        case .array(let element): SDKType(kind: "array", nameLiteral: nil, items: [self.type(element)])
        case .map(let value): SDKType(kind: "map", nameLiteral: nil, items: [self.type(value)])
        case .structure(let name): SDKType(kind: "object", nameLiteral: Self.literal(name), items: [])
        case .enumeration(let name): SDKType(kind: "enum", nameLiteral: Self.literal(name), items: [])
        }
    }

    func tsType(_ type: TypeRef) -> String {
        switch type {
        case .string, .url, .dateTime, .jsonString: "string"
        case .int32, .int64, .double: "number"
        case .bool: "boolean"
        case .json: "runtime.JSONValue"
        case .array(let element): "Array<\(tsType(element))>"
        case .map(let value): "Record<string, \(tsType(value))>"
        case .structure(let name), .enumeration(let name): name
        }
    }

    func pyType(_ type: TypeRef) -> String {
        switch type {
        case .string, .url, .dateTime, .jsonString: "str"
        case .int32, .int64: "int"
        case .double: "float"
        case .bool: "bool"
        case .json: "Any"
        case .array(let element): "list[\(pyType(element))]"
        case .map(let value): "dict[str, \(pyType(value))]"
        // The module starts with `from __future__ import annotations`: a name may be defined further down.
        case .structure(let name), .enumeration(let name): name
        }
    }

    static func constraints(_ constraints: Constraints, type: TypeRef) -> [SDKConstraint] {
        var result: [SDKConstraint] = []
        func add(_ name: String, _ literal: String, python: String? = nil) {
            result.append(SDKConstraint(name: name, literal: literal, pyLiteral: python ?? literal))
        }
        func number(_ value: Number) -> String {
            type == .double ? String(value.doubleValue) : value.description
        }
        if let value = constraints.minLength { add("minLength", String(value)) }
        if let value = constraints.maxLength { add("maxLength", String(value)) }
        if let value = constraints.pattern { add("pattern", literal(value)) }
        if let value = constraints.format { add("format", literal(value.rawValue)) }
        // The bounds, and their text as the Swift runtime's messages write it (`0.0` for a double).
        if let value = constraints.minimum {
            add("minimum", number(value))
            add("minimumText", literal(number(value)))
        }
        if let value = constraints.maximum {
            add("maximum", number(value))
            add("maximumText", literal(number(value)))
        }
        if let value = constraints.minItems { add("minItems", String(value)) }
        if let value = constraints.maxItems { add("maxItems", String(value)) }
        if constraints.uniqueItems { add("uniqueItems", "true", python: "True") }
        return result
    }

    // MARK: Structures and enums

    func structure(_ structure: Structure) -> SDKStructure {
        let fields = structure.fields.map(field)
        return SDKStructure(name: structure.name, docLines: Self.lines(structure.description), fields: fields)
    }

    func field(_ field: Field) -> SDKField {
        var extra: [String] = []
        switch field.access {
        case .readWrite: break
        case .readOnly: extra.append("Read-only: responses carry it; requests leave it out.")
        case .writeOnly: extra.append("Write-only: requests carry it; responses never do.")
        }
        if let deprecation = field.deprecation { extra.append("@deprecated" + (deprecation.message.map { " \($0)" } ?? "")) }
        let defaultJSON = field.defaultValue.map { OpenAPIExporter.value(of: $0, type: field.type).compactJSON() }
        if let defaultJSON { extra.append("Default: \(defaultJSON).") }
        let constraints = Self.constraints(field.constraints, type: field.type)
        return SDKField(
            wireName: field.wireName, wireLiteral: Self.literal(field.wireName), tsKey: Self.tsKey(field.wireName),
            pyName: Self.pythonName(field.swiftName), docLines: Self.lines(field.description, extra: extra),
            isRequired: field.isRequired && field.access == .readWrite,
            requiredIn: field.isRequired && field.access != .readWrite ? (field.access == .readOnly ? "response" : "request") : nil,
            omittedIn: field.access == .readOnly ? "request" : field.access == .writeOnly ? "response" : nil,
            isNullable: field.isNullable, isDeprecated: field.deprecation != nil, type: type(field.type), tsType: tsType(field.type),
            pyType: pyType(field.type), constraints: constraints, pyDefault: pythonDefault(field.defaultValue, type: field.type))
    }

    /// A dataclass default: `None`, a literal, or a factory for a list.
    private func pythonDefault(_ value: DefaultValue?, type: TypeRef) -> String {
        guard let value else { return "None" }
        let text = Self.pythonLiteral(OpenAPIExporter.value(of: value, type: type))
        if case .array = value { return "_field(default_factory=lambda: \(text))" }
        if case .enumeration(let name) = type { return "\(name)(\(text))" }
        return text
    }

    /// A value as Python source: JSON's spelling but for `True`, `False` and `None`.
    static func pythonLiteral(_ value: DocumentValue) -> String {
        switch value {
        case .bool(let flag): flag ? "True" : "False"
        case .null: "None"
        case .array(let items): "[" + items.map(pythonLiteral).joined(separator: ", ") + "]"
        case .object(let members): "{" + members.map { literal($0.0) + ": " + pythonLiteral($0.1) }.joined(separator: ", ") + "}"
        default: value.compactJSON()
        }
    }

    func enumeration(_ item: EnumType) -> SDKEnum {
        SDKEnum(
            name: item.name, docLines: Self.lines(item.description),
            values: item.values.map {
                SDKEnumValue(
                    literal: Self.literal($0.value), pyName: Self.pythonEnumName($0.swiftName),
                    docLines: Self.lines($0.description, extra: $0.deprecation.map { ["@deprecated" + ($0.message.map { " \($0)" } ?? "")] } ?? []),
                    isDeprecated: $0.deprecation != nil)
            })
    }

    // MARK: Operations

    func operation(_ endpoint: Endpoint) -> SDKOperation {
        let parameters = endpoint.parameters.map(parameter)
        var extra = ["\(endpoint.method.rawValue) \(endpoint.path)"]
        if let deprecation = endpoint.deprecation { extra.append("@deprecated" + (deprecation.message.map { " \($0)" } ?? "")) }
        let doc = [endpoint.summary, endpoint.description].compactMap { $0 }.joined(separator: "\n\n")
        let body = endpoint.request.map { request in
            let contentTypes = request.contentTypes.map { Self.literal($0.rawValue) }
            return SDKBody(
                type: type(request.type), tsType: tsType(request.type), pyType: pyType(request.type), contentTypesLiteral: "[" + contentTypes.joined(separator: ", ") + "]")
        }
        return SDKOperation(
            name: endpoint.name, pyName: Self.pythonName(endpoint.name), typeName: SwiftNaming.upperCamel(endpoint.name),
            docLines: Self.lines(doc, extra: extra), isDeprecated: endpoint.deprecation != nil,
            method: Self.literal(endpoint.method.rawValue), pathLiteral: Self.literal(endpoint.path),
            pathParameters: parameters.filter { $0.location == "path" }, queryParameters: parameters.filter { $0.location == "query" },
            headerParameters: parameters.filter { $0.location == "header" }, parameters: parameters,
            hasPathParameters: parameters.contains { $0.location == "path" }, hasQueryParameters: parameters.contains { $0.location == "query" },
            hasHeaderParameters: parameters.contains { $0.location == "header" },
            inputIsOptional: body == nil && !parameters.contains { $0.isRequired },
            queryIsRequired: parameters.contains { $0.location == "query" && $0.isRequired },
            headersAreRequired: parameters.contains { $0.location == "header" && $0.isRequired }, body: body,
            requiresCredentials: !endpoint.security.isEmpty,
            responses: endpoint.responses.map { response in
                SDKResponse(
                    status: response.status, type: response.body.map(type), tsType: response.body.map(tsType) ?? "undefined",
                    pyType: response.body.map(pyType) ?? "None", docLines: Self.lines(response.description))
            })
    }

    func parameter(_ parameter: Parameter) -> SDKParameter {
        let constraints = Self.constraints(parameter.constraints, type: parameter.type)
        var extra: [String] = []
        if let value = parameter.defaultValue { extra.append("Default: \(OpenAPIExporter.value(of: value, type: parameter.type).compactJSON()).") }
        return SDKParameter(
            name: parameter.name, literal: Self.literal(parameter.name), tsKey: Self.tsKey(parameter.name),
            pyName: Self.pythonName(parameter.swiftName), docLines: Self.lines(parameter.description, extra: extra),
            isRequired: parameter.isRequired, type: type(parameter.type), tsType: tsType(parameter.type), pyType: pyType(parameter.type),
            constraints: constraints, location: parameter.kind.rawValue)
    }
}
