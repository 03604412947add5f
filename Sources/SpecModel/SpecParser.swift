import Yams

/// A type as written, before names are resolved: `[Scope]`, `{string: int64}`, `IdTokenAudType`.
indirect enum TypeExpression: Sendable {
    case named(String, SourceLocation)
    case array(TypeExpression)
    case map(TypeExpression)
}

/// A field or parameter as written, before its type is resolved.
struct RawMember: Sendable {
    var name: String
    var source: SourceLocation
    var type: TypeExpression?
    var isRequired: Bool?
    var requiredSource: SourceLocation?
    var defaultNode: YAMLNode?
    var description: String?
    var swiftName: (name: String, source: SourceLocation)?
    var constraints = Constraints()
    /// Where each constraint was written, to point at it when it does not fit the type.
    var constraintSources: [String: SourceLocation] = [:]
    var kind: Parameter.Kind?
    var nullableSource: SourceLocation?
    var isNullable = false
    /// `example` (one) or `examples` (a list), checked against the type once it is resolved.
    var exampleNodes: [YAMLNode] = []
    var deprecation: Deprecation?
    var access = FieldAccess.readWrite
    var accessSource: SourceLocation?
    var extensions: [Extension] = []
}

struct RawStructure: Sendable {
    var name: String
    var source: SourceLocation
    var description: String?
    var fields: [RawMember]
    var area: String
    var exampleNodes: [YAMLNode] = []
    var extensions: [Extension] = []
}

struct RawEnum: Sendable {
    var name: String
    var source: SourceLocation
    var description: String?
    var values: [RawEnumValue]
    var area: String
    var extensions: [Extension] = []
}

struct RawEnumValue: Sendable {
    var value: String
    var description: String?
    var swiftName: (name: String, source: SourceLocation)?
    var source: SourceLocation
    var deprecation: Deprecation?
}

/// One entry of an endpoint's `examples`, its values checked against the endpoint's types later.
struct RawEndpointExample: Sendable {
    var name: String
    var source: SourceLocation
    var summary: String?
    var parameters: [(key: YAMLNode, value: YAMLNode)] = []
    var request: YAMLNode?
    var status: (code: Int, source: SourceLocation)?
    var response: YAMLNode?
}

struct RawResponse: Sendable {
    var status: Int
    var source: SourceLocation
    var body: TypeExpression?
    var description: String?
}

struct RawEndpoint: Sendable {
    var name: String
    var source: SourceLocation
    var summary: String?
    var description: String?
    var method: (name: String, source: SourceLocation)?
    var path: (text: String, source: SourceLocation)?
    var security: [(name: String, source: SourceLocation)] = []
    var parameters: [RawMember] = []
    var request: (type: TypeExpression, contentTypes: [BodyContentType], description: String?, source: SourceLocation)?
    var responses: [RawResponse] = []
    var area: String
    var deprecation: Deprecation?
    var examples: [RawEndpointExample] = []
    var extensions: [Extension] = []
}

struct RawSecurityScheme: Sendable {
    var name: String
    var source: SourceLocation
    var kind: SecurityScheme.Kind?
    var description: String?
}

/// Everything the files say, gathered before any cross-file check.
struct RawSpec: Sendable {
    /// Files that are not valid YAML; what they define is unknown, so nothing is reported missing.
    var unreadableFiles = 0
    /// The bytes of every file: what values read after parsing (examples) may hand out, as aliases can
    /// repeat far more than a file writes.
    var textBytes = 0
    var infos: [(info: Info, source: SourceLocation)] = []
    var areas: [Area] = []
    var securitySchemes: [RawSecurityScheme] = []
    var structures: [RawStructure] = []
    var enums: [RawEnum] = []
    var endpoints: [RawEndpoint] = []

