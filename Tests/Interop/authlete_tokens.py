"""Token exchange, token management, introspection, revocation and UserInfo through the Authlete Python SDK
(authlete 1.3.0, V3), with the exchanged JWT verified by a third-party JOSE library (joserfc).

Usage: python authlete_tokens.py BASE_URL ORGANIZATION_TOKEN
"""
import json
import sys
from urllib.parse import parse_qs, quote, urlsplit

import requests
from authlete.dto.authorization_issue_request import AuthorizationIssueRequest
from authlete.dto.authorization_request import AuthorizationRequest
from authlete.dto.introspection_action import IntrospectionAction
from authlete.dto.introspection_request import IntrospectionRequest
from authlete.dto.revocation_action import RevocationAction
from authlete.dto.revocation_request import RevocationRequest
from authlete.dto.standard_introspection_action import StandardIntrospectionAction
from authlete.dto.standard_introspection_request import StandardIntrospectionRequest
from authlete.dto.token_action import TokenAction
from authlete.dto.token_create_action import TokenCreateAction
from authlete.dto.token_create_request import TokenCreateRequest
from authlete.dto.token_request import TokenRequest
from authlete.dto.userinfo_action import UserInfoAction
from authlete.dto.userinfo_issue_action import UserInfoIssueAction
from authlete.dto.userinfo_issue_request import UserInfoIssueRequest
from authlete.dto.userinfo_request import UserInfoRequest
from authlete.types.grant_type import GrantType
from joserfc import jwt
from joserfc.jwk import KeySet

from interop import Checks, authlete_api

base_url, organization_token = sys.argv[1], sys.argv[2]
check = Checks()
redirect = "https://client.example.com/cb"

headers = {"Authorization": "Bearer " + organization_token, "Content-Type": "application/json"}
service = requests.post(base_url + "/api/service/create", headers=headers, data=json.dumps({
    "serviceName": "Interop tokens", "issuer": "https://tokens.example.com", "accessTokenSignAlg": "ES256",
    "supportedGrantTypes": ["AUTHORIZATION_CODE", "REFRESH_TOKEN", "CLIENT_CREDENTIALS", "TOKEN_EXCHANGE"]})).json()
service_id = service["apiKey"]
token = requests.post("%s/api/%s/service/token/create" % (base_url, service_id), headers=headers, data="{}").json()["accessToken"]


def create_client(body):
    created = requests.post("%s/api/%s/client/create" % (base_url, service_id), headers=headers, data=json.dumps(body)).json()
    return str(created["clientId"]), created["clientSecret"]


client_id, client_secret = create_client({
    "clientName": "Web", "redirectUris": [redirect], "grantTypes": ["AUTHORIZATION_CODE", "REFRESH_TOKEN"]})
gateway_id, gateway_secret = create_client({
    "clientName": "Gateway", "grantTypes": ["TOKEN_EXCHANGE", "CLIENT_CREDENTIALS"], "extension": {"tokenExchangePermitted": True}})

authlete = authlete_api(base_url, token, service_id)
keys = KeySet.import_key_set(json.loads(authlete.getServiceJwks()))

# alice's tokens, from the code flow.
request = AuthorizationRequest()
request.parameters = "response_type=code&client_id=%s&redirect_uri=%s&scope=openid+email&claims=%s" % (
    client_id, quote(redirect, safe=""), quote(json.dumps({"userinfo": {"name": None}}), safe=""))
issue = AuthorizationIssueRequest()
issue.ticket = authlete.authorization(request).ticket
issue.subject = "alice"
code = parse_qs(urlsplit(authlete.authorizationIssue(issue).responseContent).query)["code"][0]
token_request = TokenRequest()
token_request.parameters = "grant_type=authorization_code&code=%s&redirect_uri=%s" % (code, quote(redirect, safe=""))
token_request.clientId = client_id
token_request.clientSecret = client_secret
tokens = authlete.token(token_request)
access_token = tokens.accessToken

# Introspection for a resource server.
introspection = IntrospectionRequest()
introspection.token = access_token
introspection.scopes = ["email"]
introspected = authlete.introspection(introspection)
check(introspected.action == IntrospectionAction.OK, "introspection answers OK")
check(introspected.subject == "alice" and str(introspected.clientId) == client_id, "introspection names the subject and the client")
check(introspected.usable and introspected.sufficient and introspected.refreshable, "the token is usable, sufficient and refreshable")
introspection.scopes = ["phone"]
insufficient = authlete.introspection(introspection)
check(insufficient.action == IntrospectionAction.FORBIDDEN, "a missing scope answers FORBIDDEN")
check(insufficient.responseContent.startswith('Bearer error="insufficient_scope"'), "with an insufficient_scope challenge")
introspection.token = "unknown"
introspection.scopes = None
check(authlete.introspection(introspection).action == IntrospectionAction.UNAUTHORIZED, "an unknown token answers UNAUTHORIZED")

