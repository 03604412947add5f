import Foundation
import Hummingbird
import HummingbirdTesting
import OpenAPIAsyncHTTPClient
import OpenAPIHummingbird
import SpecRuntime
import Testing

/// The generated `Client` against the generated server, over real HTTP on 127.0.0.1.
@Suite struct ClientTests {
    static func withLiveShop(_ body: @Sendable (ShopServer, Client) async throws -> Void) async throws {
        let shop = ShopServer()
        let router = Router()
        try shop.registerHandlers(on: router)
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await app.test(.live) { testClient in
            let port = try #require(testClient.port)
            let client = Client(
                serverURL: URL(string: "http://127.0.0.1:\(port)")!, transport: AsyncHTTPClientTransport(),
                credentials: BearerCredentials(token: "staff-token"))
            try await body(shop, client)
        }
    }

    @Test func callsEveryKindOfOperation() async throws {
        try await Self.withLiveShop { shop, client in
            let created = try await client.putItem(.init(path: .init(shopId: 7, itemId: "board-game-1"), body: ModelTests.fullItem))
            #expect(created == .created(ModelTests.fullItem))
            #expect(await shop.lastCredentials == BearerCredentials(token: "staff-token"))

            let fetched = try await client.getItem(
                .init(path: .init(shopId: 7, itemId: "board-game-1"), credentials: BearerCredentials(token: "customer-token")))
            #expect(fetched == .ok(ModelTests.fullItem))
            #expect(await shop.lastCredentials == BearerCredentials(token: "customer-token"))

            let listed = try await client.listItems(.init(path: .init(shopId: 7), query: .init(category: .game, tag: ["classic"])))
            #expect(listed == .ok(ItemList(items: [ModelTests.fullItem], next: nil)))

            let missing = try await client.getItem(.init(path: .init(shopId: 7, itemId: "no such/item")))
            #expect(missing == .notFound(Problem(code: "no_such_item", message: "No item no such/item.")))

            let order = try await client.placeOrder(.init(body: OrderRequest(customerId: "c", itemId: ["sold-out"])))
            #expect(order == .conflict(Problem(code: "out_of_stock", message: nil)))

            #expect(try await client.deleteItem(.init(path: .init(shopId: 7, itemId: "board-game-1"))) == .noContent)
            #expect(try await client.shopStatus(.init()) == .ok(["open": true, "since": 1990]))
        }
    }

    @Test func undeclaredStatusesThrowWithTheServersBody() async throws {
        try await Self.withLiveShop { _, client in
            let bad = Item(id: "BAD", title: "t", category: .book, price: Money(amount: 1))
            let error = try await #require(throws: UnexpectedResponseError.self) {
                try await client.putItem(.init(path: .init(shopId: 7, itemId: "x"), body: bad))
            }
            #expect(error.status == 400)
            #expect(error.operationID == "putItem")
            #expect(error.jsonBody?["violations"] == [["in": "body", "path": "/id", "message": "must match the pattern ^[a-z0-9-]+$"]])
        }
    }
}