    mutating func append(_ other: RawSpec) {
        unreadableFiles += other.unreadableFiles
        textBytes += other.textBytes
        infos += other.infos
        areas += other.areas
        securitySchemes += other.securitySchemes
        structures += other.structures
        enums += other.enums
        endpoints += other.endpoints
    }
}

/// Reads spec files into a ``RawSpec``, reporting every shape problem (unknown keys, wrong kinds of value).
struct SpecParser: Sendable {
    var reader = NodeReader()
    var raw = RawSpec()

    static let topLevelKeys = ["info", "securitySchemes", "structures", "enums", "endpoints"]
    /// Keys a field and a parameter share.
    static let valueKeys = [
        "type", "required", "default", "description", "swiftName", "minLength", "maxLength", "pattern", "format",
        "minimum", "maximum", "minItems", "maxItems", "uniqueItems", "example", "examples",
    ]
    static let memberKeys = valueKeys + ["nullable", "deprecated", "readOnly", "writeOnly"]
    static let parameterKeys = ["in"] + valueKeys + ["nullable"]
    static let endpointKeys = [
        "summary", "description", "method", "path", "security", "parameters", "request", "response", "responses", "deprecated",
        "examples",
    ]

    mutating func parse(file: String, text: String, area: String) {
        let lines = Area.countLines(text)
        raw.areas.append(Area(name: area, file: file, lines: lines))
        raw.textBytes += text.utf8.count
        let composed = YAMLRecovery.compose(file: file, text: text)
        reader.diagnostics.append(composed.diagnostics)
        if composed.isPartial { raw.unreadableFiles += 1 }
        guard let root = composed.root else { return }
        reader.budget = text.utf8.count + 1_000
        readTopLevel(YAMLNode(node: root, file: file, edits: composed.edits), area: area)
        if let location = reader.exhaustedAt {
            // What was read is a fraction of the file: report only this, as for a file that is not YAML.
            raw = RawSpec(unreadableFiles: 1, areas: [Area(name: area, file: file, lines: lines)])
            reader.diagnostics = composed.diagnostics
            reader.diagnostics.error(
                .yamlAliases, "aliases repeat more of this file than it writes out (more than \(text.utf8.count + 1_000) entries and items)",
                at: location, hint: "write the repeated parts out instead of using *aliases")
        }
    }

    private mutating func readTopLevel(_ node: YAMLNode, area: String) {
        guard let entries = reader.entries(of: node, in: "the spec file", allowed: Self.topLevelKeys) else { return }
        if let info = entries["info"] { parseInfo(info.value) }
        if let schemes = entries["securitySchemes"], let pairs = reader.mapping(schemes.value, in: "'securitySchemes'") {
            for (key, value) in pairs { parseSecurityScheme(key, value) }
        }
        if let structures = entries["structures"], let pairs = reader.mapping(structures.value, in: "'structures'") {
            for (key, value) in pairs { parseStructure(key, value, area: area) }
        }
        if let enums = entries["enums"], let pairs = reader.mapping(enums.value, in: "'enums'") {
            for (key, value) in pairs { parseEnum(key, value, area: area) }
        }
        if let endpoints = entries["endpoints"], let pairs = reader.mapping(endpoints.value, in: "'endpoints'") {
            for (key, value) in pairs { parseEndpoint(key, value, area: area) }
        }
    }

    private mutating func parseInfo(_ node: YAMLNode) {
        guard let entries = reader.entries(of: node, in: "'info'", allowed: ["title", "version", "description"], extensible: true) else {
            return
        }
        var title: String?
        var version: String?
        if let entry = entries["title"] { title = reader.string(entry.value, in: "'title'") }
        if let entry = entries["version"] { version = reader.string(entry.value, in: "'version'") }
        if entries["title"] == nil { reader.diagnostics.error(.missingKey, "'info' needs a 'title'", at: node.location) }
        if entries["version"] == nil { reader.diagnostics.error(.missingKey, "'info' needs a 'version'", at: node.location) }
        let description = entries["description"].flatMap { reader.string($0.value, in: "'description'") }
        raw.infos.append(
            (Info(title: title ?? "", version: version ?? "", description: description, extensions: extensions(entries)), node.location))
    }

