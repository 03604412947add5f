import SpecModel

/// Translates a checked ``Spec`` into the contexts the Swift templates render.
struct SwiftTranslator {
    let spec: Spec

    // MARK: Types

    func swiftType(_ type: TypeRef) -> String {
        switch type {
        case .string, .jsonString: "String"
        case .int32: "Int32"
        case .int64: "Int64"
        case .double: "Double"
        case .bool: "Bool"
        case .url: "URL"
        case .dateTime: "Date"
        case .json: "JSONValue"
        case .array(let element): "[\(swiftType(element))]"
        case .map(let value): "[String: \(swiftType(value))]"
        case .structure(let name), .enumeration(let name): name
        }
    }

    /// Whether values of the type carry their own `validate`: structures, enums and containers of them.
    func isValidatable(_ type: TypeRef) -> Bool {
        switch type {
        case .structure, .enumeration: true
        case .array(let element), .map(let element): isValidatable(element)
        default: false
        }
    }

    func literal(_ value: DefaultValue, type: TypeRef) -> String {
        switch (value, type) {
        case (.string(let text), .url): "URL(string: \(Self.stringLiteral(text)))!"
        case (.string(let text), _): Self.stringLiteral(text)
        case (.number(let number), .double): number.doubleValue.description
        case (.number(let number), _): number.description
        case (.bool(let flag), _): flag ? "true" : "false"
        case (.enumValue(let raw), .enumeration(let name)):
            "." + SwiftNaming.escaped(spec.enumType(named: name)?.values.first { $0.value == raw }?.swiftName ?? raw)
        case (.array(let items), .array(let element)): "[" + items.map { literal($0, type: element) }.joined(separator: ", ") + "]"
        default: "nil"
        }
    }

    /// A Swift string literal; raw (`#"…"#`) when the text has quotes or backslashes, so regexes read as written.
    static func stringLiteral(_ text: String) -> String {
        let plain = !text.contains("\"") && !text.contains("\\") && !text.contains("\n") && !text.contains("\r")
        if plain { return "\"\(text)\"" }
        if !text.contains("\n") && !text.contains("\r") {
            var hashes = "#"
            while text.contains("\"\(hashes)") { hashes += "#" }
            return "\(hashes)\"\(text)\"\(hashes)"
        }
        let escaped = text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n").replacingOccurrences(of: "\r", with: "\\r")
        return "\"\(escaped)\""
    }

    /// Description text as doc-comment lines (`/// …`), without trailing spaces.
    static func docLines(_ text: String?, extra: [String] = []) -> [String] {
        var lines = (text ?? "").trimmingCharacters(in: .whitespacesAndNewlines).split(separator: "\n", omittingEmptySubsequences: false)
            .map { $0.trimmingCharacters(in: .whitespaces) }
        if lines == [""] { lines = [] }
        if !lines.isEmpty, !extra.isEmpty { lines.append("") }
        lines += extra
        return lines.map { $0.isEmpty ? "///" : "/// \($0)" }
    }

    /// `@available(*, deprecated, message: "…")`.
    static func deprecationAttribute(_ deprecation: Deprecation?) -> String? {
        guard let deprecation else { return nil }
        guard let message = deprecation.message else { return "@available(*, deprecated)" }
        return "@available(*, deprecated, message: \(stringLiteral(message)))"
    }

    static func extensions(_ extensions: [Extension]) -> [ExtensionContext] {
        extensions.map { item in
            let value = DocumentValue(item.value)
            var text: String?
            switch item.value {
            case .string(let string): text = string
            case .number, .bool: text = value.compactJSON()
            default: text = nil
            }
            return ExtensionContext(name: item.name, json: value.compactJSON(), text: text)
        }
    }

    /// "Deprecated: …" closing a doc comment, so readers of generated code and of the docs see it.
    static func deprecationNote(_ deprecation: Deprecation?) -> [String] {
        guard let deprecation else { return [] }
        return ["- Deprecated" + (deprecation.message.map { ": \($0)" } ?? ".")]
    }

    // MARK: Structures

    func structure(_ structure: Structure) -> StructureContext {
        members(name: structure.name, description: structure.description, fields: structure.fields, extensions: structure.extensions)
    }

