import SpecModel

/// One difference between two versions of a spec, classified for both sides of the wire.
public struct SpecChange: Hashable, Sendable {
    public enum Severity: String, Hashable, Sendable {
        /// An existing client or caller can fail: something it sends is refused, or something it reads is gone.
        case breaking
        /// Existing callers keep working (some are noted: clients should be ready for them).
        case compatible
    }

    public enum Kind: String, Hashable, Sendable, CaseIterable {
        case endpointAdded = "endpoint-added"
        case endpointRemoved = "endpoint-removed"
        case endpointRenamed = "endpoint-renamed"
        case pathChanged = "path-changed"
        case methodChanged = "method-changed"
        case securityChanged = "security-changed"
        case parameterAdded = "parameter-added"
        case parameterRemoved = "parameter-removed"
        case parameterMovedElsewhere = "parameter-location-changed"
        case requestBodyAdded = "request-body-added"
        case requestBodyRemoved = "request-body-removed"
        case mediaTypeAdded = "media-type-added"
        case mediaTypeRemoved = "media-type-removed"
        case responseAdded = "response-added"
        case responseRemoved = "response-removed"
        case structureAdded = "structure-added"
        case structureRemoved = "structure-removed"
        case fieldAdded = "field-added"
        case fieldRemoved = "field-removed"
        case madeRequired = "made-required"
        case madeOptional = "made-optional"
        case typeChanged = "type-changed"
        case constraintTightened = "constraint-tightened"
        case constraintLoosened = "constraint-loosened"
        case defaultChanged = "default-changed"
        case enumAdded = "enum-added"
        case enumRemoved = "enum-removed"
        case enumValueAdded = "enum-value-added"
        case enumValueRemoved = "enum-value-removed"
        case securitySchemeAdded = "security-scheme-added"
        case securitySchemeRemoved = "security-scheme-removed"
        case descriptionChanged = "description-changed"
        case deprecated = "deprecated"
        case undeprecated = "no-longer-deprecated"
        case accessChanged = "access-changed"
        case versionChanged = "version-changed"
    }

    public var kind: Kind
    public var severity: Severity
    /// What changed: "endpoint placeOrder", "structure Item, field tags", "enum Category, value BOOK".
    public var subject: String
    /// The change in words, with the old and new values where there are some.
    public var message: String
    /// Where the element is: in the new spec, or in the old one when it was removed.
    public var location: SourceLocation?
    public var locationIsInOldSpec: Bool

    public init(
        _ kind: Kind, _ severity: Severity, _ subject: String, _ message: String, at location: SourceLocation? = nil,
        inOldSpec: Bool = false
    ) {
        self.kind = kind
        self.severity = severity
        self.subject = subject
        self.message = message
        self.location = location
        self.locationIsInOldSpec = inOldSpec
    }
}

/// Compares two checked specs. Structures and enums are judged by where they travel: a change that
/// makes requests stricter breaks callers; one that takes away from responses breaks readers.
public struct SpecDiff {
    let old: Spec
    let new: Spec
    /// Structure and enum names reachable from requests (parameters, bodies), in either version.
    let requestTypes: Set<String>
    /// Structure and enum names reachable from response bodies, in either version.
    let responseTypes: Set<String>

    public static func compare(old: Spec, new: Spec) -> [SpecChange] {
        SpecDiff(old: old, new: new).changes()
    }

    init(old: Spec, new: Spec) {
        self.old = old
        self.new = new
        var requests = Set<String>(), responses = Set<String>()
        for spec in [old, new] {
            for endpoint in spec.endpoints {
                for type in endpoint.parameters.map(\.type) + [endpoint.request?.type].compactMap({ $0 }) {
                    spec.collectTypeNames(reachableFrom: type, into: &requests)
                }
                for type in endpoint.responses.compactMap(\.body) { spec.collectTypeNames(reachableFrom: type, into: &responses) }
            }
        }
        self.requestTypes = requests
        self.responseTypes = responses
    }

    func changes() -> [SpecChange] {
        var changes: [SpecChange] = []
        if old.info.version != new.info.version {
            changes.append(SpecChange(.versionChanged, .compatible, "info", "version \(old.info.version) → \(new.info.version)"))
        }
        changes += securitySchemeChanges()
        changes += endpointChanges()
        changes += structureChanges()
        changes += enumChanges()
        return changes
    }

    // MARK: Security schemes