    private mutating func parseSecurityScheme(_ key: YAMLNode, _ value: YAMLNode) {
        guard let name = reader.string(key, in: "a security scheme name") else { return }
        let context = "security scheme '\(name)'"
        var scheme = RawSecurityScheme(name: name, source: key.location)
        if let entries = reader.entries(of: value, in: context, allowed: ["type", "description"]) {
            if let entry = entries["type"], let text = reader.string(entry.value, in: "'type' of \(context)") {
                scheme.kind = SecurityScheme.Kind(rawValue: text)
                if scheme.kind == nil {
                    reader.diagnostics.error(
                        .unknownValue, "unknown security scheme type '\(text)'", at: entry.value.location,
                        hint: "supported: \(SecurityScheme.Kind.allCases.map(\.rawValue).joined(separator: ", "))")
                }
            } else if entries["type"] == nil {
                reader.diagnostics.error(.missingKey, "\(context) needs a 'type'", at: key.location, hint: "write 'type: bearer'")
            }
            scheme.description = entries["description"].flatMap { reader.string($0.value, in: "'description'") }
        }
        raw.securitySchemes.append(scheme)
    }

    private mutating func parseStructure(_ key: YAMLNode, _ value: YAMLNode, area: String) {
        guard let name = reader.string(key, in: "a structure name") else { return }
        let context = "structure '\(name)'"
        var structure = RawStructure(name: name, source: key.location, fields: [], area: area)
        if let entries = reader.entries(of: value, in: context, allowed: ["description", "fields", "example", "examples"], extensible: true) {
            structure.description = entries["description"].flatMap { reader.string($0.value, in: "'description'") }
            structure.exampleNodes = exampleNodes(entries, in: context)
            structure.extensions = extensions(entries)
            if let fields = entries["fields"], let pairs = reader.mapping(fields.value, in: "'fields' of \(context)") {
                for (fieldKey, fieldValue) in pairs {
                    guard let fieldName = reader.string(fieldKey, in: "a field name") else { continue }
                    let member = parseMember(
                        fieldName, key: fieldKey, value: fieldValue, in: "field '\(fieldName)' of \(context)",
                        allowed: Self.memberKeys)
                    if let member { structure.fields.append(member) }
                }
            }
        }
        raw.structures.append(structure)
    }

    /// A field or parameter. A bare type (`sub: string`) is shorthand for `{ type: string }`.
    private mutating func parseMember(
        _ name: String, key: YAMLNode, value: YAMLNode, in context: String, allowed: [String]
    ) -> RawMember? {
        var member = RawMember(name: name, source: key.location)
        if value.scalar != nil || value.items != nil {
            member.type = parseType(value, in: context)
            return member
        }
        guard let entries = reader.entries(of: value, in: context, allowed: allowed, extensible: true) else { return nil }
        member.exampleNodes = exampleNodes(entries, in: context)
        member.extensions = extensions(entries)
        member.deprecation = entries["deprecated"].flatMap { deprecation($0.value) }
        for access in [FieldAccess.readOnly, .writeOnly] {
            guard let entry = entries[access.rawValue], reader.bool(entry.value, in: "'\(access.rawValue)'") == true else { continue }
            if member.access != .readWrite {
                reader.diagnostics.error(
                    .valueKind, "\(context) cannot be both readOnly and writeOnly", at: entry.key.location,
                    hint: "a field that no message carries is not a field")
            }
            member.access = access
            member.accessSource = entry.key.location
        }
        if let entry = entries["type"] {
            member.type = parseType(entry.value, in: context)
        } else {
            reader.diagnostics.error(.missingKey, "\(context) needs a 'type'", at: key.location, hint: "add 'type: string' or another type")
        }
        if let entry = entries["required"] {
            member.isRequired = reader.bool(entry.value, in: "'required'")
            member.requiredSource = entry.value.location
        }
        member.defaultNode = entries["default"]?.value
        if let entry = entries["nullable"] {
            member.isNullable = reader.bool(entry.value, in: "'nullable'") ?? false
            member.nullableSource = entry.value.location
        }
        member.description = entries["description"].flatMap { reader.string($0.value, in: "'description'") }
        if let entry = entries["swiftName"], let text = reader.string(entry.value, in: "'swiftName'") {
            member.swiftName = (text, entry.value.location)
        }
        if let entry = entries["in"], let text = reader.string(entry.value, in: "'in'") {
            member.kind = Parameter.Kind(rawValue: text)
            if member.kind == nil {
                reader.diagnostics.error(
                    .unknownValue, "unknown parameter location '\(text)'", at: entry.value.location,
                    hint: Suggestion.hint(for: text, among: Parameter.Kind.allCases.map(\.rawValue))
                        ?? "use path, query or header")
            }
        }
        parseConstraints(entries, into: &member)
        return member
    }

