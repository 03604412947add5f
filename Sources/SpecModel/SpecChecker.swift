import Foundation

/// Turns a ``RawSpec`` into a ``Spec``: resolves names across files and checks everything that needs the whole spec.
struct SpecChecker {
    var diagnostics: Diagnostics
    let raw: RawSpec
    private var typeKinds: [String: (isEnum: Bool, source: SourceLocation)] = [:]
    private var enumValues: [String: [String]] = [:]
    /// Every type name, for "did you mean"; set when first needed, after all types are registered.
    private var typeCandidates: [String]?
    /// The checked structures by name, once all are checked, for examples.
    private var structureIndex: [String: Structure] = [:]
    /// How many more nodes examples may hand out: aliases repeat far more than the files write.
    private var exampleBudget = 0
    private var exampleBudgetReported = false

    init(raw: RawSpec, diagnostics: Diagnostics) {
        self.raw = raw
        self.diagnostics = diagnostics
        self.exampleBudget = raw.textBytes + 1_000
    }

    /// The spec as far as it resolves: complete when no error was reported, partial (for the style rules,
    /// so one run reports everything) otherwise.
    mutating func check() -> Spec {
        registerTypes()
        let info = checkInfo()
        let schemes = checkSecuritySchemes()
        let enums = raw.enums.compactMap { checkEnum($0) }
        var structures = raw.structures.map { checkStructure($0) }
        checkRecursion(structures)
        Self.decideBoxing(&structures)
        // Examples need every structure resolved: one may show another nested inside it.
        structureIndex = Dictionary(structures.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        for index in structures.indices { checkExamples(raw.structures[index], into: &structures[index]) }
        let endpoints = checkEndpoints(schemeNames: Set(schemes.map(\.name)))
        return Spec(
            info: info ?? Info(title: "", version: ""), areas: raw.areas, securitySchemes: schemes, structures: structures, enums: enums,
            endpoints: endpoints)
    }

    // MARK: Names

    private mutating func registerTypes() {
        let declared = raw.structures.map { ($0.name, false, $0.source) } + raw.enums.map { ($0.name, true, $0.source) }
        for (name, isEnum, source) in declared.sorted(by: { $0.2 < $1.2 }) {
            if let first = typeKinds[name] {
                diagnostics.error(.duplicateDefinition, "'\(name)' is defined twice; first defined at \(first.source)", at: source, hint: "rename one of them")
                continue
            }
            if !SwiftNaming.isTypeName(name) {
                diagnostics.error(
                    .invalidName, "type name '\(name)' must start with a capital letter and hold only letters, digits and '_'",
                    at: source, hint: "try '\(SwiftNaming.upperCamel(name))'")
            } else if SwiftNaming.reservedTypeNames.contains(name) {
                diagnostics.error(.reservedName, "type name '\(name)' is reserved for generated code", at: source, hint: "choose another name")
            }
            typeKinds[name] = (isEnum, source)
        }
        for item in raw.enums { enumValues[item.name] = item.values.map(\.value) }
    }

    private mutating func checkInfo() -> Info? {
        guard let first = raw.infos.first else {
            if raw.unreadableFiles > 0 { return nil }
            let file = raw.areas.first?.file ?? "spec"
            diagnostics.error(
                .missingKey, "the spec has no 'info'", at: SourceLocation(file: file, line: 1, column: 1),
                hint: "add 'info: { title: …, version: … }' to one file")
            return nil
        }
        for extra in raw.infos.dropFirst() {
            diagnostics.error(.duplicateDefinition, "'info' is defined twice; first defined at \(first.source)", at: extra.source, hint: "keep one")
        }
        return first.info
    }

    private mutating func checkSecuritySchemes() -> [SecurityScheme] {
        var seen: [String: SourceLocation] = [:]
        var result: [SecurityScheme] = []
        for scheme in raw.securitySchemes {
            if let first = seen[scheme.name] {
                diagnostics.error(.duplicateDefinition, "security scheme '\(scheme.name)' is defined twice; first defined at \(first)", at: scheme.source)
                continue
            }
            seen[scheme.name] = scheme.source
            warnIfUndescribed(scheme.description, "security scheme '\(scheme.name)'", element: scheme.name, at: scheme.source)
            guard let kind = scheme.kind else { continue }
            result.append(SecurityScheme(name: scheme.name, kind: kind, description: scheme.description, source: scheme.source))
        }
        return result
    }

    private mutating func warnIfUndescribed(
        _ description: String?, _ what: String, element: String, at source: SourceLocation
    ) {
        if description?.isEmpty ?? true {
            diagnostics.advise(
                .descriptionMissing, "\(what) has no description", element: element, at: source,
                hint: "add 'description:'; it becomes documentation")
        }
    }

    // MARK: Types

    private mutating func resolve(_ expression: TypeExpression) -> TypeRef? {
        switch expression {
        case .array(let element): return resolve(element).map(TypeRef.array)
        case .map(let value): return resolve(value).map(TypeRef.map)
        case .named(let name, let source):
            switch name {
            case "string": return .string
            case "int32": return .int32
            case "int64": return .int64
            case "double": return .double
            case "bool": return .bool
            case "url": return .url
            case "date-time": return .dateTime
            case "json": return .json
            case "json-string": return .jsonString
            default:
                if let kind = typeKinds[name] { return kind.isEnum ? .enumeration(name) : .structure(name) }
                // Sorted once: a spec with many unknown types would otherwise sort every name for each.
                let candidates = typeCandidates ?? (TypeRef.builtinNames + typeKinds.keys.sorted())
                typeCandidates = candidates
                diagnostics.error(
                    .unknownType, "unknown type '\(name)'", at: source,
                    hint: Suggestion.hint(for: name, among: candidates) ?? "define it under 'structures' or 'enums'")
                return nil
            }
        }
    }

    private mutating func checkEnum(_ item: RawEnum) -> EnumType? {
        warnIfUndescribed(item.description, "enum '\(item.name)'", element: item.name, at: item.source)
        var seenValues: Set<String> = []
        var seenNames: [String: String] = [:]
        var values: [EnumValue] = []
        for value in item.values {
            if !seenValues.insert(value.value).inserted {
                diagnostics.error(.duplicateDefinition, "value '\(value.value)' appears twice in enum '\(item.name)'", at: value.source)
                continue
            }
            let swiftName = distinctSwiftName(value.swiftName, derivedFrom: value.value, taken: &seenNames, at: value.source) {
                "values '\($0)' and '\(value.value)' of enum '\(item.name)' both become Swift case '\($1)'"
            }
            if swiftName == "unknown" {
                diagnostics.error(
                    .reservedName, "value '\(value.value)' of enum '\(item.name)' would become Swift case 'unknown', which holds the values this version does not define",
                    at: value.source, hint: "give it a 'swiftName'")
            }
            values.append(
                EnumValue(
                    value: value.value, swiftName: swiftName, description: value.description, source: value.source,
                    deprecation: value.deprecation))
        }
        return EnumType(
            name: item.name, description: item.description, values: values, area: item.area, source: item.source,
            extensions: item.extensions)
    }

    /// The Swift name of a member, reporting one that another member of the same type already took.
    /// `taken` maps Swift names to the wire names that took them; `clash` words the error.
    private mutating func distinctSwiftName(
        _ override: (name: String, source: SourceLocation)?, derivedFrom wireName: String, taken: inout [String: String],
        at source: SourceLocation, clash: (_ other: String, _ swiftName: String) -> String
    ) -> String {
        let swiftName = checkedSwiftName(override, derivedFrom: wireName)
        if SwiftNaming.reservedMemberNames.contains(swiftName) {
            diagnostics.error(
                .reservedName, "'\(wireName)' would become '\(swiftName)', which generated code already uses", at: source,
                hint: "give it a 'swiftName'")
        }
        if let other = taken[swiftName] {
            diagnostics.error(.swiftNameClash, clash(other, swiftName), at: source, hint: "give one a 'swiftName'")
        }
        taken[swiftName] = wireName
        return swiftName
    }

    private mutating func checkedSwiftName(_ override: (name: String, source: SourceLocation)?, derivedFrom wireName: String) -> String {
        guard let override else { return SwiftNaming.lowerCamel(wireName) }
        if !SwiftNaming.isIdentifier(override.name) {
            diagnostics.error(
                .invalidName, "'\(override.name)' is not a Swift identifier", at: override.source,
                hint: "use letters, digits and '_', not starting with a digit")
        }
        return override.name
    }

    private mutating func checkStructure(_ item: RawStructure) -> Structure {
        warnIfUndescribed(item.description, "structure '\(item.name)'", element: item.name, at: item.source)
        var fields: [Field] = []
        var swiftNames: [String: String] = [:]
        for member in item.fields {
            let context = "field '\(member.name)' of '\(item.name)'"
            let swiftName = distinctSwiftName(member.swiftName, derivedFrom: member.name, taken: &swiftNames, at: member.source) {
                "fields '\($0)' and '\(member.name)' of '\(item.name)' both become Swift property '\($1)'"
            }
            if member.deprecation != nil || Self.holdsStructure(member) {
                // A deprecated property is stored under `_name`, so generated code reads it without warnings;
                // so is a boxed one (a structure field may be boxed, decided once every structure is known).
                _ = distinctSwiftName(("_" + swiftName, member.source), derivedFrom: member.name, taken: &swiftNames, at: member.source) {
                    "field '\(member.name)' of '\(item.name)' is stored as '\($1)', which field '\($0)' already becomes"
                }
            }
            if member.access != .readWrite, member.defaultNode != nil, let source = member.accessSource {
                diagnostics.error(
                    .defaultValue, "\(context) is \(member.access.rawValue), so a default would fill in what one direction never sends",
                    at: source, hint: "drop the default")
            }
            warnIfUndescribed(member.description, context, element: "\(item.name).\(member.name)", at: member.source)
            guard let expression = member.type, let type = resolve(expression) else { continue }
            checkConstraints(member, type: type, in: context)
            let defaultValue = checkDefault(member, type: type, in: context)
            if member.isRequired == true, defaultValue != nil, let source = member.requiredSource {
                diagnostics.advise(
                    .requiredDefault, "\(context) is required, so its default is never used", element: "\(item.name).\(member.name)",
                    at: source, hint: "drop one of them")
            }
            if member.isNullable, let source = member.nullableSource, member.isRequired == true || member.defaultNode != nil {
                diagnostics.error(
                    .nullable, "\(context) is never absent (it is required or has a default), so it is never null", at: source,
                    hint: "drop 'nullable'")
            }
            fields.append(
                Field(
                    wireName: member.name, swiftName: swiftName, type: type, isRequired: member.isRequired ?? false,
                    defaultValue: defaultValue, description: member.description, constraints: member.constraints,
                    isNullable: member.isNullable, source: member.source, deprecation: member.deprecation, access: member.access,
                    extensions: member.extensions))
        }
        return Structure(
            name: item.name, description: item.description, fields: fields, area: item.area, source: item.source,
            extensions: item.extensions)
    }

    // MARK: Examples

    private mutating func checkExamples(_ item: RawStructure, into structure: inout Structure) {
        let whole = "structure '\(item.name)'"
        structure.examples = item.exampleNodes.compactMap { example($0, type: .structure(item.name), in: whole) }
        for member in item.fields {
            guard let index = structure.fields.firstIndex(where: { $0.wireName == member.name }) else { continue }
            let field = structure.fields[index]
            structure.fields[index].examples = member.exampleNodes.compactMap {
                example($0, type: field.type, constraints: field.constraints, nullable: field.isNullable, in: "field '\(member.name)' of '\(item.name)'")
            }
        }
    }

    /// An example as JSON, after checking it against its type and constraints; nil (after saying where
    /// it goes wrong) when it does not fit.
    private mutating func example(
        _ node: YAMLNode, type: TypeRef, constraints: Constraints = Constraints(), nullable: Bool = false, in context: String,
        direction: FieldAccess? = nil, depth: Int = 0
    ) -> JSONLiteral? {
        func mismatch(_ expected: String) -> JSONLiteral? {
            diagnostics.error(.exampleValue, "example of \(context) must be \(expected), not \(node.kindName)", at: node.location)
            return nil
        }
        func checked(_ value: DefaultValue, _ literal: JSONLiteral) -> JSONLiteral? {
            let problems = DefaultChecker.violations(of: value, constraints: constraints)
            for problem in problems {
                diagnostics.error(.exampleValue, "example of \(context) \(problem)", at: node.location, hint: "change the example or the constraint")
            }
            return problems.isEmpty ? literal : nil
        }
        exampleBudget -= 1 + (node.pairs?.count ?? node.items?.count ?? 0)
        if exampleBudget < 0 {
            if !exampleBudgetReported {
                exampleBudgetReported = true
                diagnostics.error(
                    .yamlAliases, "examples repeat more of the spec than it writes out (aliases)", at: node.location,
                    hint: "write the examples out instead of using *aliases")
            }
            return nil
        }
        if depth >= NodeReader.maximumValueDepth {
            diagnostics.error(.exampleValue, "example of \(context) nests more than \(NodeReader.maximumValueDepth) deep", at: node.location)
            return nil
        }
        if node.isNull {
            return nullable || type == .json ? .null : mismatch(type.description)
        }
        switch type {
        case .string, .jsonString, .url, .dateTime:
            guard let text = node.scalar else { return mismatch("a string") }
            if type == .jsonString, (try? JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])) == nil {
                diagnostics.error(.exampleValue, "example of \(context) is not valid JSON text", at: node.location)
                return nil
            }
            if type == .url, URL(string: text)?.scheme == nil {
                diagnostics.error(.exampleValue, "example of \(context) is not an absolute URL", at: node.location)
                return nil
            }
            if type == .dateTime, Self.dateTime(text) == nil {
                diagnostics.error(
                    .exampleValue, "example of \(context) is not a date-time", at: node.location, hint: "write 2026-01-31T12:00:00Z")
                return nil
            }
            return checked(.string(text), .string(text))
        case .int32, .int64:
            guard let value = node.node.int, node.node.bool == nil else { return mismatch("a whole number") }
            if type == .int32, Int32(exactly: value) == nil {
                diagnostics.error(.exampleValue, "example of \(context) does not fit in int32", at: node.location)
                return nil
            }
            return checked(.number(.integer(Int64(value))), .number(.integer(Int64(value))))
        case .double:
            if let value = node.node.int, node.node.bool == nil { return checked(.number(.real(Double(value))), .number(.integer(Int64(value)))) }
            guard let value = node.node.float, value.isFinite, node.node.bool == nil else { return mismatch("a number") }
            return checked(.number(.real(value)), .number(.real(value)))
        case .bool:
            guard let value = node.node.bool else { return mismatch("true or false") }
            return .bool(value)
        case .enumeration(let name):
            guard let text = node.scalar else { return mismatch("a value of \(name)") }
            let known = enumValues[name] ?? []
            guard known.contains(text) else {
                diagnostics.error(
                    .exampleValue, "example '\(text)' of \(context) is not a value of enum '\(name)'", at: node.location,
                    hint: Suggestion.hint(for: text, among: known) ?? "values: \(known.joined(separator: ", "))")
                return nil
            }
            return .string(text)
        case .json:
            var reader = NodeReader()
            reader.budget = max(0, exampleBudget)
            let value = reader.literal(node)
            exampleBudget = reader.exhaustedAt == nil ? reader.budget : -1
            diagnostics.append(reader.diagnostics)
            if reader.exhaustedAt != nil, !exampleBudgetReported {
                exampleBudgetReported = true
                diagnostics.error(
                    .yamlAliases, "examples repeat more of the spec than it writes out (aliases)", at: node.location,
                    hint: "write the examples out instead of using *aliases")
            }
            return reader.exhaustedAt == nil ? value : nil
        case .array(let element):
            guard let items = node.items else { return mismatch("a list") }
            let values = items.map { example($0, type: element, in: "an item of \(context)", direction: direction, depth: depth + 1) }
            guard values.allSatisfy({ $0 != nil }) else { return nil }
            let literal = JSONLiteral.array(values.compactMap { $0 })
            var problems: [String] = []
            if let min = constraints.minItems, items.count < min { problems.append("has fewer than minItems \(min) items") }
            if let max = constraints.maxItems, items.count > max { problems.append("has more than maxItems \(max) items") }
            if constraints.uniqueItems, Set(values.compactMap { $0 }).count != items.count { problems.append("has repeated items but uniqueItems is set") }
            for problem in problems { diagnostics.error(.exampleValue, "example of \(context) \(problem)", at: node.location) }
            return problems.isEmpty ? literal : nil
        case .map(let valueType):
            guard let pairs = node.pairs else { return mismatch("a mapping") }
            var members: [JSONLiteral.Member] = []
            var valid = true
            for (key, value) in pairs {
                guard let checked = example(value, type: valueType, in: "'\(key.scalar ?? "")' of \(context)", direction: direction, depth: depth + 1) else {
                    valid = false
                    continue
                }
                members.append(JSONLiteral.Member(key.scalar ?? "", checked))
            }
            return valid ? .object(members) : nil
        case .structure(let name):
            guard let pairs = node.pairs else { return mismatch("a mapping of the fields of \(name)") }
            guard let structure = structureIndex[name] else { return nil }
            var members: [JSONLiteral.Member] = []
            var valid = true
            for (key, value) in pairs {
                let wireName = key.scalar ?? ""
                guard let field = structure.fields.first(where: { $0.wireName == wireName }) else {
                    diagnostics.error(
                        .exampleValue, "example of \(context) has '\(wireName)', which is not a field of \(name)", at: key.location,
                        hint: Suggestion.hint(for: wireName, among: structure.fields.map(\.wireName)))
                    valid = false
                    continue
                }
                if let direction, field.access != .readWrite, field.access != direction {
                    diagnostics.error(
                        .exampleValue,
                        "example of \(context) has '\(wireName)', which is \(field.access.rawValue) and so never in a \(direction == .readOnly ? "response" : "request")",
                        at: key.location, hint: "leave it out of this example")
                    valid = false
                    continue
                }
                guard
                    let checked = example(
                        value, type: field.type, constraints: field.constraints, nullable: field.isNullable,
                        in: "field '\(wireName)' of \(name) in \(context)", direction: direction, depth: depth + 1)
                else {
                    valid = false
                    continue
                }
                members.append(JSONLiteral.Member(wireName, checked))
            }
            // A field one direction leaves out may be missing from an example of either.
            let required = structure.fields.filter { field in
                field.isRequired && (field.access == .readWrite || (direction != nil && field.access == direction))
            }
            for field in required where !pairs.contains(where: { $0.key.scalar == field.wireName }) {
                diagnostics.error(
                    .exampleValue, "example of \(context) lacks required field '\(field.wireName)' of \(name)", at: node.location)
                valid = false
            }
            return valid ? .object(members) : nil
        }
    }

    /// A structure that must hold itself (required fields all the way round) has no finite value.
    private mutating func checkRecursion(_ structures: [Structure]) {
        let byName = Dictionary(structures.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        func requiredStructure(_ field: Field) -> String? {
            if field.isRequired, case .structure(let name) = field.type { return name }
            return nil
        }
        for structure in structures {
            var stack = structure.fields.compactMap { field in requiredStructure(field).map { ($0, field) } }
            var visited: Set<String> = []
            while let (name, field) = stack.popLast() {
                if name == structure.name {
                    diagnostics.error(
                        .recursiveStructure, "structure '\(structure.name)' must contain itself through required field '\(field.wireName)'",
                        at: field.source, hint: "make a field on the way optional, a list or a map, which can end the chain")
                    break
                }
                guard visited.insert(name).inserted, let next = byName[name] else { continue }
                for nested in next.fields {
                    if let nestedName = requiredStructure(nested) { stack.append((nestedName, field)) }
                }
            }
        }
    }

    private static func holdsStructure(_ member: RawMember) -> Bool {
        if case .named(let name, _)? = member.type { return name.first?.isUppercase == true }
        return false
    }

    /// The most structures one value stores inline, one inside the next; deeper chains are boxed.
    static let maximumInlineDepth = 8

    /// Marks the fields stored in a box: those that close a cycle (a node's optional parent), and those
    /// that would otherwise make a structure hold more than ``maximumInlineDepth`` structures inline.
    /// Lists and maps store their elements indirectly already. Depth-first without recursion, as chains
    /// may be as long as the spec.
    static func decideBoxing(_ structures: inout [Structure]) {
        let index = Dictionary(structures.enumerated().map { ($1.name, $0) }, uniquingKeysWith: { first, _ in first })
        func target(_ field: Field) -> Int? {
            if case .structure(let name) = field.type { return index[name] }
            return nil
        }
        enum State { case unvisited, open, done }
        var state = Array(repeating: State.unvisited, count: structures.count)
        var depth = Array(repeating: 0, count: structures.count)
        for root in structures.indices where state[root] == .unvisited {
            var stack: [(structure: Int, field: Int)] = [(root, 0)]
            state[root] = .open
            while let (current, position) = stack.last {
                if position < structures[current].fields.count {
                    stack[stack.count - 1].field += 1
                    guard let next = target(structures[current].fields[position]) else { continue }
                    switch state[next] {
                    case .open: structures[current].fields[position].isBoxed = true
                    case .unvisited:
                        state[next] = .open
                        stack.append((next, 0))
                    case .done: break
                    }
                    continue
                }
                var deepest = 0
                for position in structures[current].fields.indices where !structures[current].fields[position].isBoxed {
                    guard let next = target(structures[current].fields[position]) else { continue }
                    if depth[next] >= maximumInlineDepth {
                        structures[current].fields[position].isBoxed = true
                    } else {
                        deepest = max(deepest, depth[next])
                    }
                }
                depth[current] = deepest + 1
                state[current] = .done
                stack.removeLast()
            }
        }
    }

    // MARK: Constraints and defaults

    private mutating func checkConstraints(_ member: RawMember, type: TypeRef, in context: String) {
        let constraints = member.constraints
        let applicable: [(key: String, fits: Bool, needs: String)] = [
            ("minLength", type.isStringLike, "a string"), ("maxLength", type.isStringLike, "a string"),
            ("pattern", type.isStringLike, "a string"), ("format", type == .string, "a string"),
            ("minimum", type.isNumeric, "a number"), ("maximum", type.isNumeric, "a number"),
            ("minItems", type.isArray, "a list"), ("maxItems", type.isArray, "a list"),
            ("uniqueItems", type.isArray, "a list"),
        ]
        for rule in applicable where !rule.fits {
            guard let source = member.constraintSources[rule.key] else { continue }
            diagnostics.error(
                .constraintType, "'\(rule.key)' does not apply to \(context) of type \(type)", at: source,
                hint: "'\(rule.key)' needs \(rule.needs)")
        }
        if let min = constraints.minLength, let max = constraints.maxLength, min > max,
            let source = member.constraintSources["minLength"]
        {
            diagnostics.error(.constraintRange, "minLength \(min) is greater than maxLength \(max) in \(context)", at: source)
        }
        if let min = constraints.minItems, let max = constraints.maxItems, min > max,
            let source = member.constraintSources["minItems"]
        {
            diagnostics.error(.constraintRange, "minItems \(min) is greater than maxItems \(max) in \(context)", at: source)
        }
        if let min = constraints.minimum, let max = constraints.maximum, max < min,
            let source = member.constraintSources["minimum"]
        {
            diagnostics.error(.constraintRange, "minimum \(min) is greater than maximum \(max) in \(context)", at: source)
        }
        if type.isInteger {
            for key in ["minimum", "maximum"] {
                let bound = key == "minimum" ? constraints.minimum : constraints.maximum
                if case .real = bound, let source = member.constraintSources[key] {
                    diagnostics.error(.constraintType, "'\(key)' of integer \(context) must be a whole number", at: source)
                }
                if type == .int32, case .integer(let value)? = bound, Int32(exactly: value) == nil, let source = member.constraintSources[key] {
                    diagnostics.error(.constraintType, "'\(key)' \(value) of \(context) does not fit in int32", at: source)
                }
            }
        }
        if let pattern = constraints.pattern, let source = member.constraintSources["pattern"] {
            do {
                _ = try NSRegularExpression(pattern: pattern)
            } catch {
                diagnostics.error(
                    .constraintPattern, "'pattern' of \(context) is not a valid regular expression: \(pattern)", at: source,
                    hint: "check brackets, parentheses and escapes")
            }
        }
    }

    private mutating func checkDefault(_ member: RawMember, type: TypeRef, in context: String) -> DefaultValue? {
        guard let node = member.defaultNode else { return nil }
        guard let value = defaultValue(node, type: type, in: context) else { return nil }
        for problem in DefaultChecker.violations(of: value, constraints: member.constraints) {
            diagnostics.error(.defaultValue, "default of \(context) \(problem)", at: node.location, hint: "change the default or the constraint")
        }
        return value
    }

    private mutating func defaultValue(_ node: YAMLNode, type: TypeRef, in context: String) -> DefaultValue? {
        func mismatch(_ expected: String) -> DefaultValue? {
            diagnostics.error(.defaultValue, "default of \(context) must be \(expected), not \(node.kindName)", at: node.location)
            return nil
        }
        switch type {
        case .string, .jsonString:
            guard let text = node.scalar, !node.isNull, node.items == nil else { return mismatch("a string") }
            if type == .jsonString, (try? JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])) == nil {
                diagnostics.error(.defaultValue, "default of \(context) is not valid JSON text", at: node.location)
                return nil
            }
            return .string(text)
        case .url:
            guard let text = node.scalar, !node.isNull else { return mismatch("a URL") }
            guard let url = URL(string: text), url.scheme != nil else {
                diagnostics.error(.defaultValue, "default of \(context) is not an absolute URL", at: node.location)
                return nil
            }
            return .string(text)
        case .int32, .int64:
            guard let value = node.node.int else { return mismatch("a whole number") }
            if type == .int32, Int32(exactly: value) == nil {
                diagnostics.error(.defaultValue, "default of \(context) does not fit in int32", at: node.location)
                return nil
            }
            return .number(.integer(Int64(value)))
        case .double:
            if let value = node.node.int { return .number(.real(Double(value))) }
            guard let value = node.node.float, node.node.bool == nil else { return mismatch("a number") }
            return .number(.real(value))
        case .bool:
            guard let value = node.node.bool else { return mismatch("true or false") }
            return .bool(value)
        case .enumeration(let name):
            guard let text = node.scalar, !node.isNull else { return mismatch("a value of \(name)") }
            let known = enumValues[name] ?? []
            guard known.contains(text) else {
                diagnostics.error(
                    .defaultValue, "default '\(text)' of \(context) is not a value of enum '\(name)'", at: node.location,
                    hint: Suggestion.hint(for: text, among: known) ?? "values: \(known.joined(separator: ", "))")
                return nil
            }
            return .enumValue(text)
        case .array(let element):
            guard element.isScalar, let items = node.items else {
                return element.isScalar ? mismatch("a list") : unsupportedDefault(node, type: type, in: context)
            }
            var values: [DefaultValue] = []
            for item in items {
                guard let value = defaultValue(item, type: element, in: context) else { return nil }
                values.append(value)
            }
            return .array(values)
        case .dateTime, .json, .map, .structure:
            return unsupportedDefault(node, type: type, in: context)
        }
    }

    private mutating func unsupportedDefault(_ node: YAMLNode, type: TypeRef, in context: String) -> DefaultValue? {
        diagnostics.error(
            .defaultValue, "\(context) of type \(type) cannot have a default", at: node.location,
            hint: "defaults are for strings, numbers, booleans, enums and lists of them")
        return nil
    }

    // MARK: Endpoints

    private mutating func checkEndpoints(schemeNames: Set<String>) -> [Endpoint] {
        var seenNames: [String: SourceLocation] = [:]
        var seenRoutes: [String: (name: String, source: SourceLocation)] = [:]
        var result: [Endpoint] = []
        for item in raw.endpoints {
            let context = "endpoint '\(item.name)'"
            if let first = seenNames[item.name] {
                diagnostics.error(.duplicateDefinition, "\(context) is defined twice; first defined at \(first)", at: item.source, hint: "rename one of them")
                continue
            }
            seenNames[item.name] = item.source
            if !SwiftNaming.isIdentifier(item.name) || item.name.first?.isUppercase == true {
                diagnostics.error(
                    .invalidName, "endpoint name '\(item.name)' must be a lowerCamel identifier", at: item.source,
                    hint: "try '\(SwiftNaming.lowerCamel(item.name))'")
            } else if SwiftNaming.reservedOperationNames.contains(item.name) {
                diagnostics.error(
                    .reservedName, "endpoint name '\(item.name)' is reserved for the generated client", at: item.source, hint: "choose another name")
            }
            // Inside `Operations`, the endpoint's namespace would hide the model type of the same name.
            let operationType = SwiftNaming.upperCamel(item.name)
            if let type = typeKinds[operationType] {
                diagnostics.error(
                    .reservedName, "endpoint '\(item.name)' becomes the type Operations.\(operationType), which hides the type '\(operationType)' "
                        + "defined at \(type.source) inside generated code",
                    at: item.source, hint: "rename the endpoint or the type (\(operationType)Response, say)")
            }
            if (item.description ?? item.summary)?.isEmpty ?? true {
                warnIfUndescribed(nil, context, element: item.name, at: item.source)
            }
            var method: HTTPMethod?
            if let written = item.method {
                method = HTTPMethod(rawValue: written.name.uppercased())
                if method == nil {
                    diagnostics.error(
                        .unknownValue, "unknown HTTP method '\(written.name)'", at: written.source,
                        hint: Suggestion.hint(for: written.name, among: HTTPMethod.allCases.map(\.rawValue)))
                }
            }
            let pathNames = item.path.map { checkPath($0.text, at: $0.source) } ?? []
            if let method, let path = item.path {
                let route = "\(method.rawValue) \(normalizedRoute(path.text))"
                if let first = seenRoutes[route] {
                    diagnostics.error(
                        .routeConflict, "\(context) has the same method and path as endpoint '\(first.name)' (\(first.source))", at: path.source)
                } else {
                    seenRoutes[route] = (item.name, item.source)
                }
            }
            for scheme in item.security where !schemeNames.contains(scheme.name) {
                diagnostics.error(
                    .unknownSecurityScheme, "unknown security scheme '\(scheme.name)'", at: scheme.source,
                    hint: Suggestion.hint(for: scheme.name, among: schemeNames.sorted()) ?? "define it under 'securitySchemes'")
            }
            let parameters = checkParameters(item, pathNames: pathNames, context: context)
            let request = checkRequest(item, context: context)
            let responses = checkResponses(item, context: context)
            let examples = item.examples.compactMap {
                checkExample($0, parameters: parameters, request: request, responses: responses, of: item.name)
            }
            guard let method, let path = item.path else { continue }
            result.append(
                Endpoint(
                    name: item.name, summary: item.summary, description: item.description, method: method, path: path.text,
                    security: item.security.map(\.name), parameters: parameters, request: request, responses: responses,
                    area: item.area, source: item.source, deprecation: item.deprecation, examples: examples,
                    extensions: item.extensions))
        }
        return result
    }

    private mutating func checkExample(
        _ item: RawEndpointExample, parameters: [Parameter], request: RequestBody?, responses: [Response], of endpoint: String
    ) -> EndpointExample? {
        let context = "example '\(item.name)' of endpoint '\(endpoint)'"
        var result = EndpointExample(name: item.name, summary: item.summary)
        var valid = true
        for (key, value) in item.parameters {
            let name = key.scalar ?? ""
            guard let parameter = parameters.first(where: { $0.name == name }) else {
                diagnostics.error(
                    .exampleValue, "\(context) sets parameter '\(name)', which the endpoint does not have", at: key.location,
                    hint: Suggestion.hint(for: name, among: parameters.map(\.name)))
                valid = false
                continue
            }
            guard let literal = example(value, type: parameter.type, constraints: parameter.constraints, in: "parameter '\(name)' in \(context)")
            else {
                valid = false
                continue
            }
            result.parameters.append(JSONLiteral.Member(name, literal))
        }
        for parameter in parameters where parameter.isRequired && !item.parameters.contains(where: { $0.key.scalar == parameter.name }) {
            diagnostics.error(.exampleValue, "\(context) lacks required parameter '\(parameter.name)'", at: item.source)
            valid = false
        }
        if let node = item.request {
            if let request {
                // A request carries writeOnly fields and never readOnly ones: `direction` names what it carries.
                result.request = example(node, type: request.type, in: "the request of \(context)", direction: .writeOnly)
                valid = valid && result.request != nil
            } else {
                diagnostics.error(.exampleValue, "\(context) has a request, but the endpoint takes no body", at: node.location)
                valid = false
            }
        }
        let status = item.status?.code ?? responses.first(where: { (200..<300).contains($0.status) })?.status
        if let status {
            guard let response = responses.first(where: { $0.status == status }) else {
                diagnostics.error(
                    .exampleValue, "\(context) answers \(status), which the endpoint does not declare", at: item.status?.source ?? item.source,
                    hint: "declared: \(responses.map { String($0.status) }.joined(separator: ", "))")
                return nil
            }
            result.status = status
            if let node = item.response {
                if let body = response.body {
                    result.response = example(node, type: body, in: "the \(status) response of \(context)", direction: .readOnly)
                    valid = valid && result.response != nil
                } else {
                    diagnostics.error(.exampleValue, "\(context) has a response body, but the \(status) response has none", at: node.location)
                    valid = false
                }
            }
        }
        return valid ? result : nil
    }

    /// An RFC 3339 date-time, with or without fractional seconds, as the runtime reads one.
    static func dateTime(_ text: String) -> Date? {
        if let date = try? Date(text, strategy: .iso8601) { return date }
        return try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }

    /// Path parameter names in order; reports malformed templates.
    private mutating func checkPath(_ path: String, at source: SourceLocation) -> [(name: String, source: SourceLocation)] {
        if !path.hasPrefix("/") {
            diagnostics.error(.pathTemplate, "path '\(path)' must start with '/'", at: source)
        }
        var names: [(String, SourceLocation)] = []
        var open: Int?
        for (offset, character) in path.enumerated() {
            if character == "{" {
                if open != nil { diagnostics.error(.pathTemplate, "'{' inside a path parameter", at: shifted(source, by: offset)) }
                open = offset
            } else if character == "}" {
                guard let start = open else {
                    diagnostics.error(.pathTemplate, "'}' without '{' in path", at: shifted(source, by: offset))
                    continue
                }
                let name = String(path.dropFirst(start + 1).prefix(offset - start - 1))
                if name.isEmpty {
                    diagnostics.error(.pathTemplate, "empty path parameter '{}'", at: shifted(source, by: start))
                } else {
                    names.append((name, shifted(source, by: start + 1)))
                }
                open = nil
            }
        }
        if let open { diagnostics.error(.pathTemplate, "'{' is never closed in path", at: shifted(source, by: open)) }
        return names
    }

    /// The path with parameter names blanked, so `/a/{id}` and `/a/{key}` count as one route.
    private func normalizedRoute(_ path: String) -> String {
        var result = ""
        var inParameter = false
        for character in path {
            if character == "}" { inParameter = false }
            if !inParameter { result.append(character) }
            if character == "{" { inParameter = true }
        }
        return result
    }

    private func shifted(_ location: SourceLocation, by offset: Int) -> SourceLocation {
        var location = location
        location.column += offset
        return location
    }

    private mutating func checkParameters(
        _ item: RawEndpoint, pathNames: [(name: String, source: SourceLocation)], context: String
    ) -> [Parameter] {
        var parameters: [Parameter] = []
        var swiftNames: [String: String] = [:]
        var openQuery: String?
        for member in item.parameters {
            let parameterContext = "parameter '\(member.name)' of \(context)"
            if let source = member.nullableSource {
                diagnostics.error(.nullable, "'nullable' applies to fields of structures, not to \(parameterContext)", at: source, hint: "drop it")
            }
            warnIfUndescribed(member.description, parameterContext, element: "\(item.name).\(member.name)", at: member.source)
            guard let kind = member.kind, let expression = member.type, let type = resolve(expression) else { continue }
            let swiftName = distinctSwiftName(member.swiftName, derivedFrom: member.name, taken: &swiftNames, at: member.source) {
                "parameters '\($0)' and '\(member.name)' of \(context) both become Swift property '\($1)'"
            }
            let scalarOK =
                kind == .query ? (type.isScalar || (type.isArray && isArrayOfScalars(type)) || isMapOfScalars(type)) : type.isScalar
            if !scalarOK {
                diagnostics.error(
                    .parameterType, "\(parameterContext) has type \(type), which cannot travel in a \(kind.rawValue)", at: member.source,
                    hint: kind == .query
                        ? "use a scalar type, a list of scalars, or {string: scalar} for the query's other parameters" : "use a scalar type")
            }
            // A map takes every query parameter the others do not name: there can be one.
            if kind == .query, isMapOfScalars(type) {
                if let first = openQuery {
                    diagnostics.error(
                        .parameterType, "\(parameterContext) takes the query's other parameters, as '\(first)' does already", at: member.source,
                        hint: "keep one {string: …} query parameter")
                }
                openQuery = member.name
            }
            if kind == .path {
                if !pathNames.contains(where: { $0.name == member.name }) {
                    diagnostics.error(
                        .pathParameter, "path parameter '\(member.name)' does not appear in the path of \(context)", at: member.source,
                        hint: "add '{\(member.name)}' to the path or remove the parameter")
                }
                if member.isRequired == false, let source = member.requiredSource {
                    diagnostics.error(.pathParameter, "path parameter '\(member.name)' is always required", at: source, hint: "remove 'required: false'")
                }
            }
            checkConstraints(member, type: type, in: parameterContext)
            let defaultValue = checkDefault(member, type: type, in: parameterContext)
            parameters.append(
                Parameter(
                    name: member.name, swiftName: swiftName, kind: kind, type: type,
                    isRequired: kind == .path ? true : (member.isRequired ?? false), defaultValue: defaultValue,
                    description: member.description, constraints: member.constraints, source: member.source,
                    examples: member.exampleNodes.compactMap {
                        example($0, type: type, constraints: member.constraints, in: parameterContext)
                    },
                    extensions: member.extensions))
        }
        let declared = Set(item.parameters.filter { $0.kind == .path }.map(\.name))
        for name in pathNames where !declared.contains(name.name) {
            diagnostics.error(
                .pathParameter, "path parameter '{\(name.name)}' of \(context) is not declared", at: name.source,
                hint: "add it under 'parameters' with 'in: path'")
        }
        return parameters
    }

    private func isStructure(_ type: TypeRef) -> Bool {
        if case .structure = type { return true }
        return false
    }

    private func isMapOfScalars(_ type: TypeRef) -> Bool {
        if case .map(let value) = type { return value.isScalar }
        return false
    }

    private func isArrayOfScalars(_ type: TypeRef) -> Bool {
        if case .array(let element) = type { return element.isScalar }
        return false
    }

    private mutating func checkRequest(_ item: RawEndpoint, context: String) -> RequestBody? {
        guard let request = item.request, let type = resolve(request.type) else { return nil }
        // A form body is a structure. Its fields that are not scalars (lists of structures, maps) simply
        // cannot be sent as a form: a form that tries gets a 400 naming them, as Authlete does for `properties`.
        if request.contentTypes.contains(.form), !isStructure(type) {
            diagnostics.error(
                .requestBody, "a form body of \(context) must be a structure, not \(type)", at: request.source,
                hint: "name a structure, or accept only json")
        }
        return RequestBody(type: type, contentTypes: request.contentTypes, description: request.description)
    }

    private mutating func checkResponses(_ item: RawEndpoint, context: String) -> [Response] {
        if item.responses.isEmpty {
            diagnostics.error(
                .response, "\(context) has no response", at: item.source, hint: "add 'response: SomeStructure' or 'responses: { 204: }'")
        }
        var seen: Set<Int> = []
        var responses: [Response] = []
        for response in item.responses {
            if !seen.insert(response.status).inserted {
                diagnostics.error(.duplicateDefinition, "status \(response.status) is listed twice for \(context)", at: response.source)
                continue
            }
            let body = response.body.flatMap { resolve($0) }
            if response.body != nil, body == nil { continue }
            if response.status == 204, body != nil {
                diagnostics.error(.response, "a 204 response of \(context) cannot have a body", at: response.source, hint: "use 200 instead")
            }
            responses.append(Response(status: response.status, body: body, description: response.description))
        }
        return responses.sorted { $0.status < $1.status }
    }
}

/// Checks a default against the constraints written next to it.
enum DefaultChecker {
    static func violations(of value: DefaultValue, constraints: Constraints) -> [String] {
        var problems: [String] = []
        switch value {
        case .string(let text):
            if let min = constraints.minLength, text.count < min { problems.append("is shorter than minLength \(min)") }
            if let max = constraints.maxLength, text.count > max { problems.append("is longer than maxLength \(max)") }
            if let pattern = constraints.pattern, let regex = try? NSRegularExpression(pattern: pattern),
                regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) == nil
            {
                problems.append("does not match pattern \(pattern)")
            }
        case .number(let number):
            if let min = constraints.minimum, number < min { problems.append("is less than minimum \(min)") }
            if let max = constraints.maximum, max < number { problems.append("is greater than maximum \(max)") }
        case .array(let items):
            if let min = constraints.minItems, items.count < min { problems.append("has fewer than minItems \(min) items") }
            if let max = constraints.maxItems, items.count > max { problems.append("has more than maxItems \(max) items") }
            if constraints.uniqueItems, Set(items).count != items.count { problems.append("has repeated items but uniqueItems is set") }
        case .bool, .enumValue:
            break
        }
        return problems
    }
}