    private func securitySchemeChanges() -> [SpecChange] {
        var changes: [SpecChange] = []
        for scheme in old.securitySchemes where !new.securitySchemes.contains(where: { $0.name == scheme.name }) {
            changes.append(SpecChange(.securitySchemeRemoved, .breaking, "security scheme \(scheme.name)", "removed",
                at: scheme.source, inOldSpec: true))
        }
        for scheme in new.securitySchemes where !old.securitySchemes.contains(where: { $0.name == scheme.name }) {
            changes.append(SpecChange(.securitySchemeAdded, .compatible, "security scheme \(scheme.name)", "added", at: scheme.source))
        }
        return changes
    }

    // MARK: Endpoints

    private func endpointChanges() -> [SpecChange] {
        var changes: [SpecChange] = []
        let oldNames = Set(old.endpoints.map(\.name)), newNames = Set(new.endpoints.map(\.name))
        var renamedNew = Set<String>()
        for endpoint in old.endpoints where !newNames.contains(endpoint.name) {
            let subject = "endpoint \(endpoint.name)"
            // The same method and path under another name: the wire is the same, generated code is not.
            if let renamed = new.endpoints.first(where: {
                !oldNames.contains($0.name) && $0.method == endpoint.method && $0.path == endpoint.path
            }) {
                renamedNew.insert(renamed.name)
                changes.append(SpecChange(.endpointRenamed, .breaking, subject,
                    "renamed to \(renamed.name) (\(endpoint.method.rawValue) \(endpoint.path)); generated code calls it by name",
                    at: renamed.source))
                changes += compare(endpoint, renamed, subject: "endpoint \(renamed.name)")
            } else {
                changes.append(SpecChange(.endpointRemoved, .breaking, subject,
                    "removed (\(endpoint.method.rawValue) \(endpoint.path))", at: endpoint.source, inOldSpec: true))
            }
        }
        for endpoint in new.endpoints {
            if let previous = old.endpoints.first(where: { $0.name == endpoint.name }) {
                changes += compare(previous, endpoint, subject: "endpoint \(endpoint.name)")
            } else if !renamedNew.contains(endpoint.name) {
                changes.append(SpecChange(.endpointAdded, .compatible, "endpoint \(endpoint.name)",
                    "added (\(endpoint.method.rawValue) \(endpoint.path))", at: endpoint.source))
            }
        }
        return changes
    }

    private func compare(_ before: Endpoint, _ after: Endpoint, subject: String) -> [SpecChange] {
        var changes: [SpecChange] = []
        let at = after.source
        if before.path != after.path {
            changes.append(SpecChange(.pathChanged, .breaking, subject, "path \(before.path) → \(after.path)", at: at))
        }
        if before.method != after.method {
            changes.append(SpecChange(.methodChanged, .breaking, subject,
                "method \(before.method.rawValue) → \(after.method.rawValue)", at: at))
        }
        changes += securityChanges(before.security, after.security, subject: subject, at: at)
        changes += parameterChanges(before, after, subject: subject)
        changes += requestChanges(before.request, after.request, subject: subject, at: at)
        changes += responseChanges(before, after, subject: subject)
        if before.summary != after.summary || before.description != after.description {
            changes.append(SpecChange(.descriptionChanged, .compatible, subject, "summary or description changed", at: at))
        }
        changes += Self.deprecationChanges(before.deprecation, after.deprecation, subject: subject, at: at)
        return changes
    }

    /// Deprecating changes nothing on the wire, but callers should hear of it.
    static func deprecationChanges(_ before: Deprecation?, _ after: Deprecation?, subject: String, at: SourceLocation) -> [SpecChange] {
        switch (before, after) {
        case (nil, let now?):
            return [SpecChange(.deprecated, .compatible, subject, "deprecated (noted" + (now.message.map { ": \($0)" } ?? "") + ")", at: at)]
        case (_?, nil):
            return [SpecChange(.undeprecated, .compatible, subject, "no longer deprecated", at: at)]
        default:
            return []
        }
    }

    /// A field that one direction stops carrying breaks those who send it (readOnly) or read it (writeOnly).
    static func accessChanges(
        _ before: FieldAccess, _ after: FieldAccess, subject: String, inRequests: Bool, inResponses: Bool, at: SourceLocation
    ) -> [SpecChange] {
        guard before != after else { return [] }
        let dropsFromRequests = after == .readOnly && inRequests
        let dropsFromResponses = after == .writeOnly && inResponses
        let message =
            "\(before.rawValue) → \(after.rawValue)"
            + (dropsFromRequests ? ": requests no longer carry it" : dropsFromResponses ? ": responses no longer carry it" : "")
        return [SpecChange(.accessChanged, dropsFromRequests || dropsFromResponses ? .breaking : .compatible, subject, message, at: at)]
    }

