import Foundation
import SpecGen
import SpecModel
import Testing
import Yams

/// The OpenAPI export read back as YAML and checked value by value (the golden file shows the whole).
@Suite struct OpenAPIExportTests {
    static func exported() throws -> [String: Any] {
        let spec = try GoldenTests.fixtureSpec()
        let text = try OpenAPIExporter.text(for: spec, format: .yaml)
        return try #require(try Yams.load(yaml: text) as? [String: Any])
    }

    static func dig(_ value: Any?, _ path: String...) -> Any? {
        var current = value
        for key in path {
            if let index = Int(key), let array = current as? [Any] {
                current = index < array.count ? array[index] : nil
            } else {
                current = (current as? [String: Any])?[key]
            }
        }
        return current
    }

    @Test func isOpenAPI31WithTheSpecInfo() throws {
        let document = try Self.exported()
        #expect(document["openapi"] as? String == "3.1.0")
        #expect(Self.dig(document, "info", "title") as? String == "Fixture Shop")
        #expect(Self.dig(document, "info", "version") as? String == "1.2.0")
    }

    @Test func anEndpointAcceptingJSONAndFormsListsBothMediaTypes() throws {
        let document = try Self.exported()
        let content = try #require(Self.dig(document, "paths", "/orders", "post", "requestBody", "content") as? [String: Any])
        #expect(Set(content.keys) == ["application/json", "application/x-www-form-urlencoded"])
        #expect(Self.dig(content, "application/x-www-form-urlencoded", "schema", "$ref") as? String == "#/components/schemas/OrderRequest")
        #expect(Self.dig(document, "paths", "/orders", "post", "security") as? [[String: [String]]] == [["customerToken": []]])
        #expect(Self.dig(document, "paths", "/orders", "post", "responses", "409", "description") as? String == "An item is out of stock.")
    }

    @Test func parametersCarryLocationRequirednessAndConstraints() throws {
        let document = try Self.exported()
        let parameters = try #require(Self.dig(document, "paths", "/shops/{shopId}/items", "get", "parameters") as? [[String: Any]])
        #expect(parameters.map { $0["name"] as? String } == ["shopId", "category", "limit", "tag", "X-Request-Id"])
        #expect(parameters.map { $0["in"] as? String } == ["path", "query", "query", "query", "header"])
        #expect(parameters[0]["required"] as? Bool == true)
        #expect(parameters[2]["required"] as? Bool == false)
        #expect(Self.dig(parameters[2], "schema", "default") as? Int == 20)
        #expect(Self.dig(parameters[2], "schema", "maximum") as? Int == 100)
        #expect(Self.dig(parameters[3], "schema", "items", "type") as? String == "string")
        #expect(Self.dig(document, "paths", "/shops/{shopId}/items/{itemId}", "get", "security") as? [[String: [String]]]
            == [["staffToken": []], ["customerToken": []]])
    }

    @Test func schemasKeepEveryConstraintAndDefault() throws {
        let document = try Self.exported()
        let item = try #require(Self.dig(document, "components", "schemas", "Item") as? [String: Any])
        #expect(item["required"] as? [String] == ["id", "title", "category", "price"])
        #expect(Self.dig(item, "properties", "id", "pattern") as? String == "^[a-z0-9-]+$")
        #expect(Self.dig(item, "properties", "id", "maxLength") as? Int == 32)
        #expect(Self.dig(item, "properties", "tags", "uniqueItems") as? Bool == true)
        #expect(Self.dig(item, "properties", "tags", "maxItems") as? Int == 5)
        #expect(Self.dig(item, "properties", "ratings", "additionalProperties", "format") as? String == "double")
        #expect(Self.dig(item, "properties", "homepage", "format") as? String == "uri")
        #expect(Self.dig(item, "properties", "supportEmail", "format") as? String == "email")
        #expect(Self.dig(item, "properties", "releasedAt", "format") as? String == "date-time")
        #expect(Self.dig(item, "properties", "extra_data", "contentMediaType") as? String == "application/json")
        #expect(Self.dig(item, "properties", "in_stock", "default") as? Bool == true)
        #expect(Self.dig(item, "properties", "price", "$ref") as? String == "#/components/schemas/Money")
        #expect(Self.dig(item, "properties", "price", "description") as? String == "The current price.")
        #expect((Self.dig(item, "properties", "attributes") as? [String: Any])?.keys.sorted() == ["description"])
        #expect(Self.dig(document, "components", "schemas", "Money", "properties", "currency", "default") as? String == "EUR")
    }

    @Test func enumsListTheirValuesAndWhatEachMeans() throws {
        let document = try Self.exported()
        let category = try #require(Self.dig(document, "components", "schemas", "Category") as? [String: Any])
        #expect(category["enum"] as? [String] == ["BOOK", "GAME", "GIFT_CARD"])
        #expect(category["x-enum-descriptions"] as? [String] == ["Printed or electronic books.", "Board and video games.", "Prepaid cards."])
        #expect((category["description"] as? String)?.contains("- `GAME`: Board and video games.") == true)
        #expect(Self.dig(document, "components", "schemas", "Currency", "enum") as? [String] == ["EUR", "USD", "urn:x-shop:points"])
    }

    @Test func securitySchemesAreHTTPBearer() throws {
        let document = try Self.exported()
        #expect(Self.dig(document, "components", "securitySchemes", "staffToken", "type") as? String == "http")
        #expect(Self.dig(document, "components", "securitySchemes", "staffToken", "scheme") as? String == "bearer")
    }

    @Test func jsonAndYAMLHoldTheSameDocument() throws {
        let spec = try GoldenTests.fixtureSpec()
        let json = try OpenAPIExporter.text(for: spec, format: .json)
        let fromJSON = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? NSDictionary
        let fromYAML = try Self.exported() as NSDictionary
        #expect(fromJSON == fromYAML)
    }

    @Test func stringsThatLookLikeOtherTypesAreQuotedInYAML() throws {
        let text = try DocumentValue.object([("a", .string("200")), ("b", .string("yes")), ("c", .string("null")), ("d", .string("x"))])
            .yamlText()
        #expect(text == "a: '200'\nb: 'yes'\nc: 'null'\nd: x\n")
    }
}
