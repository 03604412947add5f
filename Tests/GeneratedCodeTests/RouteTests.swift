import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import OpenAPIHummingbird
import SpecRuntime
import Testing

/// Requests through the generated `registerHandlers` on a Hummingbird router, in process.
@Suite struct RouteTests {
    static func withShop(_ body: @Sendable (ShopServer, any TestClientProtocol) async throws -> Void) async throws {
        let shop = ShopServer()
        let router = Router()
        try shop.registerHandlers(on: router)
        let app = Application(router: router)
        try await app.test(.router) { client in try await body(shop, client) }
    }

    static func json(_ buffer: ByteBuffer) throws -> JSONValue {
        try JSONValue(parsing: Array(buffer: buffer))
    }

    static let staff: HTTPFields = [.authorization: "Bearer staff-1", .contentType: "application/json"]

    @Test func goodRequestReachesTheHandlerAndGetsItsTypedResponse() async throws {
        try await Self.withShop { shop, client in
            let body = ModelTests.fullItem.jsonValue.serializedString
            try await client.execute(uri: "/shops/1/items/board-game-1", method: .put, headers: Self.staff, body: ByteBuffer(string: body)) { (response) async throws in
                #expect(response.status == .created)
                #expect(response.headers[.contentType] == "application/json")
                #expect(try Item(jsonData: Array(buffer: response.body)) == ModelTests.fullItem)
            }
            try await client.execute(uri: "/shops/1/items/board-game-1", method: .put, headers: Self.staff, body: ByteBuffer(string: body)) { (response) async throws in
                #expect(response.status == .ok)
            }
            #expect(await shop.calls == ["putItem", "putItem"])
            #expect(await shop.lastCredentials == BearerCredentials(token: "staff-1"))
        }
    }