    /// Any one listed scheme admits a caller: taking one away, or asking for credentials where none
    /// were needed, shuts existing callers out; admitting more does not.
    private func securityChanges(_ before: [String], _ after: [String], subject: String, at: SourceLocation) -> [SpecChange] {
        guard before != after else { return [] }
        let describe = { (list: [String]) in list.isEmpty ? "none" : list.joined(separator: " or ") }
        let message = "security \(describe(before)) → \(describe(after))"
        let removed = !before.isEmpty && !Set(before).isSubset(of: after) && !after.isEmpty
        let nowRequired = before.isEmpty && !after.isEmpty
        if removed || nowRequired { return [SpecChange(.securityChanged, .breaking, subject, message, at: at)] }
        if Set(before) == Set(after) { return [] }
        return [SpecChange(.securityChanged, .compatible, subject, message + " (more callers admitted)", at: at)]
    }

    private func parameterChanges(_ before: Endpoint, _ after: Endpoint, subject: String) -> [SpecChange] {
        var changes: [SpecChange] = []
        for parameter in before.parameters {
            let where_ = "\(subject), \(parameter.kind.rawValue) parameter \(parameter.name)"
            guard let current = after.parameters.first(where: { $0.name == parameter.name }) else {
                changes.append(SpecChange(.parameterRemoved, .breaking, where_, "removed", at: parameter.source, inOldSpec: true))
                continue
            }
            if current.kind != parameter.kind {
                changes.append(SpecChange(.parameterMovedElsewhere, .breaking, where_,
                    "moved from \(parameter.kind.rawValue) to \(current.kind.rawValue)", at: current.source))
            }
            let wasRequired = parameter.kind == .path || parameter.isRequired
            let isRequired = current.kind == .path || current.isRequired
            changes += valueChanges(
                before: (parameter.type, wasRequired, parameter.constraints, parameter.defaultValue, parameter.description),
                after: (current.type, isRequired, current.constraints, current.defaultValue, current.description),
                subject: where_, inRequests: true, inResponses: false, at: current.source)
        }
        for parameter in after.parameters where !before.parameters.contains(where: { $0.name == parameter.name }) {
            let required = parameter.kind == .path || parameter.isRequired
            changes.append(SpecChange(.parameterAdded, required ? .breaking : .compatible,
                "\(subject), \(parameter.kind.rawValue) parameter \(parameter.name)",
                required ? "added, required: existing callers do not send it" : "added, optional", at: parameter.source))
        }
        return changes
    }

    private func requestChanges(_ before: RequestBody?, _ after: RequestBody?, subject: String, at: SourceLocation) -> [SpecChange] {
        switch (before, after) {
        case (nil, nil): return []
        case (nil, let body?):
            return [SpecChange(.requestBodyAdded, .breaking, subject, "request body \(body.type) added: existing callers do not send it", at: at)]
        case (let body?, nil):
            return [SpecChange(.requestBodyRemoved, .breaking, subject, "request body \(body.type) removed", at: at)]
        case (let before?, let after?):
            var changes: [SpecChange] = []
            if before.type != after.type {
                changes.append(SpecChange(.typeChanged, .breaking, subject, "request body \(before.type) → \(after.type)", at: at))
            }
            for type in before.contentTypes where !after.contentTypes.contains(type) {
                changes.append(SpecChange(.mediaTypeRemoved, .breaking, subject, "request body no longer accepted as \(type.mediaType)", at: at))
            }
            for type in after.contentTypes where !before.contentTypes.contains(type) {
                changes.append(SpecChange(.mediaTypeAdded, .compatible, subject, "request body also accepted as \(type.mediaType)", at: at))
            }
            return changes
        }
    }

    private func responseChanges(_ before: Endpoint, _ after: Endpoint, subject: String) -> [SpecChange] {
        var changes: [SpecChange] = []
        for response in before.responses {
            guard let current = after.responses.first(where: { $0.status == response.status }) else {
                changes.append(SpecChange(.responseRemoved, .breaking, subject, "response \(response.status) removed", at: after.source))
                continue
            }
            switch (response.body, current.body) {
            case (let a?, let b?) where a != b:
                changes.append(SpecChange(.typeChanged, .breaking, subject, "response \(response.status) body \(a) → \(b)", at: after.source))
            case (let a?, nil):
                changes.append(SpecChange(.typeChanged, .breaking, subject, "response \(response.status) body \(a) removed", at: after.source))
            case (nil, let b?):
                changes.append(SpecChange(.typeChanged, .compatible, subject, "response \(response.status) now has a body \(b)", at: after.source))
            default: break
            }
        }
        for response in after.responses where !before.responses.contains(where: { $0.status == response.status }) {
            changes.append(SpecChange(.responseAdded, .compatible, subject,
                "response \(response.status) added (noted: clients now meet this status)", at: after.source))
        }
        return changes
    }

