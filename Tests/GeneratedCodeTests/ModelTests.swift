import Foundation
import SpecRuntime
import Testing

/// The generated models and validators of the fixture spec (Tests/Fixtures/spec), exercised for real.
@Suite struct ModelTests {
    static let fullItem = Item(
        id: "board-game-1", title: "Go", category: .game, price: Money(amount: 2999, currency: .usd),
        tags: ["classic", "strategy"], ratings: ["press": 4.5], homepage: URL(string: "https://example.com/go")!,
        supportEmail: "help@example.com", releasedAt: Date(timeIntervalSince1970: 1_700_000_000),
        attributes: ["players": 2, "pieces": ["black", "white"]], extraData: #"{"box":"wood"}"#, inStock: false,
        weightGrams: 1200, defaultVariant: "19x19")

    @Test func encodesWireNamesAndOmitsAbsentOptionals() throws {
        let item = Item(id: "abc", title: "T", category: .book, price: Money(amount: 1))
        let json = item.jsonValue
        #expect(
            json
                == [
                    "id": "abc", "title": "T", "category": "BOOK", "price": ["amount": 1, "currency": "EUR"],
                    "in_stock": true,
                ])
        #expect(item.jsonValue.serializedString == #"{"category":"BOOK","id":"abc","in_stock":true,"price":{"amount":1,"currency":"EUR"},"title":"T"}"#)
    }

    @Test func roundTripsEveryFieldThroughJSONBytes() throws {
        let bytes = Self.fullItem.jsonData()
        let decoded = try Item(jsonData: bytes)
        #expect(decoded == Self.fullItem)
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(text.contains(#""extra_data":"{\"box\":\"wood\"}""#))
        #expect(text.contains(#""default":"19x19""#))
        #expect(text.contains(#""releasedAt":"2023-11-14T22:13:20Z""#))
    }

    @Test func roundTripsThroughFoundationCodable() throws {
        let data = try JSONEncoder().encode(Self.fullItem)
        let decoded = try JSONDecoder().decode(Item.self, from: data)
        #expect(decoded == Self.fullItem)
    }

    @Test func appliesDefaultsWhenFieldsAreAbsent() throws {
        let line = try OrderLine(jsonData: Array(#"{"itemId":"abc"}"#.utf8))
        #expect(line.quantity == 1)
        let money = try Money(jsonData: Array(#"{"amount":5}"#.utf8))
        #expect(money.currency == .eur)
    }

    @Test func keepsUnknownEnumValuesAndEncodesThemBackUnchanged() throws {
        let text = #"{"amount":5,"currency":"JPY"}"#
        let money = try Money(jsonData: Array(text.utf8))
        #expect(money.currency == .unknown("JPY"))
        #expect(money.currency.rawValue == "JPY")
        #expect(!money.currency.isKnown)
        #expect(money.jsonValue.serializedString == text)
        let viaCodable = try JSONDecoder().decode(Money.self, from: Data(text.utf8))
        #expect(viaCodable.currency == .unknown("JPY"))
        // Validation, which a server runs on requests, refuses the value.
        #expect(money.violations == [Violation(location: .body, path: "/currency", message: "must be one of EUR, USD, urn:x-shop:points; 'JPY' is not")])
    }

    @Test func mapsEnumValuesToSwiftCases() {
        #expect(Category(rawValue: "GIFT_CARD") == .giftCard)
        #expect(Currency(rawValue: "urn:x-shop:points") == .urnXShopPoints)
        #expect(Category.knownValues == [.book, .game, .giftCard])
        #expect(OrderStatus.cancelled.rawValue == "CANCELLED")
    }

    @Test func reportsEveryDecodingProblemWithItsPath() throws {
        let text = #"""
            {"id": 7, "category": "BOOK", "price": {"amount": "ten"}, "tags": ["a", 2],
             "homepage": "not a url", "releasedAt": "yesterday", "in_stock": "yes", "weight_grams": 3000000000}
            """#
        let error = try #require(throws: ValidationError.self) { try Item(jsonData: Array(text.utf8)) }
        #expect(
            error.violations.map(\.description) == [
                "body /id: must be a string, not a number",
                "body /title: is required",
                "body /price/amount: must be an integer, not a string",
                "body /tags/1: must be a string, not a number",
                "body /homepage: must be an absolute URL",
                "body /releasedAt: must be an RFC 3339 date-time such as 2024-05-01T12:00:00Z",
                "body /in_stock: must be true or false, not a string",
                "body /weight_grams: must be an integer from -2147483648 to 2147483647",
            ])
    }

    @Test func reportsNestedPathsInsideArrays() throws {
        let text = #"{"items": [{"id": "abc", "title": "A", "category": "BOOK", "price": {"amount": 1}}, {"id": "def", "title": "B", "category": "GAME", "price": {}}]}"#
        let error = try #require(throws: ValidationError.self) { try ItemList(jsonData: Array(text.utf8)) }
        #expect(error.violations.map(\.description) == ["body /items/1/price/amount: is required"])
    }

    @Test func rejectsTextThatIsNotJSONOrNotAnObject() throws {
        let notJSON = try #require(throws: ValidationError.self) { try Money(jsonData: Array("{amount".utf8)) }
        #expect(notJSON.violations.map(\.description) == ["body /: is not valid JSON: a member name is missing at byte 1"])
        let array = try #require(throws: ValidationError.self) { try Money(jsonData: Array("[1]".utf8)) }
        #expect(array.violations.map(\.description) == ["body /: must be an object, not an array"])
    }

    @Test func validatesEveryKindOfConstraint() {
        let item = Item(
            id: "X!", title: "", category: .unknown("TOY"), price: Money(amount: -5), tags: ["a", "b", "a", "c", "d", "e"],
            homepage: URL(string: "https://example.com/" + String(repeating: "p", count: 200))!,
            supportEmail: "nobody", extraData: "{not json", weightGrams: 0)
        #expect(
            item.violations.map(\.description) == [
                "body /id: must be at least 3 characters long",
                "body /id: must match the pattern ^[a-z0-9-]+$",
                "body /title: must be at least 1 character long",
                "body /category: must be one of BOOK, GAME, GIFT_CARD; 'TOY' is not",
                "body /price/amount: must be at least 0",
                "body /tags: must have at most 5 items",
                "body /tags/2: repeats an earlier item",
                "body /homepage: must be at most 200 characters long",
                "body /supportEmail: must be an email address",
                "body /extra_data: must be JSON text",
                "body /weight_grams: must be at least 1",
            ])
        #expect(throws: ValidationError.self) { try item.validate() }
    }

    @Test func validatesMaximumsAndArrayMinimums() throws {
        let order = OrderRequest(customerId: "c", itemId: [], note: String(repeating: "n", count: 141), quantity: 0)
        #expect(
            order.violations.map(\.description) == [
                "body /item_id: must have at least 1 item",
                "body /note: must be at most 140 characters long",
                "body /quantity: must be at least 1",
            ])
        let money = Money(amount: 100_000_001)
        #expect(money.violations.map(\.description) == ["body /amount: must be at most 100000000"])
        let valid = ModelTests.fullItem
        #expect(valid.violations.isEmpty)
        try valid.validate()
    }

    @Test func validatesStructuresInsideArrays() {
        let list = ItemList(items: [ModelTests.fullItem, Item(id: "ok-id", title: "", category: .book, price: Money(amount: 1))])
        #expect(list.violations.map(\.description) == ["body /items/1/title: must be at least 1 character long"])
    }

    @Test func emptyStructuresEncodeAsEmptyObjects() throws {
        #expect(Empty().jsonValue == .object([:]))
        #expect(try Empty(jsonData: Array("{}".utf8)) == Empty())
    }
}
