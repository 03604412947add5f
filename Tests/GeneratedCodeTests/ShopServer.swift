import Foundation
import SpecRuntime

/// An in-memory shop behind the generated `APIProtocol`, recording what reached it.
actor ShopServer: APIProtocol {
    private(set) var items: [String: Item] = [:]
    private(set) var calls: [String] = []
    private(set) var lastCredentials: BearerCredentials?
    private(set) var lastOrder: OrderRequest?
    private(set) var lastAccount: Account?

    nonisolated func recordless() {}

    func listItems(_ input: Operations.ListItems.Input) async throws -> Operations.ListItems.Output {
        calls.append("listItems")
        var selected = items.values.sorted { $0.id < $1.id }
        if let category = input.query.category { selected = selected.filter { $0.category == category } }
        for tag in input.query.tag ?? [] { selected = selected.filter { $0.tags?.contains(tag) ?? false } }
        return .ok(ItemList(items: Array(selected.prefix(Int(input.query.limit))), next: nil))
    }

    func getItem(_ input: Operations.GetItem.Input) async throws -> Operations.GetItem.Output {
        calls.append("getItem")
        lastCredentials = input.credentials
        guard let item = items[input.path.itemId] else {
            return .notFound(Problem(code: "no_such_item", message: "No item \(input.path.itemId)."))
        }
        return .ok(item)
    }

    func putItem(_ input: Operations.PutItem.Input) async throws -> Operations.PutItem.Output {
        calls.append("putItem")
        lastCredentials = input.credentials
        let existed = items[input.path.itemId] != nil
        items[input.path.itemId] = input.body
        return existed ? .ok(input.body) : .created(input.body)
    }

    func deleteItem(_ input: Operations.DeleteItem.Input) async throws -> Operations.DeleteItem.Output {
        calls.append("deleteItem")
        items[input.path.itemId] = nil
        return .noContent
    }

    func placeOrder(_ input: Operations.PlaceOrder.Input) async throws -> Operations.PlaceOrder.Output {
        calls.append("placeOrder")
        lastOrder = input.body
        let lines = input.body.itemId.map { OrderLine(itemId: $0, quantity: input.body.quantity ?? 1) }
        if input.body.itemId.contains("sold-out") {
            return .conflict(Problem(code: "out_of_stock", message: nil))
        }
        return .created(
            Order(
                orderId: "o-1", lines: lines, total: Money(amount: 1000, currency: input.body.currency ?? .eur),
                status: .placed))
    }

    /// Answers with the account as received, its id assigned: the password it holds must not travel back.
    func createAccount(_ input: Operations.CreateAccount.Input) async throws -> Operations.CreateAccount.Output {
        calls.append("createAccount")
        lastAccount = input.body
        var account = input.body
        account.id = "acc-1"
        return .created(account)
    }

    func getAccountByNickname(_ input: Operations.GetAccountByNickname.Input) async throws -> Operations.GetAccountByNickname.Output {
        calls.append("getAccountByNickname")
        return .notFound(Problem(code: "no_such_account", message: nil))
    }

    func shopStatus(_ input: Operations.ShopStatus.Input) async throws -> Operations.ShopStatus.Output {
        calls.append("shopStatus")
        return .ok(["open": true, "since": 1990])
    }
}