    // MARK: Structures

    private func structureChanges() -> [SpecChange] {
        var changes: [SpecChange] = []
        for structure in old.structures where new.structure(named: structure.name) == nil {
            changes.append(SpecChange(.structureRemoved, .breaking, "structure \(structure.name)", "removed",
                at: structure.source, inOldSpec: true))
        }
        for structure in new.structures {
            guard let previous = old.structure(named: structure.name) else {
                changes.append(SpecChange(.structureAdded, .compatible, "structure \(structure.name)", "added", at: structure.source))
                continue
            }
            let inRequests = requestTypes.contains(structure.name), inResponses = responseTypes.contains(structure.name)
            for field in previous.fields where !structure.fields.contains(where: { $0.wireName == field.wireName }) {
                changes.append(SpecChange(.fieldRemoved, .breaking, "structure \(structure.name), field \(field.wireName)",
                    "removed" + Self.sides(inRequests, inResponses), at: field.source, inOldSpec: true))
            }
            for field in structure.fields {
                let subject = "structure \(structure.name), field \(field.wireName)"
                guard let before = previous.fields.first(where: { $0.wireName == field.wireName }) else {
                    let breaks = field.isRequired && inRequests
                    changes.append(SpecChange(.fieldAdded, breaks ? .breaking : .compatible, subject,
                        breaks ? "added, required in requests: existing callers do not send it"
                            : "added, \(field.isRequired ? "required" : "optional")", at: field.source))
                    continue
                }
                changes += valueChanges(
                    before: (before.type, before.isRequired, before.constraints, before.defaultValue, before.description),
                    after: (field.type, field.isRequired, field.constraints, field.defaultValue, field.description),
                    subject: subject, inRequests: inRequests, inResponses: inResponses, at: field.source)
                changes += Self.accessChanges(
                    before.access, field.access, subject: subject, inRequests: inRequests, inResponses: inResponses, at: field.source)
                changes += Self.deprecationChanges(before.deprecation, field.deprecation, subject: subject, at: field.source)
            }
            if previous.description != structure.description {
                changes.append(SpecChange(.descriptionChanged, .compatible, "structure \(structure.name)", "description changed",
                    at: structure.source))
            }
        }
        return changes
    }

    private static func sides(_ inRequests: Bool, _ inResponses: Bool) -> String {
        switch (inRequests, inResponses) {
        case (true, true): " (sent in requests and responses)"
        case (true, false): " (sent in requests)"
        case (false, true): " (sent in responses)"
        case (false, false): ""
        }
    }

    typealias Value = (type: TypeRef, required: Bool, constraints: Constraints, defaultValue: DefaultValue?, description: String?)

    /// Changes to a field or parameter. Stricter rules break callers who send it (requests);
    /// a value that may now be missing breaks readers (responses).
    private func valueChanges(
        before: Value, after: Value, subject: String, inRequests: Bool, inResponses: Bool, at: SourceLocation
    ) -> [SpecChange] {
        var changes: [SpecChange] = []
        if before.type != after.type {
            changes.append(SpecChange(.typeChanged, .breaking, subject, "type \(before.type) → \(after.type)", at: at))
        }
        if !before.required && after.required {
            changes.append(SpecChange(.madeRequired, inRequests ? .breaking : .compatible, subject,
                inRequests ? "now required: existing callers may not send it" : "now always present", at: at))
        }
        if before.required && !after.required {
            changes.append(SpecChange(.madeOptional, inResponses ? .breaking : .compatible, subject,
                inResponses ? "now optional in responses: readers may not find it" : "now optional", at: at))
        }
        let (tightened, loosened) = ConstraintComparison.compare(before.constraints, after.constraints)
        if !tightened.isEmpty {
            changes.append(SpecChange(.constraintTightened, inRequests ? .breaking : .compatible, subject,
                "tightened: " + tightened.joined(separator: ", ")
                    + (inRequests ? "" : " (noted: only responses carry it, they stay valid for readers)"), at: at))
        }
        if !loosened.isEmpty {
            changes.append(SpecChange(.constraintLoosened, .compatible, subject, "loosened: " + loosened.joined(separator: ", "), at: at))
        }
        if before.defaultValue != after.defaultValue {
            changes.append(SpecChange(.defaultChanged, .compatible, subject,
                "default \(Self.text(before.defaultValue)) → \(Self.text(after.defaultValue)) (noted: callers that leave it out get the new one)",
                at: at))
        }
        if before.description != after.description {
            changes.append(SpecChange(.descriptionChanged, .compatible, subject, "description changed", at: at))
        }
        return changes
    }