    private mutating func parseConstraints(_ entries: [String: (key: YAMLNode, value: YAMLNode)], into member: inout RawMember) {
        for (name, entry) in entries {
            let value = entry.value
            let context = "'\(name)'"
            switch name {
            case "minLength": member.constraints.minLength = reader.count(value, in: context)
            case "maxLength": member.constraints.maxLength = reader.count(value, in: context)
            case "minItems": member.constraints.minItems = reader.count(value, in: context)
            case "maxItems": member.constraints.maxItems = reader.count(value, in: context)
            case "uniqueItems": member.constraints.uniqueItems = reader.bool(value, in: context) ?? false
            case "minimum": member.constraints.minimum = reader.number(value, in: context)
            case "maximum": member.constraints.maximum = reader.number(value, in: context)
            case "pattern": member.constraints.pattern = reader.string(value, in: context)
            case "format":
                guard let text = reader.string(value, in: context) else { continue }
                member.constraints.format = StringFormat(rawValue: text)
                if member.constraints.format == nil {
                    reader.diagnostics.error(
                        .unknownValue, "unknown format '\(text)'", at: value.location,
                        hint: Suggestion.hint(for: text, among: StringFormat.allCases.map(\.rawValue))
                            ?? "known formats: \(StringFormat.allCases.map(\.rawValue).joined(separator: ", "))")
                }
            default: continue
            }
            member.constraintSources[name] = entry.key.location
        }
    }

    /// A type written as text (`"[string]"`), as a YAML list (`[string]`) or as a YAML mapping (`{string: int64}`).
    /// `depth` counts the lists and maps around it, YAML and text alike, up to ``TypeTextParser/maximumDepth``.
    private mutating func parseType(_ node: YAMLNode, in context: String, depth: Int = 0) -> TypeExpression? {
        if node.items != nil || node.pairs != nil, depth >= TypeTextParser.maximumDepth {
            reader.diagnostics.error(.typeSyntax, TypeTextParser.tooDeep, at: node.location, hint: TypeTextParser.tooDeepHint)
            return nil
        }
        if let items = node.items {
            guard items.count == 1 else {
                reader.diagnostics.error(
                    .typeSyntax, "a list type names exactly one element type", at: node.location, hint: "write [string] or [MyType]")
                return nil
            }
            return parseType(items[0], in: context, depth: depth + 1).map(TypeExpression.array)
        }
        if let pairs = node.pairs {
            guard pairs.count == 1, pairs[0].key.scalar == "string" else {
                reader.diagnostics.error(
                    .typeSyntax, "a map type is written {string: T}", at: node.location, hint: "keys of JSON objects are strings")
                return nil
            }
            return parseType(pairs[0].value, in: context, depth: depth + 1).map(TypeExpression.map)
        }
        guard let text = reader.string(node, in: "the type of \(context)") else { return nil }
        var parser = TypeTextParser(text: text, start: node.textStart, depth: depth)
        switch parser.parse() {
        case .success(let expression):
            return expression
        case .failure(let failure):
            reader.diagnostics.error(.typeSyntax, failure.message, at: failure.location, hint: failure.hint)
            return nil
        }
    }