    @Test func malformedJSONIsA400AndNeverReachesTheHandler() async throws {
        try await Self.withShop { shop, client in
            try await client.execute(uri: "/shops/1/items/abc", method: .put, headers: Self.staff, body: ByteBuffer(string: "{\"id\": ")) { (response) async throws in
                #expect(response.status == .badRequest)
                #expect(
                    try Self.json(response.body)
                        == [
                            "error": "invalid_request", "message": "The request has 1 problem.",
                            "violations": [["in": "body", "path": "", "message": "is not valid JSON: a value is missing at byte 7"]],
                        ])
            }
            #expect(await shop.calls.isEmpty)
        }
    }

    @Test func wrongTypesAndMissingFieldsAreAllListed() async throws {
        try await Self.withShop { shop, client in
            let body = #"{"id": 12, "category": "BOOK", "price": {"amount": 1.5}}"#
            try await client.execute(uri: "/shops/x/items/abc", method: .put, headers: Self.staff, body: ByteBuffer(string: body)) { (response) async throws in
                #expect(response.status == .badRequest)
                let violations = try Self.json(response.body)["violations"]
                #expect(
                    violations
                        == [
                            ["in": "path", "path": "shopId", "message": "must be an integer"],
                            ["in": "body", "path": "/id", "message": "must be a string, not a number"],
                            ["in": "body", "path": "/title", "message": "is required"],
                            ["in": "body", "path": "/price/amount", "message": "must be an integer, not a fraction"],
                        ])
            }
            #expect(await shop.calls.isEmpty)
        }
    }

    @Test func constraintViolationsOfAWellTypedBodyAreA400() async throws {
        try await Self.withShop { _, client in
            let item = Item(id: "UPPER", title: "", category: .unknown("TOY"), price: Money(amount: 1))
            try await client.execute(
                uri: "/shops/1/items/abc", method: .put, headers: Self.staff, body: ByteBuffer(string: item.jsonValue.serializedString)
            ) { (response) async throws in
                #expect(response.status == .badRequest)
                let paths = try Self.json(response.body)["violations"]
                #expect(
                    paths
                        == [
                            ["in": "body", "path": "/id", "message": "must match the pattern ^[a-z0-9-]+$"],
                            ["in": "body", "path": "/title", "message": "must be at least 1 character long"],
                            ["in": "body", "path": "/category", "message": "must be one of BOOK, GAME, GIFT_CARD; 'TOY' is not"],
                        ])
            }
        }
    }

    @Test func formBodiesAreDecodedWithRepeatedKeysAsLists() async throws {
        try await Self.withShop { shop, client in
            let headers: HTTPFields = [.authorization: "Bearer c-1", .contentType: "application/x-www-form-urlencoded"]
            let form = "customer_id=c%2042&item_id=abc&item_id=def&express=true&quantity=3&currency=USD&note=leave+at+door"
            try await client.execute(uri: "/orders", method: .post, headers: headers, body: ByteBuffer(string: form)) { (response) async throws in
                #expect(response.status == .created)
                let order = try Order(jsonData: Array(buffer: response.body))
                #expect(order.lines == [OrderLine(itemId: "abc", quantity: 3), OrderLine(itemId: "def", quantity: 3)])
                #expect(order.total.currency == .usd)
            }
            #expect(
                await shop.lastOrder
                    == OrderRequest(
                        customerId: "c 42", itemId: ["abc", "def"], express: true, currency: .usd, note: "leave at door", quantity: 3))
        }
    }

    @Test func malformedFormBodiesListEveryViolation() async throws {
        try await Self.withShop { shop, client in
            let headers: HTTPFields = [.authorization: "Bearer c-1", .contentType: "application/x-www-form-urlencoded"]
            let form = "customer_id=a&customer_id=b&express=maybe&quantity=many&currency=JPY"
            try await client.execute(uri: "/orders", method: .post, headers: headers, body: ByteBuffer(string: form)) { (response) async throws in
                #expect(response.status == .badRequest)
                #expect(
                    try Self.json(response.body)["violations"]
                        == [
                            ["in": "body", "path": "/customer_id", "message": "must appear only once"],
                            ["in": "body", "path": "/item_id", "message": "is required"],
                            ["in": "body", "path": "/express", "message": "must be true or false"],
                            ["in": "body", "path": "/quantity", "message": "must be an integer"],
                        ])
            }
            #expect(await shop.calls.isEmpty)
        }
    }

    @Test func queryAndHeaderParametersAreDecodedAndValidated() async throws {
        try await Self.withShop { shop, client in
            for id in ["aaa", "bbb", "ccc"] {
                let item = Item(id: id, title: id, category: id == "bbb" ? .book : .game, price: Money(amount: 1), tags: ["x", id])
                try await client.execute(
                    uri: "/shops/1/items/\(id)", method: .put, headers: Self.staff,
                    body: ByteBuffer(string: item.jsonValue.serializedString)) { #expect($0.status == .created) }
            }
            try await client.execute(uri: "/shops/1/items?category=GAME&limit=1&tag=x", method: .get, headers: [:]) { (response) async throws in
                #expect(response.status == .ok)
                #expect(try ItemList(jsonData: Array(buffer: response.body)).items.map(\.id) == ["aaa"])
            }
            try await client.execute(uri: "/shops/1/items?tag=x&tag=ccc", method: .get) { (response) async throws in
                #expect(try ItemList(jsonData: Array(buffer: response.body)).items.map(\.id) == ["ccc"])
            }
            try await client.execute(
                uri: "/shops/0/items?limit=500&category=TOY", method: .get, headers: [HTTPField.Name("X-Request-Id")!: "short"]
            ) { (response) async throws in
                #expect(response.status == .badRequest)
                #expect(
                    try Self.json(response.body)["violations"]
                        == [
                            ["in": "path", "path": "shopId", "message": "must be at least 1"],
                            ["in": "query", "path": "category", "message": "must be one of BOOK, GAME, GIFT_CARD; 'TOY' is not"],
                            ["in": "query", "path": "limit", "message": "must be at most 100"],
                            ["in": "header", "path": "X-Request-Id", "message": "must be at least 8 characters long"],
                        ])
            }
            #expect(await shop.calls == ["putItem", "putItem", "putItem", "listItems", "listItems"])
        }
    }

    @Test func missingCredentialsAreA401BeforeTheHandler() async throws {
        try await Self.withShop { shop, client in
            try await client.execute(uri: "/shops/1/items/abc", method: .delete, headers: [.authorization: "Basic abc"]) { (response) async throws in
                #expect(response.status == .unauthorized)
                #expect(try Self.json(response.body)["error"] == "unauthorized")
            }
            #expect(await shop.calls.isEmpty)
        }
    }

    @Test func declaredStatusesWithoutBodiesAndErrorBodiesAreEncoded() async throws {
        try await Self.withShop { _, client in
            try await client.execute(uri: "/shops/1/items/abc", method: .delete, headers: Self.staff) { (response) async throws in
                #expect(response.status == .noContent)
                #expect(response.body.readableBytes == 0)
            }
            try await client.execute(uri: "/shops/1/items/abc", method: .get, headers: Self.staff) { (response) async throws in
                #expect(response.status == .notFound)
                #expect(try Problem(jsonData: Array(buffer: response.body)) == Problem(code: "no_such_item", message: "No item abc."))
            }
            try await client.execute(uri: "/status", method: .get) { (response) async throws in
                #expect(try Self.json(response.body) == ["open": true, "since": 1990])
            }
        }
    }

    @Test func unsupportedMediaTypesAndEmptyBodiesAreRefused() async throws {
        try await Self.withShop { _, client in
            try await client.execute(
                uri: "/shops/1/items/abc", method: .put,
                headers: [.authorization: "Bearer s", .contentType: "application/x-www-form-urlencoded"], body: ByteBuffer(string: "id=abc")
            ) { (response) async throws in
                #expect(response.status == .unsupportedMediaType)
                #expect(
                    try Self.json(response.body)["message"]
                        == "Content-Type application/x-www-form-urlencoded is not accepted; send application/json")
            }
            try await client.execute(uri: "/orders", method: .post, headers: [.authorization: "Bearer c"]) { (response) async throws in
                #expect(response.status == .badRequest)
                #expect(try Self.json(response.body)["violations"] == [["in": "body", "path": "", "message": "a request body is required"]])
            }
        }
    }

    @Test func oversizedBodiesAreA413() async throws {
        let shop = ShopServer()
        let router = Router()
        try shop.registerHandlers(on: router, options: ServerOptions(maxBodyBytes: 64))
        try await Application(router: router).test(.router) { client in
            try await client.execute(uri: "/orders", method: .post, headers: Self.staff, body: ByteBuffer(string: String(repeating: " ", count: 65))) {
                #expect($0.status == .contentTooLarge)
            }
        }
    }

    @Test func handlerErrorsBecomeA500WithoutDetailsOrTheirOwnStatus() async throws {
        struct Conflict: HTTPStatusError {
            var status: Int { 409 }
            var jsonBody: JSONValue { ["error": "taken"] }
        }
        struct Failing: APIProtocol {
            let error: any Error & Sendable
            func listItems(_ input: Operations.ListItems.Input) async throws -> Operations.ListItems.Output { throw error }
            func getItem(_ input: Operations.GetItem.Input) async throws -> Operations.GetItem.Output { throw error }
            func putItem(_ input: Operations.PutItem.Input) async throws -> Operations.PutItem.Output { throw error }
            func deleteItem(_ input: Operations.DeleteItem.Input) async throws -> Operations.DeleteItem.Output { throw error }
            func placeOrder(_ input: Operations.PlaceOrder.Input) async throws -> Operations.PlaceOrder.Output { throw error }
            func shopStatus(_ input: Operations.ShopStatus.Input) async throws -> Operations.ShopStatus.Output { throw error }
            func createAccount(_ input: Operations.CreateAccount.Input) async throws -> Operations.CreateAccount.Output { throw error }
            func getAccountByNickname(_ input: Operations.GetAccountByNickname.Input) async throws -> Operations.GetAccountByNickname.Output {
                throw error
            }
        }
        let router = Router()
        try Failing(error: CancellationError()).registerHandlers(on: router.group("internal"))
        try Failing(error: Conflict()).registerHandlers(on: router.group("conflict"))
        try await Application(router: router).test(.router) { client in
            try await client.execute(uri: "/internal/status", method: .get) { (response) async throws in
                #expect(response.status == .internalServerError)
                #expect(try Self.json(response.body) == ["error": "internal_error", "message": "The server failed to handle the request."])
            }
            try await client.execute(uri: "/conflict/status", method: .get) { (response) async throws in
                #expect(response.status == .conflict)
                #expect(try Self.json(response.body) == ["error": "taken"])
            }
        }
    }
}
