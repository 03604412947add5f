"""The authorization code flow (PKCE), refresh, ID token reissue, pushed authorization requests, request objects
(signed by joserfc) and DPoP (proofs made by joserfc, server nonces included) through the Authlete Python SDK (authlete
1.3.0, V3), with every ID token and JWT access token verified by a third-party JOSE library (joserfc) against warrant's
JWK Set.

Usage: python authlete_flows.py BASE_URL ORGANIZATION_TOKEN
"""
import base64
import hashlib
import json
import secrets
import sys
import time
from urllib.parse import parse_qs, quote, urlsplit

import requests
from authlete.dto.authorization_action import AuthorizationAction
from authlete.dto.authorization_issue_action import AuthorizationIssueAction
from authlete.dto.authorization_issue_request import AuthorizationIssueRequest
from authlete.dto.authorization_request import AuthorizationRequest
from authlete.dto.id_token_reissue_action import IDTokenReissueAction
from authlete.dto.id_token_reissue_request import IDTokenReissueRequest
from authlete.dto.introspection_action import IntrospectionAction
from authlete.dto.introspection_request import IntrospectionRequest
from authlete.dto.pushed_auth_req_action import PushedAuthReqAction
from authlete.dto.pushed_auth_req_request import PushedAuthReqRequest
from authlete.dto.token_action import TokenAction
from authlete.dto.token_request import TokenRequest
from joserfc import jwt
from joserfc.jwk import ECKey, KeySet

from interop import Checks, authlete_api

base_url, organization_token = sys.argv[1], sys.argv[2]
check = Checks()


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def half_hash(value):
    return b64url(hashlib.sha256(value.encode()).digest()[:16])


headers = {"Authorization": "Bearer " + organization_token, "Content-Type": "application/json"}
service = requests.post(base_url + "/api/service/create", headers=headers, data=json.dumps({
    "serviceName": "Interop flows", "issuer": "https://flows.example.com", "idTokenReissuable": True,
    "supportedGrantTypes": ["AUTHORIZATION_CODE", "REFRESH_TOKEN"]})).json()
service_id = service["apiKey"]
token = requests.post("%s/api/%s/service/token/create" % (base_url, service_id), headers=headers, data="{}").json()["accessToken"]
client = requests.post("%s/api/%s/client/create" % (base_url, service_id), headers=headers, data=json.dumps({
    "clientName": "Flow client", "redirectUris": ["https://client.example.com/cb"],
    "grantTypes": ["AUTHORIZATION_CODE", "REFRESH_TOKEN"]})).json()
client_id, client_secret = str(client["clientId"]), client["clientSecret"]

authlete = authlete_api(base_url, token, service_id)
keys = KeySet.import_key_set(json.loads(authlete.getServiceJwks()))
algorithms = ["RS256", "PS256", "ES256", "EdDSA"]

# Authorization request with PKCE, as the authorization endpoint would forward it.
verifier = b64url(secrets.token_bytes(32))
challenge = b64url(hashlib.sha256(verifier.encode()).digest())
request = AuthorizationRequest()
request.parameters = ("response_type=code&client_id=%s&redirect_uri=%s&scope=openid+email&state=xyz&nonce=n-0S6"
                      "&code_challenge=%s&code_challenge_method=S256" % (client_id, quote("https://client.example.com/cb", safe=""), challenge))
authorization = authlete.authorization(request)
check(authorization.action == AuthorizationAction.INTERACTION, "authorization answers INTERACTION")
check(authorization.ticket and str(authorization.client.clientId) == client_id, "authorization returns a ticket and the client")
check([scope.name for scope in authorization.scopes] == ["openid", "email"], "authorization lists the requested scopes")

issue = AuthorizationIssueRequest()
issue.ticket = authorization.ticket
issue.subject = "alice"
issue.authTime = int(time.time())
issue.claims = json.dumps({"email": "alice@example.com", "email_verified": True})
issued = authlete.authorizationIssue(issue)
check(issued.action == AuthorizationIssueAction.LOCATION, "authorization issue answers LOCATION")
query = parse_qs(urlsplit(issued.responseContent).query)
check(query["state"] == ["xyz"] and query["iss"] == ["https://flows.example.com"], "the redirect carries state and iss")
code = query["code"][0]
check(code == issued.authorizationCode, "the redirect carries the authorization code")

token_request = TokenRequest()
token_request.parameters = "grant_type=authorization_code&code=%s&redirect_uri=%s&code_verifier=%s" % (
    code, quote("https://client.example.com/cb", safe=""), verifier)
