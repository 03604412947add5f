import Foundation
import SpecGen
import SpecModel
import Testing

/// Loads a spec written out from `files` (name → YAML) into a temporary folder.
func loadSpec(_ files: [String: String]) throws -> Spec {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("spec-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: folder) }
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    for (name, text) in files {
        try text.write(to: folder.appendingPathComponent(name), atomically: true, encoding: .utf8)
    }
    return try SpecLoader.load(directory: folder.path).get()
}

/// The reference documentation: golden files for the fixture spec, and what pages say, value by value.
@Suite struct DocsTests {
    static let goldenDocs = GoldenTests.golden.appendingPathComponent("docs")

    static func fixtureDocs() throws -> [String: String] {
        let spec = try GoldenTests.fixtureSpec()
        let files = try DocsGenerator.generate(spec: spec, templates: TemplateSet())
        return Dictionary(uniqueKeysWithValues: files.map { ($0.name, $0.contents) })
    }

    @Test func fixtureDocsMatchTheGoldenFiles() throws {
        let spec = try GoldenTests.fixtureSpec()
        let files = try DocsGenerator.generate(spec: spec, templates: TemplateSet())
        if ProcessInfo.processInfo.environment["SPECGEN_UPDATE_GOLDEN"] == "1" {
            _ = try OutputWriter.write(files, to: Self.goldenDocs.path)
        }
        let goldenNames = (FileManager.default.enumerator(atPath: Self.goldenDocs.path)?.compactMap { $0 as? String } ?? [])
            .filter { $0.hasSuffix(".md") || $0.hasSuffix(".html") }
        #expect(files.map(\.name).sorted() == goldenNames.sorted())
        for file in files {
            let expected = try String(contentsOf: Self.goldenDocs.appendingPathComponent(file.name), encoding: .utf8)
            #expect(file.contents == expected, "\(file.name) differs from Golden/docs/\(file.name)")
        }
    }

    @Test func thereIsAPagePerEndpointStructureAndEnumPlusIndexAndHTML() throws {
        let docs = try Self.fixtureDocs()
        #expect(docs.keys.sorted() == [
            "endpoints/createAccount.md", "endpoints/deleteItem.md", "endpoints/getAccountByNickname.md", "endpoints/getItem.md",
            "endpoints/listItems.md", "endpoints/placeOrder.md", "endpoints/putItem.md", "endpoints/shopStatus.md",
            "enums/Category.md", "enums/Currency.md", "enums/OrderStatus.md", "enums/Plan.md",
            "index.md", "reference.html", "structures/Account.md", "structures/Empty.md", "structures/Item.md", "structures/ItemList.md",
            "structures/Money.md", "structures/Order.md", "structures/OrderLine.md", "structures/OrderRequest.md",
            "structures/Problem.md",
        ])
    }

    @Test func anEndpointPageHasMethodPathSecurityTablesAndExamples() throws {
        let page = try #require(try Self.fixtureDocs()["endpoints/listItems.md"])
        #expect(page.contains("`GET /shops/{shopId}/items`"))
        #expect(page.contains("- Security: none"))
        #expect(page.contains("| `limit` | query | `int32` | no | minimum 1, maximum 100, default `20` | Page size. |"))
        #expect(page.contains("| `shopId` | path | `int64` | yes | minimum 1 | The shop. |"))
        #expect(page.contains("| 200 | [`ItemList`](../structures/ItemList.md) | A page of items. |"))
        #expect(page.contains("GET /shops/1/items HTTP/1.1"))
        #expect(page.contains("HTTP/1.1 200 OK"))

        let order = try #require(try Self.fixtureDocs()["endpoints/placeOrder.md"])
        #expect(order.contains("sent as `application/json`, `application/x-www-form-urlencoded`"))
        #expect(order.contains("- Security: [`customerToken`](../index.md#security)"))
        #expect(order.contains("| `item_id` | array of `string` | yes | minItems 1 | Items to buy; repeat the key in forms. |"))
        #expect(order.contains("Authorization: Bearer <customerToken>"))
    }

    @Test func structureAndEnumPagesListFieldsValuesAndUsers() throws {
        let docs = try Self.fixtureDocs()
        let item = try #require(docs["structures/Item.md"])
        #expect(item.contains("| `id` | `string` | yes | minLength 3, maxLength 32, pattern `^[a-z0-9-]+$` | Stable identifier. |"))
        #expect(item.contains("| `price` | [`Money`](../structures/Money.md) | yes |  | The current price. |"))
        #expect(item.contains("- [getItem](../endpoints/getItem.md)"))
        let money = try #require(docs["structures/Money.md"])
        // Money is reached through Item and Order, so every endpoint that returns those uses it.
        #expect(money.contains("- [listItems](../endpoints/listItems.md)") && money.contains("- [placeOrder](../endpoints/placeOrder.md)"))
        let category = try #require(docs["enums/Category.md"])
        #expect(category.contains("| `GIFT_CARD` | Prepaid cards. |"))
    }

    @Test func theActionsOfAResponseAreListedWithWhatTheCallerDoes() throws {
        let spec = try loadSpec([
            "api.yaml": """
                info: { title: Actions, version: "1" }
                enums:
                  NextStep:
                    description: What to do.
                    values:
                      OK: Return 200 with `responseContent`.
                      BAD_REQUEST: Return 400 | with the body.
                structures:
                  Answer:
                    fields:
                      action: { type: NextStep, required: true, description: What to do next. }
                      resultCode: { type: string, required: true, pattern: '^A\\d{6}$' }
                endpoints:
                  decide:
                    method: POST
                    path: /decide/{serviceId}
                    parameters:
                      serviceId: { in: path, type: string, pattern: '^\\d+$' }
                    responses:
                      200: { body: Answer }
                """
        ])
        let docs = Dictionary(uniqueKeysWithValues: try DocsGenerator.generate(spec: spec, templates: TemplateSet()).map { ($0.name, $0.contents) })
        let page = try #require(docs["endpoints/decide.md"])
        #expect(page.contains("The `action` of the response ([`NextStep`](../enums/NextStep.md)) says what the caller does next:"))
        #expect(page.contains("| `OK` | Return 200 with `responseContent`. |"))
        #expect(page.contains("| `BAD_REQUEST` | Return 400 \\| with the body. |"))
        // Examples satisfy patterns: a numeric path segment, a result code shaped like one.
        #expect(page.contains("POST /decide/1234567890 HTTP/1.1"))
        #expect(page.contains("\"resultCode\": \"A000001\""))
        #expect(page.contains("| 200 | [`Answer`](../structures/Answer.md) | OK |"))
        let html = try #require(docs["reference.html"])
        #expect(html.contains("<tr><td><code>OK</code></td><td><p>Return 200 with <code>responseContent</code>.</p></td></tr>"))
    }

    @Test func theHTMLPageIsSelfContainedWithAnAnchorPerItemAndEscapedText() throws {
        let html = try #require(try Self.fixtureDocs()["reference.html"])
        #expect(html.hasPrefix("<!DOCTYPE html>\n"))
        #expect(!html.contains("<link ") && !html.contains(" src="))
        #expect(html.contains("<style>") && html.contains("<script>") && html.contains("id=\"search\""))
        for anchor in ["endpoint-listItems", "endpoint-placeOrder", "structure-Item", "enum-Category", "security-staffToken"] {
            #expect(html.contains("id=\"\(anchor)\""), "no anchor \(anchor)")
        }
        // Descriptions are escaped: the fixture's title field speaks of "customers" in quotes.
        #expect(html.contains("What the item is called, shown to &quot;customers&quot;."))
    }
}