    private mutating func parseEnum(_ key: YAMLNode, _ value: YAMLNode, area: String) {
        guard let name = reader.string(key, in: "an enum name") else { return }
        let context = "enum '\(name)'"
        var result = RawEnum(name: name, source: key.location, values: [], area: area)
        guard let entries = reader.entries(of: value, in: context, allowed: ["description", "values"], extensible: true) else { return }
        result.description = entries["description"].flatMap { reader.string($0.value, in: "'description'") }
        result.extensions = extensions(entries)
        if let valuesNode = entries["values"]?.value {
            if let items = valuesNode.items {
                for item in reader.spend(items.count, on: valuesNode) ? items : [] { parseEnumValue(item, nil, into: &result) }
            } else if let pairs = valuesNode.pairs {
                for (valueKey, valueNode) in reader.spend(pairs.count, on: valuesNode) ? pairs : [] {
                    parseEnumValue(valueKey, valueNode, into: &result)
                }
            } else {
                reader.diagnostics.error(.valueKind, "'values' of \(context) must be a list or a mapping", at: valuesNode.location)
            }
        }
        if result.values.isEmpty {
            reader.diagnostics.error(.missingKey, "\(context) has no values", at: key.location, hint: "add 'values: [A, B]'")
        }
        raw.enums.append(result)
    }

    /// One enum value: `OK`, `{ value: OK, description: … }`, or in the mapping form `OK: …` / `OK: { description: … }`.
    private mutating func parseEnumValue(_ node: YAMLNode, _ detail: YAMLNode?, into result: inout RawEnum) {
        let keys = ["value", "description", "swiftName", "deprecated"]
        var valueNode = node
        var entries: [String: (key: YAMLNode, value: YAMLNode)] = [:]
        if let detail {
            if detail.scalar != nil, !detail.isNull {
                entries["description"] = (detail, detail)
            } else if !detail.isNull {
                entries = reader.entries(of: detail, in: "enum value", allowed: ["description", "swiftName", "deprecated"]) ?? [:]
            }
        } else if node.pairs != nil {
            entries = reader.entries(of: node, in: "enum value", allowed: keys) ?? [:]
            guard let entry = entries["value"] else {
                reader.diagnostics.error(.missingKey, "an enum value written as a mapping needs 'value'", at: node.location)
                return
            }
            valueNode = entry.value
        }
        guard let value = reader.string(valueNode, in: "an enum value") else { return }
        let description = entries["description"].flatMap { reader.string($0.value, in: "'description'") }
        var swiftName: (String, SourceLocation)?
        if let entry = entries["swiftName"], let text = reader.string(entry.value, in: "'swiftName'") {
            swiftName = (text, entry.value.location)
        }
        let deprecated = entries["deprecated"].flatMap { deprecation($0.value) }
        result.values.append(
            RawEnumValue(value: value, description: description, swiftName: swiftName, source: valueNode.location, deprecation: deprecated))
    }