token_request.clientId = client_id
token_request.clientSecret = client_secret
tokens = authlete.token(token_request)
check(tokens.action == TokenAction.OK, "the token request answers OK")
body = json.loads(tokens.responseContent)
check(body["token_type"] == "Bearer" and body["expires_in"] == 86400, "the token response follows RFC 6749")

id_token = jwt.decode(body["id_token"], keys, algorithms=algorithms)
claims = id_token.claims
check(id_token.header["kid"] in [key["kid"] for key in json.loads(authlete.getServiceJwks())["keys"]], "the ID token names a published kid")
check(claims["iss"] == "https://flows.example.com" and claims["aud"] == [client_id] and claims["sub"] == "alice", "ID token iss, aud, sub")
check(claims["nonce"] == "n-0S6" and claims["azp"] == client_id, "ID token nonce and azp")
check(claims["at_hash"] == half_hash(body["access_token"]), "ID token at_hash matches the access token")
check(claims["email"] == "alice@example.com" and claims["exp"] > time.time(), "ID token claims and expiry")

replay = authlete.token(token_request)
check(replay.action == TokenAction.BAD_REQUEST and json.loads(replay.responseContent)["error"] == "invalid_grant",
      "a second redemption of the code is invalid_grant")

# The replay revoked the tokens: start again for the refresh part.
authorization = authlete.authorization(request)
issue.ticket = authorization.ticket
issued = authlete.authorizationIssue(issue)
token_request.parameters = "grant_type=authorization_code&code=%s&redirect_uri=%s&code_verifier=%s" % (
    issued.authorizationCode, quote("https://client.example.com/cb", safe=""), verifier)
tokens = authlete.token(token_request)
original = jwt.decode(json.loads(tokens.responseContent)["id_token"], keys, algorithms=algorithms).claims

refresh_request = TokenRequest()
refresh_request.parameters = "grant_type=refresh_token&refresh_token=" + tokens.refreshToken
refresh_request.clientId = client_id
refresh_request.clientSecret = client_secret
refreshed = authlete.token(refresh_request)
check(refreshed.action == TokenAction.ID_TOKEN_REISSUABLE, "a refresh with openid answers ID_TOKEN_REISSUABLE")
check(refreshed.refreshToken != tokens.refreshToken, "the refresh token was rotated")

time.sleep(1.1)
reissue = IDTokenReissueRequest()
reissue.accessToken = refreshed.jwtAccessToken or refreshed.accessToken
reissue.refreshToken = refreshed.refreshToken
reissue.claims = json.dumps({"email": "alice@example.org"})
reissued = authlete.idTokenReissue(reissue)
check(reissued.action == IDTokenReissueAction.OK, "idTokenReissue answers OK")
renewed = jwt.decode(reissued.idToken, keys, algorithms=algorithms).claims
for name in ["iss", "sub", "aud", "azp", "auth_time"]:
    check(renewed[name] == original[name], "the reissued ID token keeps %s" % name)
check(renewed["iat"] > original["iat"], "the reissued ID token is newer")
check(renewed["email"] == "alice@example.org", "the reissued ID token carries the new claims")
content = json.loads(reissued.responseContent)
check(content["id_token"] == reissued.idToken and content["refresh_token"] == refreshed.refreshToken,
      "the reissue response holds the tokens and the new ID token")

# A pushed authorization request (RFC 9126): the PAR endpoint forwards the body and the Basic credentials; the
# authorization endpoint then gets only client_id and request_uri.
push = PushedAuthReqRequest()
push.parameters = ("response_type=code&redirect_uri=%s&scope=openid&state=par-state&nonce=n-par"
                   "&code_challenge=%s&code_challenge_method=S256" % (quote("https://client.example.com/cb", safe=""), challenge))
push.clientId = client_id
push.clientSecret = client_secret
pushed = authlete.pushAuthorizationRequest(push)
check(pushed.action == PushedAuthReqAction.CREATED, "the pushed request answers CREATED")
check(pushed.requestUri.startswith("urn:ietf:params:oauth:request_uri:"), "the request_uri is a PAR URN")
check(json.loads(pushed.responseContent) == {"request_uri": pushed.requestUri, "expires_in": 600},
      "the PAR response body follows RFC 9126 §2.2")
