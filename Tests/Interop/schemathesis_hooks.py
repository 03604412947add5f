"""Schemathesis hooks for .ci/schemathesis.sh: real identifiers in the paths, so requests reach the handlers.

Loaded through SCHEMATHESIS_HOOKS; reads WARRANT_URL and WARRANT_TOKEN (the organization token, which every
operation accepts). On import it creates the fixtures: a service and a client that the read and runtime
operations use, and a second service and client that the update operations may rewrite at will. Operations
that delete get a resource created for that one request, so later requests still find the fixtures.

A generated path parameter is replaced only when schemathesis generated the path as valid (positive): a
negative path (a serviceId that is not numeric, an empty clientId) is sent as generated. One positive request
in PASSTHROUGH of each operation also keeps its generated identifiers, so answers for services, clients and
tokens that do not exist (404) are checked against the document too.

POST /api/organization/token/rotate retires the token that calls it, which would leave every later request
401. So the fixtures rotate WARRANT_TOKEN once with the longest grace period (it keeps working for the run)
into a spare token; the operation is called with the spare, and each rotation it answers with 200 gives the
next spare.
"""
import json
import os
import threading
import urllib.error
import urllib.request

import schemathesis
from schemathesis import GenerationMode

BASE = os.environ["WARRANT_URL"].rstrip("/")
TOKEN = os.environ["WARRANT_TOKEN"]
PASSTHROUGH = 8
_lock = threading.Lock()
_counter = [0]
_calls = {}


def _api(method, path, body=None, token=TOKEN):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(BASE + path, data=data, method=method)
    request.add_header("Authorization", "Bearer " + token)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read() or b"{}")


def _unique(prefix):
    with _lock:
        _counter[0] += 1
        return "%s-%d" % (prefix, _counter[0])


def _service(name, **settings):
    body = {"serviceName": name, "issuer": "https://as.example.com", **settings}
    return str(_api("POST", "/api/service/create", body)["apiKey"])


def _client(service, name):
    created = _api("POST", "/api/%s/client/create" % service, {
        "clientName": name,
        "redirectUris": ["https://app.example.com/callback"],
        "grantTypes": ["AUTHORIZATION_CODE", "REFRESH_TOKEN", "CLIENT_CREDENTIALS"],
        "responseTypes": ["CODE"],
    })
    return str(created["clientId"])


def _service_token(service):
    return str(_api("POST", "/api/%s/service/token/create" % service, {"description": _unique("st")})["tokenId"])


def _access_token(service, client):
    created = _api("POST", "/api/%s/auth/token/create" % service,
                   {"grantType": "CLIENT_CREDENTIALS", "clientId": int(client)})
    return created["accessToken"]


# tokenExchangeDirect: /auth/token/exchange answers instead of sending every request to /auth/token.
SERVICE = _service("schemathesis", tokenExchangeDirect=True)
CLIENT = _client(SERVICE, "schemathesis")
UPDATE_SERVICE = _service("schemathesis-update")
UPDATE_CLIENT = _client(SERVICE, "schemathesis-update")


def _spare_organization_token():
    try:
        return _api("POST", "/api/organization/token/rotate",
                    {"gracePeriod": 2592000, "description": "schemathesis spare"})["accessToken"]
    except urllib.error.HTTPError as error:
        if error.code in (404, 405):  # a server without the operation
            return None
        raise


_spare = [_spare_organization_token()]


def _fresh(operation_id):
    """The path parameters for one request of an operation, as strings."""
    if operation_id == "serviceDelete":
        return {"serviceId": _service(_unique("st-delete"))}
    if operation_id in ("serviceUpdate",):
        return {"serviceId": UPDATE_SERVICE}
    if operation_id == "clientDelete":
        return {"serviceId": SERVICE, "clientId": _client(SERVICE, _unique("st-delete"))}
    if operation_id in ("clientUpdate", "clientSecretRefresh"):
        return {"serviceId": SERVICE, "clientId": UPDATE_CLIENT}
    if operation_id == "serviceTokenDelete":
        return {"serviceId": SERVICE, "tokenId": _service_token(SERVICE)}
    if operation_id == "tokenDelete":
        return {"serviceId": SERVICE, "accessTokenIdentifier": _access_token(SERVICE, CLIENT)}
    return {"serviceId": SERVICE, "clientId": CLIENT}


def _path_is_positive(case):
    meta = case.meta
    if meta is None:
        return True
    info = meta.components.get("path")
    return info is None or info.mode == GenerationMode.POSITIVE


def _operation_id(case):
    return case.operation.definition.raw.get("operationId")


@schemathesis.hook
def before_call(context, case, kwargs):
    operation_id = _operation_id(case)
    if operation_id == "organizationTokenRotate":
        headers = case.headers or {}
        if _spare[0] and headers.get("Authorization") == "Bearer " + TOKEN:
            headers["Authorization"] = "Bearer " + _spare[0]
        return
    if not case.path_parameters or not _path_is_positive(case):
        return
    with _lock:
        _calls[operation_id] = _calls.get(operation_id, 0) + 1
        passthrough = _calls[operation_id] % PASSTHROUGH == 0
    if passthrough:
        return
    values = _fresh(operation_id)
    raw = case.operation.definition.raw
    types = {p["name"]: p.get("schema", {}).get("type") for p in raw.get("parameters", []) if p.get("in") == "path"}
    for name in list(case.path_parameters):
        if name in values:
            value = values[name]
            case.path_parameters[name] = int(value) if types.get(name) == "integer" else value


@schemathesis.hook
def after_call(context, case, response):
    if _operation_id(case) == "organizationTokenRotate" and response.status_code == 200:
        try:
            _spare[0] = response.json()["accessToken"]
        except (ValueError, KeyError, TypeError):
            pass
