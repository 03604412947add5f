"""The rest of the client API through the Authlete Python SDK (authlete 1.3.0, V3): granted scopes, client
authorization management, requestable scopes, the lock flag, ticket info and update, JOSE verification; and,
where the SDK's own method is broken (client secret update sets a misspelt member; the authorized-clients
list declares its members as a set; echo calls a path without /api), the same calls with requests, their
answers checked against the SDK's models all the same. Then /api/info and batch token creation.

Usage: python authlete_consent.py BASE_URL ORGANIZATION_TOKEN
"""
import json
import sys
import time
from urllib.parse import parse_qs, quote, urlsplit

import requests
from authlete.dto.authorization_issue_request import AuthorizationIssueRequest
from authlete.dto.authorization_request import AuthorizationRequest
from authlete.dto.authorization_ticket_info import AuthorizationTicketInfo
from authlete.dto.authorization_ticket_info_action import AuthorizationTicketInfoAction
from authlete.dto.authorization_ticket_info_request import AuthorizationTicketInfoRequest
from authlete.dto.authorization_ticket_update_request import AuthorizationTicketUpdateRequest
from authlete.dto.client_authorization_update_request import ClientAuthorizationUpdateRequest
from authlete.dto.client_list_response import ClientListResponse
from authlete.dto.client_secret_update_response import ClientSecretUpdateResponse
from authlete.dto.introspection_action import IntrospectionAction
from authlete.dto.introspection_request import IntrospectionRequest
from authlete.dto.jose_verify_request import JoseVerifyRequest
from authlete.dto.token_action import TokenAction
from authlete.dto.token_request import TokenRequest

import sdk_models
from interop import Checks, authlete_api

base_url, organization_token = sys.argv[1], sys.argv[2]
check = Checks()
sdk_models.self_test()
redirect = "https://client.example.com/cb"
headers = {"Authorization": "Bearer " + organization_token, "Content-Type": "application/json"}

service = requests.post(base_url + "/api/service/create", headers=headers, data=json.dumps({
    "serviceName": "Interop consent", "issuer": "https://consent.example.com",
    "supportedGrantTypes": ["AUTHORIZATION_CODE", "REFRESH_TOKEN", "CLIENT_CREDENTIALS"]})).json()
service_id = service["apiKey"]
created = requests.post("%s/api/%s/client/create" % (base_url, service_id), headers=headers, data=json.dumps({
    "clientName": "Web", "redirectUris": [redirect], "grantTypes": ["AUTHORIZATION_CODE", "REFRESH_TOKEN", "CLIENT_CREDENTIALS"]})).json()
client_id, client_secret = str(created["clientId"]), created["clientSecret"]
authlete = authlete_api(base_url, organization_token, service_id)


def authorize(scope, context=None):
    request = AuthorizationRequest()
    request.parameters = "response_type=code&client_id=%s&redirect_uri=%s&scope=%s" % (client_id, quote(redirect, safe=""), scope)
    if context is not None:
        request.context = context
    return authlete.authorization(request).ticket


def tokens_for(ticket, secret=None):
    issue = AuthorizationIssueRequest()
    issue.ticket = ticket
    issue.subject = "alice"
    code = parse_qs(urlsplit(authlete.authorizationIssue(issue).responseContent).query)["code"][0]
    request = TokenRequest()
    request.parameters = "grant_type=authorization_code&code=%s&redirect_uri=%s" % (code, quote(redirect, safe=""))
    request.clientId = client_id
    request.clientSecret = secret or client_secret
    return authlete.token(request)


# A pending ticket: read, annotated with the SDK's object form, answered by the issue.
ticket = authorize("openid+profile+email", context="step-1")
info_request = AuthorizationTicketInfoRequest()
info_request.ticket = ticket
info = authlete.authorizationTicketInfo(info_request)
check(info.action == AuthorizationTicketInfoAction.OK and info.info.context == "step-1", "authorizationTicketInfo reads the context")
update = AuthorizationTicketUpdateRequest()
update.ticket = ticket
update.info = AuthorizationTicketInfo()
update.info.context = "step-2"
updated = authlete.authorizationTicketUpdate(update)
check(updated.action.name == "OK" and updated.info.context == "step-2", "authorizationTicketUpdate replaces it (the SDK sends an object)")
tokens = tokens_for(ticket)
check(tokens.action == TokenAction.OK, "the annotated ticket still issues tokens")

# Granted scopes, recorded by the approval.
granted = authlete.getGrantedScopes(client_id, "alice")
check(granted.latestGrantedScopes == ["openid", "profile", "email"], "getGrantedScopes: the latest grant's scopes")
tokens_for(authorize("openid"))
granted = authlete.getGrantedScopes(client_id, "alice")
check(granted.latestGrantedScopes == ["openid"] and granted.mergedGrantedScopes == ["openid", "profile", "email"],
      "a narrower grant: latest is narrower, merged keeps everything granted")