standard = StandardIntrospectionRequest()
standard.parameters = "token=" + quote(access_token, safe="")
answer = authlete.standardIntrospection(standard)
body = json.loads(answer.responseContent)
check(answer.action == StandardIntrospectionAction.OK and body["active"] is True, "standard introspection finds the token active")
check(body["sub"] == "alice" and body["client_id"] == client_id and body["scope"] == "openid email", "RFC 7662 members")

# UserInfo: claims by scope and by the claims request.
userinfo_request = UserInfoRequest()
userinfo_request.token = access_token
userinfo = authlete.userinfo(userinfo_request)
check(userinfo.action == UserInfoAction.OK and userinfo.subject == "alice", "userinfo answers OK for alice")
check(sorted(userinfo.claims) == ["email", "email_verified", "name"], "userinfo lists the claims to load")
userinfo_issue = UserInfoIssueRequest()
userinfo_issue.token = access_token
userinfo_issue.claims = json.dumps({"name": "Alice", "email": "alice@example.com", "phone_number": "+1 555"})
userinfo_issued = authlete.userinfoIssue(userinfo_issue)
check(userinfo_issued.action == UserInfoIssueAction.JSON, "userinfo issue answers JSON")
check(json.loads(userinfo_issued.responseContent) == {"sub": "alice", "name": "Alice", "email": "alice@example.com"},
      "userinfo issue keeps only the allowed claims, with sub")

# Token exchange through the SDK: TOKEN_EXCHANGE, then /auth/token/create as the front end's policy.
exchange = TokenRequest()
exchange.parameters = ("grant_type=%s&subject_token=%s&subject_token_type=%s&audience=orders&scope=email" % (
    quote("urn:ietf:params:oauth:grant-type:token-exchange", safe=""), quote(access_token, safe=""),
    quote("urn:ietf:params:oauth:token-type:access_token", safe="")))
exchange.clientId = gateway_id
exchange.clientSecret = gateway_secret
exchanged = authlete.token(exchange)
check(exchanged.action == TokenAction.TOKEN_EXCHANGE and exchanged.responseContent is None, "token exchange answers TOKEN_EXCHANGE")
check(exchanged.subjectTokenInfo.subject == "alice" and exchanged.audiences == ["orders"], "with the subject token's info and the audiences")
create = TokenCreateRequest()
create.grantType = GrantType.TOKEN_EXCHANGE
create.clientId = int(gateway_id)
create.subject = exchanged.subjectTokenInfo.subject
create.scopes = exchanged.scopes
created = authlete.tokenCreate(create)
check(created.action == TokenCreateAction.OK and created.subject == "alice", "token create issues alice's token to the gateway")
claims = jwt.decode(created.jwtAccessToken, keys, algorithms=["ES256"]).claims
check(claims["sub"] == "alice" and claims["client_id"] == gateway_id and claims["scope"] == "email", "the JWT access token verifies")

listed = authlete.getTokenList(clientIdentifier=gateway_id, subject="alice", start=0, end=10)
check(listed.totalCount == 1 and listed.accessTokens[0].subject == "alice", "the token list shows the gateway's token for alice")
check(str(listed.client.clientId) == gateway_id, "the token list names the client")

# Revocation by the client: its own token goes, another client's stays.
revocation = RevocationRequest()
revocation.parameters = "token=" + quote(access_token, safe="")
revocation.clientId = gateway_id
revocation.clientSecret = gateway_secret
check(authlete.revocation(revocation).action == RevocationAction.OK, "revoking another client's token answers OK")
introspection.token = access_token
check(authlete.introspection(introspection).action == IntrospectionAction.OK, "and leaves it alive")
revocation.clientId = client_id
revocation.clientSecret = client_secret
check(authlete.revocation(revocation).action == RevocationAction.OK, "the owner revokes its token")
check(authlete.introspection(introspection).action == IntrospectionAction.UNAUTHORIZED, "which no longer introspects")
revocation.clientSecret = "wrong"
check(authlete.revocation(revocation).action == RevocationAction.INVALID_CLIENT, "a wrong secret answers INVALID_CLIENT")

check.summary()