front = AuthorizationRequest()
front.parameters = "client_id=%s&request_uri=%s" % (client_id, quote(pushed.requestUri, safe=""))
authorization = authlete.authorization(front)
check(authorization.action == AuthorizationAction.INTERACTION, "the pushed request's request_uri gets a ticket")
issue.ticket = authorization.ticket
issued = authlete.authorizationIssue(issue)
query = parse_qs(urlsplit(issued.responseContent).query)
check(query["state"] == ["par-state"], "the redirect carries the pushed state")
token_request.parameters = "grant_type=authorization_code&code=%s&redirect_uri=%s&code_verifier=%s" % (
    query["code"][0], quote("https://client.example.com/cb", safe=""), verifier)
tokens = authlete.token(token_request)
check(tokens.action == TokenAction.OK, "the code of a pushed request is redeemed")
check(jwt.decode(json.loads(tokens.responseContent)["id_token"], keys, algorithms=algorithms).claims["nonce"] == "n-par",
      "its ID token carries the pushed nonce")
again = authlete.authorization(front)
check(again.action == AuthorizationAction.BAD_REQUEST and json.loads(again.responseContent)["error"] == "invalid_request_uri",
      "a request_uri is used once")
push.clientSecret = "wrong"
check(authlete.pushAuthorizationRequest(push).action == PushedAuthReqAction.UNAUTHORIZED, "a wrong secret at PAR is UNAUTHORIZED")

# A request object (RFC 9101) signed by joserfc with a key the client registered, pushed, then used.
signing_key = ECKey.generate_key("P-256", parameters={"kid": "request-key", "alg": "ES256", "use": "sig"})
signer_client = requests.post("%s/api/%s/client/create" % (base_url, service_id), headers=headers, data=json.dumps({
    "clientName": "Signing client", "redirectUris": ["https://client.example.com/cb"], "grantTypes": ["AUTHORIZATION_CODE"],
    "jwks": json.dumps({"keys": [signing_key.as_dict(private=False)]}), "requestSignAlg": "ES256"})).json()
signer_id = str(signer_client["clientId"])
now = int(time.time())
request_object = jwt.encode({"alg": "ES256", "kid": "request-key"}, {
    "iss": signer_id, "aud": "https://flows.example.com", "exp": now + 300, "nbf": now - 10, "client_id": signer_id,
    "response_type": "code", "redirect_uri": "https://client.example.com/cb", "scope": "openid", "state": "jar-state",
    "nonce": "n-jar", "max_age": 600, "code_challenge": challenge, "code_challenge_method": "S256"}, signing_key)
push = PushedAuthReqRequest()
push.parameters = "request=" + request_object
push.clientId = signer_id
push.clientSecret = signer_client["clientSecret"]
pushed = authlete.pushAuthorizationRequest(push)
check(pushed.action == PushedAuthReqAction.CREATED, "a pushed request object answers CREATED")
front.parameters = "client_id=%s&request_uri=%s" % (signer_id, quote(pushed.requestUri, safe=""))
authorization = authlete.authorization(front)
check(authorization.action == AuthorizationAction.INTERACTION and authorization.maxAge == 600,
      "the request object's parameters are the request's")
check(json.loads(authorization.requestObjectPayload)["state"] == "jar-state", "requestObjectPayload holds the verified claims")
forged = jwt.encode({"alg": "ES256", "kid": "request-key"}, {"client_id": signer_id, "response_type": "code"},
                    ECKey.generate_key("P-256", parameters={"kid": "request-key"}))
direct = AuthorizationRequest()
direct.parameters = "client_id=%s&request=%s" % (signer_id, forged)
refused = authlete.authorization(direct)
check(refused.action == AuthorizationAction.BAD_REQUEST and json.loads(refused.responseContent)["error"] == "invalid_request_object",
      "a request object signed with another key is invalid_request_object")

# DPoP (RFC 9449) the FAPI 2.0 way: a proof with the pushed request binds the code, the token request's proof binds
# the tokens (after the server nonce), and the resource server's introspection takes the token only with a proof.
dpop_service = requests.post(base_url + "/api/service/create", headers=headers, data=json.dumps({
    "serviceName": "Interop DPoP", "issuer": "https://dpop.example.com", "accessTokenSignAlg": "ES256",
    "tokenEndpoint": "https://dpop.example.com/token", "pushedAuthReqEndpoint": "https://dpop.example.com/par",
    "dpopNonceRequired": True, "supportedGrantTypes": ["AUTHORIZATION_CODE", "REFRESH_TOKEN"]})).json()
