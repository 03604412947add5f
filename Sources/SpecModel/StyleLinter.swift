/// A naming convention a naming rule can ask for.
public enum NamingStyle: String, Sendable, CaseIterable {
    case lowerCamel, UpperCamel
    case snakeCase = "snake_case"
    case upperSnake = "UPPER_SNAKE"
    case kebabCase = "kebab-case"

    /// Whether `name` follows the convention. Digits may follow the first character in every style.
    public func accepts(_ name: String) -> Bool {
        let scalars = Array(name.unicodeScalars)
        guard let first = scalars.first else { return false }
        func all(_ allowed: (Unicode.Scalar) -> Bool) -> Bool { scalars.dropFirst().allSatisfy(allowed) }
        let lower = ("a"..."z").contains(first), upper = ("A"..."Z").contains(first)
        let isDigit: (Unicode.Scalar) -> Bool = { ("0"..."9").contains($0) }
        switch self {
        case .lowerCamel: return lower && all { ("a"..."z").contains($0) || ("A"..."Z").contains($0) || isDigit($0) }
        case .UpperCamel: return upper && all { ("a"..."z").contains($0) || ("A"..."Z").contains($0) || isDigit($0) }
        case .snakeCase: return lower && all { ("a"..."z").contains($0) || isDigit($0) || $0 == "_" } && !name.contains("__")
        case .upperSnake: return upper && all { ("A"..."Z").contains($0) || isDigit($0) || $0 == "_" } && !name.contains("__")
        case .kebabCase: return lower && all { ("a"..."z").contains($0) || isDigit($0) || $0 == "-" } && !name.contains("--")
        }
    }
}

/// The style rules that need the whole spec: naming, unused types, error responses, defaults of optional
/// request members, path parameter names. They run on what the checker resolved, even when it found errors,
/// so one run reports everything.
struct StyleLinter {
    let spec: Spec
    let settings: LintSettings
    var diagnostics = Diagnostics()

    init(spec: Spec, settings: LintSettings) {
        self.spec = spec
        self.settings = settings
    }

    /// Runs the rules that are on; what a rule that is off would find is never looked for.
    mutating func lint() -> Diagnostics {
        checkNaming()
        if isOn(.unusedType) { checkUnusedTypes() }
        if isOn(.errorResponseMissing) { checkErrorResponses() }
        if isOn(.optionalDefaultMissing) { checkOptionalDefaults() }
        if isOn(.pathParameterName) { checkPathParameterNames() }
        if isOn(.deprecatedUse) { checkDeprecatedUse() }
        return diagnostics
    }

    private func isOn(_ rule: Rule) -> Bool { settings.severity(of: rule) != nil }

    private func style(_ rule: Rule, default fallback: NamingStyle) -> NamingStyle {
        settings.option("style", of: rule).flatMap(NamingStyle.init(rawValue:)) ?? fallback
    }

    // MARK: Naming

    private mutating func checkNaming() {
        let fieldStyle = style(.namingField, default: .lowerCamel)
        let typeStyle = style(.namingStructure, default: .UpperCamel)
        let valueStyle = style(.namingEnumValue, default: .upperSnake)
        let pathStyle = style(.namingPath, default: .kebabCase)
        for structure in spec.structures {
            name(structure.name, of: "structure '\(structure.name)'", follows: typeStyle, rule: .namingStructure,
                 element: structure.name, at: structure.source)
            for field in structure.fields {
                name(field.wireName, of: "field '\(field.wireName)' of '\(structure.name)'", follows: fieldStyle, rule: .namingField,
                     element: "\(structure.name).\(field.wireName)", at: field.source)
            }
        }
        for item in spec.enums {
            name(item.name, of: "enum '\(item.name)'", follows: typeStyle, rule: .namingStructure, element: item.name, at: item.source)
            for value in item.values {
                name(value.value, of: "value '\(value.value)' of enum '\(item.name)'", follows: valueStyle, rule: .namingEnumValue,
                     element: "\(item.name).\(value.value)", at: value.source)
            }
        }
        for endpoint in spec.endpoints {
            // Header names follow HTTP's own conventions (X-Request-Id), not the API's.
            for parameter in endpoint.parameters where parameter.kind != .header {
                name(parameter.name, of: "\(parameter.kind.rawValue) parameter '\(parameter.name)' of endpoint '\(endpoint.name)'",
                     follows: fieldStyle, rule: .namingField, element: "\(endpoint.name).\(parameter.name)", at: parameter.source)
            }
            for segment in endpoint.path.split(separator: "/") where isOn(.namingPath) && !segment.hasPrefix("{") {
                // A leading dot marks a well-known location (/.well-known/…), not a word.
                let word = segment.hasPrefix(".") ? String(segment.dropFirst()) : String(segment)
                guard !pathStyle.accepts(word) else { continue }
                diagnostics.advise(
                    .namingPath, "path segment '\(segment)' of endpoint '\(endpoint.name)' is not \(pathStyle.rawValue)",
                    element: endpoint.name, at: endpoint.source)
            }
        }
    }

    private mutating func name(
        _ name: String, of what: String, follows style: NamingStyle, rule: Rule, element: String, at source: SourceLocation
    ) {
        guard isOn(rule), !style.accepts(name) else { return }
        diagnostics.advise(rule, "\(what) is not \(style.rawValue)", element: element, at: source)
    }

    // MARK: Use

