/// The contexts the documentation templates (`Templates/docs/`) render. Text meant for Markdown is
/// given as written in the spec; `…HTML` members are already escaped for the HTML page.

struct DocsSiteContext: Encodable {
    /// An HTML comment saying the page is generated; it reads the same in Markdown and HTML.
    var header: String
    var title: String
    var version: String
    var description: String?
    var descriptionHTML: String?
    var securitySchemes: [SecuritySchemeDoc]
    var hasSecuritySchemes: Bool
    var areas: [AreaDoc]
    var endpoints: [EndpointDoc]
    var structures: [StructureDoc]
    var enums: [EnumDoc]
}

struct SecuritySchemeDoc: Encodable {
    var name: String
    var kind: String
    var description: String?
    var descriptionHTML: String?
}

struct AreaDoc: Encodable {
    var name: String
    var endpoints: [EndpointDoc]
    var structures: [StructureDoc]
    var enums: [EnumDoc]
    var hasEndpoints: Bool
    var hasStructures: Bool
    var hasEnums: Bool
}

/// A link to a page of the docs: `file` for Markdown (relative to the docs folder), `anchor` for HTML.
struct LinkDoc: Encodable {
    var name: String
    var file: String
    var anchor: String
}

struct EndpointDoc: Encodable {
    var header: String
    var name: String
    var file: String
    var anchor: String
    var area: String
    var method: String
    var path: String
    var summary: String?
    var summaryHTML: String?
    /// Summary, path and name in lower case, for the search box.
    var searchText: String
    var description: String?
    var descriptionHTML: String?
    /// "`a` or `b`", "none": the schemes any one of which admits a caller.
    var securityText: String
    var securityHTML: String
    var parameters: [ParameterDoc]
    var hasParameters: Bool
    var request: RequestDoc?
    var responses: [ResponseDoc]
    /// What the caller does for each `action` value of the response, where the spec says so.
    var actions: [EnumValueDoc]
    var hasActions: Bool
    var actionEnum: LinkDoc?
    var exampleRequest: String
    var exampleResponse: String?
}

struct ParameterDoc: Encodable {
    var name: String
    var location: String
    var type: TypeDoc
    var required: String
    var constraints: String
    var constraintsHTML: String
    var description: String
    var descriptionHTML: String
}

struct RequestDoc: Encodable {
    var type: TypeDoc
    var mediaTypes: String
    var mediaTypesHTML: String
    var description: String?
    var descriptionHTML: String?
    var fields: [FieldDoc]
    var hasFields: Bool
}

struct ResponseDoc: Encodable {
    var status: Int
    var description: String
    var descriptionHTML: String
    var body: TypeDoc?
}

/// A type as the docs show it: Markdown with links to pages (from a page one folder down), HTML with
/// links to anchors.
struct TypeDoc: Encodable {
    var markdown: String
    var html: String
}

struct FieldDoc: Encodable {
    var name: String
    var type: TypeDoc
    var required: String
    var constraints: String
    var constraintsHTML: String
    var description: String
    var descriptionHTML: String
}

struct StructureDoc: Encodable {
    var header: String
    var name: String
    var file: String
    var anchor: String
    var area: String
    var description: String?
    var descriptionHTML: String?
    var searchText: String
    var fields: [FieldDoc]
    var hasFields: Bool
    var usedBy: [LinkDoc]
    var hasUsedBy: Bool
    var example: String
}

struct EnumDoc: Encodable {
    var header: String
    var name: String
    var file: String
    var anchor: String
    var area: String
    var description: String?
    var descriptionHTML: String?
    var searchText: String
    var values: [EnumValueDoc]
    var usedBy: [LinkDoc]
    var hasUsedBy: Bool
}

struct EnumValueDoc: Encodable {
    var value: String
    var description: String
    var descriptionHTML: String
}