    func members(name: String, description: String?, fields: [Field], extensions: [Extension] = []) -> StructureContext {
        let contexts = fields.map(field)
        let patterns = fields.compactMap { field in
            field.constraints.pattern.map { PatternContext(name: patternName(field), literal: Self.stringLiteral($0)) }
        }
        return StructureContext(
            name: name, docLines: Self.docLines(description), extensions: Self.extensions(extensions), fields: contexts,
            hasFields: !contexts.isEmpty,
            requiredLocalNames: contexts.filter { $0.decodeMethod == "required" }.map(\.localName), patterns: patterns,
            hasChecks: contexts.contains { $0.hasChecks })
    }

    private func patternName(_ field: Field) -> String { "\(field.swiftName)Pattern" }

    func field(_ field: Field) -> FieldContext {
        let base = swiftType(field.type)
        let defaultLiteral = field.defaultValue.map { literal($0, type: field.type) }
        let isOptional = field.isOptionalInSwift && defaultLiteral == nil
        // Required in both directions: decoding fails without it.
        let isRequired = field.isRequired && field.access == .readWrite
        var extra: [String] = []
        if let defaultLiteral, !field.isRequired { extra.append("Defaults to `\(defaultLiteral)` when absent.") }
        switch field.access {
        case .readWrite: break
        case .readOnly: extra.append("Read-only: responses carry it; a server ignores it in requests.")
        case .writeOnly: extra.append("Write-only: requests carry it; responses never do.")
        }
        extra += Self.deprecationNote(field.deprecation)
        let omittedIn: String? = switch field.access {
        case .readWrite: nil
        case .readOnly: "request"
        case .writeOnly: "response"
        }
        let requiredIn: String? = field.isRequired && field.access != .readWrite ? (field.access == .readOnly ? "response" : "request") : nil
        let checks = self.checks(for: field)
        let swiftName = SwiftNaming.escaped(field.swiftName)
        return FieldContext(
            wireName: field.wireName, wireLiteral: Self.stringLiteral(field.wireName), swiftName: swiftName,
            argumentLabel: SwiftNaming.argumentLabel(field.swiftName), localName: "field" + SwiftNaming.upperCamel(field.swiftName),
            docLines: Self.docLines(field.description, extra: extra),
            swiftType: isOptional ? base + "?" : base, baseType: base, isOptional: isOptional, isNullable: isOptional && field.isNullable,
            decodeMethod: isRequired ? "required" : "optional", defaultLiteral: field.isRequired ? nil : defaultLiteral,
            initializerDefault: isRequired ? "" : " = \(defaultLiteral ?? "nil")", checks: checks, hasChecks: !checks.isEmpty,
            storageName: field.deprecation == nil ? swiftName : "_" + field.swiftName,
            deprecationAttribute: Self.deprecationAttribute(field.deprecation), omittedIn: omittedIn, requiredIn: requiredIn,
            extensions: Self.extensions(field.extensions))
    }

    private func checks(for field: Field) -> [CheckContext] {
        let constraints = field.constraints
        let text = field.type == .url ? "value.absoluteString" : "value"
        var calls: [String] = []
        if let min = constraints.minLength { calls.append("Check.minLength(\(text), \(min), at: fieldPath, &violations)") }
        if let max = constraints.maxLength { calls.append("Check.maxLength(\(text), \(max), at: fieldPath, &violations)") }
        if constraints.pattern != nil {
            calls.append("Check.pattern(\(text), Self.\(patternName(field)), at: fieldPath, &violations)")
        }
        if let format = constraints.format { calls.append("Check.format(value, .\(format.rawValue), at: fieldPath, &violations)") }
        if let min = constraints.minimum { calls.append("Check.minimum(value, \(numberLiteral(min, field.type)), at: fieldPath, &violations)") }
        if let max = constraints.maximum { calls.append("Check.maximum(value, \(numberLiteral(max, field.type)), at: fieldPath, &violations)") }
        if let min = constraints.minItems { calls.append("Check.minItems(value.count, \(min), at: fieldPath, &violations)") }
        if let max = constraints.maxItems { calls.append("Check.maxItems(value.count, \(max), at: fieldPath, &violations)") }
        if constraints.uniqueItems { calls.append("Check.uniqueItems(value, at: fieldPath, &violations)") }
        if field.type == .jsonString { calls.append("Check.jsonText(value, at: fieldPath, &violations)") }
        if isValidatable(field.type) { calls.append("value.validate(at: fieldPath, violations: &violations)") }
        return calls.map(CheckContext.init)
    }

    private func numberLiteral(_ number: Number, _ type: TypeRef) -> String {
        type == .double ? number.doubleValue.description : number.description
    }