authlete.deleteGrantedScopes(client_id, "alice")
check(authlete.getGrantedScopes(client_id, "alice").mergedGrantedScopes is None, "deleteGrantedScopes forgets the consent")

# Authorized clients (the SDK's own list method cannot parse any answer: its model is broken).
path = "/api/%s/client/authorization/get/list" % service_id
listed = requests.post(base_url + path, headers=headers, data=json.dumps({"subject": "alice"})).json()
sdk_models.check_body(ClientListResponse, "POST", path, listed)
check(listed["totalCount"] == 1 and str(listed["clients"][0]["clientId"]) == client_id, "alice authorized one client")

# Rescoping and revoking alice's tokens at the client.
rescope = ClientAuthorizationUpdateRequest()
rescope.subject = "alice"
rescope.scopes = ["openid"]
authlete.updateClientAuthorization(client_id, rescope)
introspection = IntrospectionRequest()
introspection.token = tokens.accessToken
check(authlete.introspection(introspection).scopes == ["openid"], "updateClientAuthorization narrows the token's scopes")
authlete.deleteClientAuthorization(client_id, "alice")
check(authlete.introspection(introspection).action == IntrospectionAction.UNAUTHORIZED, "deleteClientAuthorization revokes it")

# Requestable scopes.
check(authlete.setRequestableScopes(client_id, ["openid", "email"]) == ["openid", "email"], "setRequestableScopes")
check(authlete.getRequestableScopes(client_id) == ["openid", "email"], "getRequestableScopes")
authlete.deleteRequestableScopes(client_id)
check(authlete.getRequestableScopes(client_id) is None, "deleteRequestableScopes lifts the limit")

# JOSE verification of the ID token the flow issued.
id_token = tokens_for(authorize("openid")).idToken
verify = JoseVerifyRequest()
verify.jose = id_token
verify.mandatoryClaims = ["sub", "aud", "nonce"]
verified = authlete.verifyJose(verify)
check(verified.signatureValid and not verified.valid and verified.missingClaims == ["nonce"], "verifyJose: signature good, nonce missing")

# A secret the caller chose (the SDK's updateClientSecret misspells its member), then the lock flag.
chosen = "chosen-secret-" + "x" * 40
path = "/api/%s/client/secret/update/%s" % (service_id, client_id)
answer = requests.post(base_url + path, headers=headers, data=json.dumps({"clientSecret": chosen})).json()
sdk_models.check_body(ClientSecretUpdateResponse, "POST", path, answer)
check(answer["newClientSecret"] == chosen, "the chosen secret is in force")
credentials = TokenRequest()
credentials.parameters = "grant_type=client_credentials"
credentials.clientId = client_id
credentials.clientSecret = chosen
check(authlete.token(credentials).action == TokenAction.OK, "the chosen secret authenticates")
authlete.updateClientLockFlag(client_id, True)
check(authlete.token(credentials).action == TokenAction.INVALID_CLIENT, "updateClientLockFlag locks the client out")
authlete.updateClientLockFlag(client_id, False)
check(authlete.token(credentials).action == TokenAction.OK, "and unlocks it")

# /api/info needs no token; echo answers the query.
server_info = requests.get(base_url + "/api/info").json()
check(server_info["version"] == "3.0" and "token_exchange" in server_info["features"], "/api/info describes the server")
echoed = requests.get(base_url + "/api/misc/echo", params={"a": "1", "b": "x y"}, headers=headers).json()
check(echoed == {"a": "1", "b": "x y"}, "/api/misc/echo answers the query")

# A migration batch, created in the background.
batch_path = "/api/%s/auth/token/create/batch" % service_id
batch = [{"grantType": "AUTHORIZATION_CODE", "clientId": int(client_id), "subject": "bob", "scopes": ["openid"],
          "accessToken": "migrated-interop-token-%d-0123456789" % n} for n in range(5)]
accepted = requests.post(base_url + batch_path, headers=headers, data=json.dumps(batch)).json()
for _ in range(100):
    status = requests.get("%s/api/%s/auth/token/create/batch/status/%s" % (base_url, service_id, accepted["requestId"]), headers=headers).json()["status"]
    if "result" in status:
        break
    time.sleep(0.05)
check(status.get("result") == "SUCCEEDED" and status["tokenCount"] == 5, "the batch created its 5 tokens")
introspection.token = "migrated-interop-token-3-0123456789"
check(authlete.introspection(introspection).subject == "bob", "a migrated token works with its value")

check.summary()