    private mutating func parseEndpoint(_ key: YAMLNode, _ value: YAMLNode, area: String) {
        guard let name = reader.string(key, in: "an endpoint name") else { return }
        let context = "endpoint '\(name)'"
        var endpoint = RawEndpoint(name: name, source: key.location, area: area)
        guard let entries = reader.entries(of: value, in: context, allowed: Self.endpointKeys, extensible: true) else { return }
        endpoint.summary = entries["summary"].flatMap { reader.string($0.value, in: "'summary'") }
        endpoint.deprecation = entries["deprecated"].flatMap { deprecation($0.value) }
        endpoint.extensions = extensions(entries)
        if let entry = entries["examples"], let pairs = reader.mapping(entry.value, in: "'examples' of \(context)") {
            for (exampleKey, exampleValue) in pairs { parseEndpointExample(exampleKey, exampleValue, into: &endpoint) }
        }
        endpoint.description = entries["description"].flatMap { reader.string($0.value, in: "'description'") }
        if let entry = entries["method"], let text = reader.string(entry.value, in: "'method'") {
            endpoint.method = (text, entry.value.location)
        } else if entries["method"] == nil {
            reader.diagnostics.error(.missingKey, "\(context) needs a 'method'", at: key.location, hint: "add 'method: POST' or another")
        }
        if let entry = entries["path"], let text = reader.string(entry.value, in: "'path'") {
            endpoint.path = (text, entry.value.textStart)
        } else if entries["path"] == nil {
            reader.diagnostics.error(.missingKey, "\(context) needs a 'path'", at: key.location)
        }
        if let entry = entries["security"], let items = reader.list(entry.value, in: "'security'") {
            for item in items {
                if let scheme = reader.string(item, in: "a security scheme name") { endpoint.security.append((scheme, item.location)) }
            }
        }
        if let entry = entries["parameters"], let pairs = reader.mapping(entry.value, in: "'parameters' of \(context)") {
            for (parameterKey, parameterValue) in pairs {
                guard let parameterName = reader.string(parameterKey, in: "a parameter name") else { continue }
                let parameterContext = "parameter '\(parameterName)' of \(context)"
                if parameterValue.pairs == nil {
                    reader.diagnostics.error(
                        .valueKind, "\(parameterContext) must be a mapping with 'in' and 'type'", at: parameterValue.location)
                    continue
                }
                guard var member = parseMember(
                    parameterName, key: parameterKey, value: parameterValue, in: parameterContext, allowed: Self.parameterKeys)
                else { continue }
                if parameterValue.pairs?.contains(where: { $0.key.scalar == "in" }) == false {
                    reader.diagnostics.error(
                        .missingKey, "\(parameterContext) needs 'in'", at: parameterKey.location, hint: "write 'in: path', 'in: query' or 'in: header'")
                    member.kind = nil
                }
                endpoint.parameters.append(member)
            }
        }
        if let entry = entries["request"] { endpoint.request = parseRequest(entry.value, in: context) }
        if let entry = entries["response"] {
            if entries["responses"] != nil {
                reader.diagnostics.error(
                    .duplicateDefinition, "\(context) has both 'response' and 'responses'", at: entry.key.location,
                    hint: "move the 200 response into 'responses'")
            }
            if let type = parseType(entry.value, in: "the response of \(context)") {
                endpoint.responses.append(RawResponse(status: 200, source: entry.value.location, body: type))
            }
        }
        if let entry = entries["responses"], let pairs = reader.mapping(entry.value, in: "'responses' of \(context)") {
            for (statusKey, responseValue) in pairs {
                if let response = parseResponse(statusKey, responseValue, in: context) { endpoint.responses.append(response) }
            }
        }
        raw.endpoints.append(endpoint)
    }

    /// `name: { summary, parameters: { … }, request: …, status: 200, response: … }` under an endpoint's `examples`.
    private mutating func parseEndpointExample(_ key: YAMLNode, _ value: YAMLNode, into endpoint: inout RawEndpoint) {
        guard let name = reader.string(key, in: "an example name") else { return }
        let context = "example '\(name)' of endpoint '\(endpoint.name)'"
        guard
            let entries = reader.entries(
                of: value, in: context, allowed: ["summary", "parameters", "request", "status", "response"])
        else { return }
        var example = RawEndpointExample(name: name, source: key.location)
        example.summary = entries["summary"].flatMap { reader.string($0.value, in: "'summary'") }
        if let entry = entries["parameters"] {
            example.parameters = reader.mapping(entry.value, in: "'parameters' of \(context)") ?? []
        }
        example.request = entries["request"]?.value
        example.response = entries["response"]?.value
        if let entry = entries["status"] {
            if let code = entry.value.node.int, (100...599).contains(code) {
                example.status = (code, entry.value.location)
            } else {
                reader.diagnostics.error(
                    .valueKind, "'status' of \(context) must be an HTTP status code", at: entry.value.location,
                    hint: "use a number from 100 to 599")
            }
        }
        endpoint.examples.append(example)
    }

