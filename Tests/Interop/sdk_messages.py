"""The Python SDK of the fixture spec reports what the Swift server reports, message for message.

The cases and their expected violations are those of Tests/GeneratedCodeTests/SDKParityTests.swift, where
the generated Swift gives the same.

Usage: python sdk_messages.py PACKAGE_PARENT   (the folder holding shop_api)
"""

import sys

sys.path.insert(0, sys.argv[1])

from shop_api import Account, Category, Client, Item, OrderRequest, ValidationError  # noqa: E402

cases = [
    ("wrong types and a missing field are all listed", Item.validate({"id": 12, "category": "BOOK", "price": {"amount": 1.5}}),
     [("/id", "must be a string, not a number"), ("/title", "is required"), ("/price/amount", "must be an integer, not a fraction")]),
    ("constraints of a well-typed body", Item.validate({"id": "UPPER", "title": "", "category": "TOY", "price": {"amount": 1}}),
     [("/id", "must match the pattern ^[a-z0-9-]+$"), ("/title", "must be at least 1 character long"),
      ("/category", "must be one of BOOK, GAME, GIFT_CARD; 'TOY' is not")]),
    ("lists: unique items and counts", Item.validate({"id": "abc", "title": "t", "category": "BOOK", "price": {"amount": 1},
                                                      "tags": ["a", "b", "a", "c", "d", "e"]}),
     [("/tags", "must have at most 5 items"), ("/tags/2", "repeats an earlier item")]),
    ("a writeOnly field required in requests", Account.validate({"email": "ada@example.com"}, "request"),
     [("/password", "is required")]),
    ("a readOnly field required in responses", Account.validate({"email": "ada@example.com"}, "response"),
     [("/id", "is required")]),
    ("a form-style request body", OrderRequest.validate({"customer_id": "c", "item_id": []}),
     [("/item_id", "must have at least 1 item")]),
]
try:
    Client("http://127.0.0.1:9").list_items(0, limit=500)
    found = []
except ValidationError as error:
    found = [v for v in error.violations]
cases.append(("parameters out of range, refused before sending", found, [("shopId", "must be at least 1"), ("limit", "must be at most 100")]))
failed = 0
for what, found, expected in cases:
    actual = [(v.path, v.message) for v in found]
    if actual != expected:
        failed += 1
        print(f"FAILED: {what}: {actual} != {expected}")
    else:
        print(f"ok: {what}")
unknown = Item.from_json({"id": "abc", "title": "t", "category": "TOY", "price": {"amount": 1, "currency": "EUR"}, "later": True})
if not (isinstance(unknown.category, Category) and not unknown.category.is_known and unknown.price.currency.is_known):
    failed += 1
    print("FAILED: unknown enum values are kept and told apart")
else:
    print("ok: unknown enum values are kept and told apart; unknown members are left out")
sys.exit(1 if failed else 0)
