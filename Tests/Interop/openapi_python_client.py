"""warrant through a Python client generated from Generated/openapi.yaml by openapi-python-client.

Shows that the OpenAPI export serves other generators: the generated package (warrant_client) must
create a service and a client, run an authorization request (sent as a form, as that client sends
bodies an endpoint accepts in both media types) and read 400 and 401 answers as the declared ApiResult.

Usage: python openapi_python_client.py PACKAGE_PARENT BASE_URL ORGANIZATION_TOKEN
"""

import sys
from urllib.parse import quote

sys.path.insert(0, sys.argv[1])
base_url, organization_token = sys.argv[2], sys.argv[3]

from warrant_client import AuthenticatedClient, Client  # noqa: E402
from warrant_client.api.authorization import authorization  # noqa: E402
from warrant_client.api.client import client_create  # noqa: E402
from warrant_client.api.organization import healthcheck  # noqa: E402
from warrant_client.api.service import service_create, service_get_list  # noqa: E402
from warrant_client.models import (  # noqa: E402
    ApiResult, AuthorizationRequest, AuthorizationResponse, HealthcheckResponse, OAuthClient, Service)

passed = 0


def check(condition, what):
    global passed
    if not condition:
        raise SystemExit(f"FAILED: {what}")
    passed += 1
    print(f"ok: {what}")


health = healthcheck.sync_detailed(client=Client(base_url=base_url))
check(health.status_code == 200 and isinstance(health.parsed, HealthcheckResponse) and health.parsed.status == "OK",
      "healthcheck answers a HealthcheckResponse with status OK")

api = AuthenticatedClient(base_url=base_url, token=organization_token)
# This generator sends every list field, empty when not given; warrant reads an empty list as "none",
# so the lists the flow needs are given.
created = service_create.sync_detailed(client=api, body=Service.from_dict({
    "serviceName": "Generated Python client", "issuer": "https://py.example.com",
    "supportedGrantTypes": ["AUTHORIZATION_CODE"], "supportedResponseTypes": ["CODE"],
    "supportedTokenAuthMethods": ["CLIENT_SECRET_BASIC"]}))
check(created.status_code == 201 and isinstance(created.parsed, Service) and created.parsed.api_key,
      "serviceCreate answers 201 with the new Service and its apiKey")
service_id = created.parsed.api_key

made = client_create.sync_detailed(service_id, client=api, body=OAuthClient.from_dict({
    "clientName": "Python app", "redirectUris": ["https://py.example.com/cb"], "grantTypes": ["AUTHORIZATION_CODE"],
    "responseTypes": ["CODE"]}))
check(made.status_code == 201 and isinstance(made.parsed, OAuthClient) and made.parsed.client_id,
      "clientCreate answers 201 with the client and its ID")

parameters = "response_type=code&client_id=%s&redirect_uri=%s&state=s1" % (
    made.parsed.client_id, quote("https://py.example.com/cb", safe=""))
answer = authorization.sync_detailed(str(service_id), client=api, body=AuthorizationRequest(parameters=parameters))
check(answer.status_code == 200 and isinstance(answer.parsed, AuthorizationResponse)
      and answer.parsed.action == "INTERACTION" and answer.parsed.ticket,
      "authorization answers INTERACTION with a ticket")

bad = authorization.sync_detailed(str(service_id), client=api, body=AuthorizationRequest(parameters=""))
check(bad.status_code == 400 and isinstance(bad.parsed, ApiResult)
      and [v.path for v in bad.parsed.violations] == ["/parameters"],
      "an empty 'parameters' is a 400 ApiResult naming /parameters")

denied = service_get_list.sync_detailed(client=AuthenticatedClient(base_url=base_url, token="not-a-token"))
check(denied.status_code == 401 and isinstance(denied.parsed, ApiResult) and denied.parsed.result_code == "A001202",
      "an unknown token is a 401 ApiResult")

print(f"{passed} passed")
