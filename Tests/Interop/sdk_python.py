"""warrant through its own Python SDK (Generated/python/warrant_api, made by `specgen generate --language python`).

Creates a service and a client, runs a client_credentials token request and introspects the token, all as
typed models; checks that a malformed body is refused before it is sent, with the server's own message and
JSON path, and that the server's 401 comes back as a declared answer.

Usage: python sdk_python.py PACKAGE_PARENT BASE_URL ORGANIZATION_TOKEN
"""

import sys

sys.path.insert(0, sys.argv[1])
base_url, organization_token = sys.argv[2], sys.argv[3]

from warrant_api import (  # noqa: E402
    Client, GrantType, IntrospectionRequest, IntrospectionResponse, OAuthClient, Service, TokenAction, TokenRequest,
    TokenResponse, ValidationError)

passed = 0


def check(condition, what):
    global passed
    if not condition:
        raise SystemExit(f"FAILED: {what}")
    passed += 1
    print(f"ok: {what}")


api = Client(base_url, credentials=organization_token)
created = api.service_create(Service(
    service_name="Python SDK", issuer="https://sdk-py.example.com", supported_grant_types=[GrantType.CLIENT_CREDENTIALS]))
check(created.status == 201 and isinstance(created.body, Service) and created.body.api_key,
      "service_create answers 201 with a Service model and its api_key")
service_id = created.body.api_key

made = api.client_create(service_id, OAuthClient(client_name="Batch job", grant_types=[GrantType.CLIENT_CREDENTIALS]))
check(made.status == 201 and isinstance(made.body, OAuthClient) and made.body.client_id and made.body.client_secret,
      "client_create answers 201 with the client's ID and secret")
check(made.body.grant_types == ["CLIENT_CREDENTIALS"] and isinstance(made.body.grant_types[0], GrantType),
      "enum values come back as their class")

token = api.auth_token(str(service_id), TokenRequest(
    parameters="grant_type=client_credentials", client_id=str(made.body.client_id), client_secret=made.body.client_secret))
check(token.status == 200 and isinstance(token.body, TokenResponse) and token.body.action == TokenAction.OK
      and token.body.access_token, "auth_token answers OK with an access token for client_credentials")

introspected = api.introspection(str(service_id), IntrospectionRequest(token=token.body.access_token))
check(introspected.status == 200 and isinstance(introspected.body, IntrospectionResponse)
      and introspected.body.action == "OK" and introspected.body.client_id == made.body.client_id
      and introspected.body.usable, "introspection answers OK, names the client and says the token is usable")

# The same checks as the server, before anything is sent.
try:
    api.service_create({"serviceName": 42, "issuer": "https://sdk-py.example.com"})
    check(False, "a malformed body is refused before it is sent")
except ValidationError as error:
    check([(v.location, v.path, v.message) for v in error.violations] == [("body", "/serviceName", "must be a string, not a number")],
          "a malformed body is refused before it is sent, with the server's message and path")

bad = TokenRequest(parameters="")
check([v.message for v in TokenRequest.validate(bad)] == ["must be at least 1 character long"],
      "validate reports a constraint with the server's message")

anonymous = Client(base_url).service_get_list()
check(anonymous.status == 401, "no credentials: the declared 401 comes back as an answer")

print(f"{passed} checks passed")