dpop_id = dpop_service["apiKey"]
dpop_token = requests.post("%s/api/%s/service/token/create" % (base_url, dpop_id), headers=headers, data="{}").json()["accessToken"]
spa = requests.post("%s/api/%s/client/create" % (base_url, dpop_id), headers=headers, data=json.dumps({
    "clientName": "DPoP SPA", "clientType": "PUBLIC", "redirectUris": ["https://client.example.com/cb"],
    "grantTypes": ["AUTHORIZATION_CODE", "REFRESH_TOKEN"], "tokenAuthMethod": "NONE", "dpopRequired": True})).json()
spa_id = str(spa["clientId"])
dpop_api = authlete_api(base_url, dpop_token, dpop_id)
dpop_keys = KeySet.import_key_set(json.loads(dpop_api.getServiceJwks()))
dpop_key = ECKey.generate_key("P-256")


def proof(htm, htu, nonce=None, access_token=None):
    claims = {"jti": secrets.token_urlsafe(16), "htm": htm, "htu": htu, "iat": int(time.time())}
    if nonce:
        claims["nonce"] = nonce
    if access_token:
        claims["ath"] = b64url(hashlib.sha256(access_token.encode()).digest())
    return jwt.encode({"typ": "dpop+jwt", "alg": "ES256", "jwk": dpop_key.as_dict(private=False)}, claims, dpop_key)


push = PushedAuthReqRequest()
push.parameters = ("client_id=%s&response_type=code&redirect_uri=%s&scope=openid&state=dpop-state"
                   "&code_challenge=%s&code_challenge_method=S256" % (spa_id, quote("https://client.example.com/cb", safe=""), challenge))
push.dpop = proof("POST", "https://dpop.example.com/par")
pushed = dpop_api.pushAuthorizationRequest(push)
check(pushed.action == PushedAuthReqAction.BAD_REQUEST and json.loads(pushed.responseContent)["error"] == "use_dpop_nonce"
      and pushed.dpopNonce, "a proof without the server nonce is use_dpop_nonce, with the nonce to use")
nonce = pushed.dpopNonce
push.dpop = proof("POST", "https://dpop.example.com/par", nonce)
pushed = dpop_api.pushAuthorizationRequest(push)
check(pushed.action == PushedAuthReqAction.CREATED, "a pushed request with a DPoP proof and the nonce answers CREATED")
front = AuthorizationRequest()
front.parameters = "client_id=%s&request_uri=%s" % (spa_id, quote(pushed.requestUri, safe=""))
authorization = dpop_api.authorization(front)
issue.ticket = authorization.ticket
issued = dpop_api.authorizationIssue(issue)
code = parse_qs(urlsplit(issued.responseContent).query)["code"][0]
dpop_request = TokenRequest()
dpop_request.parameters = "grant_type=authorization_code&client_id=%s&code=%s&redirect_uri=%s&code_verifier=%s" % (
    spa_id, code, quote("https://client.example.com/cb", safe=""), verifier)
dpop_request.dpop = proof("POST", "https://dpop.example.com/token", nonce)
tokens = dpop_api.token(dpop_request)
check(tokens.action == TokenAction.OK and tokens.dpopNonce == nonce, "the DPoP token request answers OK, with the nonce")
body = json.loads(tokens.responseContent)
access = jwt.decode(body["access_token"], dpop_keys, algorithms=["ES256"])
check(body["token_type"] == "DPoP" and access.claims["cnf"] == {"jkt": dpop_key.thumbprint()},
      "the JWT access token is bound to joserfc's thumbprint of the key (cnf.jkt)")
introspection = IntrospectionRequest()
introspection.token = body["access_token"]
introspection.htm = "GET"
introspection.htu = "https://api.example.com/photos"
introspection.dpop = proof("GET", "https://api.example.com/photos", nonce, body["access_token"])
check(dpop_api.introspection(introspection).action == IntrospectionAction.OK, "introspection with a proof by the key answers OK")
introspection.dpop = None
refused = dpop_api.introspection(introspection)
check(refused.action == IntrospectionAction.UNAUTHORIZED and refused.responseContent.startswith('DPoP error="invalid_token"'),
      "introspection of a DPoP-bound token without a proof is UNAUTHORIZED with a DPoP challenge")
dpop_request.parameters = "grant_type=refresh_token&client_id=%s&refresh_token=%s" % (spa_id, body["refresh_token"])
dpop_request.dpop = proof("POST", "https://dpop.example.com/token", nonce)
refreshed = dpop_api.token(dpop_request)
check(refreshed.action == TokenAction.OK and json.loads(refreshed.responseContent)["token_type"] == "DPoP",
      "the public client's bound refresh token refreshes with a proof by its key")

check.summary()
