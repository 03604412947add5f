// The TypeScript SDK of the fixture spec reports what the Swift server reports, message for message: the
// cases of Tests/GeneratedCodeTests/SDKParityTests.swift (and sdk_messages.py). Compiled with tsc --strict
// beside the SDK; usage: node sdk_messages.js

import { Client, Item, validateAccount, validateItem, validateOrderRequest, ValidationError, Violation } from "./index";

declare const process: { exit(code: number): never };

const cases: Array<[string, Violation[], string[]]> = [
  ["wrong types and a missing field are all listed", validateItem({ id: 12, category: "BOOK", price: { amount: 1.5 } }),
    ["/id must be a string, not a number", "/title is required", "/price/amount must be an integer, not a fraction"]],
  ["constraints of a well-typed body", validateItem({ id: "UPPER", title: "", category: "TOY", price: { amount: 1 } }),
    ["/id must match the pattern ^[a-z0-9-]+$", "/title must be at least 1 character long",
      "/category must be one of BOOK, GAME, GIFT_CARD; 'TOY' is not"]],
  ["lists: unique items and counts",
    validateItem({ id: "abc", title: "t", category: "BOOK", price: { amount: 1 }, tags: ["a", "b", "a", "c", "d", "e"] }),
    ["/tags must have at most 5 items", "/tags/2 repeats an earlier item"]],
  ["a writeOnly field required in requests", validateAccount({ email: "ada@example.com" }, "request"), ["/password is required"]],
  ["a readOnly field required in responses", validateAccount({ email: "ada@example.com" }, "response"), ["/id is required"]],
  ["a form-style request body", validateOrderRequest({ customer_id: "c", item_id: [] }), ["/item_id must have at least 1 item"]],
];
async function main(): Promise<void> {
try {
  await new Client("http://127.0.0.1:9").listItems({ path: { shopId: 0 }, query: { limit: 500 } });
} catch (error) {
  if (error instanceof ValidationError) {
    cases.push(["parameters out of range, refused before sending", error.violations, ["shopId must be at least 1", "limit must be at most 100"]]);
  }
}
if (cases.length !== 7) cases.push(["parameters out of range, refused before sending", [], ["a ValidationError"]]);
let failed = 0;
for (const [what, found, expected] of cases) {
  const actual = found.map((v) => `${v.path} ${v.message}`);
  if (JSON.stringify(actual) !== JSON.stringify(expected)) {
    failed += 1;
    console.log(`FAILED: ${what}: ${JSON.stringify(actual)}`);
  } else {
    console.log(`ok: ${what}`);
  }
}
// A value this version does not define still types as the enum.
const later: Item = { id: "abc", title: "t", category: "TOY", price: { amount: 1 } };
console.log(`ok: an unknown enum value types as Category (${later.category})`);
process.exit(failed > 0 ? 1 : 0);
}

main();
