import Foundation
import Hummingbird
import HummingbirdTesting
import SpecRuntime
import Testing

/// The cases Tests/Interop/sdk_messages.py and sdk_messages.ts give the Python and TypeScript SDKs of the
/// same spec, here through the generated Swift: the three report the same violations, path for path.
@Suite struct SDKParityTests {
    /// Decodes, and when that succeeds validates, as a generated route does with a request body.
    static func violations<T: JSONDecodable & Validatable>(
        _ type: T.Type, _ json: String, direction: MessageDirection? = nil
    ) throws -> [String] {
        var violations = Violations()
        violations.direction = direction
        if let value = T(json: try JSONValue(parsing: Array(json.utf8)), at: .root, violations: &violations), violations.isEmpty {
            value.validate(at: .root, violations: &violations)
        }
        return violations.list.map { "\($0.path) \($0.message)" }
    }

    @Test func theSDKCasesGiveTheSameViolations() throws {
        #expect(
            try Self.violations(Item.self, #"{"id": 12, "category": "BOOK", "price": {"amount": 1.5}}"#) == [
                "/id must be a string, not a number", "/title is required", "/price/amount must be an integer, not a fraction",
            ])
        #expect(
            try Self.violations(Item.self, #"{"id": "UPPER", "title": "", "category": "TOY", "price": {"amount": 1}}"#) == [
                "/id must match the pattern ^[a-z0-9-]+$", "/title must be at least 1 character long",
                "/category must be one of BOOK, GAME, GIFT_CARD; 'TOY' is not",
            ])
        #expect(
            try Self.violations(
                Item.self, #"{"id": "abc", "title": "t", "category": "BOOK", "price": {"amount": 1}, "tags": ["a", "b", "a", "c", "d", "e"]}"#)
                == ["/tags must have at most 5 items", "/tags/2 repeats an earlier item"])
        #expect(try Self.violations(Account.self, #"{"email": "ada@example.com"}"#, direction: .request) == ["/password is required"])
        #expect(try Self.violations(Account.self, #"{"email": "ada@example.com"}"#, direction: .response) == ["/id is required"])
        #expect(try Self.violations(OrderRequest.self, #"{"customer_id": "c", "item_id": []}"#) == ["/item_id must have at least 1 item"])
    }

    /// Parameters out of range, as a generated route reports them: paths without a leading slash.
    @Test func theSDKParameterCaseGivesTheSameViolations() async throws {
        try await RouteTests.withShop { _, client in
            try await client.execute(uri: "/shops/0/items?limit=500", method: .get) { (response) async throws in
                #expect(
                    try RouteTests.json(response.body)["violations"] == [
                        ["in": "path", "path": "shopId", "message": "must be at least 1"],
                        ["in": "query", "path": "limit", "message": "must be at most 100"],
                    ])
            }
        }
    }
}
