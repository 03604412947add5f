// warrant through its own TypeScript SDK (Generated/typescript, made by `specgen generate --language
// typescript`), compiled with tsc --strict beside it and run by node: a service and a client, a
// client_credentials token request and introspection, a body refused before it is sent with the server's
// own message, and the declared 401 read as an answer.
//
// Usage (after tsc): node sdk_typescript.js BASE_URL ORGANIZATION_TOKEN

import { Client, ValidationError } from "./index";

declare const process: { argv: string[]; exit(code: number): never };

const [baseURL, organizationToken] = process.argv.slice(2);
let passed = 0;

function check(condition: boolean, what: string): void {
  if (!condition) {
    console.log(`FAILED: ${what}`);
    process.exit(1);
  }
  passed += 1;
  console.log(`ok: ${what}`);
}

async function main(): Promise<void> {
  const api = new Client(baseURL, { credentials: organizationToken });
  const created = await api.serviceCreate({
    body: { serviceName: "TypeScript SDK", issuer: "https://sdk-ts.example.com", supportedGrantTypes: ["CLIENT_CREDENTIALS"] },
  });
  if (created.status !== 201 || created.body.apiKey === undefined) return check(false, "serviceCreate answers 201");
  check(true, "serviceCreate answers 201 with the Service and its apiKey");
  const serviceId = created.body.apiKey;

  const made = await api.clientCreate({ path: { serviceId }, body: { clientName: "Batch job", grantTypes: ["CLIENT_CREDENTIALS"] } });
  if (made.status !== 201 || made.body.clientId === undefined || made.body.clientSecret === undefined) {
    return check(false, "clientCreate answers 201");
  }
  check(true, "clientCreate answers 201 with the client's ID and secret");

  const token = await api.authToken({
    path: { serviceId: String(serviceId) },
    body: { parameters: "grant_type=client_credentials", clientId: String(made.body.clientId), clientSecret: made.body.clientSecret },
  });
  check(token.status === 200 && token.body.action === "OK" && typeof token.body.accessToken === "string",
    "authToken answers OK with an access token for client_credentials");
  if (token.status !== 200 || token.body.accessToken === undefined) return;

  const introspected = await api.introspection({ path: { serviceId: String(serviceId) }, body: { token: token.body.accessToken } });
  check(introspected.status === 200 && introspected.body.action === "OK" && introspected.body.clientId === made.body.clientId
    && introspected.body.usable === true, "introspection answers OK, names the client and says the token is usable");

  try {
    // A number where the spec says string: refused here, with what the server would answer.
    await api.serviceCreate({ body: JSON.parse('{"serviceName": 42}') });
    check(false, "a malformed body is refused before it is sent");
  } catch (error) {
    check(error instanceof ValidationError && JSON.stringify(error.violations)
      === JSON.stringify([{ in: "body", path: "/serviceName", message: "must be a string, not a number" }]),
      "a malformed body is refused before it is sent, with the server's message and path");
  }

  const anonymous = await new Client(baseURL).serviceGetList();
  check(anonymous.status === 401, "no credentials: the declared 401 comes back as an answer");
  console.log(`${passed} checks passed`);
}

main().catch((error) => {
  console.log(`FAILED: ${error}`);
  process.exit(1);
});
