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
            // The default fills in the value only when no direction-dependent branch can leave it out.
            decodedType: !field.isRequired && defaultLiteral != nil && omittedIn == nil && requiredIn == nil ? base : base + "?",
            initializerDefault: isRequired ? "" : " = \(defaultLiteral ?? "nil")", checks: checks, hasChecks: hasChecks(checks),
            storageName: field.deprecation == nil && !field.isBoxed ? swiftName : "_" + field.swiftName,
            hasStorage: field.deprecation != nil || field.isBoxed, isBoxed: field.isBoxed,
            storageType: field.isBoxed ? "Boxed<\(base)>" + (isOptional ? "?" : "") : (isOptional ? base + "?" : base),
            deprecationAttribute: Self.deprecationAttribute(field.deprecation), omittedIn: omittedIn, requiredIn: requiredIn,
            extensions: Self.extensions(field.extensions))
    }

    private func checks(for field: Field) -> ChecksContext {
        let constraints = field.constraints
        return ChecksContext(
            text: field.type == .url ? "value.absoluteString" : "value", minLength: constraints.minLength,
            maxLength: constraints.maxLength, patternName: constraints.pattern == nil ? nil : patternName(field),
            format: constraints.format?.rawValue, minimum: constraints.minimum.map { numberLiteral($0, field.type) },
            maximum: constraints.maximum.map { numberLiteral($0, field.type) }, minItems: constraints.minItems,
            maxItems: constraints.maxItems, uniqueItems: constraints.uniqueItems, isJSONText: field.type == .jsonString,
            isValidatable: isValidatable(field.type))
    }

    private func hasChecks(_ checks: ChecksContext) -> Bool {
        checks.minLength != nil || checks.maxLength != nil || checks.patternName != nil || checks.format != nil || checks.minimum != nil
            || checks.maximum != nil || checks.minItems != nil || checks.maxItems != nil || checks.uniqueItems || checks.isJSONText
            || checks.isValidatable
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
        var inputParts = Parameter.Kind.allCases.filter { !endpoint.parameters(in: $0).isEmpty }.map { kind in
            let parameters = endpoint.parameters(in: kind).map { parameter($0, of: endpoint) }
            return InputPartContext(
                label: kind == .header ? "headers" : kind.rawValue,
                arguments: parameters.enumerated().map { index, parameter in
                    InputArgumentContext(
                        swiftName: parameter.swiftName, localName: parameter.localName, separator: index == parameters.count - 1 ? "" : ", ")
                },
                isBody: false, isCredentials: false, separator: ", ")
        }
        if body != nil { inputParts.append(InputPartContext(label: "body", arguments: [], isBody: true, isCredentials: false, separator: ", ")) }
        if !endpoint.security.isEmpty {
            inputParts.append(InputPartContext(label: "credentials", arguments: [], isBody: false, isCredentials: true, separator: ", "))
        }
        if !inputParts.isEmpty { inputParts[inputParts.count - 1].separator = "" }
        return OperationContext(
            name: endpoint.name, typeName: typeName, docLines: operationDocLines(endpoint),
            deprecationAttribute: Self.deprecationAttribute(endpoint.deprecation), extensions: Self.extensions(endpoint.extensions),
            method: "." + endpoint.method.rawValue.lowercased(), methodName: endpoint.method.rawValue, path: endpoint.path,
            pathLiteral: Self.stringLiteral(endpoint.path),
            pathPieces: pathPieces(endpoint),
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
            responses: endpoint.responses.map(response), inputParts: inputParts)
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

    /// `/api/{serviceId}/idtoken/reissue` as `/api/`, `serviceId`, `/idtoken/reissue`; the text as it goes
    /// inside a Swift string literal.
    private func pathPieces(_ endpoint: Endpoint) -> [PathPieceContext] {
        func text(_ piece: Substring) -> PathPieceContext {
            PathPieceContext(text: piece.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\""), parameter: nil)
        }
        var pieces: [PathPieceContext] = []
        var remaining = Substring(endpoint.path)
        while let open = remaining.firstIndex(of: "{"), let close = remaining[open...].firstIndex(of: "}") {
            if open > remaining.startIndex { pieces.append(text(remaining[..<open])) }
            let name = String(remaining[remaining.index(after: open)..<close])
            let swiftName = endpoint.parameters.first { $0.name == name }?.swiftName ?? SwiftNaming.lowerCamel(name)
            pieces.append(PathPieceContext(text: nil, parameter: SwiftNaming.escaped(swiftName)))
            remaining = remaining[remaining.index(after: close)...]
        }
        if !remaining.isEmpty { pieces.append(text(remaining)) }
        return pieces
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

    /// An area's structures, enums and endpoints cut into its parts (``SwiftGenerator/partCount(lines:)`` of
    /// them): each list in that many runs in spec order, of about equal size, so every file is about as long.
    struct AreaParts {
        var area: Area
        var structures: [ArraySlice<Structure>]
        var enums: [ArraySlice<EnumType>]
        var endpoints: [ArraySlice<Endpoint>]

        var count: Int { endpoints.count }
    }

    func parts(of area: Area) -> AreaParts {
        let count = SwiftGenerator.partCount(lines: area.lines)
        return AreaParts(
            area: area,
            structures: Self.split(spec.structures.filter { $0.area == area.name }, into: count, weight: Self.weight),
            enums: Self.split(spec.enums.filter { $0.area == area.name }, into: count, weight: Self.weight),
            endpoints: Self.split(spec.endpoints.filter { $0.area == area.name }, into: count, weight: Self.weight))
    }

    func areaContext(_ parts: AreaParts, part: Int) -> AreaFileContext {
        let area = parts.area, areaTypeName = Self.areaTypeName(area.name)
        return AreaFileContext(
            header: SwiftGenerator.header(for: "the '\(area.name)' area of the spec"), area: area.name,
            areaTypeName: areaTypeName, handlerGroup: Self.handlerGroup(areaTypeName, part: part),
            structures: parts.structures[part].map(structure), enums: parts.enums[part].map(enumeration),
            operations: parts.endpoints[part].map(operation))
    }

    /// About how many lines each element generates, relative to the others.
    static func weight(_ structure: Structure) -> Int { structure.fields.count + 2 }
    static func weight(_ enumeration: EnumType) -> Int { enumeration.values.count / 4 + 2 }
    static func weight(_ endpoint: Endpoint) -> Int { endpoint.parameters.count + 6 }

    /// `Token` for an area's first part, `Token_Part2` for its second: an underscore before a letter is never
    /// in an area's type name, so a part's name cannot be another area's (`token2.yaml` is `Token2`).
    static func handlerGroup(_ areaTypeName: String, part: Int) -> String {
        part == 0 ? areaTypeName : "\(areaTypeName)_Part\(part + 1)"
    }

    /// `items` in `count` consecutive runs whose weights are as even as whole items allow (some may be empty).
    static func split<Item>(_ items: [Item], into count: Int, weight: (Item) -> Int) -> [ArraySlice<Item>] {
        let weights = items.map(weight)
        let total = weights.reduce(0, +)
        var runs: [ArraySlice<Item>] = []
        var start = 0, index = 0, sum = 0
        for part in 1...count {
            // An item joins the run whose share of the total weight holds at least its first half.
            let target = total * part / count
            while index < items.count, sum + (weights[index] + 1) / 2 <= target || part == count {
                sum += weights[index]
                index += 1
            }
            runs.append(items[start..<index])
            start = index
        }
        return runs
    }

    func globalContext(_ areas: [AreaParts]) -> GlobalFileContext {
        GlobalFileContext(
            header: SwiftGenerator.header(for: "the spec '\(spec.info.title)'"), title: spec.info.title, version: spec.info.version,
            // Separated from the summary line the template writes above it.
            docLines: spec.info.description == nil ? [] : ["///"] + Self.docLines(spec.info.description),
            areas: areas.map { parts in
                let operations = parts.endpoints.joined().map {
                    OperationSummaryContext(name: $0.name, typeName: SwiftNaming.upperCamel($0.name), docLines: operationDocLines($0))
                }
                let areaTypeName = Self.areaTypeName(parts.area.name)
                return AreaSummaryContext(
                    area: parts.area.name, areaTypeName: areaTypeName, operations: operations, hasOperations: !operations.isEmpty,
                    handlerGroups: parts.endpoints.indices.filter { !parts.endpoints[$0].isEmpty }.map {
                        Self.handlerGroup(areaTypeName, part: $0)
                    })
            })
    }

    static func areaTypeName(_ area: String) -> String {
        area.split(separator: ".").map { SwiftNaming.upperCamel(String($0)) }.joined()
    }
}