    /// `example: value` or `examples: [value, …]`, left as YAML until the type is known.
    private mutating func exampleNodes(_ entries: [String: (key: YAMLNode, value: YAMLNode)], in context: String) -> [YAMLNode] {
        if let single = entries["example"] {
            if entries["examples"] != nil {
                reader.diagnostics.error(
                    .duplicateDefinition, "\(context) has both 'example' and 'examples'", at: single.key.location,
                    hint: "put the example into the 'examples' list")
            }
            return [single.value]
        }
        guard let entry = entries["examples"] else { return [] }
        return reader.list(entry.value, in: "'examples' of \(context)") ?? []
    }

    /// `deprecated: true`, or the message that says what to use instead.
    private mutating func deprecation(_ node: YAMLNode) -> Deprecation? {
        if let flag = node.node.bool { return flag ? Deprecation() : nil }
        guard let message = reader.string(node, in: "'deprecated'") else { return nil }
        return Deprecation(message: message)
    }

    /// The `x-…` keys of a mapping, in the order they are written.
    private mutating func extensions(_ entries: [String: (key: YAMLNode, value: YAMLNode)]) -> [Extension] {
        entries.filter { $0.key.hasPrefix("x-") }.sorted { $0.value.key.location < $1.value.key.location }.map {
            Extension(name: $0.key, value: reader.literal($0.value.value))
        }
    }

    private mutating func parseRequest(
        _ node: YAMLNode, in context: String
    ) -> (type: TypeExpression, contentTypes: [BodyContentType], description: String?, source: SourceLocation)? {
        if node.pairs == nil {
            guard let type = parseType(node, in: "the request of \(context)") else { return nil }
            return (type, [.json], nil, node.location)
        }
        guard let entries = reader.entries(of: node, in: "the request of \(context)", allowed: ["body", "contentTypes", "description"])
        else { return nil }
        guard let bodyEntry = entries["body"] else {
            reader.diagnostics.error(.missingKey, "the request of \(context) needs a 'body'", at: node.location)
            return nil
        }
        guard let type = parseType(bodyEntry.value, in: "the request of \(context)") else { return nil }
        var contentTypes: [BodyContentType] = []
        if let entry = entries["contentTypes"], let items = reader.list(entry.value, in: "'contentTypes'") {
            for item in items {
                guard let text = reader.string(item, in: "a content type") else { continue }
                if let contentType = BodyContentType(rawValue: text) {
                    contentTypes.append(contentType)
                } else {
                    reader.diagnostics.error(
                        .unknownValue, "unknown content type '\(text)'", at: item.location,
                        hint: Suggestion.hint(for: text, among: BodyContentType.allCases.map(\.rawValue))
                            ?? "use json or form")
                }
            }
        }
        let description = entries["description"].flatMap { reader.string($0.value, in: "'description'") }
        return (type, contentTypes.isEmpty ? [.json] : contentTypes, description, bodyEntry.value.location)
    }