    private static func text(_ value: DefaultValue?) -> String {
        guard let value else { return "none" }
        return OpenAPIExporter.value(of: value, type: .json).compactJSON()
    }

    // MARK: Enums

    private func enumChanges() -> [SpecChange] {
        var changes: [SpecChange] = []
        for item in old.enums where new.enumType(named: item.name) == nil {
            changes.append(SpecChange(.enumRemoved, .breaking, "enum \(item.name)", "removed", at: item.source, inOldSpec: true))
        }
        for item in new.enums {
            guard let previous = old.enumType(named: item.name) else {
                changes.append(SpecChange(.enumAdded, .compatible, "enum \(item.name)", "added", at: item.source))
                continue
            }
            for value in previous.values where !item.values.contains(where: { $0.value == value.value }) {
                changes.append(SpecChange(.enumValueRemoved, .breaking, "enum \(item.name), value \(value.value)", "removed",
                    at: value.source, inOldSpec: true))
            }
            let inResponses = responseTypes.contains(item.name)
            for value in item.values where !previous.values.contains(where: { $0.value == value.value }) {
                changes.append(SpecChange(.enumValueAdded, .compatible, "enum \(item.name), value \(value.value)",
                    inResponses ? "added (noted: responses may carry it; clients must accept values they do not know)" : "added",
                    at: value.source))
            }
            for value in item.values {
                guard let before = previous.values.first(where: { $0.value == value.value }) else { continue }
                changes += Self.deprecationChanges(
                    before.deprecation, value.deprecation, subject: "enum \(item.name), value \(value.value)", at: value.source)
            }
            if previous.description != item.description
                || previous.values.contains(where: { value in item.values.contains { $0.value == value.value && $0.description != value.description } })
            {
                changes.append(SpecChange(.descriptionChanged, .compatible, "enum \(item.name)", "description changed", at: item.source))
            }
        }
        return changes
    }
}

/// Which constraints became stricter and which looser, each named with its old and new value.
enum ConstraintComparison {
    static func compare(_ before: Constraints, _ after: Constraints) -> (tightened: [String], loosened: [String]) {
        var tightened: [String] = [], loosened: [String] = []
        func lowerBound<T: Comparable & CustomStringConvertible>(_ name: String, _ a: T?, _ b: T?) {
            switch (a, b) {
            case (nil, let b?): tightened.append("\(name) \(b) added")
            case (let a?, nil): loosened.append("\(name) \(a) removed")
            case (let a?, let b?) where b > a: tightened.append("\(name) \(a) → \(b)")
            case (let a?, let b?) where b < a: loosened.append("\(name) \(a) → \(b)")
            default: break
            }
        }
        func upperBound<T: Comparable & CustomStringConvertible>(_ name: String, _ a: T?, _ b: T?) {
            switch (a, b) {
            case (nil, let b?): tightened.append("\(name) \(b) added")
            case (let a?, nil): loosened.append("\(name) \(a) removed")
            case (let a?, let b?) where b < a: tightened.append("\(name) \(a) → \(b)")
            case (let a?, let b?) where b > a: loosened.append("\(name) \(a) → \(b)")
            default: break
            }
        }
        lowerBound("minLength", before.minLength, after.minLength)
        upperBound("maxLength", before.maxLength, after.maxLength)
        lowerBound("minimum", before.minimum, after.minimum)
        upperBound("maximum", before.maximum, after.maximum)
        lowerBound("minItems", before.minItems, after.minItems)
        upperBound("maxItems", before.maxItems, after.maxItems)
        // A changed pattern or format cannot be compared: it may refuse what the old one accepted.
        switch (before.pattern, after.pattern) {
        case (nil, let b?): tightened.append("pattern \(b) added")
        case (let a?, nil): loosened.append("pattern \(a) removed")
        case (let a?, let b?) where a != b: tightened.append("pattern \(a) → \(b)")
        default: break
        }
        switch (before.format, after.format) {
        case (nil, let b?): tightened.append("format \(b.rawValue) added")
        case (let a?, nil): loosened.append("format \(a.rawValue) removed")
        case (let a?, let b?) where a != b: tightened.append("format \(a.rawValue) → \(b.rawValue)")
        default: break
        }
        if !before.uniqueItems && after.uniqueItems { tightened.append("uniqueItems added") }
        if before.uniqueItems && !after.uniqueItems { loosened.append("uniqueItems removed") }
        return (tightened, loosened)
    }
}