    private mutating func checkUnusedTypes() {
        var used: Set<String> = []
        for endpoint in spec.endpoints {
            let types = endpoint.parameters.map(\.type) + [endpoint.request?.type].compactMap { $0 } + endpoint.responses.compactMap(\.body)
            for type in types { spec.collectTypeNames(reachableFrom: type, into: &used) }
        }
        for structure in spec.structures where !used.contains(structure.name) {
            diagnostics.advise(
                .unusedType, "structure '\(structure.name)' is not used by any endpoint", element: structure.name, at: structure.source,
                hint: "remove it, or use it")
        }
        for item in spec.enums where !used.contains(item.name) {
            diagnostics.advise(
                .unusedType, "enum '\(item.name)' is not used by any endpoint", element: item.name, at: item.source,
                hint: "remove it, or use it")
        }
    }

    private mutating func checkErrorResponses() {
        for endpoint in spec.endpoints where !endpoint.responses.contains(where: { $0.status >= 400 }) {
            diagnostics.advise(
                .errorResponseMissing, "endpoint '\(endpoint.name)' declares no error response", element: endpoint.name,
                at: endpoint.source, hint: "add a 4xx response (400 for a malformed call, say) with its body")
        }
    }

    private mutating func checkOptionalDefaults() {
        var requestTypes: Set<String> = []
        for endpoint in spec.endpoints {
            if let body = endpoint.request?.type { spec.collectTypeNames(reachableFrom: body, into: &requestTypes) }
            for parameter in endpoint.parameters where parameter.kind != .path && !parameter.isRequired && parameter.defaultValue == nil {
                diagnostics.advise(
                    .optionalDefaultMissing,
                    "optional \(parameter.kind.rawValue) parameter '\(parameter.name)' of endpoint '\(endpoint.name)' documents no default",
                    element: "\(endpoint.name).\(parameter.name)", at: parameter.source,
                    hint: "add 'default:' with what the server assumes when it is absent")
            }
        }
        for structure in spec.structures where requestTypes.contains(structure.name) {
            for field in structure.fields where !field.isRequired && field.defaultValue == nil && !field.isNullable {
                diagnostics.advise(
                    .optionalDefaultMissing, "optional field '\(field.wireName)' of request structure '\(structure.name)' documents no default",
                    element: "\(structure.name).\(field.wireName)", at: field.source,
                    hint: "add 'default:' with what the server assumes when it is absent")
            }
        }
    }

    /// Clients cannot stop sending a deprecated field that is required, nor stop seeing a deprecated value
    /// that is the default.
    private mutating func checkDeprecatedUse() {
        var deprecatedValues: [String: Set<String>] = [:]
        for item in spec.enums {
            deprecatedValues[item.name] = Set(item.values.filter { $0.deprecation != nil }.map(\.value))
        }
        func deprecatedDefault(_ value: DefaultValue?, _ type: TypeRef) -> String? {
            guard case .enumeration(let name) = type, case .enumValue(let raw)? = value, deprecatedValues[name]?.contains(raw) == true
            else { return nil }
            return raw
        }
        for structure in spec.structures {
            for field in structure.fields {
                let element = "\(structure.name).\(field.wireName)"
                if field.deprecation != nil, field.isRequired {
                    diagnostics.advise(
                        .deprecatedUse, "field '\(field.wireName)' of '\(structure.name)' is deprecated but required", element: element,
                        at: field.source, hint: "make it optional, so that clients can stop sending it")
                }
                if let raw = deprecatedDefault(field.defaultValue, field.type) {
                    diagnostics.advise(
                        .deprecatedUse, "the default of field '\(field.wireName)' of '\(structure.name)' is the deprecated value '\(raw)'",
                        element: element, at: field.source, hint: "make a current value the default")
                }
            }
        }
        for endpoint in spec.endpoints {
            for parameter in endpoint.parameters {
                guard let raw = deprecatedDefault(parameter.defaultValue, parameter.type) else { continue }
                diagnostics.advise(
                    .deprecatedUse, "the default of parameter '\(parameter.name)' of endpoint '\(endpoint.name)' is the deprecated value '\(raw)'",
                    element: "\(endpoint.name).\(parameter.name)", at: parameter.source, hint: "make a current value the default")
            }
        }
    }

    /// Endpoints whose paths agree up to a parameter should name it alike: `/users/{id}` and
    /// `/users/{userId}/keys` name one thing two ways.
    private mutating func checkPathParameterNames() {
        var firstNames: [String: (name: String, endpoint: String)] = [:]
        for endpoint in spec.endpoints {
            var prefix = ""
            for segment in endpoint.path.split(separator: "/") {
                guard segment.hasPrefix("{"), segment.hasSuffix("}") else {
                    prefix += "/" + segment
                    continue
                }
                let name = String(segment.dropFirst().dropLast())
                if let first = firstNames[prefix], first.name != name {
                    let source = endpoint.parameters.first { $0.kind == .path && $0.name == name }?.source ?? endpoint.source
                    diagnostics.advise(
                        .pathParameterName,
                        "path parameter '{\(name)}' of endpoint '\(endpoint.name)' is '{\(first.name)}' in endpoint '\(first.endpoint)' at the same place (\(prefix)/…)",
                        element: "\(endpoint.name).\(name)", at: source, hint: "name it '\(first.name)' in both")
                } else if firstNames[prefix] == nil {
                    firstNames[prefix] = (name, endpoint.name)
                }
                prefix += "/{}"
            }
        }
    }
}
