import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import SpecRuntime
import Testing

/// `readOnly` and `writeOnly` fields in generated code: each direction carries only its own, and a field
/// marked required is required in the direction that carries it.
@Suite struct OneWayFieldTests {
    static let json: HTTPFields = [.contentType: "application/json"]

    @Test func aServerIgnoresReadOnlyFieldsInRequestsAndNeverSendsWriteOnlyOnes() async throws {
        try await RouteTests.withShop { shop, client in
            // The caller tries to choose its own id: the server never sees it.
            let body = #"{"id": "acc-999", "email": "ada@example.com", "password": "correct-horse", "nickname": "ada"}"#
            try await client.execute(uri: "/accounts", method: .post, headers: Self.json, body: ByteBuffer(string: body)) { (response) async throws in
                #expect(response.status == .created)
                #expect(try RouteTests.json(response.body) == ["id": "acc-1", "email": "ada@example.com", "plan": "FREE", "nickname": "ada"])
            }
            let received = try #require(await shop.lastAccount)
            #expect(received.id == nil)
            #expect(received.password == "correct-horse")
            #expect(received.jsonValue["nickname"] == "ada")
        }
    }

    @Test func aWriteOnlyFieldMarkedRequiredIsRequiredInRequests() async throws {
        try await RouteTests.withShop { shop, client in
            let body = #"{"email": "ada@example.com"}"#
            try await client.execute(uri: "/accounts", method: .post, headers: Self.json, body: ByteBuffer(string: body)) { (response) async throws in
                #expect(response.status == .badRequest)
                #expect(
                    try RouteTests.json(response.body)["violations"]
                        == [["in": "body", "path": "/password", "message": "is required"]])
            }
            #expect(await shop.calls.isEmpty)
        }
    }

    @Test func aReadOnlyFieldMarkedRequiredIsRequiredInResponses() throws {
        let response = Array(#"{"email": "ada@example.com", "password": "leaked"}"#.utf8)
        #expect(throws: ValidationError.self) { try Account(jsonData: response, direction: .response) }
        let account = try Account(jsonData: Array(#"{"id": "acc-1", "email": "a@example.com", "password": "leaked"}"#.utf8), direction: .response)
        // A response that carries a write-only field anyway: the client does not keep it.
        #expect(account.id == "acc-1" && account.password == nil)
        // Read without a direction (a stored copy, say), every field is kept.
        #expect(try Account(jsonData: Array(#"{"email": "a@example.com", "password": "p"}"#.utf8)).password == "p")
    }

    @Test func encodingLeavesOutWhatTheMessageDoesNotCarry() {
        let account = Account(id: "acc-1", email: "a@example.com", password: "secret-pw")
        #expect(MessageDirection.$encoding.withValue(.request) { account.jsonValue } == ["email": "a@example.com", "password": "secret-pw", "plan": "FREE"])
        #expect(MessageDirection.$encoding.withValue(.response) { account.jsonValue } == ["id": "acc-1", "email": "a@example.com", "plan": "FREE"])
        #expect(account.jsonValue == ["id": "acc-1", "email": "a@example.com", "password": "secret-pw", "plan": "FREE"])
    }

    /// A structure that holds itself (through an optional field, boxed) nests, compares and round-trips as
    /// a value; setting the field through its property stores a new box.
    @Test func aRecursiveFieldHoldsItsValueIndirectly() throws {
        var ada = Account(id: "acc-2", email: "ada@example.com", referrer: Account(id: "acc-1", email: "bob@example.com"))
        #expect(ada.referrer?.email == "bob@example.com")
        let copy = ada
        ada.referrer?.email = "carol@example.com"
        #expect(copy.referrer?.email == "bob@example.com" && ada.referrer?.email == "carol@example.com")
        #expect(ada.jsonValue["referrer"] == ["id": "acc-1", "email": "carol@example.com", "plan": "FREE"])
        #expect(try Account(jsonData: ada.jsonData()) == ada)
        ada.referrer = nil
        #expect(ada.jsonValue["referrer"] == nil)
    }

    /// Deprecated values decode and encode as before; only code that names them is warned.
    @Test func deprecatedEnumValuesStillTravel() throws {
        let plan = Plan(rawValue: "LEGACY")
        #expect(plan.isKnown && plan.rawValue == "LEGACY")
        #expect(Plan.knownValues.map(\.rawValue) == ["FREE", "PRO", "LEGACY"])
        var violations = Violations()
        plan.validate(at: .root, violations: &violations)
        #expect(violations.isEmpty)
    }
}