    private mutating func parseResponse(_ statusKey: YAMLNode, _ value: YAMLNode, in context: String) -> RawResponse? {
        guard let status = statusKey.node.int, (100...599).contains(status) else {
            reader.diagnostics.error(
                .response, "response status '\(statusKey.scalar ?? "")' is not an HTTP status code", at: statusKey.location,
                hint: "use a number from 100 to 599")
            return nil
        }
        var response = RawResponse(status: status, source: statusKey.location)
        if value.isNull { return response }
        if value.pairs == nil {
            response.body = parseType(value, in: "the \(status) response of \(context)")
            return response
        }
        guard let entries = reader.entries(of: value, in: "the \(status) response of \(context)", allowed: ["body", "description"])
        else { return nil }
        if let entry = entries["body"] { response.body = parseType(entry.value, in: "the \(status) response of \(context)") }
        response.description = entries["description"].flatMap { reader.string($0.value, in: "'description'") }
        return response
    }
}

/// Parses type text such as `[{string: Scope}]`, pointing at the exact column of a problem.
struct TypeTextParser {
    struct Failure: Error {
        var message: String
        var location: SourceLocation
        var hint: String?
    }

    /// The most lists and maps one type may nest: far more than any API needs, and few enough that the
    /// recursive parsing, checking and generation of types never run out of stack.
    static let maximumDepth = 32
    static let tooDeep = "the type nests lists and maps more than \(maximumDepth) deep"
    static let tooDeepHint = "name a structure for the inner levels"

    let characters: [Character]
    let start: SourceLocation
    var index = 0
    /// Lists and maps open around the current position, with those of the YAML around the text.
    var depth: Int

    init(text: String, start: SourceLocation, depth: Int = 0) {
        self.characters = Array(text)
        self.start = start
        self.depth = depth
    }

    mutating func parse() -> Result<TypeExpression, Failure> {
        do {
            let expression = try parseExpression()
            skipSpaces()
            if index < characters.count {
                throw Failure(message: "unexpected '\(characters[index])' in type", location: location(at: index))
            }
            return .success(expression)
        } catch let failure as Failure {
            return .failure(failure)
        } catch {
            return .failure(Failure(message: "\(error)", location: start))
        }
    }

    private func location(at offset: Int) -> SourceLocation {
        var location = start
        location.column += offset
        return location
    }

    private mutating func skipSpaces() {
        while index < characters.count, characters[index] == " " { index += 1 }
    }

    private mutating func expect(_ character: Character, hint: String) throws {
        skipSpaces()
        guard index < characters.count, characters[index] == character else {
            throw Failure(message: "expected '\(character)' in type", location: location(at: index), hint: hint)
        }
        index += 1
    }

    private mutating func parseExpression() throws -> TypeExpression {
        skipSpaces()
        guard index < characters.count else {
            throw Failure(message: "missing type", location: location(at: index), hint: "write string, [T], {string: T} or a type name")
        }
        if characters[index] == "[" || characters[index] == "{", depth >= Self.maximumDepth {
            throw Failure(message: Self.tooDeep, location: location(at: index), hint: Self.tooDeepHint)
        }
        switch characters[index] {
        case "[":
            index += 1
            depth += 1
            defer { depth -= 1 }
            let element = try parseExpression()
            try expect("]", hint: "close the list type with ']'")
            return .array(element)
        case "{":
            index += 1
            depth += 1
            defer { depth -= 1 }
            skipSpaces()
            let keyStart = index
            let key = readName()
            guard key == "string" else {
                throw Failure(
                    message: "map keys must be 'string', not '\(key)'", location: location(at: keyStart),
                    hint: "write {string: T}")
            }
            try expect(":", hint: "write {string: T}")
            let value = try parseExpression()
            try expect("}", hint: "close the map type with '}'")
            return .map(value)
        default:
            let nameStart = index
            let name = readName()
            guard !name.isEmpty else {
                throw Failure(message: "unexpected '\(characters[index])' in type", location: location(at: index))
            }
            return .named(name, location(at: nameStart))
        }
    }

    private mutating func readName() -> String {
        var name = ""
        while index < characters.count, characters[index].isLetter || characters[index].isNumber
            || characters[index] == "-" || characters[index] == "_"
        {
            name.append(characters[index])
            index += 1
        }
        return name
    }
}