    func enumeration(_ item: EnumType) -> EnumContext {
        let cases = item.values.map {
            EnumCaseContext(
                swiftName: SwiftNaming.escaped($0.swiftName), literal: Self.stringLiteral($0.value),
                docLines: Self.docLines($0.description, extra: Self.deprecationNote($0.deprecation)),
                deprecationAttribute: Self.deprecationAttribute($0.deprecation))
        }
        let deprecated = cases.filter { $0.deprecationAttribute != nil }
        return EnumContext(
            name: item.name, docLines: Self.docLines(item.description), cases: cases,
            currentCases: cases.filter { $0.deprecationAttribute == nil }, deprecatedCases: deprecated,
            hasDeprecatedCases: !deprecated.isEmpty, extensions: Self.extensions(item.extensions))
    }

    // MARK: Operations

    func operation(_ endpoint: Endpoint) -> OperationContext {
        let typeName = SwiftNaming.upperCamel(endpoint.name)
        let parameters = endpoint.parameters.map { parameter($0, of: endpoint) }
        let body = endpoint.request.map {
            BodyContext(
                swiftType: swiftType($0.type), contentTypes: "[" + $0.contentTypes.map { ".\($0.rawValue)" }.joined(separator: ", ") + "]",
                docLines: Self.docLines($0.description))
        }
        var arguments: [String] = []
        for kind in Parameter.Kind.allCases where !endpoint.parameters(in: kind).isEmpty {
            let label = kind == .header ? "headers" : kind.rawValue
            let values = endpoint.parameters(in: kind).map { parameter($0, of: endpoint) }.map { "\($0.swiftName): \($0.localName)" }
            arguments.append("\(label): .init(\(values.joined(separator: ", ")))")
        }
        if body != nil { arguments.append("body: body") }
        if !endpoint.security.isEmpty { arguments.append("credentials: incoming.credentials") }
        return OperationContext(
            name: endpoint.name, typeName: typeName, docLines: operationDocLines(endpoint),
            deprecationAttribute: Self.deprecationAttribute(endpoint.deprecation), extensions: Self.extensions(endpoint.extensions),
            method: "." + endpoint.method.rawValue.lowercased(), methodName: endpoint.method.rawValue, path: endpoint.path,
            pathLiteral: Self.stringLiteral(endpoint.path),
            clientPath: clientPath(endpoint),
            pathParameters: parameterStructure("PathParameters", endpoint.parameters(in: .path)),
            queryParameters: parameterStructure("QueryParameters", endpoint.parameters(in: .query)),
            headerParameters: parameterStructure("HeaderParameters", endpoint.parameters(in: .header)),
            hasPathParameters: !endpoint.parameters(in: .path).isEmpty,
            hasQueryParameters: !endpoint.parameters(in: .query).isEmpty,
            hasHeaderParameters: !endpoint.parameters(in: .header).isEmpty,
            parameters: parameters, hasParameters: !parameters.isEmpty, hasInputs: !parameters.isEmpty || body != nil,
            queryInitializerDefault: initializerDefault(endpoint.parameters(in: .query)),
            headersInitializerDefault: initializerDefault(endpoint.parameters(in: .header)),
            clientMutatesRequest: parameters.contains { !$0.isPath } || body != nil || !endpoint.security.isEmpty,
            requiredLocalNames: parameters.filter { $0.isRequired && $0.defaultLiteral == nil }.map(\.localName),
            body: body, requiresCredentials: !endpoint.security.isEmpty,
            securityNames: endpoint.security.joined(separator: ", "),
            responses: endpoint.responses.map(response), inputArguments: arguments.joined(separator: ", "))
    }

    private func initializerDefault(_ parameters: [Parameter]) -> String {
        parameters.allSatisfy { !$0.isRequired || $0.defaultValue != nil } ? " = .init()" : ""
    }

    /// Summary, description and the route, as a doc comment.
    private func operationDocLines(_ endpoint: Endpoint) -> [String] {
        var doc = [endpoint.summary, endpoint.description].compactMap { $0 }.joined(separator: "\n\n")
        doc += (doc.isEmpty ? "" : "\n\n") + "`\(endpoint.method.rawValue) \(endpoint.path)`"
        return Self.docLines(doc, extra: Self.deprecationNote(endpoint.deprecation))
    }

    private func parameterStructure(_ name: String, _ parameters: [Parameter]) -> StructureContext {
        members(
            name: name, description: nil,
            fields: parameters.map {
                Field(
                    wireName: $0.name, swiftName: $0.swiftName, type: $0.type, isRequired: $0.isRequired,
                    defaultValue: $0.defaultValue, description: $0.description, constraints: $0.constraints, source: $0.source)
            })
    }

    private func parameter(_ parameter: Parameter, of endpoint: Endpoint) -> ParameterContext {
        // A {string: T} query parameter holds the query's other parameters: the routes and the client get the
        // names the endpoint declares instead of its own.
        var isOpenQuery = false
        if parameter.kind == .query, case .map = parameter.type { isOpenQuery = true }
        let declared = endpoint.parameters(in: .query).filter { $0.name != parameter.name }.map { Self.stringLiteral($0.name) }
        return ParameterContext(
            name: parameter.name, wireLiteral: isOpenQuery ? "[" + declared.joined(separator: ", ") + "]" : Self.stringLiteral(parameter.name),
            inputLabel: parameter.kind == .header ? "headers" : parameter.kind.rawValue,
            swiftName: SwiftNaming.escaped(parameter.swiftName),
            localName: parameter.kind.rawValue + SwiftNaming.upperCamel(parameter.swiftName), baseType: swiftType(parameter.type),
            kind: isOpenQuery ? "queryRest" : parameter.kind.rawValue, isRequired: parameter.isRequired,
            defaultLiteral: parameter.defaultValue.map { literal($0, type: parameter.type) },
            clientMethod: parameter.kind == .header ? "addHeader" : isOpenQuery ? "addQueryPairs" : "addQuery", isPath: parameter.kind == .path)
    }

    /// `"/api/\(PathEncoding.segment(input.path.serviceId))/idtoken/reissue"`
    private func clientPath(_ endpoint: Endpoint) -> String {
        var result = ""
        var remaining = Substring(endpoint.path)
        while let open = remaining.firstIndex(of: "{"), let close = remaining[open...].firstIndex(of: "}") {
            result += remaining[..<open]
            let name = String(remaining[remaining.index(after: open)..<close])
            let swiftName = endpoint.parameters.first { $0.name == name }?.swiftName ?? SwiftNaming.lowerCamel(name)
            result += "\\(PathEncoding.segment(input.path.\(SwiftNaming.escaped(swiftName))))"
            remaining = remaining[remaining.index(after: close)...]
        }
        return "\"" + result + remaining + "\""
    }

    private func response(_ response: Response) -> ResponseContext {
        ResponseContext(
            status: response.status, caseName: Self.caseName(forStatus: response.status),
            bodyType: response.body.map(swiftType), docLines: Self.docLines(response.description))
    }

    static func caseName(forStatus status: Int) -> String {
        let names = [
            200: "ok", 201: "created", 202: "accepted", 204: "noContent", 301: "movedPermanently", 302: "found",
            303: "seeOther", 304: "notModified", 400: "badRequest", 401: "unauthorized", 403: "forbidden",
            404: "notFound", 405: "methodNotAllowed", 409: "conflict", 410: "gone", 413: "contentTooLarge",
            415: "unsupportedMediaType", 422: "unprocessableContent", 429: "tooManyRequests",
            500: "internalServerError", 501: "notImplemented", 502: "badGateway", 503: "serviceUnavailable",
        ]
        return names[status] ?? "status\(status)"
    }

    // MARK: Files

    func areaContext(_ area: Area) -> AreaFileContext {
        AreaFileContext(
            header: SwiftGenerator.header(for: "the '\(area.name)' area of the spec"), area: area.name,
            areaTypeName: Self.areaTypeName(area.name),
            structures: spec.structures.filter { $0.area == area.name }.map(structure),
            enums: spec.enums.filter { $0.area == area.name }.map(enumeration),
            operations: spec.endpoints.filter { $0.area == area.name }.map(operation))
    }

    func globalContext() -> GlobalFileContext {
        GlobalFileContext(
            header: SwiftGenerator.header(for: "the spec '\(spec.info.title)'"), title: spec.info.title, version: spec.info.version,
            // Separated from the summary line the template writes above it.
            docLines: spec.info.description == nil ? [] : ["///"] + Self.docLines(spec.info.description),
            areas: spec.areas.map { area in
                let operations = spec.endpoints.filter { $0.area == area.name }.map {
                    OperationSummaryContext(name: $0.name, typeName: SwiftNaming.upperCamel($0.name), docLines: operationDocLines($0))
                }
                return AreaSummaryContext(
                    area: area.name, areaTypeName: Self.areaTypeName(area.name), operations: operations,
                    hasOperations: !operations.isEmpty)
            })
    }

    static func areaTypeName(_ area: String) -> String {
        area.split(separator: ".").map { SwiftNaming.upperCamel(String($0)) }.joined()
    }
}
